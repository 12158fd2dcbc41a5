package folders

import (
	"context"
	"testing"

	"oxlite/core/perm"
	"oxlite/core/protocol"
	"oxlite/core/provision"
	"oxlite/storage"

	// Registers the memdb VFS that storage.MemoryDSN names.
	_ "github.com/ncruces/go-sqlite3/vfs/memdb"
)

func TestAccessAndDefaultFolder(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(ctx, storage.Options{DSN: storage.MemoryDSN("folders-access-test")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := &provision.Service{DB: db}
	cid, _, _, err := p.AddContext(ctx, "ctx")
	if err != nil {
		t.Fatal(err)
	}
	alice, err := p.AddUser(ctx, cid, provision.NewUser{Login: "alice", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := p.AddUser(ctx, cid, provision.NewUser{Login: "bob", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	ua := &protocol.User{ContextID: cid, ID: alice.ID}
	ub := &protocol.User{ContextID: cid, ID: bob.ID}

	cal, err := db.DefaultFolder(ctx, cid, alice.ID, "calendar")
	if err != nil || cal < FirstUserID {
		t.Fatalf("DefaultFolder = %d, %v", cal, err)
	}
	if _, err := db.DefaultFolder(ctx, cid, alice.ID, "mail"); err != storage.ErrNotFound {
		t.Fatalf("DefaultFolder(mail) err = %v", err)
	}
	ids, err := db.DefaultFolderIDs(ctx, cid, alice.ID)
	if err != nil || ids["calendar"] != cal {
		t.Fatalf("DefaultFolderIDs disagrees: %v %v", ids, err)
	}

	f, pa, err := Access(ctx, db, ua, cal)
	if err != nil || f.ID != cal || pa != perm.Full {
		t.Fatalf("owner access: %+v %+v %v", f, pa, err)
	}
	if _, _, err := Access(ctx, db, ub, cal); !ErrNotVisible.Is(err) {
		t.Fatalf("other user's private folder: %v", err)
	}
	if _, _, err := Access(ctx, db, ua, 999999); !ErrNotFound.Is(err) {
		t.Fatalf("missing folder: %v", err)
	}
	_, pg, err := Access(ctx, db, ub, GAB)
	if err != nil || !pg.CanReadAll() || pg.CanCreateObjects() || !pg.CanWriteObject(true) || pg.CanWriteObject(false) {
		t.Fatalf("GAB for all users: %+v %v", pg, err)
	}

	// Share with bob through a group; the shared-folder query finds it.
	var gid int64
	err = db.Write(ctx, cid, func(tx *storage.Tx) error {
		if gid, err = tx.NextID(storage.SeqPrincipal); err != nil {
			return err
		}
		if err := tx.InsertGroup(gid, "g", "G", []int64{bob.ID}); err != nil {
			return err
		}
		return tx.ReplacePermissions(cal, []storage.Permission{perm.Full.Entry(alice.ID, false),
			perm.Permission{Folder: perm.See, Read: perm.All}.Entry(gid, true)})
	})
	if err != nil {
		t.Fatal(err)
	}
	ub.Groups = []int64{gid}
	_, pb, err := accessInTx(ctx, db, ub, cal)
	if err != nil || pb != (perm.Permission{Folder: perm.See, Read: perm.All}) {
		t.Fatalf("group access: %+v %v", pb, err)
	}
	shared, err := db.SharedFolders(ctx, cid, bob.ID, ub.Groups, "calendar")
	if err != nil || len(shared) != 1 || shared[0].ID != cal {
		t.Fatalf("SharedFolders: %v %v", shared, err)
	}
	if shared, _ := db.SharedFolders(ctx, cid, bob.ID, nil, ""); len(shared) != 0 {
		t.Fatalf("without the group bob sees %d shared folders", len(shared))
	}
	by, err := db.FoldersSharedBy(ctx, cid, alice.ID, "")
	if err != nil || len(by) != 1 || by[0].ID != cal {
		t.Fatalf("FoldersSharedBy: %v %v", by, err)
	}
}

// accessInTx runs AccessTx in its own transaction, as a module's write
// would.
func accessInTx(ctx context.Context, db *storage.DB, u *protocol.User, id int64) (f *storage.Folder, p perm.Permission, err error) {
	werr := db.Write(ctx, u.ContextID, func(tx *storage.Tx) error {
		f, p, err = AccessTx(tx, u, id)
		return nil
	})
	if werr != nil {
		return nil, p, werr
	}
	return f, p, err
}
