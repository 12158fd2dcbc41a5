package syncit

import "testing"

// A task alice takes part in that also lies in a task folder bob shares
// with her shows in both folders locally, as on the server, and leaving
// one of them keeps it in the other.
func TestTaskInTwoFolders(t *testing.T) {
	e := setup(t)
	mine, bobs := defaultFolder(t, e.alice, "tasks"), defaultFolder(t, e.bob, "tasks")
	MustOK(t, e.bob.Put("folders", map[string]any{"permissions": []any{
		map[string]any{"entity": e.bob.UserID, "group": false, "bits": 403710016},
		map[string]any{"entity": e.alice.UserID, "group": false, "bits": 513}, // see the folder, read all
	}}, "action", "update", "id", itoa(bobs), "tree", "1", "timestamp", farFuture))
	both := create(t, e.bob, "tasks", map[string]any{"folder_id": bobs, "title": "Both folders",
		"participants": []any{map[string]any{"id": e.bob.UserID, "type": 1}, map[string]any{"id": e.alice.UserID, "type": 1}}})
	for _, f := range []int64{mine, bobs} {
		if !ids(t, e.alice, "tasks", f)[both] {
			t.Fatalf("server: %d not in folder %d", both, f)
		}
	}
	l := e.attach(t)
	for _, f := range []int64{mine, bobs} {
		if !ids(t, l, "tasks", f)[both] {
			t.Fatalf("local: %d not in folder %d after the initial sync", both, f)
		}
		if o, code := getObj(t, l, "tasks", both, f); code != "" || num(o["folder_id"]) != f {
			t.Fatalf("local get in %d: %v %s", f, o, code)
		}
	}
	MustOK(t, e.bob.Put("tasks", map[string]any{"title": "Both, renamed"},
		"action", "update", "id", itoa(both), "folder", itoa(bobs), "timestamp", farFuture))
	l.Sync()
	for _, f := range []int64{mine, bobs} {
		if o, code := getObj(t, l, "tasks", both, f); code != "" || o["title"] != "Both, renamed" {
			t.Fatalf("local get in %d after the change: %v %s", f, o, code)
		}
	}
	// bob drops alice: it leaves her folder and stays in his.
	MustOK(t, e.bob.Put("tasks", map[string]any{"participants": []any{map[string]any{"id": e.bob.UserID, "type": 1}}},
		"action", "update", "id", itoa(both), "folder", itoa(bobs), "timestamp", farFuture))
	if ids(t, e.alice, "tasks", mine)[both] || !ids(t, e.alice, "tasks", bobs)[both] {
		t.Fatal("server: the participant change did not move the task as expected")
	}
	l.Sync()
	if ids(t, l, "tasks", mine)[both] {
		t.Fatal("local: still in alice's folder after she was removed")
	}
	if !ids(t, l, "tasks", bobs)[both] {
		t.Fatal("local: gone from bob's folder, where it still is")
	}
	MustOK(t, e.bob.Put("tasks", []any{map[string]any{"id": both, "folder": bobs}}, "action", "delete", "timestamp", farFuture))
	l.Sync()
	if ids(t, l, "tasks", bobs)[both] {
		t.Fatal("local: still there after the deletion")
	}
}
