package api

import (
	"fmt"
	"testing"
	"time"
)

// remRange returns the reminders of range?end=end (no end when end < 0).
func remRange(t *testing.T, c *Client, end int64, kv ...string) []map[string]any {
	t.Helper()
	args := []string{"action", "range"}
	if end >= 0 {
		args = append(args, "end", tskS(end))
	}
	var out []map[string]any
	for _, x := range dataArr(t, c.Get("reminder", append(args, kv...)...)) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func TestReminderFromTaskAlarms(t *testing.T) {
	s := StartServer(t)
	uid := s.AddUser("alice", "pw", "--timezone", "Europe/Berlin")
	bob := s.AddUser("bob", "pw")
	a, b := s.Login("alice", "pw"), s.Login("bob", "pw")
	f, fb := tskFolder(t, a), tskFolder(t, b)
	now := time.Now().UnixMilli()
	past := now - 60_000
	future := now + 3_600_000

	due, _ := tskNew(t, a, f, map[string]any{"title": "Due", "alarm": past})
	later, _ := tskNew(t, a, f, map[string]any{"title": "Later", "alarm": future})
	tskNew(t, a, f, map[string]any{"title": "No alarm"})

	// range with end = now (what the UI polls) lists the due reminder only.
	rs := remRange(t, a, now, "timezone", "UTC")
	if len(rs) != 1 {
		t.Fatalf("due reminders: %v", rs)
	}
	r := rs[0]
	if r["target_id"] != float64(due) || r["module"] != float64(4) || r["folder"] != float64(mustInt(t, f)) ||
		r["alarm"] != float64(past) || r["user_id"] != float64(uid) || r["recurrence_position"] != float64(0) {
		t.Fatalf("reminder: %v", r)
	}
	for _, k := range []string{"id", "server_time", "last_modified"} {
		if _, ok := r[k].(float64); !ok {
			t.Fatalf("reminder lacks %s: %v", k, r)
		}
	}
	// Without end every reminder; alarm and server_time are Times in the
	// user's zone when no timezone is given.
	rs = remRange(t, a, -1)
	if len(rs) != 2 || rs[0]["target_id"] != float64(due) || rs[1]["target_id"] != float64(later) {
		t.Fatalf("all reminders: %v", rs)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	_, off := time.UnixMilli(past).In(berlin).Zone()
	if rs[0]["alarm"] != float64(past+int64(off)*1000) {
		t.Fatalf("alarm in Europe/Berlin: %v, want %d", rs[0]["alarm"], past+int64(off)*1000)
	}
	// The task's alarm column is the reader's reminder.
	if o := tskGet(t, a, f, due, "timezone", "UTC"); o["alarm"] != float64(past) {
		t.Fatalf("task alarm: %v", o["alarm"])
	}
	rows := tskRows(t, a.Get("tasks", "action", "all", "folder", f, "columns", "1,204", "timezone", "UTC", "sort", "1", "order", "asc"), "1,204")
	if rows[0][204] != float64(past) || rows[1][204] != float64(future) || rows[2][204] != nil {
		t.Fatalf("alarm column: %v", rows)
	}
	// Bob has none of them.
	if rs := remRange(t, b, -1); len(rs) != 0 {
		t.Fatalf("bob sees alice's reminders: %v", rs)
	}

	// remindAgain moves the alarm (a Time) and answers the reminder.
	id := int64(remRange(t, a, now)[0]["id"].(float64))
	again := now + 600_000
	rr := MustOK(t, a.Put("reminder", map[string]any{"alarm": again}, "action", "remindAgain", "id", tskS(id), "timezone", "UTC"))
	obj := rr.Data().(map[string]any)
	if obj["id"] != float64(id) || obj["alarm"] != float64(again) || obj["target_id"] != float64(due) {
		t.Fatalf("remindAgain answered %s", rr.Body)
	}
	if rs := remRange(t, a, now); len(rs) != 0 {
		t.Fatalf("after remindAgain still due: %v", rs)
	}
	if o := tskGet(t, a, f, due, "timezone", "UTC"); o["alarm"] != float64(again) {
		t.Fatalf("task alarm after remindAgain: %v", o["alarm"])
	}
	MustCode(t, b.Put("reminder", map[string]any{"alarm": again}, "action", "remindAgain", "id", tskS(id)), "REM-0009")
	MustCode(t, a.Put("reminder", map[string]any{}, "action", "remindAgain", "id", tskS(id)), "REM-0003")
	MustCode(t, a.Put("reminder", map[string]any{"alarm": again}, "action", "remindAgain"), "SVL-0002")
	MustCode(t, a.PutRaw("reminder", `{"alarm":`, "action", "remindAgain", "id", tskS(id)), "SVL-0009")
	MustCode(t, a.Put("reminder", map[string]any{"alarm": "soon"}, "action", "remindAgain", "id", tskS(id)), "SVL-0010")
	MustCode(t, a.Get("reminder", "action", "range", "end", "tomorrow"), "SVL-0010")

	// Changing the task's alarm moves the reminder; null removes it.
	MustOK(t, tskUpdate(a, f, later, tskFar, map[string]any{"alarm": past}))
	if rs := remRange(t, a, now); len(rs) != 1 || rs[0]["target_id"] != float64(later) {
		t.Fatalf("after the task's alarm changed: %v", rs)
	}
	MustOK(t, tskUpdate(a, f, later, tskFar, map[string]any{"alarm": nil}))
	if rs := remRange(t, a, -1); len(rs) != 1 || rs[0]["target_id"] != float64(due) {
		t.Fatalf("after alarm null: %v", rs)
	}
	if o := tskGet(t, a, f, later); o["alarm"] != nil {
		t.Fatalf("task alarm after null: %v", o["alarm"])
	}

	// delete: bob cannot delete alice's reminder; unknown ids come back.
	dr := MustOK(t, b.Put("reminder", []any{map[string]any{"id": id}}, "action", "delete"))
	if fmt.Sprint(dr.Data()) != fmt.Sprintf("[%d]", id) {
		t.Fatalf("bob's delete answered %s", dr.Body)
	}
	dr = MustOK(t, a.Put("reminder", []any{map[string]any{"id": id}, map[string]any{"id": 987654}}, "action", "delete"))
	if fmt.Sprint(dr.Data()) != "[987654]" {
		t.Fatalf("delete answered %s", dr.Body)
	}
	if rs := remRange(t, a, -1); len(rs) != 0 {
		t.Fatalf("after delete: %v", rs)
	}
	if o := tskGet(t, a, f, due); o["alarm"] != nil {
		t.Fatalf("task alarm after reminder delete: %v", o["alarm"])
	}
	MustCode(t, a.PutRaw("reminder", `[{"id":"x"}]`, "action", "delete"), "SVL-0009")
	MustCode(t, a.PutRaw("reminder", ``, "action", "delete"), "SVL-0009")

	// A single {id} body (the UI's) works; deleting the task removes its
	// reminder; a participant sets his own alarm through his folder.
	shared, _ := tskNew(t, a, f, map[string]any{"title": "Shared", "alarm": past, "participants": []any{map[string]any{"id": bob, "type": 1}}})
	MustOK(t, tskUpdate(b, fb, shared, tskFar, map[string]any{"alarm": past + 1000}))
	rb := remRange(t, b, now)
	if len(rb) != 1 || rb[0]["folder"] != float64(mustInt(t, fb)) || rb[0]["target_id"] != float64(shared) {
		t.Fatalf("bob's reminder: %v", rb)
	}
	if o := tskGet(t, a, f, shared, "timezone", "UTC"); o["alarm"] != float64(past) {
		t.Fatalf("alice's alarm changed by bob: %v", o["alarm"])
	}
	ra := remRange(t, a, now)
	MustOK(t, a.Put("reminder", map[string]any{"id": ra[0]["id"]}, "action", "delete"))
	if rs := remRange(t, a, -1); len(rs) != 0 {
		t.Fatalf("single-object delete: %v", rs)
	}
	MustOK(t, a.Put("tasks", []any{map[string]any{"id": shared, "folder": f}}, "action", "delete", "timestamp", tskFar))
	if rs := remRange(t, b, -1); len(rs) != 0 {
		t.Fatalf("reminder of a deleted task: %v", rs)
	}

	// A move keeps the reminder pointing at the task's folder.
	other := fldNew(t, a, "1", map[string]any{"module": "tasks", "title": "Elsewhere"})
	mv, _ := tskNew(t, a, f, map[string]any{"title": "Moves", "alarm": past})
	MustOK(t, tskUpdate(a, f, mv, tskFar, map[string]any{"folder_id": other}))
	if rs := remRange(t, a, now); len(rs) != 1 || rs[0]["folder"] != float64(mustInt(t, other)) {
		t.Fatalf("reminder after move: %v", rs)
	}
}
