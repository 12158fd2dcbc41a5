package syncit

import (
	"strings"
	"testing"
	"time"
)

// calStart is a Monday 10:00 UTC well in the future, so that nothing the
// tests create is over (conflict checks skip past appointments).
var calStart = time.Date(2031, 3, 3, 10, 0, 0, 0, time.UTC).UnixMilli()

const hourMS = int64(3600000)
const dayMS = 24 * hourMS

func calFolder(t *testing.T, c getter) int64 { return defaultFolder(t, c, "calendar") }

// newAppt creates an appointment in folder through a client.
func newAppt(t *testing.T, c interface {
	Put(string, any, ...string) *Result
}, folder int64, title string, start int64, extra map[string]any) int64 {
	t.Helper()
	obj := map[string]any{"folder_id": folder, "title": title, "start_date": start, "end_date": start + hourMS,
		"timezone": "UTC", "ignore_conflicts": true}
	for k, v := range extra {
		obj[k] = v
	}
	res := MustOK(t, c.Put("calendar", obj, "action", "new", "timezone", "UTC"))
	m := res.Data().(map[string]any)
	if m["id"] == nil {
		t.Fatalf("calendar new answered %s", res.Body)
	}
	return num(m["id"])
}

func getAppt(t *testing.T, c getter, id, folder int64, kv ...string) (map[string]any, string) {
	t.Helper()
	res := c.Get("calendar", append([]string{"action", "get", "id", itoa(id), "folder", itoa(folder), "timezone", "UTC"}, kv...)...)
	if res.Code() != "" {
		return nil, res.Code()
	}
	return MustOK(t, res).Data().(map[string]any), ""
}

// series is a daily series of five occurrences.
func series(t *testing.T, c interface {
	Put(string, any, ...string) *Result
}, folder int64, title string) int64 {
	return newAppt(t, c, folder, title, calStart, map[string]any{"recurrence_type": 1, "interval": 1, "occurrences": 5})
}

// changeExceptions lists the change exceptions of a series (id, title,
// recurrence_position).
func changeExceptions(t *testing.T, c getter, id, folder int64) [][]any {
	t.Helper()
	res := MustOK(t, c.Get("calendar", "action", "getChangeExceptions", "id", itoa(id), "folder", itoa(folder),
		"columns", "1,200,207"))
	var out [][]any
	for _, r := range res.Data().([]any) {
		out = append(out, r.([]any))
	}
	return out
}

