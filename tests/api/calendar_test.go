package api

import (
	"strings"
	"testing"
	"time"
)

// Column lists the App Suite UI sends (appsuite-ui-calls.md §4.2).
const (
	calAllCols = "1,20,5,101,102,206,207,201,200,202,400,401,402,221,224,227,2,209,212,213,214,215,222,216,220"
	calFar     = "2116800000000"
)

func calFolder(t *testing.T, c *Client) string {
	t.Helper()
	v, ok := MustOK(t, c.Get("config/folder/calendar")).Data().(float64)
	if !ok || v <= 0 {
		t.Fatalf("no default calendar folder")
	}
	return tskS(int64(v))
}

func calMS(loc string, y int, m time.Month, d, h, min int) int64 {
	l, err := time.LoadLocation(loc)
	if err != nil {
		panic(err)
	}
	return time.Date(y, m, d, h, min, 0, 0, l).UnixMilli()
}

// calNew creates an appointment and returns the raw answer.
func calNew(c *Client, folder string, body map[string]any) *Result {
	b := map[string]any{"folder_id": folder}
	for k, v := range body {
		b[k] = v
	}
	return c.Put("calendar", b, "action", "new", "timezone", "UTC")
}

func calID(t *testing.T, r *Result) int64 {
	t.Helper()
	MustOK(t, r)
	obj, _ := r.Data().(map[string]any)
	id, ok := obj["id"].(float64)
	if !ok {
		t.Fatalf("new/update answered %s", r.Body)
	}
	return int64(id)
}

// calAll returns the rows of `all` with the UI's columns, keyed by
// column name for the few the tests look at.
func calAll(t *testing.T, c *Client, folder string, start, end int64) []map[string]any {
	t.Helper()
	r := MustOK(t, c.Get("calendar", "action", "all", "columns", calAllCols, "start", tskS(start), "end", tskS(end),
		"showPrivate", "true", "recurrence_master", "false", "sort", "201", "order", "asc", "timezone", "UTC", "folder", folder))
	cols := strings.Split(calAllCols, ",")
	var out []map[string]any
	for _, row := range r.Data().([]any) {
		vals := row.([]any)
		if len(vals) != len(cols) {
			t.Fatalf("row has %d values for %d columns", len(vals), len(cols))
		}
		m := map[string]any{}
		for i, c := range cols {
			m[c] = vals[i]
		}
		out = append(out, m)
	}
	return out
}

