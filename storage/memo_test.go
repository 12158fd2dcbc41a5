package storage_test

import (
	"context"
	"testing"

	"oxlite/storage"
)

// The memo must never serve a read made stale by a commit, whichever way
// the commit was made.
func TestMemoSeesEveryCommit(t *testing.T) {
	ctx := context.Background()
	db, cid, uid := openWith(t, storage.WorkerOptions(storage.MemoryDSN("memo-commits"), 2))
	ids, err := db.DefaultFolderIDs(ctx, cid, uid)
	if err != nil {
		t.Fatal(err)
	}
	id := ids["contacts"]
	title := func() string {
		t.Helper()
		f, err := db.Folder(ctx, cid, id)
		if err != nil {
			t.Fatal(err)
		}
		return f.Title
	}
	before := title()

	// A caller changing what it got does not change what the next one gets.
	f, _ := db.Folder(ctx, cid, id)
	f.Title = "scribbled"
	f.Permissions[0].Read = 0
	if got, _ := db.Folder(ctx, cid, id); got.Title != before || got.Permissions[0].Read == 0 {
		t.Fatalf("a caller's change leaked into the memo: %q %+v", got.Title, got.Permissions[0])
	}

	// Through a write transaction.
	if err := db.Write(ctx, cid, func(tx *storage.Tx) error {
		f, err := tx.Folder(id)
		if err != nil {
			return err
		}
		f.Title = "by Write"
		return tx.UpdateFolder(f)
	}); err != nil {
		t.Fatal(err)
	}
	if got := title(); got != "by Write" {
		t.Fatalf("after Write: %q", got)
	}
	// Through Exec, outside a transaction.
	if _, err := db.Exec(ctx, `UPDATE folders SET title = 'by Exec' WHERE cid = ? AND id = ?`, cid, id); err != nil {
		t.Fatal(err)
	}
	if got := title(); got != "by Exec" {
		t.Fatalf("after Exec: %q", got)
	}
	// Straight through database/sql: only SQLite's commit hook sees it.
	if _, err := db.SQL.ExecContext(ctx, `UPDATE folders SET title = 'by SQL' WHERE cid = ? AND id = ?`, cid, id); err != nil {
		t.Fatal(err)
	}
	if got := title(); got != "by SQL" {
		t.Fatalf("after a commit outside the storage API: %q", got)
	}
	// A rolled-back write changes nothing, and the memo still answers right.
	_ = db.Write(ctx, cid, func(tx *storage.Tx) error {
		if _, err := tx.Exec(`UPDATE folders SET title = 'rolled back' WHERE cid = ? AND id = ?`, cid, id); err != nil {
			return err
		}
		return context.Canceled
	})
	if got := title(); got != "by SQL" {
		t.Fatalf("after a rollback: %q", got)
	}

	// Users: a disabled user must not stay enabled in memory.
	if got, err := db.UserByID(ctx, cid, uid); err != nil || !got.Enabled {
		t.Fatalf("user: %+v %v", got, err)
	}
	if _, err := db.SQL.ExecContext(ctx, `UPDATE users SET enabled = 0 WHERE cid = ? AND id = ?`, cid, uid); err != nil {
		t.Fatal(err)
	}
	if got, err := db.UserByID(ctx, cid, uid); err != nil || got.Enabled {
		t.Fatalf("user still enabled after the update: %+v %v", got, err)
	}
}