func TestCalendarInitialSync(t *testing.T) {
	e := setup(t)
	folder := calFolder(t, e.alice)
	single := newAppt(t, e.alice, folder, "Dentist", calStart, map[string]any{"location": "Main St", "alarm": 15})
	ser := series(t, e.alice, folder, "Standup")
	// bob invites alice: the appointment shows in her calendar too.
	bobFolder := calFolder(t, e.bob)
	inv := newAppt(t, e.bob, bobFolder, "Bob's review", calStart+2*hourMS, map[string]any{
		"participants": []any{map[string]any{"id": e.bob.UserID, "type": 1}, map[string]any{"id": e.alice.UserID, "type": 1}}})
	// A change exception made on the server arrives with its own id.
	MustOK(t, e.alice.Put("calendar", map[string]any{"title": "Standup (late)", "recurrence_position": 4},
		"action", "update", "id", itoa(ser), "folder", itoa(folder), "timestamp", "9999999999999", "timezone", "UTC"))
	srvExc := changeExceptions(t, e.alice, ser, folder)
	if len(srvExc) != 1 {
		t.Fatalf("server exceptions %v", srvExc)
	}
	l := e.attach(t)
	if calFolder(t, l) != folder {
		t.Fatal("default calendar folders differ")
	}
	got := map[int64]bool{}
	res := MustOK(t, l.Get("calendar", "action", "all", "folder", itoa(folder), "columns", "1,200",
		"start", itoa(calStart-dayMS), "end", itoa(calStart+10*dayMS), "recurrence_master", "true"))
	for _, r := range res.Data().([]any) {
		got[num(r.([]any)[0])] = true
	}
	if !got[single] || !got[ser] || !got[inv] {
		t.Fatalf("local calendar %v (want %d, %d, %d)", got, single, ser, inv)
	}
	for _, id := range []int64{single, ser, inv} {
		srv, _ := getAppt(t, e.alice, id, folder)
		loc, code := getAppt(t, l, id, folder)
		if code != "" {
			t.Fatalf("local get %d: %s", id, code)
		}
		for _, k := range []string{"title", "start_date", "end_date", "location", "recurrence_type", "occurrences", "interval",
			"uid", "created_by", "participants", "alarm", "change_exceptions"} {
			if jsonString(srv[k]) != jsonString(loc[k]) {
				t.Errorf("appointment %d %s: server %v local %v", id, k, srv[k], loc[k])
			}
		}
	}
	if exc := changeExceptions(t, l, ser, folder); jsonString(exc) != jsonString(srvExc) {
		t.Fatalf("local exceptions %v, server %v", exc, srvExc)
	}
	// The pulled appointment's alarm is a local reminder.
	rs := MustOK(t, l.Get("reminder", "action", "range", "end", itoa(calStart+10*dayMS))).Data().([]any)
	found := false
	for _, r := range rs {
		if m := r.(map[string]any); num(m["target_id"]) == single && num(m["module"]) == 1 {
			found = true
		}
	}
	if !found {
		t.Fatalf("no local reminder of %d: %v", single, rs)
	}
}

func TestCalendarOfflineCreateGetsServerID(t *testing.T) {
	e := setup(t)
	folder := calFolder(t, e.alice)
	l := e.attach(t)
	temp := newAppt(t, l, folder, "Made offline", calStart, map[string]any{"note": "n1"})
	if temp >= 0 {
		t.Fatalf("temporary id %d", temp)
	}
	l.Sync()
	var sid int64
	res := MustOK(t, e.alice.Get("calendar", "action", "all", "folder", itoa(folder), "columns", "1,200",
		"start", itoa(calStart-dayMS), "end", itoa(calStart+dayMS)))
	for _, r := range res.Data().([]any) {
		if row := r.([]any); row[1] == "Made offline" {
			sid = num(row[0])
		}
	}
	if sid <= 0 {
		t.Fatalf("not on the server: %s", res.Body)
	}
	if loc, code := getAppt(t, l, sid, folder); code != "" || loc["note"] != "n1" {
		t.Fatalf("local under server id: %v %s", loc, code)
	}
	// The page may still use the temporary id.
	if loc, code := getAppt(t, l, temp, folder); code != "" || num(loc["id"]) != sid {
		t.Fatalf("temporary id after the push: %v %s", loc, code)
	}
	if st := l.State(); st["pending"].(float64) != 0 || st["conflicts"].(float64) != 0 {
		t.Fatalf("state %v", st)
	}
}

