package storage_test

import (
	"context"
	"testing"

	"oxlite/storage"
)

// The folder counters follow every way rows enter, move between and
// leave folders, for contacts and for the folder mappings of tasks and
// appointments.
func TestFolderCountsFollowWrites(t *testing.T) {
	ctx := context.Background()
	db, cid, uid := openWith(t, storage.Options{DSN: storage.MemoryDSN("folder-counts")})
	const a, b, c = 1001, 1002, 1003
	folders := []int64{a, b, c}
	exec := func(q string, args ...any) {
		t.Helper()
		if err := db.Write(ctx, cid, func(tx *storage.Tx) error {
			_, err := tx.Exec(q, args...)
			return err
		}); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	check := func(step string) {
		t.Helper()
		for _, m := range []struct {
			table string
			got   func(context.Context, int64, []int64) (map[int64]int64, error)
		}{{"contacts", db.ContactCounts}, {"task_folders", db.TaskCounts}, {"appointment_folders", db.AppointmentCounts}} {
			got, err := m.got(ctx, cid, folders)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range folders {
				var want int64
				if err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM `+m.table+` WHERE cid = ? AND folder_id = ?`, cid, f).Scan(&want); err != nil {
					t.Fatal(err)
				}
				if got[f] != want {
					t.Errorf("%s: %s in folder %d: counter %d, rows %d", step, m.table, f, got[f], want)
				}
			}
		}
	}
	if err := db.Write(ctx, cid, func(tx *storage.Tx) error {
		for i := range 5 {
			folder := int64(a)
			if i >= 3 {
				folder = b
			}
			if err := tx.InsertContact(&storage.ContactRow{ID: int64(100 + i), FolderID: folder, CreatedBy: uid}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		exec(`INSERT INTO task_folders(cid, task_id, user_id, folder_id) VALUES(?, ?, ?, ?)`, cid, 200+i, uid, a)
		exec(`INSERT INTO appointment_folders(cid, appointment_id, user_id, folder_id) VALUES(?, ?, ?, ?)`, cid, 300+i, uid, b)
	}
	check("inserted")
	exec(`UPDATE contacts SET folder_id = ? WHERE cid = ? AND id IN (100, 101)`, c, cid)
	exec(`UPDATE task_folders SET folder_id = ? WHERE cid = ? AND task_id = 200`, b, cid)
	exec(`UPDATE appointment_folders SET folder_id = folder_id WHERE cid = ?`, cid) // no move
	exec(`UPDATE contacts SET display_name = 'x' WHERE cid = ?`, cid)               // no move
	check("moved")
	exec(`DELETE FROM contacts WHERE cid = ? AND folder_id = ?`, cid, c)
	exec(`DELETE FROM task_folders WHERE cid = ? AND task_id = 201`, cid)
	exec(`DELETE FROM appointment_folders WHERE cid = ?`, cid)
	check("deleted")
	// A failed write leaves the counters as they were.
	_ = db.Write(ctx, cid, func(tx *storage.Tx) error {
		if _, err := tx.Exec(`DELETE FROM contacts WHERE cid = ?`, cid); err != nil {
			return err
		}
		return context.Canceled
	})
	check("rolled back")
}
