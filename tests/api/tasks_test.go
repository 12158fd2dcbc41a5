package api

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Column lists the App Suite UI sends (appsuite-ui-calls.md §4.4).
const (
	tskAllCols    = "1,20,101,200,202,203,220,300,301"
	tskListCols   = "1,2,20,101,200,202,203,220,221,300,301,309"
	tskNotifyCols = "1,20,200,202,203,221,300,309"
	tskSearchCols = "1,20,101,200,202,203,220,221,300,301,309"
	tskFar        = "2116800000000"
)

func tskDay(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).UnixMilli()
}

func tskS(n int64) string { return strconv.FormatInt(n, 10) }

// tskFolder is the user's default task folder.
func tskFolder(t *testing.T, c *Client) string {
	t.Helper()
	v, ok := MustOK(t, c.Get("config/folder/tasks")).Data().(float64)
	if !ok || v <= 0 {
		t.Fatalf("no default task folder")
	}
	return tskS(int64(v))
}

// tskNew creates a task the way the UI does and returns its id and the
// answer's timestamp.
func tskNew(t *testing.T, c *Client, folder string, body map[string]any) (int64, int64) {
	t.Helper()
	b := map[string]any{"folder_id": folder}
	for k, v := range body {
		b[k] = v
	}
	r := MustOK(t, c.Put("tasks", b, "action", "new", "timezone", "UTC"))
	obj, ok := r.Data().(map[string]any)
	id, _ := obj["id"].(float64)
	if !ok || id <= 0 {
		t.Fatalf("new answered %s", r.Body)
	}
	return int64(id), fldTS(t, r)
}

func tskGet(t *testing.T, c *Client, folder string, id int64, kv ...string) map[string]any {
	t.Helper()
	r := MustOK(t, c.Get("tasks", append([]string{"action", "get", "id", tskS(id), "folder", folder}, kv...)...))
	obj, ok := r.Data().(map[string]any)
	if !ok {
		t.Fatalf("get data: %s", r.Body)
	}
	if fldTS(t, r) != int64(obj["last_modified_utc"].(float64)) {
		t.Fatalf("get timestamp %v differs from last_modified_utc %v", r.Obj["timestamp"], obj["last_modified_utc"])
	}
	return obj
}

func tskUpdate(c *Client, folder string, id int64, ts string, body map[string]any) *Result {
	return c.Put("tasks", body, "action", "update", "folder", folder, "id", tskS(id), "timestamp", ts, "timezone", "UTC")
}

// tskRows decodes positional rows, checking each has every column.
func tskRows(t *testing.T, r *Result, cols string) []map[int]any {
	t.Helper()
	MustOK(t, r)
	arr, ok := r.Data().([]any)
	if !ok {
		t.Fatalf("data is not an array: %s", r.Body)
	}
	ids := strings.Split(cols, ",")
	var out []map[int]any
	for _, x := range arr {
		row, ok := x.([]any)
		if !ok {
			continue
		}
		if len(row) != len(ids) {
			t.Fatalf("row has %d values for %d columns: %v", len(row), len(ids), row)
		}
		m := map[int]any{}
		for i, c := range ids {
			n, _ := strconv.Atoi(c)
			m[n] = row[i]
		}
		out = append(out, m)
	}
	return out
}

// tskDeleted lists the bare ids of an updates answer.
func tskDeleted(t *testing.T, r *Result) []int64 {
	t.Helper()
	MustOK(t, r)
	var out []int64
	for _, x := range r.Data().([]any) {
		if f, ok := x.(float64); ok {
			out = append(out, int64(f))
		}
	}
	return out
}

func tskIDs(rows []map[int]any) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = int64(r[1].(float64))
	}
	return out
}

