package api

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// calGet answers the appointment as cl sees it in folder.
func calGet(t *testing.T, cl *Client, id int64, folder string) map[string]any {
	t.Helper()
	return MustOK(t, cl.Get("calendar", "action", "get", "id", tskS(id), "folder", folder, "timezone", "UTC")).Data().(map[string]any)
}

// calReminders answers cl's appointment reminders (module 1) by target.
func calReminders(t *testing.T, cl *Client) map[int64]map[string]any {
	t.Helper()
	r := MustOK(t, cl.Get("reminder", "action", "range", "end", calFar, "timezone", "UTC"))
	out := map[int64]map[string]any{}
	for _, x := range r.Data().([]any) {
		m := x.(map[string]any)
		if num64(m["module"]) == 1 {
			out[num64(m["target_id"])] = m
		}
	}
	return out
}

// Each participant has their own alarm; reminders follow it, and a series
// reminds of one occurrence after the other.
func TestCalendarAlarmPerUser(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	bobID := s.AddUser("bob", "pw")
	a, b := s.Login("alice", "pw"), s.Login("bob", "pw")
	af, bf := calFolder(t, a), calFolder(t, b)
	start := calMS("UTC", 2030, 5, 6, 10, 0)
	id := calID(t, calNew(a, af, map[string]any{"title": "sync", "start_date": start, "end_date": start + 3600000, "alarm": 15,
		"participants": []any{map[string]any{"id": bobID, "type": 1}}}))
	if g := calGet(t, b, id, bf); g["alarm"] != nil {
		t.Fatalf("bob got alice's alarm: %v", g["alarm"])
	}
	if rs := calReminders(t, b); len(rs) != 0 {
		t.Fatalf("bob has reminders: %v", rs)
	}
	MustOK(t, b.Put("calendar", map[string]any{"alarm": 30}, "action", "update", "id", tskS(id), "folder", bf, "timestamp", calFar, "timezone", "UTC"))
	if g := calGet(t, a, id, af); num64(g["alarm"]) != 15 {
		t.Fatalf("bob's alarm changed alice's: %v", g["alarm"])
	}
	if g := calGet(t, b, id, bf); num64(g["alarm"]) != 30 {
		t.Fatalf("bob's alarm: %v", g["alarm"])
	}
	ra, rb := calReminders(t, a)[id], calReminders(t, b)[id]
	if ra == nil || rb == nil || num64(ra["alarm"]) != start-15*60000 || num64(rb["alarm"]) != start-30*60000 || num64(rb["folder"]) != num64(mustNum(bf)) {
		t.Fatalf("reminders: alice %v, bob %v", ra, rb)
	}
	// Moving the appointment moves both reminders.
	MustOK(t, a.Put("calendar", map[string]any{"start_date": start + 3600000, "end_date": start + 7200000}, "action", "update", "id", tskS(id),
		"folder", af, "timestamp", calFar, "timezone", "UTC"))
	ra, rb = calReminders(t, a)[id], calReminders(t, b)[id]
	if num64(ra["alarm"]) != start+3600000-15*60000 || num64(rb["alarm"]) != start+3600000-30*60000 {
		t.Fatalf("reminders after the move: alice %v, bob %v", ra, rb)
	}
	// alice removes her alarm; bob keeps his.
	MustOK(t, a.Put("calendar", map[string]any{"alarm": -1}, "action", "update", "id", tskS(id), "folder", af, "timestamp", calFar))
	if calReminders(t, a)[id] != nil || calReminders(t, b)[id] == nil || calGet(t, a, id, af)["alarm"] != nil {
		t.Fatalf("removing alice's alarm")
	}

	// A weekly series reminds of its first occurrence; dismissing that
	// reminder arms it for the next one, a deleted occurrence is skipped.
	day := int64(86400000)
	sid := calID(t, calNew(a, af, map[string]any{"title": "weekly", "start_date": start + day, "end_date": start + day + 3600000,
		"recurrence_type": 2, "days": 4, "interval": 1, "occurrences": 4, "alarm": 10}))
	r := calReminders(t, a)[sid]
	if r == nil || num64(r["alarm"]) != start+day-600000 || num64(r["recurrence_position"]) != 1 {
		t.Fatalf("series reminder: %v", r)
	}
	MustOK(t, a.Put("calendar", map[string]any{"id": sid, "folder": af, "pos": 2}, "action", "delete", "timestamp", calFar))
	MustOK(t, a.Put("reminder", []any{map[string]any{"id": num64(r["id"])}}, "action", "delete"))
	r = calReminders(t, a)[sid]
	if r == nil || num64(r["alarm"]) != start+15*day-600000 || num64(r["recurrence_position"]) != 3 {
		t.Fatalf("next occurrence's reminder: %v", r)
	}
}

