package storage_test

import (
	"context"
	"errors"
	"testing"

	"oxlite/storage"
)

func TestSnippetStore(t *testing.T) {
	ctx := context.Background()
	db, cid, uid := settingsDB(t, "snippets")
	misc := `{"insertion":"below"}`
	acc := int64(0)
	own := &storage.Snippet{CreatedBy: uid, Type: "signature", DisplayName: "Sig", Content: "c", Misc: &misc, AccountID: &acc}
	other := &storage.Snippet{CreatedBy: uid + 1, Type: "signature", Shared: false}
	shared := &storage.Snippet{CreatedBy: uid + 1, Type: "template", Shared: true}
	if err := db.Write(ctx, cid, func(tx *storage.Tx) error {
		for _, s := range []*storage.Snippet{own, other, shared} {
			id, err := tx.NextID(storage.SeqSnippet)
			if err != nil {
				return err
			}
			s.ID = id
			if err := tx.InsertSnippet(s); err != nil {
				return err
			}
		}
		for _, name := range []string{"b.png", "a.png"} {
			if err := tx.AddSnippetFile(own.ID, &storage.SnippetFile{ID: name, Filename: name, MimeType: "image/png", Size: 3, BlobKey: storage.NewBlobKey()}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	vis, err := db.VisibleSnippets(ctx, cid, uid, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(vis) != 2 || vis[0].ID != own.ID || vis[1].ID != shared.ID {
		t.Fatalf("visible: %+v", vis)
	}
	// Files keep their upload order.
	if f := vis[0].Files; len(f) != 2 || f[0].ID != "b.png" || f[1].ID != "a.png" {
		t.Fatalf("files: %+v", f)
	}
	if vis[0].Misc == nil || *vis[0].Misc != misc || vis[0].AccountID == nil || *vis[0].AccountID != 0 || vis[1].AccountID != nil {
		t.Fatalf("misc/accountid round trip: %+v / %+v", vis[0], vis[1])
	}
	if typed, _ := db.VisibleSnippets(ctx, cid, uid, []string{"template"}); len(typed) != 1 || typed[0].ID != shared.ID {
		t.Fatalf("type filter: %+v", typed)
	}
	var keys []string
	if err := db.Write(ctx, cid, func(tx *storage.Tx) error {
		if _, err := tx.RemoveSnippetFile(own.ID, "nope"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("removing an unknown file: %v", err)
		}
		var err error
		keys, err = tx.DeleteSnippet(own.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("delete returns the blob keys: %v", keys)
	}
	if _, err := db.Snippet(ctx, cid, own.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("deleted snippet: %v", err)
	}
}
