package syncit

import (
	"testing"
)

const farFuture = "2116800000000"

// serverUpdate changes an object through alice's other session.
func (e *env) serverUpdate(t *testing.T, module string, id, folder int64, obj map[string]any) {
	t.Helper()
	o, code := getObj(t, e.alice, module, id, folder)
	if code != "" {
		t.Fatalf("server get: %s", code)
	}
	MustOK(t, e.alice.Put(module, obj, "action", "update", "id", itoa(id), "folder", itoa(folder),
		"timestamp", itoa(num(o["last_modified_utc"]))))
}

func TestDifferentFieldsMerge(t *testing.T) {
	e := setup(t)
	id := create(t, e.alice, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Ann", "last_name": "Old",
		"company": "Old Inc"})
	tk := create(t, e.alice, "tasks", map[string]any{"folder_id": e.taskFolder, "title": "T", "note": "n0", "priority": 1})
	l := e.attach(t)
	// Offline here: first name; meanwhile on the server: last name.
	MustOK(t, l.Put("contacts", map[string]any{"first_name": "Anna"}, "action", "update", "id", itoa(id),
		"folder", itoa(e.conFolder), "timestamp", farFuture))
	MustOK(t, l.Put("tasks", map[string]any{"note": "local note"}, "action", "update", "id", itoa(tk),
		"folder", itoa(e.taskFolder), "timestamp", farFuture))
	e.serverUpdate(t, "contacts", id, e.conFolder, map[string]any{"last_name": "New"})
	e.serverUpdate(t, "tasks", tk, e.taskFolder, map[string]any{"priority": 3})
	l.Sync()
	for _, side := range []getter{e.alice, l} {
		o, _ := getObj(t, side, "contacts", id, e.conFolder)
		if o["first_name"] != "Anna" || o["last_name"] != "New" || o["company"] != "Old Inc" {
			t.Fatalf("merged contact %v", o)
		}
		tko, _ := getObj(t, side, "tasks", tk, e.taskFolder)
		if tko["note"] != "local note" || num(tko["priority"]) != 3 {
			t.Fatalf("merged task %v", tko)
		}
	}
	if cs := l.Conflicts(); len(cs) != 0 {
		t.Fatalf("conflicts after a clean merge: %v", cs)
	}
}

