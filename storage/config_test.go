package storage_test

import (
	"context"
	"testing"

	_ "github.com/ncruces/go-sqlite3/vfs/memdb"

	"oxlite/core/provision"
	"oxlite/storage"
)

func settingsDB(t *testing.T, name string) (*storage.DB, int64, int64) {
	return openWith(t, storage.Options{DSN: storage.MemoryDSN(name)})
}

// openWith opens a store with one context and its user alice.
func openWith(t *testing.T, opt storage.Options) (*storage.DB, int64, int64) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := provision.Service{DB: db}
	cid, _, _, err := svc.AddContext(ctx, "ctx")
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.AddUser(ctx, cid, provision.NewUser{Login: "alice", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	return db, cid, u.ID
}

func TestDefaultFolderIDsAndUserConfig(t *testing.T) {
	ctx := context.Background()
	db, cid, uid := settingsDB(t, "settings-config")
	ids, err := db.DefaultFolderIDs(ctx, cid, uid)
	if err != nil {
		t.Fatal(err)
	}
	for module, id := range ids {
		var m string
		var owner int64
		var defType int
		err := db.QueryRow(ctx, `SELECT module, owner, default_type FROM folders WHERE cid = ? AND id = ?`, cid, id).Scan(&m, &owner, &defType)
		if err != nil || m != module || owner != uid || defType == 0 {
			t.Fatalf("%s default folder %d: %s %d %d %v", module, id, m, owner, defType, err)
		}
	}
	if len(ids) != 4 {
		t.Fatalf("want 4 default folders: %v", ids)
	}

	err = db.Write(ctx, cid, func(tx *storage.Tx) error {
		if err := tx.SetUserConfigValue(uid, "gui", `{"a":1}`); err != nil {
			return err
		}
		if err := tx.SetUserConfigValue(uid, "gui", `{"a":2}`); err != nil {
			return err
		}
		return tx.UpdateUserLocaleTZ(uid, "", "Europe/Berlin")
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, err := db.UserConfigValue(ctx, cid, uid, "gui"); err != nil || !ok || v != `{"a":2}` {
		t.Fatalf("gui: %q %v %v", v, ok, err)
	}
	u, err := db.UserByID(ctx, cid, uid)
	if err != nil || u.TimeZone != "Europe/Berlin" || u.Locale != "en_US" {
		t.Fatalf("user after UpdateUserLocaleTZ: %+v %v", u, err)
	}
	if err := db.Write(ctx, cid, func(tx *storage.Tx) error { return tx.DeleteUserConfigValue(uid, "gui") }); err != nil {
		t.Fatal(err)
	}
	if all, err := db.UserConfigValues(ctx, cid, uid); err != nil || len(all) != 0 {
		t.Fatalf("after delete: %v %v", all, err)
	}
	if err := db.Write(ctx, cid, func(tx *storage.Tx) error { return tx.UpdateUserLocaleTZ(999, "de_DE", "") }); err != storage.ErrNotFound {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestJSlobStore(t *testing.T) {
	ctx := context.Background()
	db, cid, uid := settingsDB(t, "settings-jslob")
	err := db.Write(ctx, cid, func(tx *storage.Tx) error {
		if err := tx.PutJSlob(uid, "io.ox/core", `{"x":1}`); err != nil {
			return err
		}
		if s, ok, err := tx.JSlob(uid, "io.ox/core"); err != nil || !ok || s != `{"x":1}` {
			t.Fatalf("in tx: %q %v %v", s, ok, err)
		}
		return tx.PutJSlob(uid, "io.ox/mail", `{}`)
	})
	if err != nil {
		t.Fatal(err)
	}
	all, err := db.JSlobs(ctx, cid, uid)
	if err != nil || len(all) != 2 {
		t.Fatalf("all: %v %v", all, err)
	}
	if err := db.Write(ctx, cid, func(tx *storage.Tx) error { return tx.DeleteJSlob(uid, "io.ox/core") }); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.JSlob(ctx, cid, uid, "io.ox/core"); ok || err != nil {
		t.Fatalf("deleted JSlob still there: %v %v", ok, err)
	}
}
