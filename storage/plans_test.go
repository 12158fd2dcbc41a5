package storage_test

import (
	"context"
	"strings"
	"testing"

	"oxlite/storage"
)

// TestUpdatesReadChangedRows: `updates` of a large folder reads the few
// objects changed since the timestamp, not the whole folder. With the
// statistics of a 20,000-object folder the planner prefers walking the
// folder in id order (no sort); each query must use its modified index.
func TestUpdatesReadChangedRows(t *testing.T) {
	ctx := context.Background()
	db, cid, uid := openWith(t, storage.WorkerOptions(storage.MemoryDSN("updates-plans"), 2))
	const folder = 777
	if err := db.Write(ctx, cid, func(tx *storage.Tx) error {
		for _, q := range []string{
			`INSERT INTO contacts(cid, id, folder_id, created_by, modified_by, creation_date, last_modified, display_name, uid, fields)
				SELECT ?1, i, ?3, ?2, ?2, i, i, 'Seed ' || i, 'seed-' || i, '{}' FROM s`,
			`INSERT INTO tasks(cid, id, folder_id, created_by, modified_by, creation_date, last_modified, uid, title)
				SELECT ?1, i, ?3, ?2, ?2, i, i, 'task-' || i, 'T' || i FROM s`,
			`INSERT INTO task_folders(cid, task_id, user_id, folder_id) SELECT ?1, i, ?2, ?3 FROM s`,
			`INSERT INTO appointments(cid, id, folder_id, created_by, modified_by, creation_date, last_modified, uid, start_ms, end_ms)
				SELECT ?1, i, ?3, ?2, ?2, i, i, 'appt-' || i, i * 3600000, i * 3600000 + 1800000 FROM s`,
			`INSERT INTO appointment_folders(cid, appointment_id, user_id, folder_id) SELECT ?1, i, ?2, ?3 FROM s`,
		} {
			if _, err := tx.Exec(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20000) `+q,
				cid, uid, folder); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// The plans are read on a connection that gathered the statistics
	// (and keeps the in-memory database alive).
	plans, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer plans.Close()
	if _, err := plans.ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}

	const since = 19990
	for _, c := range []struct {
		name, index string
		run         func() (int, error)
	}{
		{"contacts", "contacts_folder", func() (int, error) {
			rows, err := db.FolderContactRows(ctx, cid, folder, since)
			return len(rows), err
		}},
		{"tasks", "tasks_modified", func() (int, error) {
			ts, err := db.TasksInFolder(ctx, cid, folder, since)
			return len(ts), err
		}},
		{"appointments", "appointments_modified", func() (int, error) {
			as, err := db.AppointmentsInFolders(ctx, cid, []int64{folder}, nil, nil, since)
			return len(as), err
		}},
	} {
		var q string
		var args []any
		db.SetTrace(func(query string, a []any) {
			if q == "" && strings.Contains(query, "last_modified > ?") {
				q, args = query, a
			}
		})
		n, err := c.run()
		db.SetTrace(nil)
		if err != nil || n != 10 {
			t.Fatalf("%s changed since: %d rows, %v", c.name, n, err)
		}
		if q == "" {
			t.Fatalf("%s: no query on last_modified seen", c.name)
		}
		rows, err := plans.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if !strings.Contains(strings.Join(plan, "\n"), "INDEX "+c.index+" (cid=? AND ") ||
			!strings.Contains(strings.Join(plan, "\n"), "last_modified>?") {
			t.Errorf("%s updates plan: %q, want a range on %s", c.name, plan, c.index)
		}
	}
}