func TestCalendarOccurrenceChangeBecomesException(t *testing.T) {
	e := setup(t)
	folder := calFolder(t, e.alice)
	ser := series(t, e.alice, folder, "Daily")
	l := e.attach(t)
	res := MustOK(t, l.Put("calendar", map[string]any{"title": "Daily (moved)", "start_date": calStart + 2*dayMS + hourMS,
		"end_date": calStart + 2*dayMS + 2*hourMS, "recurrence_position": 3},
		"action", "update", "id", itoa(ser), "folder", itoa(folder), "timezone", "UTC"))
	temp := num(res.Data().(map[string]any)["id"])
	if temp >= 0 {
		t.Fatalf("local exception id %d", temp)
	}
	l.Sync()
	exc := changeExceptions(t, e.alice, ser, folder)
	if len(exc) != 1 || exc[0][1] != "Daily (moved)" || num(exc[0][2]) != 3 {
		t.Fatalf("server exceptions %v", exc)
	}
	sid := num(exc[0][0])
	// The other occurrences are the series'.
	for _, pos := range []string{"1", "2", "4", "5"} {
		occ, code := getAppt(t, e.alice, ser, folder, "recurrence_position", pos)
		if code != "" || occ["title"] != "Daily" {
			t.Fatalf("occurrence %s: %v %s", pos, occ, code)
		}
	}
	master, _ := getAppt(t, e.alice, ser, folder)
	if master["title"] != "Daily" || num(master["occurrences"]) != 5 {
		t.Fatalf("series changed: %v", master)
	}
	// Locally the exception carries the server's id; the temporary id
	// still resolves.
	if le := changeExceptions(t, l, ser, folder); len(le) != 1 || num(le[0][0]) != sid {
		t.Fatalf("local exceptions %v, server id %d", le, sid)
	}
	if got, code := getAppt(t, l, temp, folder); code != "" || num(got["id"]) != sid {
		t.Fatalf("temporary exception id: %v %s", got, code)
	}
	if st := l.State(); st["pending"].(float64) != 0 || st["conflicts"].(float64) != 0 {
		t.Fatalf("state %v", st)
	}
}

func TestCalendarOccurrenceDeleteOffline(t *testing.T) {
	e := setup(t)
	folder := calFolder(t, e.alice)
	ser := series(t, e.alice, folder, "Gym")
	l := e.attach(t)
	// As the 7.8 UI sends it: one object, the occurrence as `pos`.
	MustOK(t, l.Put("calendar", map[string]any{"id": ser, "folder": folder, "pos": 2},
		"action", "delete", "timestamp", "9999999999999"))
	// Meanwhile the series changes on the server: the deletion still goes.
	MustOK(t, e.alice.Put("calendar", map[string]any{"location": "Gym hall"},
		"action", "update", "id", itoa(ser), "folder", itoa(folder), "timestamp", "9999999999999"))
	l.Sync()
	master, _ := getAppt(t, e.alice, ser, folder)
	de, _ := master["delete_exceptions"].([]any)
	if len(de) != 1 || num(de[0]) != calStart-calStart%dayMS+dayMS {
		t.Fatalf("server delete exceptions %v", master["delete_exceptions"])
	}
	if master["location"] != "Gym hall" || master["title"] != "Gym" {
		t.Fatalf("series %v", master)
	}
	if _, code := getAppt(t, e.alice, ser, folder, "recurrence_position", "3"); code != "" {
		t.Fatalf("occurrence 3: %s", code)
	}
	loc, _ := getAppt(t, l, ser, folder)
	if jsonString(loc["delete_exceptions"]) != jsonString(master["delete_exceptions"]) || loc["location"] != "Gym hall" {
		t.Fatalf("local series %v", loc)
	}
	if st := l.State(); st["pending"].(float64) != 0 || st["conflicts"].(float64) != 0 {
		t.Fatalf("state %v", st)
	}
}

