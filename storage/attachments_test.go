package storage_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"oxlite/storage"
)

// TestDeletedAttachmentsPerParent checks that attachment deletions are
// reported per parent object, whichever path deleted them, and that the
// parent bookkeeping goes with the tombstones when they are pruned.
func TestDeletedAttachmentsPerParent(t *testing.T) {
	ctx := context.Background()
	db, cid, uid := settingsDB(t, "attachments-gone")
	add := func(tx *storage.Tx, attached int64) int64 {
		t.Helper()
		id, err := tx.NextID(storage.SeqAttach)
		if err != nil {
			t.Fatal(err)
		}
		stamp, _ := tx.Stamp()
		if err := tx.InsertAttachment(&storage.Attachment{ID: id, Module: storage.ModuleContact, FolderID: 6, Attached: attached,
			CreatedBy: uid, CreationDate: stamp, LastModified: stamp, Filename: "f", BlobKey: storage.NewBlobKey()}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	var a1, a2, b1 int64
	if err := db.Write(ctx, cid, func(tx *storage.Tx) error {
		a1, a2, b1 = add(tx, 100), add(tx, 100), add(tx, 200)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	since, _ := db.LastStamp(ctx, cid)
	if err := db.Write(ctx, cid, func(tx *storage.Tx) error {
		keys, err := tx.DetachAttachments(storage.ModuleContact, 100, []int64{a1})
		if len(keys) != 1 {
			t.Errorf("detach returned keys %v", keys)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// A detach naming an attachment of another parent fails as a whole.
	err := db.Write(ctx, cid, func(tx *storage.Tx) error {
		_, err := tx.DetachAttachments(storage.ModuleContact, 100, []int64{a2, b1})
		return err
	})
	if !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
	if err := db.Write(ctx, cid, func(tx *storage.Tx) error {
		_, err := tx.DeleteAttachmentsOf(storage.ModuleContact, 200)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	got100, _, err := db.DeletedAttachments(ctx, cid, storage.ModuleContact, 100, since)
	if err != nil {
		t.Fatal(err)
	}
	got200, seq, err := db.DeletedAttachments(ctx, cid, storage.ModuleContact, 200, since)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got100, []int64{a1}) || !slices.Equal(got200, []int64{b1}) || seq <= since {
		t.Fatalf("deleted per parent: 100 → %v, 200 → %v (seq %d)", got100, got200, seq)
	}
	if left, _ := db.Attachments(ctx, cid, storage.ModuleContact, 100); len(left) != 1 || left[0].ID != a2 {
		t.Fatalf("parent 100 keeps a2: %v", left)
	}

	if _, err := db.PruneTombstones(ctx, seq+1); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM attachment_gone WHERE cid = ?`, cid).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("pruning tombstones must drop their parent records, %d left", n)
	}
}

func TestAttachmentParentTables(t *testing.T) {
	ctx := context.Background()
	db, cid, uid := settingsDB(t, "attachments-parent")
	var contactID int64
	if err := db.QueryRow(ctx, `SELECT contact_id FROM users WHERE cid = ? AND id = ?`, cid, uid).Scan(&contactID); err != nil {
		t.Fatal(err)
	}
	p, err := db.AttachmentParent(ctx, cid, "contacts", contactID)
	if err != nil || p.FolderID != 6 || p.CreatedBy != uid || p.Private {
		t.Fatalf("user contact as parent: %+v %v", p, err)
	}
	if _, err := db.AttachmentParent(ctx, cid, "contacts", 987654); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown object: %v", err)
	}
	if _, err := db.AttachmentParent(ctx, cid, "no_such_table", 1); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("missing table: %v", err)
	}
	if _, err := db.AttachmentParent(ctx, cid, "contacts; DROP TABLE users", 1); err == nil || errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("an invalid table name must be refused: %v", err)
	}
	if err := db.Write(ctx, cid, func(tx *storage.Tx) error { return tx.TouchAttachmentParent("contacts", contactID, 42) }); err != nil {
		t.Fatal(err)
	}
	var lm, mb int64
	if err := db.QueryRow(ctx, `SELECT last_modified, modified_by FROM contacts WHERE cid = ? AND id = ?`, cid, contactID).Scan(&lm, &mb); err != nil {
		t.Fatal(err)
	}
	last, _ := db.LastStamp(ctx, cid)
	if lm != last || mb != 42 {
		t.Fatalf("touch: last_modified %d (sequence %d), modified_by %d", lm, last, mb)
	}
}