// Attendees with an internal user's address become that user, with their
// PARTSTAT; other attendees stay external with theirs.
func TestCalendarImportInternalAttendees(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw", "--email", "alice@example.com")
	bobID := s.AddUser("bob", "pw", "--email", "bob@example.com")
	a, b := s.Login("alice", "pw"), s.Login("bob", "pw")
	af := int64(mustNum(calFolder(t, a)))
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:imp-1\r\nDTSTAMP:20300101T000000Z\r\n" +
		"DTSTART:20300506T100000Z\r\nDTEND:20300506T110000Z\r\nSUMMARY:Planning\r\n" +
		"ORGANIZER:mailto:alice@example.com\r\n" +
		"ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:mailto:BOB@example.com\r\n" +
		"ATTENDEE;CN=Guest;PARTSTAT=TENTATIVE:mailto:guest@example.org\r\n" +
		"END:VEVENT\r\nEND:VCALENDAR\r\n"
	rs := ieResults(t, ieImport(t, a, "ICAL", af, []byte(ics)), 1)
	id := ieStored(t, rs[0], af)
	g := calGet(t, a, id, tskS(af))
	var users, externals int
	for _, p := range g["participants"].([]any) {
		m := p.(map[string]any)
		switch num64(m["type"]) {
		case 1:
			if num64(m["id"]) == bobID {
				users++
			}
		case 5:
			if strings.EqualFold(m["mail"].(string), "bob@example.com") {
				t.Fatalf("bob stayed external: %v", g["participants"])
			}
			externals++
		}
	}
	if users != 1 || externals != 1 {
		t.Fatalf("participants: %v", g["participants"])
	}
	bobConf := int64(-1)
	for _, u := range g["users"].([]any) {
		if m := u.(map[string]any); num64(m["id"]) == bobID {
			bobConf = num64(m["confirmation"])
		}
	}
	if bobConf != 1 {
		t.Fatalf("bob's confirmation: %v", g["users"])
	}
	cs, _ := g["confirmations"].([]any)
	if len(cs) != 1 || num64(cs[0].(map[string]any)["status"]) != 3 {
		t.Fatalf("guest's confirmation: %v", g["confirmations"])
	}
	// bob sees it in his own calendar.
	start := time.Date(2030, 5, 6, 10, 0, 0, 0, time.UTC).UnixMilli()
	if rows := calAll(t, b, calFolder(t, b), start-86400000, start+86400000); len(rows) != 1 || num64(rows[0]["1"]) != id {
		t.Fatalf("bob's calendar: %v", rows)
	}
}

// The VTIMEZONE of an export covers every year of the series, also after
// the first: rule-based observances.
func TestCalendarExportTimezoneSpan(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	a := s.Login("alice", "pw")
	f := calFolder(t, a)
	start := calMS("America/New_York", 2030, 1, 7, 9, 0) // a Monday
	calID(t, calNew(a, f, map[string]any{"title": "years", "start_date": start, "end_date": start + 3600000, "timezone": "America/New_York",
		"recurrence_type": 2, "days": 2, "interval": 1, "until": calMS("UTC", 2033, 1, 1, 0, 0)}))
	body := string(ieExport(t, a, "ICAL", int64(mustNum(f)), "text/calendar"))
	i, j := strings.Index(body, "BEGIN:VTIMEZONE"), strings.Index(body, "END:VTIMEZONE")
	if i < 0 || j < i {
		t.Fatalf("no VTIMEZONE:\n%s", body)
	}
	tz := strings.ReplaceAll(body[i:j], "\r\n", "\n")
	for _, want := range []string{"TZID:America/New_York", "BEGIN:DAYLIGHT", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
		"BEGIN:STANDARD", "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU", "TZOFFSETTO:-0400", "TZOFFSETTO:-0500"} {
		if !strings.Contains(tz, want) {
			t.Fatalf("VTIMEZONE lacks %q:\n%s", want, tz)
		}
	}
	// Each observance starts before the series: a reader can place 2032 too.
	for _, line := range strings.Split(tz, "\n") {
		if strings.HasPrefix(line, "DTSTART:") && line[8:12] > "2030" {
			t.Fatalf("observance starts after the series start: %s\n%s", line, tz)
		}
	}
}

