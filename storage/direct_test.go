package storage_test

import (
	"context"
	"reflect"
	"testing"

	"oxlite/storage"
)

// The direct reader of a folder's contacts yields exactly the rows the
// database/sql path (Contact) yields, for plain, empty and odd texts.
func TestFolderContactRowsMatchScan(t *testing.T) {
	ctx := context.Background()
	for _, opt := range []storage.Options{
		{DSN: storage.MemoryDSN("direct-native")},
		storage.WorkerOptions(storage.MemoryDSN("direct-worker"), 2),
	} {
		db, cid, uid := openWith(t, opt)
		ids, err := db.DefaultFolderIDs(ctx, cid, uid)
		if err != nil {
			t.Fatal(err)
		}
		folder := ids["contacts"]
		rows := []storage.ContactRow{
			{DisplayName: "Plain", FirstName: "A", LastName: "B", Email1: "a@b.example", Fields: map[string]any{"note": "n"}},
			{},
			{DisplayName: "Grüße ✓ \x00 nul", Company: "Q\"uote", UID: "uid-1", ImageKey: "k", ImageType: "image/png", ImageModified: 7,
				PrivateFlag: true, Fields: map[string]any{"distribution_list": []any{map[string]any{"mail": "x@y"}}, "n": 1.5}},
		}
		if err := db.Write(ctx, cid, func(tx *storage.Tx) error {
			for i := range rows {
				id, err := tx.NextID(storage.SeqContact)
				if err != nil {
					return err
				}
				rows[i].ID, rows[i].FolderID, rows[i].CreatedBy = id, folder, uid
				if err := tx.InsertContact(&rows[i]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		got, err := db.FolderContactRows(ctx, cid, folder, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(rows) {
			t.Fatalf("%d rows, want %d", len(got), len(rows))
		}
		for _, g := range got {
			want, err := db.Contact(ctx, cid, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(g, want) {
				t.Errorf("direct %+v\n  sql %+v", g, want)
			}
		}
	}
}
