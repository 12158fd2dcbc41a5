package storage_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"oxlite/storage"
)

// Statistics gathered once serve every connection of the pool: a
// connection that loaded the schema while the store was empty must not
// gather them again (in the service worker each analysis of a large
// store took seconds).
func TestOptimizeAnalysesOnce(t *testing.T) {
	ctx := context.Background()
	db, cid, uid := openWith(t, storage.WorkerOptions(storage.MemoryDSN("optimize-once"), 3))
	var analyses atomic.Int32
	db.SetTrace(func(q string, _ []any) {
		if strings.HasPrefix(q, "ANALYZE main.") {
			analyses.Add(1)
		}
	})
	// Three connections that loaded the schema while contacts was empty;
	// the first stays busy through the first optimization.
	var held []interface{ Close() error }
	for range 3 {
		c, err := db.SQL.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ExecContext(ctx, `SELECT count(*) FROM contacts`); err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	held[1].Close()
	held[2].Close()
	if err := db.Write(ctx, cid, func(tx *storage.Tx) error {
		_, err := tx.Exec(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20000)
			INSERT INTO contacts(cid, id, folder_id, created_by, modified_by, creation_date, last_modified, display_name, uid, fields)
			SELECT ?, i, 777, ?, ?, 1, 1, 'Seed ' || i, 'seed-' || i, '{}' FROM s`, cid, uid, uid)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	first := analyses.Load()
	if first == 0 {
		t.Fatal("20,000 new contacts were not analysed")
	}
	// The connection that was busy meanwhile optimizes next (the pool
	// hands out the connection returned last).
	held[0].Close()
	for range 3 {
		if err := db.Optimize(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := analyses.Load(); n != first {
		t.Fatalf("analysed again: %d statements after the first optimization's %d", n-first, first)
	}
	// A fresh connection plans with the new statistics.
	c, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rows, err := c.QueryContext(ctx, `PRAGMA optimize=0x10003`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		rows.Scan(&s)
		t.Errorf("a pooled connection would still analyse: %s", s)
	}
}