// Appointments that are over never conflict, nor do free ones.
func TestCalendarConflictPastAndFree(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	a := s.Login("alice", "pw")
	f := calFolder(t, a)
	past := time.Now().Add(-72 * time.Hour).Truncate(time.Hour).UnixMilli()
	calID(t, calNew(a, f, map[string]any{"title": "old", "start_date": past, "end_date": past + 3600000}))
	r := MustOK(t, calNew(a, f, map[string]any{"title": "old too", "start_date": past, "end_date": past + 3600000}))
	if cs := r.Data().(map[string]any)["conflicts"]; cs != nil {
		t.Fatalf("past appointments conflict: %s", r.Body)
	}
	// A daily series that started in the past conflicts only with what lies ahead.
	day := int64(86400000)
	calID(t, calNew(a, f, map[string]any{"title": "daily", "start_date": past - 5*day, "end_date": past - 5*day + 3600000,
		"recurrence_type": 1, "interval": 1, "occurrences": 6, "ignore_conflicts": true}))
	r = MustOK(t, calNew(a, f, map[string]any{"title": "again", "start_date": past - day, "end_date": past - day + 3600000}))
	if cs := r.Data().(map[string]any)["conflicts"]; cs != nil {
		t.Fatalf("past occurrence conflicts: %s", r.Body)
	}
	future := calMS("UTC", 2030, 5, 6, 10, 0)
	calID(t, calNew(a, f, map[string]any{"title": "free", "start_date": future, "end_date": future + 3600000, "shown_as": 4}))
	r = MustOK(t, calNew(a, f, map[string]any{"title": "busy", "start_date": future, "end_date": future + 3600000}))
	if cs := r.Data().(map[string]any)["conflicts"]; cs != nil {
		t.Fatalf("free appointment conflicts: %s", r.Body)
	}
	r = MustOK(t, calNew(a, f, map[string]any{"title": "busy 2", "start_date": future, "end_date": future + 3600000}))
	if cs, _ := r.Data().(map[string]any)["conflicts"].([]any); len(cs) != 1 {
		t.Fatalf("future conflict missing: %s", r.Body)
	}
}

// left_hand_limit/right_hand_limit slice the sorted rows; `more` tells the
// whole count, as the reference's AllAction does.
func TestCalendarAllLimits(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	a := s.Login("alice", "pw")
	f := calFolder(t, a)
	start := calMS("UTC", 2030, 5, 6, 10, 0)
	// Created in reverse order so id order is not start order.
	for i := 4; i >= 0; i-- {
		st := start + int64(i)*3600000
		calID(t, calNew(a, f, map[string]any{"title": fmt.Sprint("n", i), "start_date": st, "end_date": st + 1800000}))
	}
	r := MustOK(t, a.Get("calendar", "action", "all", "folder", f, "columns", "200,201", "start", tskS(start-86400000), "end", tskS(start+86400000),
		"sort", "201", "order", "asc", "left_hand_limit", "1", "right_hand_limit", "3", "timezone", "UTC"))
	rows := r.Data().([]any)
	if len(rows) != 2 || rows[0].([]any)[0] != "n1" || rows[1].([]any)[0] != "n2" {
		t.Fatalf("limited rows: %s", r.Body)
	}
	if num64(r.Obj["more"]) != 5 {
		t.Fatalf("more: %s", r.Body)
	}
	r = MustOK(t, a.Get("calendar", "action", "all", "folder", f, "columns", "200", "start", tskS(start-86400000), "end", tskS(start+86400000),
		"sort", "201", "order", "desc", "limit", "1", "timezone", "UTC"))
	if rows := r.Data().([]any); len(rows) != 1 || rows[0].([]any)[0] != "n4" {
		t.Fatalf("limit after sort desc: %s", r.Body)
	}
	r = MustOK(t, a.Get("calendar", "action", "all", "folder", f, "columns", "200", "start", tskS(start-86400000), "end", tskS(start+86400000), "timezone", "UTC"))
	if _, has := r.Obj["more"]; has {
		t.Fatalf("more without limits: %s", r.Body)
	}
}