func TestCalendarMergeAndConflict(t *testing.T) {
	e := setup(t)
	folder := calFolder(t, e.alice)
	id := newAppt(t, e.alice, folder, "Lunch", calStart, map[string]any{"location": "Cafe"})
	l := e.attach(t)
	// Different fields: both changes survive.
	MustOK(t, l.Put("calendar", map[string]any{"location": "Bistro"}, "action", "update", "id", itoa(id), "folder", itoa(folder)))
	MustOK(t, e.alice.Put("calendar", map[string]any{"title": "Team lunch"}, "action", "update", "id", itoa(id),
		"folder", itoa(folder), "timestamp", "9999999999999"))
	l.Sync()
	srv, _ := getAppt(t, e.alice, id, folder)
	if srv["title"] != "Team lunch" || srv["location"] != "Bistro" {
		t.Fatalf("merged server object %v", srv)
	}
	if loc, _ := getAppt(t, l, id, folder); loc["title"] != "Team lunch" || loc["location"] != "Bistro" {
		t.Fatalf("merged local object %v", loc)
	}
	if len(l.Conflicts()) != 0 {
		t.Fatalf("conflicts %v", l.Conflicts())
	}
	// The same field: a conflict record, the server's value stays.
	MustOK(t, l.Put("calendar", map[string]any{"title": "Lunch (here)"}, "action", "update", "id", itoa(id), "folder", itoa(folder)))
	MustOK(t, e.alice.Put("calendar", map[string]any{"title": "Lunch (there)"}, "action", "update", "id", itoa(id),
		"folder", itoa(folder), "timestamp", "9999999999999"))
	l.Sync()
	cs := l.Conflicts()
	if len(cs) != 1 || cs[0]["module"] != "calendar" || cs[0]["field"] != "title" || cs[0]["kind"] != "field" {
		t.Fatalf("conflicts %v", cs)
	}
	if srv, _ := getAppt(t, e.alice, id, folder); srv["title"] != "Lunch (there)" {
		t.Fatalf("server title %v", srv["title"])
	}
	if loc, _ := getAppt(t, l, id, folder); loc["title"] != "Lunch (there)" {
		t.Fatalf("local title %v", loc["title"])
	}
}

func TestCalendarServerChangesArrive(t *testing.T) {
	e := setup(t)
	folder := calFolder(t, e.alice)
	gone := newAppt(t, e.alice, folder, "To be cancelled", calStart, nil)
	l := e.attach(t)
	// bob invites alice after her initial sync; alice deletes one on the server.
	inv := newAppt(t, e.bob, calFolder(t, e.bob), "Planning", calStart+3*hourMS, map[string]any{
		"participants": []any{map[string]any{"id": e.bob.UserID, "type": 1}, map[string]any{"id": e.alice.UserID, "type": 1}}})
	MustOK(t, e.alice.Put("calendar", []any{map[string]any{"id": gone, "folder": folder}}, "action", "delete",
		"timestamp", "9999999999999"))
	l.Sync()
	if loc, code := getAppt(t, l, inv, folder); code != "" || loc["title"] != "Planning" {
		t.Fatalf("invitation locally: %v %s", loc, code)
	}
	if _, code := getAppt(t, l, gone, folder); code == "" {
		t.Fatal("the deleted appointment is still local")
	}
}

func TestCalendarResourceConflictRejected(t *testing.T) {
	e := setup(t)
	out, _, code := e.s.CLI("resource", "add", "--name", "room-1", "--email", "room-1@example.com")
	if code != 0 {
		t.Fatalf("resource add failed")
	}
	room := num(strings.TrimSpace(out))
	folder := calFolder(t, e.alice)
	l := e.attach(t)
	withRoom := map[string]any{"participants": []any{map[string]any{"id": e.alice.UserID, "type": 1}, map[string]any{"id": room, "type": 3}}}
	temp := newAppt(t, l, folder, "Booked here", calStart, withRoom)
	// bob books the room on the server first.
	newAppt(t, e.bob, calFolder(t, e.bob), "Booked there", calStart, map[string]any{
		"participants": []any{map[string]any{"id": e.bob.UserID, "type": 1}, map[string]any{"id": room, "type": 3}}})
	l.Sync()
	cs := l.Conflicts()
	if len(cs) != 1 || cs[0]["kind"] != "rejected" || cs[0]["module"] != "calendar" {
		t.Fatalf("conflicts %v", cs)
	}
	if _, code := getAppt(t, l, temp, folder); code == "" {
		t.Fatal("the refused appointment stayed local")
	}
	if st := l.State(); st["pending"].(float64) != 0 {
		t.Fatalf("state %v", st)
	}
}

