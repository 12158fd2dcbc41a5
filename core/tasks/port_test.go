package tasks

import (
	"context"
	"testing"

	"oxlite/core/protocol"
	"oxlite/core/provision"
	"oxlite/storage"

	// Registers the memdb VFS that storage.MemoryDSN names.
	_ "github.com/ncruces/go-sqlite3/vfs/memdb"
)

// The import/export entry points: what CreateTask stores, FolderTasks
// gives back with the same wire names; errors are OX errors.
func TestCreateTaskAndFolderTasks(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(ctx, storage.Options{DSN: storage.MemoryDSN("tasks-port-test")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := &provision.Service{DB: db}
	cid, _, _, err := p.AddContext(ctx, "ctx")
	if err != nil {
		t.Fatal(err)
	}
	alice, err := p.AddUser(ctx, cid, provision.NewUser{Login: "alice", Password: "pw", TimeZone: "Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := p.AddUser(ctx, cid, provision.NewUser{Login: "bob", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	ua := &protocol.User{ContextID: cid, ID: alice.ID, TimeZone: "Europe/Berlin"}
	ub := &protocol.User{ContextID: cid, ID: bob.ID}
	folder, err := db.DefaultFolder(ctx, cid, alice.ID, "tasks")
	if err != nil {
		t.Fatal(err)
	}
	m := &Module{DB: db}

	start := int64(1735722000000) // 2025-01-01 09:00 UTC
	obj := map[string]any{
		"title": "Imported", "note": "from ics", "uid": "abc-123", "status": 2, "percent_completed": 50,
		"priority": 3, "start_time": start, "end_time": start + 3600000, "full_time": false, "alarm": start - 600000,
		"categories": "a,b", "actual_costs": 1.5, "recurrence_type": 1, "interval": 2, "occurrences": 3,
		"participants": []map[string]any{{"type": 5, "mail": "ext@example.org", "display_name": "Ext"}},
	}
	id, lm, err := m.CreateTask(ctx, ua, folder, obj)
	if err != nil || id <= 0 || lm <= 0 {
		t.Fatalf("CreateTask = %d, %d, %v", id, lm, err)
	}
	got, err := m.FolderTasks(ctx, ua, folder)
	if err != nil || len(got) != 1 {
		t.Fatalf("FolderTasks = %v, %v", got, err)
	}
	o := got[0]
	for k, want := range map[string]any{
		"id": id, "folder_id": folder, "title": "Imported", "note": "from ics", "uid": "abc-123", "status": 2,
		"percent_completed": 50, "priority": int64(3), "start_time": start, "end_time": start + 3600000, "full_time": false,
		"alarm": start - 600000, "categories": "a,b", "actual_costs": 1.5, "recurrence_type": 1, "interval": int64(2),
		"occurrences": int64(3), "last_modified_utc": lm, "created_by": alice.ID,
	} {
		if o[k] != want {
			t.Errorf("%s = %#v, want %#v", k, o[k], want)
		}
	}
	if parts, _ := o["participants"].([]any); len(parts) != 1 || parts[0].(map[string]any)["mail"] != "ext@example.org" {
		t.Errorf("participants = %v", o["participants"])
	}

	// Errors are OX errors and store nothing.
	if _, _, err := m.CreateTask(ctx, ua, folder, map[string]any{"percent_completed": 300}); !ErrInvalidPercentage.Is(err) {
		t.Errorf("bad percentage: %v", err)
	}
	if _, _, err := m.CreateTask(ctx, ub, folder, map[string]any{"title": "x"}); !ErrFolderNotVisible.Is(err) {
		t.Errorf("foreign folder: %v", err)
	}
	if _, err := m.FolderTasks(ctx, ub, folder); !ErrFolderNotVisible.Is(err) {
		t.Errorf("FolderTasks of a foreign folder: %v", err)
	}
	if got, _ := m.FolderTasks(ctx, ua, folder); len(got) != 1 {
		t.Errorf("failed imports stored tasks: %d", len(got))
	}
}
