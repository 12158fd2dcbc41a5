package syncit

import (
	"net/http"
	"net/url"
	"testing"
)

func TestMultipleAndSettingsAreRecorded(t *testing.T) {
	e := setup(t)
	id := create(t, e.alice, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Multi"})
	l := e.attach(t)
	res := l.Do(http.MethodPut, "multiple", url.Values{"continue": {"true"}}, []any{
		map[string]any{"module": "contacts", "action": "update", "id": id, "folder": e.conFolder, "timestamp": farFuture,
			"data": map[string]any{"last_name": "Plexed"}},
		map[string]any{"module": "contacts", "action": "new", "data": map[string]any{"folder_id": e.conFolder, "first_name": "Born"}},
		map[string]any{"module": "contacts", "action": "get", "id": id, "folder": e.conFolder},
		map[string]any{"module": "contacts", "action": "update", "id": 999999, "folder": e.conFolder, "timestamp": farFuture,
			"data": map[string]any{"last_name": "Nobody"}},
	})
	if len(res.Arr) != 4 || res.Arr[3].(map[string]any)["error"] == nil {
		t.Fatalf("multiple: %s", res.Body)
	}
	MustOK(t, l.Put("jslob", map[string]any{"theme": "dark"}, "action", "update", "id", "io.ox/sync-test"))
	if p := l.State()["pending"].(float64); p != 3 {
		t.Fatalf("pending %v, want 3 (two items, one setting)", p)
	}
	l.Sync()
	if o, _ := getObj(t, e.alice, "contacts", id, e.conFolder); o["last_name"] != "Plexed" {
		t.Fatalf("multiple item not pushed: %v", o)
	}
	found := false
	for cid := range ids(t, e.alice, "contacts", e.conFolder) {
		if o, _ := getObj(t, e.alice, "contacts", cid, e.conFolder); o["first_name"] == "Born" {
			found = true
		}
	}
	if !found {
		t.Fatal("new from multiple not pushed")
	}
	js := MustOK(t, e.alice.Put("jslob", []string{"io.ox/sync-test"}, "action", "list")).Data().([]any)
	if tree := js[0].(map[string]any)["tree"].(map[string]any); tree["theme"] != "dark" {
		t.Fatalf("setting not pushed: %v", js)
	}
}

func TestRecurringTaskNextOccurrence(t *testing.T) {
	e := setup(t)
	day := int64(86400000)
	start := int64(1893456000000)
	id := create(t, e.alice, "tasks", map[string]any{"folder_id": e.taskFolder, "title": "Daily", "recurrence_type": 1,
		"interval": 1, "occurrences": 3, "start_date": start, "end_date": start + day, "full_time": true})
	l := e.attach(t)
	MustOK(t, l.Put("tasks", map[string]any{"status": 3, "percent_completed": 100}, "action", "update", "id", itoa(id),
		"folder", itoa(e.taskFolder), "timestamp", farFuture))
	// Locally the next occurrence exists at once, under a temporary id.
	local := ids(t, l, "tasks", e.taskFolder)
	if len(local) != 2 {
		t.Fatalf("local tasks %v", local)
	}
	l.Sync()
	server := ids(t, e.alice, "tasks", e.taskFolder)
	after := ids(t, l, "tasks", e.taskFolder)
	if len(server) != 2 || jsonString(server) != jsonString(after) {
		t.Fatalf("server tasks %v, local %v: the next occurrence must exist once, with the server's id", server, after)
	}
}