func tskHas(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func TestTasksUIFlows(t *testing.T) {
	s := StartServer(t)
	uid := s.AddUser("alice", "pw", "--display-name", "Alice A", "--timezone", "Europe/Berlin")
	a := s.Login("alice", "pw")
	if !capIDs(t, a)["tasks"] {
		t.Fatalf("capability tasks missing")
	}
	f := tskFolder(t, a)
	fid, _ := strconv.ParseInt(f, 10, 64)

	// Create as the UI does: start_time/end_time/full_time, a done task
	// with date_completed, no alarm:null.
	due := tskDay(2025, 3, 10)
	id1, ts1 := tskNew(t, a, f, map[string]any{"title": "Write report", "note": "quarterly", "status": 1, "percent_completed": 0,
		"full_time": true, "start_time": tskDay(2025, 3, 1), "end_time": due, "priority": 2, "participants": []any{},
		"private_flag": false, "categories": "work"})
	id2, _ := tskNew(t, a, f, map[string]any{"title": "Done already", "status": 3, "percent_completed": 100,
		"date_completed": tskDay(2025, 2, 1), "end_time": tskDay(2025, 2, 1), "full_time": true})
	id3, _ := tskNew(t, a, f, map[string]any{"title": "No dates", "status": 2, "percent_completed": 40,
		"actual_costs": 12.5, "target_costs": "100.25", "currency": "EUR", "actual_duration": 30, "target_duration": "90",
		"billing_information": "acct 1", "trip_meter": "12km", "companies": "ACME", "color_label": 3})

	// The VGrid: all with the UI's columns, sorted by end_date.
	rows := tskRows(t, a.Get("tasks", "action", "all", "folder", f, "columns", tskAllCols, "sort", "202", "order", "asc",
		"cache", "true", "timezone", "UTC"), tskAllCols)
	if got := tskIDs(rows); len(got) != 3 || got[0] != id2 || got[1] != id1 || got[2] != id3 {
		t.Fatalf("all sorted by end_date: %v (want %d %d %d)", got, id2, id1, id3)
	}
	r1 := rows[1]
	if r1[20] != float64(fid) || r1[101] != false || r1[200] != "Write report" || r1[202] != float64(due) ||
		r1[203] != "quarterly" || r1[300] != float64(1) || r1[301] != float64(0) || fmt.Sprint(r1[220]) != "[]" {
		t.Fatalf("all row: %v", r1)
	}
	desc := tskRows(t, a.Get("tasks", "action", "all", "folder", f, "columns", "1", "sort", "200", "order", "desc"), "1")
	if got := tskIDs(desc); got[0] != id1 || got[2] != id2 {
		t.Fatalf("all sorted by title desc: %v", got)
	}
	lim := tskRows(t, a.Get("tasks", "action", "all", "folder", f, "columns", "1", "sort", "1", "order", "asc", "limit", "1,3"), "1")
	if got := tskIDs(lim); len(got) != 2 || got[0] != id2 || got[1] != id3 {
		t.Fatalf("all with limit 1,3: %v", got)
	}

	// list keeps the requested order and leaves unknown ids out.
	body := []any{map[string]any{"id": id3, "folder": f}, map[string]any{"id": 999999, "folder": f},
		map[string]any{"id": tskS(id1), "folder_id": fid}}
	lr := a.Put("tasks", body, "action", "list", "timezone", "UTC", "columns", tskListCols)
	rows = tskRows(t, lr, tskListCols)
	if got := tskIDs(rows); len(got) != 2 || got[0] != id3 || got[1] != id1 {
		t.Fatalf("list order: %v", got)
	}
	if rows[0][2] != float64(uid) || rows[0][309] != nil || rows[1][309] != float64(2) || fmt.Sprint(rows[1][221]) != "[]" {
		t.Fatalf("list rows: %v", rows)
	}
	if fldTS(t, lr) < ts1 {
		t.Fatalf("list timestamp %d older than the rows", fldTS(t, lr))
	}

	// get: every field with a value.
	o := tskGet(t, a, f, id3, "timezone", "UTC")
	for k, want := range map[string]any{"id": float64(id3), "folder_id": float64(fid), "title": "No dates", "status": float64(2),
		"percent_completed": float64(40), "actual_costs": 12.5, "target_costs": 100.25, "currency": "EUR",
		"actual_duration": float64(30), "target_duration": float64(90), "billing_information": "acct 1", "trip_meter": "12km",
		"companies": "ACME", "color_label": float64(3), "created_by": float64(uid), "modified_by": float64(uid),
		"full_time": false, "private_flag": false, "recurrence_type": float64(0), "number_of_attachments": float64(0)} {
		if o[k] != want {
			t.Errorf("get %s = %v, want %v", k, o[k], want)
		}
	}
	if _, ok := o["end_time"]; ok {
		t.Errorf("a task without dates has end_time %v", o["end_time"])
	}
	if u, _ := o["uid"].(string); len(u) < 10 {
		t.Errorf("uid %v", o["uid"])
	}
	o = tskGet(t, a, f, id1, "timezone", "UTC")
	if o["start_time"] != float64(tskDay(2025, 3, 1)) || o["start_date"] != o["start_time"] || o["end_date"] != float64(due) ||
		o["full_time"] != true || o["categories"] != "work" {
		t.Fatalf("whole-day dates: %v", o)
	}

	// Timed tasks: start_time/end_time are Times in the request's zone
	// (the user's when no timezone is sent); start_date/end_date stay UTC.
	at := time.Date(2025, 7, 1, 8, 0, 0, 0, time.UTC).UnixMilli()
	id4, _ := tskNew(t, a, f, map[string]any{"title": "Call", "full_time": false, "start_time": at, "end_time": at + 3600000})
	o = tskGet(t, a, f, id4)
	if o["start_time"] != float64(at+2*3600000) || o["start_date"] != float64(at) || o["full_time"] != false {
		t.Fatalf("timed task in Europe/Berlin: start_time %v start_date %v", o["start_time"], o["start_date"])
	}
	o = tskGet(t, a, f, id4, "timezone", "UTC")
	if o["start_time"] != float64(at) || o["end_time"] != float64(at+3600000) {
		t.Fatalf("timed task in UTC: %v %v", o["start_time"], o["end_time"])
	}
	r := MustOK(t, a.Put("tasks", map[string]any{"folder_id": f, "title": "Berlin", "start_time": at + 2*3600000}, "action", "new",
		"timezone", "Europe/Berlin"))
	id5 := int64(r.Data().(map[string]any)["id"].(float64))
	if o = tskGet(t, a, f, id5, "timezone", "UTC"); o["start_time"] != float64(at) {
		t.Fatalf("Time in Europe/Berlin stored as %v, want %d", o["start_time"], at)
	}
	// Legacy start_date/end_date make a whole-day task.
	r = MustOK(t, a.Put("tasks", map[string]any{"folder_id": f, "title": "Legacy", "end_date": due}, "action", "new"))
	o = tskGet(t, a, f, int64(r.Data().(map[string]any)["id"].(float64)))
	if o["full_time"] != true || o["end_time"] != float64(due) {
		t.Fatalf("legacy end_date: %v", o)
	}

	// Update as the UI does: far-future timestamp, notification, nulls.
	ur := MustOK(t, tskUpdate(a, f, id1, tskFar, map[string]any{"id": id1, "folder_id": fid, "title": "Write the report",
		"status": 3, "percent_completed": 100, "date_completed": tskDay(2025, 3, 9), "priority": nil, "notification": true}))
	if ur.Data() == nil || fldTS(t, ur) <= ts1 {
		t.Fatalf("update answer %s", ur.Body)
	}
	o = tskGet(t, a, f, id1, "timezone", "UTC")
	if o["title"] != "Write the report" || o["status"] != float64(3) || o["date_completed"] != float64(tskDay(2025, 3, 9)) ||
		o["priority"] != nil || o["note"] != "quarterly" {
		t.Fatalf("after update: %v", o)
	}
	MustOK(t, tskUpdate(a, f, id1, tskFar, map[string]any{"status": 1, "percent_completed": 0, "date_completed": nil}))
	if o = tskGet(t, a, f, id1); o["date_completed"] != nil || o["status"] != float64(1) {
		t.Fatalf("undone: %v", o)
	}

	// Notifications poll and the portal search.
	rows = tskRows(t, a.Get("tasks", "action", "all", "folder", f, "columns", tskNotifyCols, "sort", "202", "order", "asc",
		"timezone", "UTC"), tskNotifyCols)
	if len(rows) != 6 {
		t.Fatalf("notification rows: %d", len(rows))
	}
	rows = tskRows(t, a.Put("tasks", map[string]any{"pattern": "", "end": time.Now().UnixMilli()}, "action", "search",
		"columns", tskSearchCols, "sort", "202", "order", "asc", "timezone", "UTC"), tskSearchCols)
	if len(rows) != 6 {
		t.Fatalf("portal search (end without start is ignored): %d rows", len(rows))
	}
	rows = tskRows(t, a.Put("tasks", map[string]any{"pattern": "*report"}, "action", "search", "columns", "1,20"), "1,20")
	if got := tskIDs(rows); len(got) != 1 || got[0] != id1 || rows[0][20] != float64(fid) {
		t.Fatalf("search *report: %v", rows)
	}
	rows = tskRows(t, a.Put("tasks", map[string]any{"pattern": "QUARTER"}, "action", "search", "columns", "1"), "1")
	if got := tskIDs(rows); len(got) != 1 || got[0] != id1 {
		t.Fatalf("search in notes, case-insensitive: %v", got)
	}
	rows = tskRows(t, a.Put("tasks", map[string]any{"pattern": "*", "folder": f, "start": tskDay(2025, 2, 1), "end": tskDay(2025, 3, 10)},
		"action", "search", "columns", "1"), "1")
	if got := tskIDs(rows); len(got) != 1 || got[0] != id2 {
		t.Fatalf("search ending in [Feb 1, Mar 10): %v", got)
	}

	// Delete as the UI does.
	dr := MustOK(t, a.Put("tasks", []any{map[string]any{"id": id2, "folder": f}, map[string]any{"id": id3, "folder": f}},
		"action", "delete", "timestamp", tskFar))
	if fmt.Sprint(dr.Data()) != "[]" {
		t.Fatalf("delete answered %s", dr.Body)
	}
	MustCode(t, a.Get("tasks", "action", "get", "id", tskS(id2), "folder", f), "TSK-0019")

	// Folder total counts tasks.
	fo := fldGet(t, a, "1", f)
	if fo["total"] != float64(4) {
		t.Errorf("folder total %v, want 4", fo["total"])
	}
}

func TestTasksMoveUpdatesAndConflicts(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	a := s.Login("alice", "pw")
	a2 := s.Login("alice", "pw")
	f := tskFolder(t, a)
	other := fldNew(t, a, "1", map[string]any{"module": "tasks", "title": "Project"})

	keep, tsKeep := tskNew(t, a, f, map[string]any{"title": "Stays"})
	t0 := tsKeep - 1
	id, ts := tskNew(t, a, f, map[string]any{"title": "Movable"})

	// Move via folder_id: rights on both folders, a tombstone in the source.
	r := MustOK(t, tskUpdate(a, f, id, tskS(ts), map[string]any{"folder_id": other}))
	tsMove := fldTS(t, r)
	MustCode(t, a.Get("tasks", "action", "get", "id", tskS(id), "folder", f), "TSK-0048")
	if o := tskGet(t, a, other, id); o["folder_id"] != float64(mustInt(t, other)) || o["title"] != "Movable" {
		t.Fatalf("moved task: %v", o)
	}
	// Source updates: deleted ids only when ignore is not absent/deleted.
	up := a.Get("tasks", "action", "updates", "folder", f, "columns", "1,200", "timestamp", tskS(t0), "ignore", "none")
	if del := tskDeleted(t, up); len(del) != 1 || del[0] != id {
		t.Fatalf("source updates with ignore=none: %s", up.Body)
	}
	if got := tskIDs(tskRows(t, up, "1,200")); len(got) != 1 || got[0] != keep {
		t.Fatalf("source updates rows: %v", got)
	}
	if fldTS(t, up) < tsMove {
		t.Fatalf("updates timestamp %d < move %d", fldTS(t, up), tsMove)
	}
	for _, ig := range []string{"", "deleted"} {
		kv := []string{"action", "updates", "folder", f, "columns", "1", "timestamp", tskS(t0)}
		if ig != "" {
			kv = append(kv, "ignore", ig)
		}
		if del := tskDeleted(t, a.Get("tasks", kv...)); len(del) != 0 {
			t.Fatalf("updates with ignore=%q reported deletions %v", ig, del)
		}
	}
	if del := tskDeleted(t, a.Get("tasks", "action", "updates", "folder", f, "columns", "1", "timestamp", tskS(t0), "ignore", "false")); len(del) != 1 {
		t.Fatalf("ignore=false must include deletions: %v", del)
	}
	up = a.Get("tasks", "action", "updates", "folder", other, "columns", "1,20", "timestamp", tskS(t0), "ignore", "none")
	if rows := tskRows(t, up, "1,20"); len(rows) != 1 || rows[0][1] != float64(id) || len(tskDeleted(t, up)) != 0 {
		t.Fatalf("target updates: %s", up.Body)
	}
	// Nothing changed since the last answer.
	if rows := tskRows(t, a.Get("tasks", "action", "updates", "folder", other, "columns", "1", "timestamp", tskS(fldTS(t, up)), "ignore", "none"), "1"); len(rows) != 0 {
		t.Fatalf("updates since the last timestamp: %v", rows)
	}
	// Moving back clears the source tombstone.
	MustOK(t, tskUpdate(a, other, id, tskFar, map[string]any{"folder_id": f}))
	up = a.Get("tasks", "action", "updates", "folder", f, "columns", "1", "timestamp", tskS(t0), "ignore", "none")
	if del := tskDeleted(t, up); len(del) != 0 {
		t.Fatalf("moved back, still reported deleted: %s", up.Body)
	}

	// Two sessions: the stale timestamp loses and nothing is overwritten.
	o := tskGet(t, a, f, keep)
	seen := tskS(int64(o["last_modified_utc"].(float64)))
	MustOK(t, tskUpdate(a2, f, keep, seen, map[string]any{"title": "Second session"}))
	r = MustCode(t, tskUpdate(a, f, keep, seen, map[string]any{"title": "First session", "note": "lost"}), "TSK-0007")
	if r.Obj["categories"] != "CONFLICT" {
		t.Errorf("conflict category %v", r.Obj["categories"])
	}
	if o = tskGet(t, a, f, keep); o["title"] != "Second session" || o["note"] != nil {
		t.Fatalf("stale update overwrote: %v", o)
	}
	// A stale delete leaves the task and names it.
	dr := MustOK(t, a.Put("tasks", []any{map[string]any{"id": keep, "folder": f}}, "action", "delete", "timestamp", seen))
	if fmt.Sprint(dr.Data()) != fmt.Sprintf("[%d]", keep) {
		t.Fatalf("stale delete answered %s", dr.Body)
	}
	tskGet(t, a, f, keep)
	// Equal timestamp passes.
	cur := tskS(int64(tskGet(t, a, f, keep)["last_modified_utc"].(float64)))
	MustOK(t, tskUpdate(a, f, keep, cur, map[string]any{"title": "Fine"}))
	// Delete leaves a tombstone for updates.
	cur = tskS(int64(tskGet(t, a, f, keep)["last_modified_utc"].(float64)))
	MustOK(t, a.Put("tasks", map[string]any{"id": keep, "folder": f}, "action", "delete", "timestamp", cur))
	if del := tskDeleted(t, a.Get("tasks", "action", "updates", "folder", f, "columns", "1", "timestamp", cur, "ignore", "none")); len(del) != 1 || del[0] != keep {
		t.Fatalf("deleted task not reported: %v", del)
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTasksRecurrence(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	a := s.Login("alice", "pw")
	f := tskFolder(t, a)

	newErr := func(body map[string]any, code string) {
		t.Helper()
		b := map[string]any{"folder_id": f, "title": "r"}
		for k, v := range body {
			b[k] = v
		}
		MustCode(t, a.Put("tasks", b, "action", "new", "timezone", "UTC"), code)
	}
	mon := tskDay(2025, 3, 3) // a Monday
	day := int64(86400000)
	newErr(map[string]any{"recurrence_type": 9, "start_time": mon, "end_time": mon, "full_time": true}, "TSK-0036")
	newErr(map[string]any{"recurrence_type": 1, "interval": 1, "end_time": mon, "full_time": true}, "TSK-0037")
	newErr(map[string]any{"recurrence_type": 1, "interval": 1, "start_time": mon, "full_time": true}, "TSK-0037")
	newErr(map[string]any{"recurrence_type": 1, "start_time": mon, "end_time": mon, "full_time": true}, "TSK-0037")
	newErr(map[string]any{"recurrence_type": 3, "interval": 1, "start_time": mon, "end_time": mon, "full_time": true}, "TSK-0037")
	newErr(map[string]any{"recurrence_type": 4, "day_in_month": 3, "start_time": mon, "end_time": mon, "full_time": true}, "TSK-0037")
	newErr(map[string]any{"recurrence_type": 4, "month": 12, "day_in_month": 3, "start_time": mon, "end_time": mon, "full_time": true}, "TSK-0047")
	newErr(map[string]any{"recurrence_type": 3, "interval": 1, "day_in_month": 32, "start_time": mon, "end_time": mon, "full_time": true}, "TSK-0047")
	newErr(map[string]any{"recurrence_type": 1, "interval": 0, "start_time": mon, "end_time": mon, "full_time": true}, "TSK-0047")
	newErr(map[string]any{"recurrence_type": 1, "interval": 1, "start_time": mon, "end_time": mon, "full_time": true,
		"until": mon - 10*day}, "TSK-0047")
	newErr(map[string]any{"start_time": mon + day, "end_time": mon, "full_time": true}, "TSK-0040")

	// A weekly series on Wednesdays created on a Monday starts on its
	// first occurrence; the duration is kept.
	id, _ := tskNew(t, a, f, map[string]any{"title": "Weekly", "recurrence_type": 2, "interval": 1, "days": 8,
		"start_time": mon, "end_time": mon + day, "full_time": true, "occurrences": 2, "status": 1, "percent_completed": 0})
	o := tskGet(t, a, f, id, "timezone", "UTC")
	wed := mon + 2*day
	if o["start_time"] != float64(wed) || o["end_time"] != float64(wed+day) || o["days"] != float64(8) ||
		o["occurrences"] != float64(2) || o["recurrence_type"] != float64(2) {
		t.Fatalf("weekly series: %v", o)
	}
	// Done: the task stays done and the next occurrence is a new task.
	MustOK(t, tskUpdate(a, f, id, tskFar, map[string]any{"status": 3, "percent_completed": 100, "date_completed": wed}))
	rows := tskRows(t, a.Get("tasks", "action", "all", "folder", f, "columns", "1,200,201,202,222,300,301,315,209"),
		"1,200,201,202,222,300,301,315,209")
	if len(rows) != 2 {
		t.Fatalf("after completing: %v", rows)
	}
	var next map[int]any
	for _, r := range rows {
		if r[1] == float64(id) {
			if r[300] != float64(3) || r[201] != float64(wed) {
				t.Fatalf("completed occurrence changed: %v", r)
			}
		} else {
			next = r
		}
	}
	if next[200] != "Weekly" || next[201] != float64(wed+7*day) || next[202] != float64(wed+8*day) || next[300] != float64(1) ||
		next[301] != float64(0) || next[315] != nil || next[222] != float64(1) || next[209] != float64(2) {
		t.Fatalf("next occurrence: %v", next)
	}
	// Completing the last occurrence creates nothing more.
	nid := int64(next[1].(float64))
	MustOK(t, tskUpdate(a, f, nid, tskFar, map[string]any{"status": 3, "percent_completed": 100}))
	if rows := tskRows(t, a.Get("tasks", "action", "all", "folder", f, "columns", "1"), "1"); len(rows) != 2 {
		t.Fatalf("the last occurrence made another task: %v", rows)
	}

	// Monthly on day 31 falls back to the last day of shorter months.
	jan31 := tskDay(2025, 1, 31)
	id, _ = tskNew(t, a, f, map[string]any{"title": "Monthly", "recurrence_type": 3, "interval": 1, "day_in_month": 31,
		"start_time": jan31, "end_time": jan31, "full_time": true})
	MustOK(t, tskUpdate(a, f, id, tskFar, map[string]any{"status": 3}))
	rows = tskRows(t, a.Put("tasks", map[string]any{"pattern": "Monthly"}, "action", "search", "columns", "1,201,300", "sort", "201", "order", "asc"),
		"1,201,300")
	if len(rows) != 2 || rows[1][201] != float64(tskDay(2025, 2, 28)) || rows[1][300] != float64(1) {
		t.Fatalf("monthly next: %v", rows)
	}
	// The second Tuesday of each month (days + day_in_month), until a date.
	id, _ = tskNew(t, a, f, map[string]any{"title": "Second Tuesday", "recurrence_type": 3, "interval": 1, "days": 4,
		"day_in_month": 2, "start_time": tskDay(2025, 1, 1), "end_time": tskDay(2025, 1, 1), "full_time": true,
		"until": tskDay(2025, 2, 11)})
	o = tskGet(t, a, f, id)
	if o["start_time"] != float64(tskDay(2025, 1, 14)) || o["until"] != float64(tskDay(2025, 2, 11)) {
		t.Fatalf("second Tuesday series: %v", o)
	}
	MustOK(t, tskUpdate(a, f, id, tskFar, map[string]any{"status": 3}))
	rows = tskRows(t, a.Put("tasks", map[string]any{"pattern": "Second Tuesday"}, "action", "search", "columns", "1,201", "sort", "201", "order", "asc"), "1,201")
	if len(rows) != 2 || rows[1][201] != float64(tskDay(2025, 2, 11)) {
		t.Fatalf("second Tuesday next (until is inclusive): %v", rows)
	}
	nid = int64(rows[1][1].(float64))
	MustOK(t, tskUpdate(a, f, nid, tskFar, map[string]any{"status": 3}))
	if rows := tskRows(t, a.Put("tasks", map[string]any{"pattern": "Second Tuesday"}, "action", "search", "columns", "1"), "1"); len(rows) != 2 {
		t.Fatalf("a series past its until made another task: %v", rows)
	}
	// Yearly: month 0-based.
	id, _ = tskNew(t, a, f, map[string]any{"title": "Yearly", "recurrence_type": 4, "month": 5, "day_in_month": 15,
		"start_time": tskDay(2025, 1, 1), "end_time": tskDay(2025, 1, 1), "full_time": true})
	if o = tskGet(t, a, f, id); o["start_time"] != float64(tskDay(2025, 6, 15)) || o["interval"] != float64(1) {
		t.Fatalf("yearly series: %v", o)
	}
	// Switching recurrence off clears the fields.
	MustOK(t, tskUpdate(a, f, id, tskFar, map[string]any{"recurrence_type": 0}))
	if o = tskGet(t, a, f, id); o["month"] != nil || o["day_in_month"] != nil || o["recurrence_type"] != float64(0) {
		t.Fatalf("recurrence off: %v", o)
	}
	// Changing a series with a missing value fails and changes nothing.
	MustCode(t, tskUpdate(a, f, id, tskFar, map[string]any{"recurrence_type": 3, "interval": 1}), "TSK-0037")
	if o = tskGet(t, a, f, id); o["recurrence_type"] != float64(0) {
		t.Fatalf("failed update changed the task: %v", o)
	}
}

func TestTasksParticipantsAndConfirm(t *testing.T) {
	s := StartServer(t)
	alice := s.AddUser("alice", "pw", "--display-name", "Alice A")
	bob := s.AddUser("bob", "pw", "--display-name", "Bob B")
	carol := s.AddUser("carol", "pw", "--display-name", "Carol C")
	a, b, c := s.Login("alice", "pw"), s.Login("bob", "pw"), s.Login("carol", "pw")
	fa, fb, fc := tskFolder(t, a), tskFolder(t, b), tskFolder(t, c)

	id, _ := tskNew(t, a, fa, map[string]any{"title": "Delegated", "participants": []any{
		map[string]any{"id": bob, "type": 1, "display_name": "Bob B", "mail": "bob@example.com"},
		map[string]any{"id": 0, "type": 5, "mail": "ext@example.org", "display_name": "Ext"},
	}})
	// Bob has it in his default task folder, through which he reads it.
	rows := tskRows(t, b.Get("tasks", "action", "all", "folder", fb, "columns", tskNotifyCols, "sort", "202", "order", "asc",
		"timezone", "UTC"), tskNotifyCols)
	if len(rows) != 1 || rows[0][1] != float64(id) || rows[0][20] != float64(mustInt(t, fb)) {
		t.Fatalf("bob's folder: %v", rows)
	}
	users := rows[0][221].([]any)
	if len(users) != 1 || users[0].(map[string]any)["id"] != float64(bob) || users[0].(map[string]any)["confirmation"] != float64(0) ||
		users[0].(map[string]any)["display_name"] != "Bob B" {
		t.Fatalf("users: %v", users)
	}
	o := tskGet(t, a, fa, id)
	parts := o["participants"].([]any)
	if len(parts) != 2 || parts[0].(map[string]any)["type"] != float64(1) || parts[1].(map[string]any)["mail"] != "ext@example.org" {
		t.Fatalf("participants: %v", parts)
	}
	MustCode(t, b.Get("tasks", "action", "get", "id", tskS(id), "folder", fa), "TSK-0059")

	// Bob confirms without timestamp, as the UI does, through his folder.
	cr := MustOK(t, b.Put("tasks", map[string]any{"confirmation": 1, "confirmmessage": "on it"}, "action", "confirm",
		"folder", fb, "id", tskS(id), "timezone", "UTC"))
	if _, ok := cr.Obj["timestamp"].(float64); !ok {
		t.Fatalf("confirm answer: %s", cr.Body)
	}
	o = tskGet(t, a, fa, id)
	u := o["users"].([]any)[0].(map[string]any)
	if u["confirmation"] != float64(1) || u["confirmmessage"] != "on it" {
		t.Fatalf("alice sees bob's status: %v", u)
	}
	// With a stale timestamp confirm conflicts; alice is no participant.
	MustCode(t, b.Put("tasks", map[string]any{"confirmation": 2}, "action", "confirm", "folder", fb, "id", tskS(id), "timestamp", "1"), "TSK-0007")
	MustCode(t, a.Put("tasks", map[string]any{"confirmation": 1}, "action", "confirm", "folder", fa, "id", tskS(id)), "TSK-0018")
	MustCode(t, b.Put("tasks", map[string]any{"confirmation": 7}, "action", "confirm", "folder", fb, "id", tskS(id)), "TSK-0047")

	// Adding carol (and keeping bob's status); then carol declines.
	t0 := fldTS(t, MustOK(t, tskUpdate(a, fa, id, tskFar, map[string]any{"participants": []any{
		map[string]any{"id": bob, "type": 1}, map[string]any{"id": carol, "type": 1}}})))
	MustOK(t, c.Put("tasks", map[string]any{"confirmation": 2}, "action", "confirm", "folder", fc, "id", tskS(id)))
	status := map[float64]any{}
	for _, x := range tskGet(t, b, fb, id)["users"].([]any) {
		m := x.(map[string]any)
		status[m["id"].(float64)] = m["confirmation"]
	}
	if status[float64(bob)] != float64(1) || status[float64(carol)] != float64(2) || len(status) != 2 {
		t.Fatalf("statuses as bob sees them: %v", status)
	}
	// Carol is removed: the task leaves her folder.
	MustOK(t, tskUpdate(a, fa, id, tskFar, map[string]any{"participants": []any{map[string]any{"id": bob, "type": 1}}}))
	if del := tskDeleted(t, c.Get("tasks", "action", "updates", "folder", fc, "columns", "1", "timestamp", tskS(t0), "ignore", "none")); len(del) != 1 || del[0] != id {
		t.Fatalf("carol's folder updates after removal: %v", del)
	}
	MustCode(t, c.Get("tasks", "action", "get", "id", tskS(id), "folder", fc), "TSK-0048")

	// Groups resolve to their members (group 0: all users); users lists
	// each member once and participants the group.
	gid, _ := tskNew(t, a, fa, map[string]any{"title": "Everyone", "participants": []any{
		map[string]any{"id": 0, "type": 2}, map[string]any{"id": bob, "type": 1}}})
	o = tskGet(t, c, fc, gid)
	ids := map[float64]bool{}
	for _, x := range o["users"].([]any) {
		ids[x.(map[string]any)["id"].(float64)] = true
	}
	if !ids[float64(alice)] || !ids[float64(bob)] || !ids[float64(carol)] {
		t.Fatalf("group 0 members: %v", o["users"])
	}
	gotGroup := false
	for _, x := range o["participants"].([]any) {
		if m := x.(map[string]any); m["type"] == float64(2) && m["id"] == float64(0) {
			gotGroup = true
		}
	}
	if !gotGroup {
		t.Fatalf("participants lack the group: %v", o["participants"])
	}

	// Participant rules.
	MustCode(t, a.Put("tasks", map[string]any{"folder_id": fa, "title": "x", "participants": []any{map[string]any{"type": 5}}},
		"action", "new"), "TSK-0044")
	MustCode(t, a.Put("tasks", map[string]any{"folder_id": fa, "title": "x", "private_flag": true,
		"participants": []any{map[string]any{"id": bob, "type": 1}}}, "action", "new"), "TSK-0028")
	MustCode(t, a.Put("tasks", map[string]any{"folder_id": fa, "title": "x", "participants": []any{map[string]any{"id": 1, "type": 3}}},
		"action", "new"), "TSK-0049")
	MustCode(t, a.Put("tasks", map[string]any{"folder_id": fa, "title": "x", "participants": []any{map[string]any{"id": 4242, "type": 1}}},
		"action", "new"), "TSK-0047")
	MustCode(t, a.Put("tasks", map[string]any{"folder_id": fa, "title": "x", "participants": []any{map[string]any{"id": 4242, "type": 2}}},
		"action", "new"), "TSK-0047")

	// Deleting the task removes it from every participant's folder.
	t1 := fldTS(t, b.Get("tasks", "action", "all", "folder", fb, "columns", "1"))
	MustOK(t, a.Put("tasks", []any{map[string]any{"id": id, "folder": fa}}, "action", "delete", "timestamp", tskFar))
	if del := tskDeleted(t, b.Get("tasks", "action", "updates", "folder", fb, "columns", "1", "timestamp", tskS(t1), "ignore", "none")); !tskHas(del, id) {
		t.Fatalf("bob's folder does not report the deletion: %v", del)
	}
}

func TestTasksSharedFolderRights(t *testing.T) {
	s := StartServer(t)
	alice := s.AddUser("alice", "pw")
	bob := s.AddUser("bob", "pw")
	carol := s.AddUser("carol", "pw")
	dave := s.AddUser("dave", "pw")
	a, b, c, d := s.Login("alice", "pw"), s.Login("bob", "pw"), s.Login("carol", "pw"), s.Login("dave", "pw")

	shared := fldNew(t, a, "1", map[string]any{"module": "tasks", "title": "Team"})
	const createOwn = 2 | 2<<7 | 1<<14 | 1<<21 // create objects, read all, write/delete own
	const readOwn = 1 | 1<<7                   // see folder, read own objects
	MustOK(t, fldUpdate(a, shared, map[string]any{"permissions": []any{fldPerm(fldAllBits, alice, false),
		fldPerm(fldSeeRead, bob, false), fldPerm(createOwn, carol, false), fldPerm(readOwn, dave, false)}}))

	pub, _ := tskNew(t, a, shared, map[string]any{"title": "Visible"})
	priv, _ := tskNew(t, a, shared, map[string]any{"title": "Secret", "private_flag": true})

	// Read-only bob sees the public task, not alice's private one.
	rows := tskRows(t, b.Get("tasks", "action", "all", "folder", shared, "columns", "1,101"), "1,101")
	if got := tskIDs(rows); len(got) != 1 || got[0] != pub {
		t.Fatalf("bob sees %v", got)
	}
	MustCode(t, b.Get("tasks", "action", "get", "id", tskS(priv), "folder", shared), "TSK-0046")
	lr := tskRows(t, b.Put("tasks", []any{map[string]any{"id": priv, "folder": shared}, map[string]any{"id": pub, "folder": shared}},
		"action", "list", "columns", "1"), "1")
	if got := tskIDs(lr); len(got) != 1 || got[0] != pub {
		t.Fatalf("bob lists %v", got)
	}
	if rows := tskRows(t, b.Put("tasks", map[string]any{"pattern": "Secret"}, "action", "search", "columns", "1"), "1"); len(rows) != 0 {
		t.Fatalf("bob finds the private task: %v", rows)
	}
	// Writes are refused and change nothing.
	MustCode(t, tskUpdate(b, shared, pub, tskFar, map[string]any{"title": "hacked"}), "TSK-0033")
	MustCode(t, b.Put("tasks", []any{map[string]any{"id": pub, "folder": shared}}, "action", "delete", "timestamp", tskFar), "TSK-0014")
	MustCode(t, b.Put("tasks", map[string]any{"folder_id": shared, "title": "mine"}, "action", "new"), "TSK-0025")
	MustCode(t, b.Put("tasks", map[string]any{"confirmation": 1}, "action", "confirm", "folder", shared, "id", tskS(pub)), "TSK-0018")
	MustCode(t, b.Put("sync", []string{shared}, "action", "refresh_server"), "FLD-0032")
	if o := tskGet(t, a, shared, pub); o["title"] != "Visible" {
		t.Fatalf("refused update changed the task: %v", o)
	}
	// Moving out of or into a shared folder is refused.
	MustCode(t, tskUpdate(b, shared, pub, tskFar, map[string]any{"folder_id": tskFolder(t, b)}), "TSK-0014")

	// Carol may create but not private tasks here; she edits only her own.
	MustCode(t, c.Put("tasks", map[string]any{"folder_id": shared, "title": "p", "private_flag": true}, "action", "new"), "TSK-0008")
	mine, _ := tskNew(t, c, shared, map[string]any{"title": "Carol's"})
	MustOK(t, tskUpdate(c, shared, mine, tskFar, map[string]any{"title": "Carol's task"}))
	MustCode(t, tskUpdate(c, shared, pub, tskFar, map[string]any{"title": "x"}), "TSK-0033")
	MustCode(t, tskUpdate(c, shared, mine, tskFar, map[string]any{"folder_id": tskFolder(t, c)}), "TSK-0034")
	if o := tskGet(t, a, shared, mine); o["title"] != "Carol's task" || o["created_by"] != float64(carol) {
		t.Fatalf("alice sees carol's task: %v", o)
	}
	// Only the creator may set the private flag.
	MustCode(t, tskUpdate(a, shared, mine, tskFar, map[string]any{"private_flag": true}), "TSK-0043")

	// Dave reads only his own objects: none.
	if rows := tskRows(t, d.Get("tasks", "action", "all", "folder", shared, "columns", "1"), "1"); len(rows) != 0 {
		t.Fatalf("read-own dave sees %v", tskIDs(rows))
	}
	MustCode(t, d.Get("tasks", "action", "get", "id", tskS(pub), "folder", shared), "TSK-0046")

	// A private task in a public folder is refused.
	pubFolder := fldNew(t, a, "2", map[string]any{"module": "tasks", "title": "Public tasks"})
	MustCode(t, a.Put("tasks", map[string]any{"folder_id": pubFolder, "title": "p", "private_flag": true}, "action", "new"), "TSK-0008")
	MustCode(t, tskUpdate(a, shared, priv, tskFar, map[string]any{"folder_id": pubFolder}), "TSK-0042")
	// A public-folder task is one task for everybody.
	MustOK(t, tskUpdate(a, shared, pub, tskFar, map[string]any{"folder_id": pubFolder}))
	if o := tskGet(t, a, pubFolder, pub); o["folder_id"] != float64(mustInt(t, pubFolder)) {
		t.Fatalf("moved to public: %v", o)
	}
}

func TestTasksBadInput(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	s.AddUser("bob", "pw")
	a, b := s.Login("alice", "pw"), s.Login("bob", "pw")
	f, fb := tskFolder(t, a), tskFolder(t, b)
	id, _ := tskNew(t, a, f, map[string]any{"title": "Mine", "status": 1})
	bid, _ := tskNew(t, b, fb, map[string]any{"title": "Bob's"})
	contacts := tskS(int64(MustOK(t, a.Get("config/folder/contacts")).Data().(float64)))

	newBody := func(kv ...any) map[string]any {
		m := map[string]any{"folder_id": f}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name string
		res  *Result
		code string
	}{
		{"malformed json", a.PutRaw("tasks", `{"title":`, "action", "new"), "SVL-0009"},
		{"array body", a.PutRaw("tasks", `[1]`, "action", "new"), "SVL-0009"},
		{"no body", a.PutRaw("tasks", ``, "action", "new"), "SVL-0009"},
		{"title type", a.Put("tasks", newBody("title", 5), "action", "new"), "TSK-0047"},
		{"status type", a.Put("tasks", newBody("status", "done"), "action", "new"), "TSK-0047"},
		{"percent high", a.Put("tasks", newBody("percent_completed", 150), "action", "new"), "TSK-0030"},
		{"percent negative", a.Put("tasks", newBody("percent_completed", -1), "action", "new"), "TSK-0030"},
		{"percent not started", a.Put("tasks", newBody("status", 1, "percent_completed", 20), "action", "new"), "TSK-0031"},
		{"priority", a.Put("tasks", newBody("priority", 7), "action", "new"), "TSK-0057"},
		{"status range", a.Put("tasks", newBody("status", 9), "action", "new"), "TSK-0039"},
		{"dates", a.Put("tasks", newBody("start_time", 2000, "end_time", 1000), "action", "new"), "TSK-0040"},
		{"costs", a.Put("tasks", newBody("actual_costs", 1e12), "action", "new"), "TSK-0050"},
		{"costs text", a.Put("tasks", newBody("target_costs", "lots"), "action", "new"), "TSK-0047"},
		{"title length", a.Put("tasks", newBody("title", strings.Repeat("x", 300)), "action", "new"), "TSK-0041"},
		{"color", a.Put("tasks", newBody("color_label", 11), "action", "new"), "TSK-0047"},
		{"participants type", a.Put("tasks", newBody("participants", "bob"), "action", "new"), "TSK-0047"},
		{"no folder", a.Put("tasks", map[string]any{"title": "x"}, "action", "new"), "TSK-0027"},
		{"contacts folder", a.Put("tasks", map[string]any{"folder_id": contacts, "title": "x"}, "action", "new"), "TSK-0006"},
		{"unknown folder", a.Put("tasks", map[string]any{"folder_id": 987654, "title": "x"}, "action", "new"), "FLD-0008"},
		{"foreign folder", a.Put("tasks", map[string]any{"folder_id": fb, "title": "x"}, "action", "new"), "TSK-0059"},
		{"get unknown id", a.Get("tasks", "action", "get", "id", "987654", "folder", f), "TSK-0019"},
		{"get bad id", a.Get("tasks", "action", "get", "id", "abc", "folder", f), "SVL-0010"},
		{"get no folder", a.Get("tasks", "action", "get", "id", tskS(id)), "SVL-0002"},
		{"get foreign via own folder", a.Get("tasks", "action", "get", "id", tskS(bid), "folder", f), "TSK-0048"},
		{"get foreign via its folder", a.Get("tasks", "action", "get", "id", tskS(bid), "folder", fb), "TSK-0059"},
		{"all no folder", a.Get("tasks", "action", "all", "columns", "1"), "SVL-0002"},
		{"all no columns", a.Get("tasks", "action", "all", "folder", f), "SVL-0002"},
		{"all bad sort", a.Get("tasks", "action", "all", "folder", f, "columns", "1", "sort", "x"), "SVL-0010"},
		{"list malformed", a.PutRaw("tasks", `[{"id":}]`, "action", "list", "columns", "1"), "SVL-0009"},
		{"list no id", a.Put("tasks", []any{map[string]any{"folder": f}}, "action", "list", "columns", "1"), "SVL-0009"},
		{"update no timestamp", a.Put("tasks", map[string]any{"title": "x"}, "action", "update", "id", tskS(id), "folder", f), "SVL-0002"},
		{"update foreign", tskUpdate(a, fb, bid, tskFar, map[string]any{"title": "x"}), "TSK-0059"},
		{"update unknown", tskUpdate(a, f, 987654, tskFar, map[string]any{"title": "x"}), "TSK-0019"},
		{"update percent", tskUpdate(a, f, id, tskFar, map[string]any{"percent_completed": 101}), "TSK-0030"},
		{"update uid", tskUpdate(a, f, id, tskFar, map[string]any{"uid": "other"}), "TSK-0053"},
		{"move to unknown", tskUpdate(a, f, id, tskFar, map[string]any{"folder_id": 987654}), "FLD-0008"},
		{"move to contacts", tskUpdate(a, f, id, tskFar, map[string]any{"folder_id": contacts}), "TSK-0006"},
		{"delete no timestamp", a.Put("tasks", []any{map[string]any{"id": id, "folder": f}}, "action", "delete"), "SVL-0002"},
		{"delete foreign", a.Put("tasks", []any{map[string]any{"id": bid, "folder": f}}, "action", "delete", "timestamp", tskFar), "TSK-0048"},
		{"delete unknown", a.Put("tasks", []any{map[string]any{"id": 987654, "folder": f}}, "action", "delete", "timestamp", tskFar), "TSK-0019"},
		{"updates no timestamp", a.Get("tasks", "action", "updates", "folder", f, "columns", "1"), "SVL-0002"},
		{"search no pattern", a.Put("tasks", map[string]any{}, "action", "search", "columns", "1"), "SVL-0002"},
		{"search pattern type", a.Put("tasks", map[string]any{"pattern": 5}, "action", "search", "columns", "1"), "TSK-0047"},
		{"search bad range", a.Put("tasks", map[string]any{"pattern": "", "start": 10, "end": 5}, "action", "search", "columns", "1"), "TSK-0021"},
		{"confirm no body", a.PutRaw("tasks", ``, "action", "confirm", "folder", f, "id", tskS(id)), "SVL-0009"},
		{"bad timezone", a.Get("tasks", "action", "get", "id", tskS(id), "folder", f, "timezone", "Mars/Base"), "SVL-0010"},
	}
	for _, tc := range cases {
		if tc.res.Code() != tc.code {
			t.Errorf("%s: want %s, got %s", tc.name, tc.code, tc.res.Body)
		}
	}
	// Nothing of the failed writes was stored.
	if rows := tskRows(t, a.Get("tasks", "action", "all", "folder", f, "columns", "1"), "1"); len(rows) != 1 {
		t.Fatalf("failed writes left tasks: %v", tskIDs(rows))
	}
	if o := tskGet(t, a, f, id); o["title"] != "Mine" {
		t.Fatalf("failed updates changed the task: %v", o)
	}
	if o := tskGet(t, b, fb, bid); o["title"] != "Bob's" {
		t.Fatalf("alice changed bob's task: %v", o)
	}
	// Unknown columns are null, never dropped.
	rows := tskRows(t, a.Get("tasks", "action", "all", "folder", f, "columns", "1,9999,200"), "1,9999,200")
	if rows[0][9999] != nil || rows[0][200] != "Mine" {
		t.Fatalf("unknown column: %v", rows[0])
	}
}

func TestTasksRefreshServer(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	s.AddUser("bob", "pw")
	a, b := s.Login("alice", "pw"), s.Login("bob", "pw")
	f, fb := tskFolder(t, a), tskFolder(t, b)
	id1, ts1 := tskNew(t, a, f, map[string]any{"title": "one", "alarm": time.Now().Add(-time.Minute).UnixMilli()})
	t0 := ts1 - 1
	id2, _ := tskNew(t, a, f, map[string]any{"title": "two"})
	bid, _ := tskNew(t, b, fb, map[string]any{"title": "bob's"})

	// One folder that cannot be cleared aborts the whole request.
	MustCode(t, b.Put("sync", []any{fb, f}, "action", "refresh_server"), "FLD-0003")
	if rows := tskRows(t, b.Get("tasks", "action", "all", "folder", fb, "columns", "1"), "1"); len(rows) != 1 || tskIDs(rows)[0] != bid {
		t.Fatalf("aborted refresh_server cleared bob's folder: %v", rows)
	}
	MustCode(t, a.PutRaw("sync", `[`, "action", "refresh_server"), "SVL-0009")
	MustCode(t, a.Put("sync", []any{"987654"}, "action", "refresh_server"), "FLD-0008")

	r := MustOK(t, a.Put("sync", []any{f}, "action", "refresh_server"))
	if fmt.Sprint(r.Data()) != "[]" {
		t.Fatalf("refresh_server answered %s", r.Body)
	}
	if rows := tskRows(t, a.Get("tasks", "action", "all", "folder", f, "columns", "1"), "1"); len(rows) != 0 {
		t.Fatalf("cleared folder still has %v", tskIDs(rows))
	}
	del := tskDeleted(t, a.Get("tasks", "action", "updates", "folder", f, "columns", "1", "timestamp", tskS(t0), "ignore", "none"))
	if !tskHas(del, id1) || !tskHas(del, id2) {
		t.Fatalf("updates after refresh_server: %v", del)
	}
	if rs := dataArr(t, a.Get("reminder", "action", "range", "end", tskS(time.Now().UnixMilli()))); len(rs) != 0 {
		t.Fatalf("reminders of cleared tasks remain: %v", rs)
	}
	// Numbers are accepted as folder ids too.
	MustOK(t, b.Put("sync", []any{mustInt(t, fb)}, "action", "refresh_server"))
	if rows := tskRows(t, b.Get("tasks", "action", "all", "folder", fb, "columns", "1"), "1"); len(rows) != 0 {
		t.Fatalf("bob's folder not cleared: %v", rows)
	}
}

func TestTasksInMultipleAndFolderDelete(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	a := s.Login("alice", "pw")
	f := tskFolder(t, a)
	other := fldNew(t, a, "1", map[string]any{"module": "tasks", "title": "Temp"})
	id1, _ := tskNew(t, a, f, map[string]any{"title": "one"})
	id2, _ := tskNew(t, a, f, map[string]any{"title": "two"})

	// Multi-select move goes out as one multiple of updates.
	r := a.Put("multiple", []any{
		map[string]any{"module": "tasks", "action": "update", "id": id1, "folder": f, "timestamp": tskFar, "timezone": "UTC",
			"data": map[string]any{"folder_id": other, "notification": true}},
		map[string]any{"module": "tasks", "action": "update", "id": id2, "folder": f, "timestamp": tskFar, "timezone": "UTC",
			"data": map[string]any{"folder_id": other, "notification": true}},
	}, "continue", "true")
	if len(r.Arr) != 2 {
		t.Fatalf("multiple answered %s", r.Body)
	}
	for _, x := range r.Arr {
		if x.(map[string]any)["error"] != nil {
			t.Fatalf("multiple item failed: %s", r.Body)
		}
	}
	if rows := tskRows(t, a.Get("tasks", "action", "all", "folder", other, "columns", "1"), "1"); len(rows) != 2 {
		t.Fatalf("moved tasks: %v", rows)
	}
	// Deleting the folder deletes its tasks.
	MustOK(t, fldDelete(a, []string{other}, "timestamp", tskFar))
	MustCode(t, a.Get("tasks", "action", "get", "id", tskS(id1), "folder", other), "FLD-0008")
	if rows := tskRows(t, a.Put("tasks", map[string]any{"pattern": "*"}, "action", "search", "columns", "1"), "1"); len(rows) != 0 {
		t.Fatalf("tasks of the deleted folder remain: %v", tskIDs(rows))
	}
}

func TestTasksAttachmentsFollowTheTask(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	a := s.Login("alice", "pw")
	f := tskFolder(t, a)
	other := fldNew(t, a, "1", map[string]any{"module": "tasks", "title": "Archive"})
	id, _ := tskNew(t, a, f, map[string]any{"title": "With file"})
	attIDs(t, attPost(t, a, "attachment", []attPart{attJSONPart("json_0", attParent(4, mustInt(t, f), id)),
		{field: "file_0", filename: "notes.txt", ctype: "text/plain", data: []byte("hello")}}, "action", "attach"))
	if n := attBlobCount(t, s); n != 1 {
		t.Fatalf("blobs after attach: %d", n)
	}
	rows := tskRows(t, a.Get("tasks", "action", "all", "folder", f, "columns", "1,104,105"), "1,104,105")
	if rows[0][104] != float64(1) || rows[0][105] == nil {
		t.Fatalf("attachment columns: %v", rows[0])
	}
	// The attachments move with the task.
	MustOK(t, tskUpdate(a, f, id, tskFar, map[string]any{"folder_id": other}))
	ar := MustOK(t, a.Get("attachment", attQuery(4, mustInt(t, other), id, "action", "all", "columns", "1,800,803")...))
	if arr := ar.Data().([]any); len(arr) != 1 || arr[0].([]any)[1] != float64(mustInt(t, other)) {
		t.Fatalf("attachments after the move: %s", ar.Body)
	}
	// Deleting the task deletes its attachments and their blobs.
	MustOK(t, a.Put("tasks", []any{map[string]any{"id": id, "folder": other}}, "action", "delete", "timestamp", tskFar))
	if n := attBlobCount(t, s); n != 0 {
		t.Fatalf("blobs after deleting the task: %d", n)
	}
	if r := a.Get("attachment", attQuery(4, mustInt(t, other), id, "action", "all", "columns", "1")...); r.Code() == "" {
		t.Fatalf("attachments of a deleted task: %s", r.Body)
	}
}