func num64(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func TestCalendarBasicFlow(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	a := s.Login("alice", "pw")
	b := s.Login("alice", "pw")
	f := calFolder(t, a)
	start := calMS("UTC", 2030, 5, 6, 10, 0)
	r := calNew(a, f, map[string]any{"title": "Review", "start_date": start, "end_date": start + 3600000,
		"location": "Room 1", "alarm": 15, "shown_as": 1, "note": "bring notes"})
	id := calID(t, r)
	ts := fldTS(t, r)

	g := MustOK(t, a.Get("calendar", "action", "get", "id", tskS(id), "folder", f, "timezone", "UTC")).Data().(map[string]any)
	if g["title"] != "Review" || num64(g["start_date"]) != start || num64(g["end_date"]) != start+3600000 || g["location"] != "Room 1" {
		t.Fatalf("get: %v", g)
	}
	if num64(g["folder_id"]) != num64(mustNum(f)) || g["uid"] == "" || num64(g["alarm"]) != 15 {
		t.Fatalf("get: %v", g)
	}
	// Time in the user's zone when asked for another zone.
	g2 := MustOK(t, a.Get("calendar", "action", "get", "id", tskS(id), "folder", f, "timezone", "Europe/Berlin")).Data().(map[string]any)
	if num64(g2["start_date"]) != start+2*3600000 {
		t.Fatalf("Berlin start %v", g2["start_date"])
	}

	rows := calAll(t, a, f, start-86400000, start+86400000)
	if len(rows) != 1 || num64(rows[0]["1"]) != id {
		t.Fatalf("all: %v", rows)
	}
	// The range rule: [start,end) ends exactly where the appointment starts → not included.
	if rows := calAll(t, a, f, start-3600000, start); len(rows) != 0 {
		t.Fatalf("touching range included: %v", rows)
	}
	if rows := calAll(t, a, f, start+3600000, start+7200000); len(rows) != 0 {
		t.Fatalf("range after end included: %v", rows)
	}

	// list as the UI sends it.
	l := MustOK(t, a.Put("calendar", []any{map[string]any{"id": id, "folder": f}}, "action", "list", "columns", "1,20,200", "timezone", "UTC"))
	if lr := l.Data().([]any); len(lr) != 1 || lr[0].([]any)[2] != "Review" {
		t.Fatalf("list: %s", l.Body)
	}

	// Another session changes it; the stale timestamp is a conflict.
	u := MustOK(t, b.Put("calendar", map[string]any{"title": "Review 2"}, "action", "update", "id", tskS(id), "folder", f,
		"timestamp", tskS(ts), "timezone", "UTC"))
	r2 := MustCode(t, a.Put("calendar", map[string]any{"title": "mine"}, "action", "update", "id", tskS(id), "folder", f,
		"timestamp", tskS(ts), "timezone", "UTC"), "APP-0002")
	if r2.Obj["category"] != float64(9) && r2.Obj["categories"] != "CONFLICT" {
		t.Fatalf("conflict category: %s", r2.Body)
	}
	g = MustOK(t, a.Get("calendar", "action", "get", "id", tskS(id), "folder", f)).Data().(map[string]any)
	if g["title"] != "Review 2" {
		t.Fatalf("stale update overwrote: %v", g["title"])
	}
	// updates since the first timestamp reports the change.
	up := MustOK(t, a.Get("calendar", "action", "updates", "folder", f, "columns", "1,200", "timestamp", tskS(ts), "timezone", "UTC"))
	if d := up.Data().([]any); len(d) != 1 {
		t.Fatalf("updates: %s", up.Body)
	}
	uts := fldTS(t, u)

	// delete with a single object body, as the 7.8 UI sends it.
	MustOK(t, a.Put("calendar", map[string]any{"id": id, "folder_id": num64(mustNum(f)), "title": "x"}, "action", "delete", "timestamp", calFar))
	MustCode(t, a.Get("calendar", "action", "get", "id", tskS(id), "folder", f), "APP-0003")
	up = MustOK(t, a.Get("calendar", "action", "updates", "folder", f, "columns", "1,200", "timestamp", tskS(uts)))
	if d := up.Data().([]any); len(d) != 1 || num64(d[0]) != id {
		t.Fatalf("updates after delete: %s", up.Body)
	}
	up = MustOK(t, a.Get("calendar", "action", "updates", "folder", f, "columns", "1,200", "timestamp", tskS(uts), "ignore", "deleted"))
	if d := up.Data().([]any); len(d) != 0 {
		t.Fatalf("updates ignore=deleted: %s", up.Body)
	}
	// The UI's invite poll: no folder, ignore=deleted, a range.
	MustOK(t, a.Get("calendar", "action", "updates", "columns", calAllCols, "start", tskS(start-86400000), "end", tskS(start+86400000),
		"showPrivate", "true", "recurrence_master", "true", "timestamp", "0", "ignore", "deleted", "sort", "201", "order", "asc", "timezone", "UTC"))
	MustCode(t, a.Get("calendar", "action", "updates", "columns", "1", "timestamp", "0"), "SVL-0002")
}

func mustNum(s string) float64 {
	var n float64
	for _, c := range s {
		n = n*10 + float64(c-'0')
	}
	return n
}

func TestCalendarBadInput(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	a := s.Login("alice", "pw")
	f := calFolder(t, a)
	start := calMS("UTC", 2030, 5, 6, 10, 0)
	MustCode(t, calNew(a, f, map[string]any{"title": "x", "start_date": start, "end_date": start - 1}), "APP-0008")
	MustCode(t, calNew(a, f, map[string]any{"title": "x", "start_date": start, "end_date": start + 1, "timezone": "Mars/Olympus"}), "APP-0009")
	MustCode(t, calNew(a, f, map[string]any{"title": "x", "end_date": start + 1}), "SVL-0002")
	MustCode(t, a.Put("calendar", map[string]any{"title": "x", "start_date": start, "end_date": start + 1}, "action", "new"), "SVL-0002")
	MustCode(t, calNew(a, f, map[string]any{"title": "x", "start_date": "soon", "end_date": start + 1}), "APP-0010")
	// 2030-05-06 is a Monday; a weekly series on Tuesdays does not start with it.
	MustCode(t, calNew(a, f, map[string]any{"title": "x", "start_date": start, "end_date": start + 1, "recurrence_type": 2,
		"days": 4, "interval": 1}), "APP-0013")
	MustCode(t, calNew(a, f, map[string]any{"title": "x", "start_date": start, "end_date": start + 1, "recurrence_type": 9}), "APP-0012")
	MustCode(t, calNew(a, f, map[string]any{"title": "x", "start_date": start, "end_date": start + 1,
		"participants": []any{map[string]any{"id": 999, "type": 1}}}), "APP-0015")
	MustCode(t, a.PutRaw("calendar", `{"folder_id":`, "action", "new"), "SVL-0009")
	MustCode(t, a.Get("calendar", "action", "all", "columns", "1", "end", "5"), "SVL-0002")
	MustCode(t, a.Get("calendar", "action", "has", "start", "5"), "SVL-0002")
	MustCode(t, a.Get("calendar", "action", "freebusy", "id", "3", "type", "1", "start", "5"), "SVL-0002")
	// An infinite series in `all` needs the range, and it is expanded only inside it.
	id := calID(t, calNew(a, f, map[string]any{"title": "daily", "start_date": start, "end_date": start + 60000, "recurrence_type": 1, "interval": 1}))
	rows := calAll(t, a, f, start+10*86400000, start+13*86400000)
	if len(rows) != 3 || num64(rows[0]["1"]) != id || num64(rows[0]["207"]) != 11 {
		t.Fatalf("infinite series rows: %v", rows)
	}
	if rows := calAll(t, a, f, 0, 0); len(rows) != 0 {
		t.Fatalf("empty range: %v", rows)
	}
	// Nothing was stored by the failed requests.
	if rows := calAll(t, a, f, start-86400000, start+86400000); len(rows) != 1 {
		t.Fatalf("stored rows: %v", rows)
	}
}

// A weekly 09:00 series stays at 09:00 local time across the spring DST change.
func TestCalendarSeriesAcrossDST(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	a := s.Login("alice", "pw")
	f := calFolder(t, a)
	for _, tc := range []struct {
		zone string
		d    int // a Monday two weeks before the change
	}{{"Europe/Berlin", 16}, {"America/New_York", 2}} {
		loc, _ := time.LoadLocation(tc.zone)
		start := calMS(tc.zone, 2026, 3, tc.d, 9, 0)
		id := calID(t, calNew(a, f, map[string]any{"title": tc.zone, "start_date": start, "end_date": start + 3600000,
			"timezone": tc.zone, "recurrence_type": 2, "days": 2, "interval": 1, "occurrences": 4}))
		rows := calAll(t, a, f, start-86400000, start+30*86400000)
		var got []int64
		for _, r := range rows {
			if num64(r["1"]) == id {
				got = append(got, num64(r["201"]))
			}
		}
		if len(got) != 4 {
			t.Fatalf("%s: %d occurrences: %v", tc.zone, len(got), rows)
		}
		offsets := map[int]bool{}
		for i, g := range got {
			lt := time.UnixMilli(g).In(loc)
			if lt.Hour() != 9 || lt.Minute() != 0 || lt.Weekday() != time.Monday {
				t.Fatalf("%s occurrence %d at %v", tc.zone, i+1, lt)
			}
			_, off := lt.Zone()
			offsets[off] = true
		}
		if len(offsets) != 2 {
			t.Fatalf("%s: the series does not cross a DST change: %v", tc.zone, got)
		}
		// The series is one row in get, its first occurrence, with the rule.
		g := MustOK(t, a.Get("calendar", "action", "get", "id", tskS(id), "folder", f, "timezone", "UTC")).Data().(map[string]any)
		if num64(g["start_date"]) != start || num64(g["recurrence_type"]) != 2 || num64(g["occurrences"]) != 4 || g["timezone"] != tc.zone {
			t.Fatalf("get series: %v", g)
		}
	}
}

func TestCalendarExceptions(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	a := s.Login("alice", "pw")
	f := calFolder(t, a)
	start := calMS("UTC", 2030, 5, 6, 10, 0)
	day := int64(86400000)
	id := calID(t, calNew(a, f, map[string]any{"title": "standup", "start_date": start, "end_date": start + 900000,
		"recurrence_type": 1, "interval": 1, "until": start - start%day + 4*day}))
	rows := calAll(t, a, f, start-day, start+10*day)
	if len(rows) != 5 {
		t.Fatalf("until is inclusive: %d rows", len(rows))
	}
	// Move occurrence 2 to another day (a change exception).
	moved := start + 8*day + 3600000
	r := a.Put("calendar", map[string]any{"recurrence_position": 2, "start_date": moved, "end_date": moved + 900000, "title": "moved"},
		"action", "update", "id", tskS(id), "folder", f, "timestamp", calFar, "timezone", "UTC")
	exc := calID(t, r)
	if exc == id {
		t.Fatalf("change exception kept the series id")
	}
	rows = calAll(t, a, f, start-day, start+10*day)
	if len(rows) != 5 {
		t.Fatalf("after exception: %v", rows)
	}
	last := rows[len(rows)-1]
	if num64(last["1"]) != exc || num64(last["201"]) != moved || last["200"] != "moved" || num64(last["206"]) != id || num64(last["207"]) != 2 {
		t.Fatalf("exception row: %v", last)
	}
	for _, row := range rows[:4] {
		if num64(row["201"]) == start+day {
			t.Fatalf("original occurrence 2 still listed")
		}
	}
	// list by position and by date position answer that occurrence.
	l := MustOK(t, a.Put("calendar", []any{map[string]any{"id": id, "folder": f, "recurrence_position": 4},
		map[string]any{"id": id, "folder": f, "recurrence_date_position": start - start%day + 2*day}}, "action", "list", "columns", "1,201,207", "timezone", "UTC"))
	if lr := l.Data().([]any); len(lr) != 2 || num64(lr[0].([]any)[1]) != start+3*day || num64(lr[1].([]any)[2]) != 3 {
		t.Fatalf("list occurrences: %s", l.Body)
	}
	ce := MustOK(t, a.Get("calendar", "action", "getChangeExceptions", "id", tskS(id), "folder", f, "columns", "1,200,207"))
	if d := ce.Data().([]any); len(d) != 1 || num64(d[0].([]any)[0]) != exc {
		t.Fatalf("getChangeExceptions: %s", ce.Body)
	}
	// Delete occurrence 3 (pos as the UI sends it, a single object).
	MustOK(t, a.Put("calendar", map[string]any{"id": id, "folder": f, "recurrence_position": 3}, "action", "delete", "timestamp", calFar))
	rows = calAll(t, a, f, start-day, start+10*day)
	if len(rows) != 4 {
		t.Fatalf("after delete exception: %v", rows)
	}
	g := MustOK(t, a.Get("calendar", "action", "get", "id", tskS(id), "folder", f)).Data().(map[string]any)
	de, _ := g["delete_exceptions"].([]any)
	ch, _ := g["change_exceptions"].([]any)
	if len(de) != 1 || num64(de[0]) != start-start%day+2*day || len(ch) != 1 || num64(ch[0]) != start-start%day+day {
		t.Fatalf("exception lists: %v %v", g["delete_exceptions"], g["change_exceptions"])
	}
	// The deleted position cannot become a change exception.
	MustCode(t, a.Put("calendar", map[string]any{"recurrence_position": 3, "title": "x"},
		"action", "update", "id", tskS(id), "folder", f, "timestamp", calFar), "APP-0098")
	// Deleting the series removes its exceptions too.
	MustOK(t, a.Put("calendar", []any{map[string]any{"id": id, "folder": f}}, "action", "delete", "timestamp", calFar))
	if rows := calAll(t, a, f, start-day, start+10*day); len(rows) != 0 {
		t.Fatalf("after series delete: %v", rows)
	}
}

func TestCalendarRoomBookedTwice(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	s.AddUser("bob", "pw")
	out, _, code := s.CLI("resource", "add", "--name", "room-1", "--email", "room-1@example.com")
	if code != 0 {
		t.Fatalf("resource add failed")
	}
	room := int64(mustNum(strings.TrimSpace(out)))
	a, b := s.Login("alice", "pw"), s.Login("bob", "pw")
	start := calMS("UTC", 2030, 5, 6, 10, 0)
	p := []any{map[string]any{"id": room, "type": 3}}
	calID(t, calNew(a, calFolder(t, a), map[string]any{"title": "a", "start_date": start, "end_date": start + 3600000, "participants": p}))
	r := MustOK(t, calNew(b, calFolder(t, b), map[string]any{"title": "b", "start_date": start + 1800000, "end_date": start + 5400000,
		"participants": p, "ignore_conflicts": true}))
	obj := r.Data().(map[string]any)
	cs, _ := obj["conflicts"].([]any)
	if len(cs) != 1 || cs[0].(map[string]any)["hard_conflict"] != true || obj["id"] != nil {
		t.Fatalf("room conflict: %s", r.Body)
	}
	// Nothing stored for bob.
	if rows := calAll(t, b, calFolder(t, b), start-86400000, start+86400000); len(rows) != 0 {
		t.Fatalf("conflicting appointment stored: %v", rows)
	}
	// Touching intervals do not conflict.
	calID(t, calNew(b, calFolder(t, b), map[string]any{"title": "c", "start_date": start + 3600000, "end_date": start + 7200000, "participants": p}))
	// A soft conflict (alice is busy) is reported without hard_conflict and
	// skipped with ignore_conflicts; free time never conflicts.
	r = MustOK(t, calNew(a, calFolder(t, a), map[string]any{"title": "d", "start_date": start, "end_date": start + 600000}))
	cs, _ = r.Data().(map[string]any)["conflicts"].([]any)
	if len(cs) != 1 || cs[0].(map[string]any)["hard_conflict"] != nil || cs[0].(map[string]any)["title"] != "a" {
		t.Fatalf("soft conflict: %s", r.Body)
	}
	calID(t, calNew(a, calFolder(t, a), map[string]any{"title": "d", "start_date": start, "end_date": start + 600000, "ignore_conflicts": true}))
	calID(t, calNew(a, calFolder(t, a), map[string]any{"title": "e", "start_date": start, "end_date": start + 600000, "shown_as": 4}))
	// Moving an appointment onto the room's booking is refused with nothing saved.
	cid := calID(t, calNew(b, calFolder(t, b), map[string]any{"title": "f", "start_date": start + 86400000, "end_date": start + 86400000 + 600000, "participants": p}))
	r = MustOK(t, b.Put("calendar", map[string]any{"start_date": start, "end_date": start + 600000}, "action", "update", "id", tskS(cid),
		"folder", calFolder(t, b), "timestamp", calFar, "timezone", "UTC"))
	if cs, _ := r.Data().(map[string]any)["conflicts"].([]any); len(cs) != 1 {
		t.Fatalf("update conflict: %s", r.Body)
	}
	g := MustOK(t, b.Get("calendar", "action", "get", "id", tskS(cid), "folder", calFolder(t, b), "timezone", "UTC")).Data().(map[string]any)
	if num64(g["start_date"]) != start+86400000 {
		t.Fatalf("conflicting update was saved: %v", g["start_date"])
	}
	// Other users' calendars are not readable without a share.
	MustCode(t, b.Get("calendar", "action", "all", "columns", "1", "folder", calFolder(t, a), "start", "0", "end", calFar), "APP-0017")
	MustCode(t, b.Get("calendar", "action", "get", "id", tskS(cid), "folder", calFolder(t, a)), "APP-0017")
}

func TestCalendarInvitationConfirm(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	bobID := s.AddUser("bob", "pw")
	carolID := s.AddUser("carol", "pw")
	a, b, c := s.Login("alice", "pw"), s.Login("bob", "pw"), s.Login("carol", "pw")
	start := calMS("UTC", 2030, 5, 6, 10, 0)
	id := calID(t, calNew(a, calFolder(t, a), map[string]any{"title": "party", "start_date": start, "end_date": start + 3600000,
		"participants": []any{map[string]any{"id": bobID, "type": 1}, map[string]any{"id": carolID, "type": 1},
			map[string]any{"type": 5, "mail": "ext@example.com"}}}))
	for _, x := range []struct {
		c    *Client
		conf int
	}{{b, 1}, {c, 2}} {
		f := calFolder(t, x.c)
		rows := calAll(t, x.c, f, start-86400000, start+86400000)
		if len(rows) != 1 || num64(rows[0]["1"]) != id || num64(rows[0]["20"]) != num64(mustNum(f)) {
			t.Fatalf("participant does not see it in the default calendar: %v", rows)
		}
		MustOK(t, x.c.Put("calendar", map[string]any{"confirmation": x.conf, "confirmmessage": "m"}, "action", "confirm",
			"id", tskS(id), "folder", f, "timestamp", calFar))
	}
	status := func(cl *Client) map[int64]int64 {
		g := MustOK(t, cl.Get("calendar", "action", "get", "id", tskS(id), "folder", calFolder(t, cl))).Data().(map[string]any)
		out := map[int64]int64{}
		for _, u := range g["users"].([]any) {
			m := u.(map[string]any)
			out[num64(m["id"])] = num64(m["confirmation"])
		}
		return out
	}
	for _, cl := range []*Client{a, b, c} {
		st := status(cl)
		if st[bobID] != 1 || st[carolID] != 2 || len(st) != 3 {
			t.Fatalf("statuses: %v", st)
		}
	}
	// Declining one occurrence of a series leaves the others accepted.
	sid := calID(t, calNew(a, calFolder(t, a), map[string]any{"title": "weekly", "start_date": start + 7*86400000, "end_date": start + 7*86400000 + 3600000,
		"recurrence_type": 1, "interval": 7, "occurrences": 3, "participants": []any{map[string]any{"id": bobID, "type": 1}}}))
	bf := calFolder(t, b)
	MustOK(t, b.Put("calendar", map[string]any{"confirmation": 2}, "action", "confirm", "id", tskS(sid), "folder", bf, "occurrence", "2"))
	rows := calAll(t, b, bf, start+6*86400000, start+30*86400000)
	declined := 0
	for _, r := range rows {
		for _, u := range r["221"].([]any) {
			m := u.(map[string]any)
			if num64(m["id"]) == bobID && num64(m["confirmation"]) == 2 {
				declined++
			}
		}
	}
	if len(rows) != 3 || declined != 1 {
		t.Fatalf("occurrence confirm: %d rows, %d declined: %v", len(rows), declined, rows)
	}
	// Carol deleting it from her calendar only removes her.
	cf := calFolder(t, c)
	MustOK(t, c.Put("calendar", map[string]any{"id": id, "folder": cf}, "action", "delete", "timestamp", calFar))
	if rows := calAll(t, c, cf, start-86400000, start+86400000); len(rows) != 0 {
		t.Fatalf("carol still sees it: %v", rows)
	}
	if st := status(a); len(st) != 2 || st[bobID] != 1 {
		t.Fatalf("after carol left: %v", st)
	}
	// Someone who is not a participant cannot confirm.
	s.AddUser("dave", "pw")
	d := s.Login("dave", "pw")
	MustCode(t, d.Put("calendar", map[string]any{"confirmation": 1}, "action", "confirm", "id", tskS(id), "folder", calFolder(t, a)), "APP-0017")
}

func TestCalendarFreeBusyPrivate(t *testing.T) {
	s := StartServer(t)
	aliceID := s.AddUser("alice", "pw")
	s.AddUser("bob", "pw")
	a, b := s.Login("alice", "pw"), s.Login("bob", "pw")
	start := calMS("UTC", 2030, 5, 6, 10, 0)
	calID(t, calNew(a, calFolder(t, a), map[string]any{"title": "secret", "start_date": start, "end_date": start + 3600000,
		"private_flag": true, "shown_as": 1}))
	r := MustOK(t, b.Get("calendar", "action", "freebusy", "id", tskS(aliceID), "type", "1", "start", tskS(start-86400000),
		"end", tskS(start+86400000), "timezone", "UTC"))
	d := r.Data().([]any)
	if len(d) != 1 {
		t.Fatalf("freebusy: %s", r.Body)
	}
	e := d[0].(map[string]any)
	if num64(e["start_date"]) != start || num64(e["shown_as"]) != 1 || e["title"] != nil || e["id"] != nil {
		t.Fatalf("private details leaked: %v", e)
	}
	// In alice's calendar shared with bob, showPrivate shows the times only.
	af := calFolder(t, a)
	bobID := num64(MustOK(t, b.Get("user", "action", "get")).Data().(map[string]any)["id"])
	MustOK(t, fldUpdate(a, af, map[string]any{"permissions": []any{fldPerm(fldAllBits, aliceID, false), fldPerm(fldSeeRead, bobID, false)}}))
	get := func(show string) []any {
		return MustOK(t, b.Get("calendar", "action", "all", "folder", af, "columns", "1,200,201,220", "start", tskS(start-86400000),
			"end", tskS(start+86400000), "showPrivate", show, "timezone", "UTC")).Data().([]any)
	}
	if rows := get("false"); len(rows) != 0 {
		t.Fatalf("private shown without showPrivate: %v", rows)
	}
	rows := get("true")
	if len(rows) != 1 || rows[0].([]any)[1] != nil || num64(rows[0].([]any)[2]) != start {
		t.Fatalf("showPrivate: %v", rows)
	}
}

func TestCalendarExtras(t *testing.T) {
	s := StartServer(t)
	aliceID := s.AddUser("alice", "pw")
	bobID := s.AddUser("bob", "pw")
	a, b := s.Login("alice", "pw"), s.Login("bob", "pw")
	f := calFolder(t, a)
	fid := int64(mustNum(f))
	start := time.Now().Add(2 * time.Hour).Truncate(time.Hour).UnixMilli()
	r := calNew(a, f, map[string]any{"title": "Planning meeting", "location": "Room 7", "start_date": start, "end_date": start + 3600000,
		"alarm": 30, "participants": []any{map[string]any{"id": aliceID, "type": 1}, map[string]any{"id": bobID, "type": 1}}})
	id := calID(t, r)

	// The capability and the folder's object count.
	caps := MustOK(t, a.Get("capabilities", "action", "get", "id", "calendar"))
	if caps.Data() == nil {
		t.Fatalf("capability calendar missing: %s", caps.Body)
	}
	fo := MustOK(t, a.Get("folders", "action", "get", "id", f)).Data().(map[string]any)
	if num64(fo["total"]) != 1 {
		t.Fatalf("folder total: %v", fo["total"])
	}

	// The alarm is a reminder 30 minutes before the start.
	rs := remRange(t, a, start+86400000, "timezone", "UTC")
	if len(rs) != 1 || num64(rs[0]["target_id"]) != id || num64(rs[0]["module"]) != 1 || num64(rs[0]["alarm"]) != start-30*60000 {
		t.Fatalf("reminder: %v", rs)
	}

	// An attachment on the appointment.
	att := attPost(t, a, "attachment", []attPart{attJSONPart("json_0", map[string]any{"module": 1, "folder": fid, "attached": id}),
		{field: "file_0", filename: "agenda.txt", ctype: "text/plain", data: []byte("agenda")}}, "action", "attach")
	attIDs(t, att)
	g := MustOK(t, a.Get("calendar", "action", "get", "id", tskS(id), "folder", f)).Data().(map[string]any)
	if num64(g["number_of_attachments"]) != 1 {
		t.Fatalf("number_of_attachments: %v", g["number_of_attachments"])
	}

	// Bob reaches the attachment through his own calendar.
	bfid := int64(mustNum(calFolder(t, b)))
	al := MustOK(t, b.Get("attachment", "action", "all", "module", "1", "folder", tskS(bfid), "attached", tskS(id), "columns", "1,800"))
	if d := al.Data().([]any); len(d) != 1 {
		t.Fatalf("bob's attachment list: %s", al.Body)
	}
	// has: one boolean per day.
	day0 := start - start%86400000
	h := MustOK(t, a.Get("calendar", "action", "has", "start", tskS(day0-86400000), "end", tskS(day0+2*86400000), "timezone", "UTC"))
	if hs := h.Data().([]any); len(hs) != 3 || hs[0] != false || hs[1] != true {
		t.Fatalf("has: %s", h.Body)
	}
	// newappointments for bob, who has not answered yet.
	n := MustOK(t, b.Get("calendar", "action", "newappointments", "columns", "1,200", "start", tskS(day0), "end", tskS(day0+3*86400000), "limit", "5"))
	if d := n.Data().([]any); len(d) != 1 || num64(d[0].([]any)[0]) != id {
		t.Fatalf("newappointments: %s", n.Body)
	}
	// search and resolveuid.
	sr := MustOK(t, a.Put("calendar", map[string]any{"pattern": "plan*"}, "action", "search", "columns", "1,200", "sort", "201", "order", "desc"))
	if d := sr.Data().([]any); len(d) != 1 {
		t.Fatalf("search: %s", sr.Body)
	}
	sr = MustOK(t, a.Put("calendar", map[string]any{"pattern": "nothing"}, "action", "search", "columns", "1,200"))
	if d := sr.Data().([]any); len(d) != 0 {
		t.Fatalf("search miss: %s", sr.Body)
	}
	ru := MustOK(t, a.Get("calendar", "action", "resolveuid", "uid", g["uid"].(string)))
	if num64(ru.Data().(map[string]any)["id"]) != id {
		t.Fatalf("resolveuid: %s", ru.Body)
	}
	MustCode(t, a.Get("calendar", "action", "resolveuid", "uid", "nope"), "APP-0003")

	// The freebusy module: bob's busy time, also through the list form.
	fb := MustOK(t, a.Get("freebusy", "action", "get", "participant", tskS(bobID), "from", tskS(day0), "until", tskS(day0+3*86400000), "timezone", "UTC"))
	if d := fb.Data().([]any); len(d) != 1 || num64(d[0].(map[string]any)["start_date"]) != start {
		t.Fatalf("freebusy get: %s", fb.Body)
	}
	fl := MustOK(t, a.Put("freebusy", []any{bobID, "nobody@example.com"}, "action", "list", "from", tskS(day0), "until", tskS(day0+3*86400000), "merged", "true"))
	m := fl.Data().(map[string]any)
	if len(m[tskS(bobID)].(map[string]any)["data"].([]any)) != 1 || m["merged"] == nil || m["nobody@example.com"] == nil {
		t.Fatalf("freebusy list: %s", fl.Body)
	}
	MustCode(t, a.Get("freebusy", "action", "get", "participant", "1"), "SVL-0002")

	// Removing bob from the participants reports a deletion in his calendar.
	bf := calFolder(t, b)
	before := fldTS(t, MustOK(t, b.Get("calendar", "action", "updates", "folder", bf, "columns", "1", "timestamp", "0")))
	MustOK(t, a.Put("calendar", map[string]any{"participants": []any{map[string]any{"id": aliceID, "type": 1}}}, "action", "update",
		"id", tskS(id), "folder", f, "timestamp", calFar))
	up := MustOK(t, b.Get("calendar", "action", "updates", "folder", bf, "columns", "1", "timestamp", tskS(before)))
	if d := up.Data().([]any); len(d) != 1 || num64(d[0]) != id {
		t.Fatalf("bob's updates after removal: %s", up.Body)
	}
}

// An iCalendar round trip of a Berlin series with a moved and a deleted
// occurrence, an external attendee and an alarm.
func TestCalendarICalRoundTrip(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	s.AddUser("bob", "pw")
	a, b := s.Login("alice", "pw"), s.Login("bob", "pw")
	f := calFolder(t, a)
	start := calMS("Europe/Berlin", 2030, 3, 18, 9, 0) // a Monday, DST begins on the 31st
	day := int64(86400000)
	id := calID(t, calNew(a, f, map[string]any{"title": "Jour fixe", "location": "Room 3", "start_date": start, "end_date": start + 3600000,
		"timezone": "Europe/Berlin", "recurrence_type": 2, "days": 2, "interval": 1, "occurrences": 5, "alarm": 10,
		"participants": []any{map[string]any{"type": 5, "mail": "guest@example.com", "display_name": "Guest"}}}))
	moved := start + 7*day + day + 2*3600000 // occurrence 2 moved to Tuesday 11:00
	calID(t, a.Put("calendar", map[string]any{"recurrence_position": 2, "start_date": moved, "end_date": moved + 3600000, "title": "Moved"},
		"action", "update", "id", tskS(id), "folder", f, "timestamp", calFar, "timezone", "UTC"))
	MustOK(t, a.Put("calendar", map[string]any{"id": id, "folder": f, "recurrence_position": 4}, "action", "delete", "timestamp", calFar))
	before := calAll(t, a, f, start-day, start+40*day)
	if len(before) != 4 {
		t.Fatalf("before export: %v", before)
	}

	body := string(ieExport(t, a, "ICAL", int64(mustNum(f)), "text/calendar"))
	for _, want := range []string{"BEGIN:VEVENT", "RRULE:FREQ=WEEKLY", "COUNT=5", "EXDATE;TZID=Europe/Berlin:20300408T090000",
		"RECURRENCE-ID;TZID=Europe/Berlin:20300325T090000", "BEGIN:VTIMEZONE", "TZID:Europe/Berlin", "TZOFFSETTO:+0200",
		"DTSTART;TZID=Europe/Berlin:20300318T090000", "PARTSTAT=NEEDS-ACTION", "mailto:guest@example.com", "BEGIN:VALARM", "TRIGGER:-PT10M"} {
		if !strings.Contains(body, want) {
			t.Fatalf("export lacks %q:\n%s", want, body)
		}
	}
	// Import into bob's calendar: the same occurrences come back.
	bf := int64(mustNum(calFolder(t, b)))
	rs := ieResults(t, ieImport(t, b, "ICAL", bf, []byte(body)), 1)
	nid := ieStored(t, rs[0], bf)
	after := calAll(t, b, tskS(bf), start-day, start+40*day)
	if len(after) != len(before) {
		t.Fatalf("after import: %v", after)
	}
	for i := range before {
		if num64(before[i]["201"]) != num64(after[i]["201"]) || num64(before[i]["202"]) != num64(after[i]["202"]) ||
			before[i]["200"] != after[i]["200"] || before[i]["400"] != after[i]["400"] {
			t.Fatalf("occurrence %d differs: %v vs %v", i, before[i], after[i])
		}
	}
	g := MustOK(t, b.Get("calendar", "action", "get", "id", tskS(nid), "folder", tskS(bf))).Data().(map[string]any)
	if g["timezone"] != "Europe/Berlin" || num64(g["alarm"]) != 10 || len(g["delete_exceptions"].([]any)) != 1 ||
		len(g["change_exceptions"].([]any)) != 1 {
		t.Fatalf("imported series: %v", g)
	}
	found := false
	for _, p := range g["participants"].([]any) {
		found = found || p.(map[string]any)["mail"] == "guest@example.com"
	}
	if !found {
		t.Fatalf("external attendee lost: %v", g["participants"])
	}
	// Data go-ical rejects is an error, nothing stored.
	MustCode(t, ieImport(t, b, "ICAL", bf, []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE\r\nEND:VCALENDAR\r\n")), "I_E-0605")
	if rows := calAll(t, b, tskS(bf), start-day, start+40*day); len(rows) != len(before) {
		t.Fatalf("bad import stored something: %d rows", len(rows))
	}
}

func TestCalendarFind(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	a := s.Login("alice", "pw")
	f := calFolder(t, a)
	start := calMS("UTC", 2030, 5, 6, 10, 0)
	id := calID(t, calNew(a, f, map[string]any{"title": "Budget review", "location": "Board room", "start_date": start, "end_date": start + 3600000,
		"recurrence_type": 1, "interval": 1, "occurrences": 3}))
	calID(t, calNew(a, f, map[string]any{"title": "Lunch", "start_date": start, "end_date": start + 3600000, "ignore_conflicts": true}))
	facets := fndAuto(t, a, "calendar", "budg", nil)
	for _, want := range []string{"global", "calendar_title", "calendar_location", "calendar_type", "folder_type"} {
		if facets[want] == nil {
			t.Fatalf("autocomplete lacks %s: %v", want, facets)
		}
	}
	data := fndQuery(t, a, "calendar", map[string]any{"facets": []any{fndGlobal(t, a, "calendar", "budg")}}, "columns", "1,200,209")
	rs := fndResults(t, data)
	if len(rs) != 1 || num64(rs[0]["id"]) != id || rs[0]["title"] != "Budget review" {
		t.Fatalf("find: %v", rs)
	}
	data = fndQuery(t, a, "calendar", map[string]any{"facets": []any{fndActive("calendar_type", "single", map[string]any{"fields": []any{"type"}, "queries": []any{"single"}})}})
	if rs := fndResults(t, data); len(rs) != 1 || rs[0]["title"] != "Lunch" {
		t.Fatalf("find single: %v", rs)
	}
}
