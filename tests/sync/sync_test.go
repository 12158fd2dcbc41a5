package syncit

import (
	"context"
	"testing"
)

// env is a server with alice and bob, alice's local store and a second
// session of alice on the server (the "other device").
type env struct {
	s          *Server
	alice, bob *Client
	local      *Local
	conFolder  int64
	taskFolder int64
}

func setup(t *testing.T, flags ...string) *env {
	t.Helper()
	s := StartServer(t, flags...)
	s.AddUser("alice", "pw-alice", "--display-name", "Alice A", "--timezone", "Europe/Berlin")
	s.AddUser("bob", "pw-bob", "--display-name", "Bob B")
	e := &env{s: s, alice: s.Login("alice", "pw-alice"), bob: s.Login("bob", "pw-bob")}
	e.conFolder = defaultFolder(t, e.alice, "contacts")
	e.taskFolder = defaultFolder(t, e.alice, "tasks")
	return e
}

// attach creates alice's local store and runs the initial sync.
func (e *env) attach(t *testing.T) *Local {
	t.Helper()
	e.local = NewLocal(t, e.s, "alice", "pw-alice")
	if err := e.local.Engine.InitialSync(context.Background()); err != nil {
		t.Fatalf("initial sync: %v", err)
	}
	return e.local
}

func TestInitialSyncFillsStore(t *testing.T) {
	e := setup(t)
	c1 := create(t, e.alice, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Carla", "last_name": "Cole",
		"email1": "carla@example.com", "birthday": 946684800000})
	create(t, e.alice, "contacts", map[string]any{"folder_id": e.conFolder, "display_name": "Dan"})
	tk := create(t, e.alice, "tasks", map[string]any{"folder_id": e.taskFolder, "title": "Write report", "priority": 3,
		"start_time": 1893456000000, "end_time": 1893459600000})
	l := e.attach(t)
	if got := ids(t, l, "contacts", e.conFolder); len(got) != 2 || !got[c1] {
		t.Fatalf("local contacts %v", got)
	}
	srv, _ := getObj(t, e.alice, "contacts", c1, e.conFolder)
	loc, code := getObj(t, l, "contacts", c1, e.conFolder)
	if code != "" {
		t.Fatalf("local get: %s", code)
	}
	for _, k := range []string{"first_name", "last_name", "email1", "birthday", "created_by", "creation_date", "uid", "display_name"} {
		if jsonString(srv[k]) != jsonString(loc[k]) {
			t.Errorf("%s: server %v local %v", k, srv[k], loc[k])
		}
	}
	st, _ := getObj(t, e.alice, "tasks", tk, e.taskFolder)
	lt, code := getObj(t, l, "tasks", tk, e.taskFolder)
	if code != "" {
		t.Fatalf("local task get: %s", code)
	}
	for _, k := range []string{"title", "priority", "start_time", "end_time", "full_time", "status", "created_by", "uid"} {
		if jsonString(st[k]) != jsonString(lt[k]) {
			t.Errorf("task %s: server %v local %v", k, st[k], lt[k])
		}
	}
	// The folder tree is the server's.
	if defaultFolder(t, l, "contacts") != e.conFolder || defaultFolder(t, l, "tasks") != e.taskFolder {
		t.Fatal("default folders differ")
	}
	if st := l.State(); st["pending"].(float64) != 0 || st["online"] != true || st["last_sync"].(float64) == 0 {
		t.Fatalf("state %v", st)
	}
}

func TestOfflineWritesArePushed(t *testing.T) {
	e := setup(t)
	keep := create(t, e.alice, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Keep", "last_name": "Me"})
	gone := create(t, e.alice, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Gone"})
	oldTask := create(t, e.alice, "tasks", map[string]any{"folder_id": e.taskFolder, "title": "Old"})
	l := e.attach(t)

	// Offline: nothing talks to the server until Sync.
	newC := create(t, l, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Nina", "email1": "nina@example.com"})
	if newC >= 0 {
		t.Fatalf("offline contact got id %d, want a temporary negative id", newC)
	}
	MustOK(t, l.Put("contacts", map[string]any{"last_name": "Mine"}, "action", "update", "id", itoa(keep), "folder", itoa(e.conFolder),
		"timestamp", "2116800000000"))
	MustOK(t, l.Put("contacts", []any{map[string]any{"id": gone, "folder": e.conFolder}}, "action", "delete", "timestamp", "2116800000000"))
	newT := create(t, l, "tasks", map[string]any{"folder_id": e.taskFolder, "title": "Offline task", "percent_completed": 0})
	MustOK(t, l.Put("tasks", map[string]any{"title": "Old, renamed", "status": 2, "percent_completed": 50}, "action", "update",
		"id", itoa(oldTask), "folder", itoa(e.taskFolder), "timestamp", "2116800000000"))
	if p := l.State()["pending"].(float64); p != 5 {
		t.Fatalf("pending %v, want 5", p)
	}
	if l.Writes.Load() != 5 {
		t.Fatalf("OnWrite called %d times", l.Writes.Load())
	}
	l.Sync()
	if p := l.State()["pending"].(float64); p != 0 {
		t.Fatalf("pending after sync %v", p)
	}
	// Another session of alice sees it all.
	o, _ := getObj(t, e.alice, "contacts", keep, e.conFolder)
	if o["last_name"] != "Mine" || o["first_name"] != "Keep" {
		t.Fatalf("server contact %v", o)
	}
	if _, code := getObj(t, e.alice, "contacts", gone, e.conFolder); code == "" {
		t.Fatal("deleted contact still on the server")
	}
	var nina map[string]any
	for id := range ids(t, e.alice, "contacts", e.conFolder) {
		if c, _ := getObj(t, e.alice, "contacts", id, e.conFolder); c["first_name"] == "Nina" {
			nina = c
		}
	}
	if nina == nil || nina["email1"] != "nina@example.com" {
		t.Fatalf("offline contact not on the server: %v", nina)
	}
	ot, _ := getObj(t, e.alice, "tasks", oldTask, e.taskFolder)
	if ot["title"] != "Old, renamed" || num(ot["percent_completed"]) != 50 {
		t.Fatalf("server task %v", ot)
	}
	found := false
	for id := range ids(t, e.alice, "tasks", e.taskFolder) {
		if tk, _ := getObj(t, e.alice, "tasks", id, e.taskFolder); tk["title"] == "Offline task" {
			found = true
		}
	}
	if !found {
		t.Fatal("offline task not on the server")
	}
	_ = newT
	// Locally the objects now carry server ids.
	local := ids(t, l, "contacts", e.conFolder)
	if local[newC] || !local[num(nina["id"])] || local[gone] {
		t.Fatalf("local ids after push %v (temp %d, server %v)", local, newC, nina["id"])
	}
}