// A series whose first occurrences were deleted keeps its start: the
// server shows the master at its first remaining occurrence.
func TestCalendarSeriesWithoutFirstOccurrences(t *testing.T) {
	e := setup(t)
	folder := calFolder(t, e.alice)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	// 00:30 in Berlin is the previous day in UTC.
	start := time.Date(2031, 3, 3, 0, 30, 0, 0, berlin).UnixMilli()
	ser := newAppt(t, e.alice, folder, "Night shift", start, map[string]any{"timezone": "Europe/Berlin",
		"recurrence_type": 1, "interval": 1, "occurrences": 5})
	for _, pos := range []int{1, 2} {
		MustOK(t, e.alice.Put("calendar", []any{map[string]any{"id": ser, "folder": folder, "recurrence_position": pos}},
			"action", "delete", "timestamp", "9999999999999"))
	}
	l := e.attach(t)
	for _, pos := range []string{"3", "4", "5"} {
		s, _ := getAppt(t, e.alice, ser, folder, "recurrence_position", pos)
		lo, code := getAppt(t, l, ser, folder, "recurrence_position", pos)
		if code != "" || jsonString(s["start_date"]) != jsonString(lo["start_date"]) || jsonString(s["end_date"]) != jsonString(lo["end_date"]) {
			t.Errorf("occurrence %s: server %v–%v local %v–%v %s", pos, s["start_date"], s["end_date"], lo["start_date"], lo["end_date"], code)
		}
	}
	s, _ := getAppt(t, e.alice, ser, folder)
	lo, _ := getAppt(t, l, ser, folder)
	for _, k := range []string{"start_date", "end_date", "delete_exceptions", "occurrences", "recurrence_start"} {
		if jsonString(s[k]) != jsonString(lo[k]) {
			t.Errorf("series %s: server %v local %v", k, s[k], lo[k])
		}
	}
}

// apptIDs lists the ids `calendar all` shows in folder around calStart.
func apptIDs(t *testing.T, c getter, folder int64) map[int64]bool {
	t.Helper()
	res := MustOK(t, c.Get("calendar", "action", "all", "folder", itoa(folder), "columns", "1",
		"start", itoa(calStart-dayMS), "end", itoa(calStart+10*dayMS)))
	out := map[int64]bool{}
	for _, r := range res.Data().([]any) {
		out[num(r.([]any)[0])] = true
	}
	return out
}

// An appointment alice takes part in that also lies in a calendar bob
// shares with her shows in both calendars locally, as on the server, and
// leaving one of them keeps it in the other.
func TestCalendarAppointmentInTwoFolders(t *testing.T) {
	e := setup(t)
	mine, bobs := calFolder(t, e.alice), calFolder(t, e.bob)
	MustOK(t, e.bob.Put("folders", map[string]any{"permissions": []any{
		map[string]any{"entity": e.bob.UserID, "group": false, "bits": 403710016},
		map[string]any{"entity": e.alice.UserID, "group": false, "bits": 513}, // see the folder, read all
	}}, "action", "update", "id", itoa(bobs), "tree", "1", "timestamp", farFuture))
	both := newAppt(t, e.bob, bobs, "Both calendars", calStart, map[string]any{
		"participants": []any{map[string]any{"id": e.bob.UserID, "type": 1}, map[string]any{"id": e.alice.UserID, "type": 1}}})
	for _, f := range []int64{mine, bobs} {
		if !apptIDs(t, e.alice, f)[both] {
			t.Fatalf("server: %d not in folder %d", both, f)
		}
	}
	l := e.attach(t)
	for _, f := range []int64{mine, bobs} {
		if !apptIDs(t, l, f)[both] {
			t.Fatalf("local: %d not in folder %d after the initial sync", both, f)
		}
		if o, code := getAppt(t, l, both, f); code != "" || num(o["folder_id"]) != f {
			t.Fatalf("local get in %d: %v %s", f, o, code)
		}
	}
	// A change arrives in both.
	MustOK(t, e.bob.Put("calendar", map[string]any{"title": "Both, renamed"},
		"action", "update", "id", itoa(both), "folder", itoa(bobs), "timestamp", farFuture, "timezone", "UTC"))
	l.Sync()
	for _, f := range []int64{mine, bobs} {
		if o, code := getAppt(t, l, both, f); code != "" || o["title"] != "Both, renamed" {
			t.Fatalf("local get in %d after the change: %v %s", f, o, code)
		}
	}
	// bob drops alice: it leaves her calendar and stays in his.
	MustOK(t, e.bob.Put("calendar", map[string]any{"participants": []any{map[string]any{"id": e.bob.UserID, "type": 1}}},
		"action", "update", "id", itoa(both), "folder", itoa(bobs), "timestamp", farFuture, "timezone", "UTC"))
	if apptIDs(t, e.alice, mine)[both] || !apptIDs(t, e.alice, bobs)[both] {
		t.Fatal("server: the participant change did not move the appointment as expected")
	}
	l.Sync()
	if apptIDs(t, l, mine)[both] {
		t.Fatal("local: still in alice's calendar after she was removed")
	}
	if !apptIDs(t, l, bobs)[both] {
		t.Fatal("local: gone from bob's calendar, where it still is")
	}
	// Deleted on the server: gone everywhere.
	MustOK(t, e.bob.Put("calendar", []any{map[string]any{"id": both, "folder": bobs}}, "action", "delete", "timestamp", farFuture))
	l.Sync()
	if apptIDs(t, l, bobs)[both] {
		t.Fatal("local: still there after the deletion")
	}
}