func TestSameFieldConflictAndResolve(t *testing.T) {
	e := setup(t)
	id := create(t, e.alice, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Ann", "company": "Base"})
	l := e.attach(t)
	MustOK(t, l.Put("contacts", map[string]any{"company": "Local Co", "first_name": "Annie"}, "action", "update", "id", itoa(id),
		"folder", itoa(e.conFolder), "timestamp", farFuture))
	e.serverUpdate(t, "contacts", id, e.conFolder, map[string]any{"company": "Server Co"})
	l.Sync()
	cs := l.Conflicts()
	if len(cs) != 1 {
		t.Fatalf("conflicts %v", cs)
	}
	c := cs[0]
	if c["kind"] != "field" || c["field"] != "company" || c["base"] != "Base" || c["local"] != "Local Co" || c["server"] != "Server Co" ||
		num(c["object_id"]) != id || num(c["server_modified_by"]) != e.alice.UserID || num(c["server_last_modified"]) == 0 {
		t.Fatalf("conflict record %v", c)
	}
	// Nothing is dropped: the other field went through, the server's
	// value stays until the person decides.
	for _, side := range []getter{e.alice, l} {
		o, _ := getObj(t, side, "contacts", id, e.conFolder)
		if o["first_name"] != "Annie" || o["company"] != "Server Co" {
			t.Fatalf("after conflict %v", o)
		}
	}
	if n := l.State()["conflicts"].(float64); n != 1 {
		t.Fatalf("state conflicts %v", n)
	}
	// Resolve with the local value: queued, pushed with the current server timestamp.
	open := MustOK(t, l.Put("oxlite/sync", map[string]any{"id": c["id"], "use": "local"}, "action", "resolve")).Data().([]any)
	if len(open) != 0 {
		t.Fatalf("still open %v", open)
	}
	if p := l.State()["pending"].(float64); p != 1 {
		t.Fatalf("resolution not queued: pending %v", p)
	}
	l.Sync()
	o, _ := getObj(t, e.alice, "contacts", id, e.conFolder)
	if o["company"] != "Local Co" {
		t.Fatalf("resolved value not on the server: %v", o)
	}
	if len(l.Conflicts()) != 0 {
		t.Fatal("resolution produced a new conflict")
	}
	MustCode(t, l.Put("oxlite/sync", map[string]any{"id": c["id"], "use": "local"}, "action", "resolve"), "OXL-0020")
	MustCode(t, l.Put("oxlite/sync", map[string]any{"id": c["id"], "use": "both"}, "action", "resolve"), "OXL-0021")
	MustCode(t, l.Put("oxlite/sync", "{", "action", "resolve"), "SVL-0009")
}

func TestSameFieldConflictResolveServerAndMerged(t *testing.T) {
	e := setup(t)
	id := create(t, e.alice, "tasks", map[string]any{"folder_id": e.taskFolder, "title": "Base", "note": "base"})
	l := e.attach(t)
	MustOK(t, l.Put("tasks", map[string]any{"title": "Local", "note": "local"}, "action", "update", "id", itoa(id),
		"folder", itoa(e.taskFolder), "timestamp", farFuture))
	e.serverUpdate(t, "tasks", id, e.taskFolder, map[string]any{"title": "Server", "note": "server"})
	l.Sync()
	cs := l.Conflicts()
	if len(cs) != 2 {
		t.Fatalf("conflicts %v", cs)
	}
	byField := map[string]map[string]any{}
	for _, c := range cs {
		byField[c["field"].(string)] = c
	}
	MustOK(t, l.Put("oxlite/sync", []any{
		map[string]any{"id": byField["title"]["id"], "use": "server"},
		map[string]any{"id": byField["note"]["id"], "use": "merged", "value": "local + server"},
	}, "action", "resolve"))
	l.Sync()
	o, _ := getObj(t, e.alice, "tasks", id, e.taskFolder)
	if o["title"] != "Server" || o["note"] != "local + server" {
		t.Fatalf("server task %v", o)
	}
	lo, _ := getObj(t, l, "tasks", id, e.taskFolder)
	if lo["title"] != "Server" || lo["note"] != "local + server" {
		t.Fatalf("local task %v", lo)
	}
}

func TestEditAgainstDelete(t *testing.T) {
	e := setup(t)
	edited := create(t, e.alice, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Edited", "email1": "e@example.com"})
	deleted := create(t, e.alice, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Deleted"})
	l := e.attach(t)
	// Edited here, deleted on the server.
	MustOK(t, l.Put("contacts", map[string]any{"last_name": "Kept"}, "action", "update", "id", itoa(edited),
		"folder", itoa(e.conFolder), "timestamp", farFuture))
	MustOK(t, e.alice.Put("contacts", []any{map[string]any{"id": edited, "folder": e.conFolder}}, "action", "delete", "timestamp", farFuture))
	// Deleted here, edited on the server.
	MustOK(t, l.Put("contacts", []any{map[string]any{"id": deleted, "folder": e.conFolder}}, "action", "delete", "timestamp", farFuture))
	e.serverUpdate(t, "contacts", deleted, e.conFolder, map[string]any{"last_name": "Changed"})
	l.Sync()
	cs := l.Conflicts()
	if len(cs) != 2 {
		t.Fatalf("conflicts %v", cs)
	}
	kinds := map[string]map[string]any{}
	for _, c := range cs {
		kinds[c["kind"].(string)] = c
	}
	dos := kinds["deleted_on_server"]
	if dos == nil || num(dos["object_id"]) != edited {
		t.Fatalf("no deleted_on_server record: %v", cs)
	}
	if lv := dos["local"].(map[string]any); lv["last_name"] != "Kept" || lv["first_name"] != "Edited" {
		t.Fatalf("local version not kept: %v", lv)
	}
	if _, code := getObj(t, l, "contacts", edited, e.conFolder); code == "" {
		t.Fatal("the object deleted on the server is still local")
	}
	cos := kinds["changed_on_server"]
	if cos == nil || num(cos["object_id"]) != deleted || cos["server"].(map[string]any)["last_name"] != "Changed" {
		t.Fatalf("no changed_on_server record: %v", cs)
	}
	if o, code := getObj(t, l, "contacts", deleted, e.conFolder); code != "" || o["last_name"] != "Changed" {
		t.Fatalf("the object changed on the server did not come back: %v %s", o, code)
	}
	// The person keeps the local version of the first (created again) and
	// the local deletion of the second.
	MustOK(t, l.Put("oxlite/sync", []any{
		map[string]any{"id": dos["id"], "use": "local"},
		map[string]any{"id": cos["id"], "use": "local"},
	}, "action", "resolve"))
	l.Sync()
	if _, code := getObj(t, e.alice, "contacts", deleted, e.conFolder); code == "" {
		t.Fatal("the deletion was not pushed")
	}
	var back map[string]any
	for id := range ids(t, e.alice, "contacts", e.conFolder) {
		if o, _ := getObj(t, e.alice, "contacts", id, e.conFolder); o["first_name"] == "Edited" {
			back = o
		}
	}
	if back == nil || back["last_name"] != "Kept" || back["email1"] != "e@example.com" {
		t.Fatalf("the local version was not created again: %v", back)
	}
	if len(l.Conflicts()) != 0 {
		t.Fatalf("open conflicts %v", l.Conflicts())
	}
}
