package storage

import (
	"context"
	"errors"
	"testing"
)

func TestNegativeIDsAndHooks(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{DSN: MemoryDSN("sync-negative-ids"), NegativeIDs: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var cid int64
	if err := db.Write(ctx, 0, func(tx *Tx) error {
		return tx.EnsureContext(7, "seven", 1)
	}); err != nil {
		t.Fatal(err)
	}
	cid = 7
	var seen []Allocation
	var stamped bool
	hookCtx := WithHook(ctx, func(tx *Tx) error {
		seen = append(seen, tx.Allocated()...)
		stamped = tx.Stamped()
		_, err := tx.Exec(`INSERT INTO sync_meta(key, value) VALUES('hooked', 'yes')`)
		return err
	})
	err = db.Write(hookCtx, cid, func(tx *Tx) error {
		for _, k := range []string{SeqContact, SeqContact, SeqFolder} {
			if _, err := tx.NextID(k); err != nil {
				return err
			}
		}
		_, err := tx.Stamp()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Allocation{{SeqContact, -1}, {SeqContact, -2}, {SeqFolder, -20}}
	if len(seen) != 3 || seen[0] != want[0] || seen[1] != want[1] || seen[2] != want[2] || !stamped {
		t.Fatalf("allocations seen by the hook %v (stamped %v)", seen, stamped)
	}
	if v, _ := db.SyncMeta(ctx, "hooked"); v != "yes" {
		t.Fatal("hook write not committed")
	}
	// A failing hook rolls the whole transaction back.
	boom := errors.New("boom")
	err = db.Write(WithHook(ctx, func(*Tx) error { return boom }), cid, func(tx *Tx) error {
		return tx.SetSyncFolder("contacts", 5, 99)
	})
	if !errors.Is(err, boom) {
		t.Fatalf("write with failing hook: %v", err)
	}
	if ts, _ := db.SyncFolderStamp(ctx, cid, "contacts", 5); ts != 0 {
		t.Fatal("write of a failed hook committed")
	}
	// Hooks do not leak into contexts without them, and WithoutHooks drops them.
	called := false
	hc := WithHook(ctx, func(*Tx) error { called = true; return nil })
	if err := db.Write(WithoutHooks(hc), cid, func(tx *Tx) error { return tx.SetSyncFolder("contacts", 5, 1) }); err != nil || called {
		t.Fatalf("WithoutHooks: %v %v", err, called)
	}
	// The change sequence stays ahead of pulled timestamps.
	if err := db.Write(ctx, cid, func(tx *Tx) error {
		if err := tx.AdvanceStamp(5_000_000_000_000); err != nil {
			return err
		}
		s, err := tx.Stamp()
		if s <= 5_000_000_000_000 {
			t.Errorf("stamp %d not ahead of the pulled timestamp", s)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