// Confirming one occurrence offline makes a change exception locally; the
// server makes its own when the confirmation arrives, and the local one
// takes its id (the temporary id still resolves) instead of being
// replaced by it.
func TestCalendarOccurrenceConfirmOffline(t *testing.T) {
	e := setup(t)
	mine, bobs := calFolder(t, e.alice), calFolder(t, e.bob)
	ser := newAppt(t, e.bob, bobs, "Weekly sync", calStart, map[string]any{"recurrence_type": 1, "interval": 1, "occurrences": 5,
		"participants": []any{map[string]any{"id": e.bob.UserID, "type": 1}, map[string]any{"id": e.alice.UserID, "type": 1}}})
	l := e.attach(t)
	MustOK(t, l.Put("calendar", map[string]any{"confirmation": 2, "confirmmessage": "away that day"},
		"action", "confirm", "id", itoa(ser), "folder", itoa(mine), "occurrence", "3"))
	le := changeExceptions(t, l, ser, mine)
	if len(le) != 1 || num(le[0][2]) != 3 || num(le[0][0]) >= 0 {
		t.Fatalf("local exceptions before the sync %v", le)
	}
	temp := num(le[0][0])
	l.Sync()
	exc := changeExceptions(t, e.alice, ser, mine)
	if len(exc) != 1 || num(exc[0][2]) != 3 {
		t.Fatalf("server exceptions %v", exc)
	}
	sid := num(exc[0][0])
	srv, _ := getAppt(t, e.alice, sid, mine)
	declined := false
	for _, u := range srv["users"].([]any) {
		if m := u.(map[string]any); num(m["id"]) == e.alice.UserID && num(m["confirmation"]) == 2 {
			declined = true
		}
	}
	if !declined {
		t.Fatalf("server exception users %v", srv["users"])
	}
	if le := changeExceptions(t, l, ser, mine); len(le) != 1 || num(le[0][0]) != sid {
		t.Fatalf("local exceptions %v, server id %d", le, sid)
	}
	if got, code := getAppt(t, l, temp, mine); code != "" || num(got["id"]) != sid {
		t.Fatalf("temporary exception id: %v %s", got, code)
	}
	if st := l.State(); st["pending"].(float64) != 0 || st["conflicts"].(float64) != 0 {
		t.Fatalf("state %v", st)
	}
}
