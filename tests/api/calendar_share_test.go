package api

import (
	"testing"
)

// Shared and public calendars follow the folder permissions as contacts
// and tasks do: read-only sharing lets a colleague read but not change,
// create or delete; a public calendar with "create objects, read all,
// write own" lets everyone add appointments and change only their own.
func TestCalendarSharedAndPublicFolders(t *testing.T) {
	s := StartServer(t)
	aliceID := s.AddUser("alice", "pw")
	bobID := s.AddUser("bob", "pw")
	s.AddUser("carol", "pw")
	a, b, c := s.Login("alice", "pw"), s.Login("bob", "pw"), s.Login("carol", "pw")
	start := calMS("UTC", 2031, 6, 2, 9, 0)
	span := func(cl *Client, folder string) map[int64]string {
		out := map[int64]string{}
		for _, r := range calAll(t, cl, folder, start-86400000, start+7*86400000) {
			title, _ := r["200"].(string)
			out[num64(r["1"])] = title
		}
		return out
	}

	// alice's own calendar, shared read-only with bob.
	af := calFolder(t, a)
	mine := calID(t, calNew(a, af, map[string]any{"title": "Planning", "start_date": start, "end_date": start + 3600000}))
	if got := b.Get("calendar", "action", "all", "folder", af, "columns", "1", "start", tskS(start-86400000),
		"end", tskS(start+86400000), "timezone", "UTC"); got.Code() == "" {
		t.Fatalf("bob reads alice's unshared calendar: %s", got.Body)
	}
	MustOK(t, fldUpdate(a, af, map[string]any{"permissions": []any{fldPerm(fldAllBits, aliceID, false), fldPerm(fldSeeRead, bobID, false)}}))
	if got := span(b, af); got[mine] != "Planning" {
		t.Fatalf("bob's view of alice's shared calendar: %v", got)
	}
	MustOK(t, b.Get("calendar", "action", "get", "id", tskS(mine), "folder", af, "timezone", "UTC"))
	MustCode(t, b.Put("calendar", map[string]any{"title": "Bob was here"}, "action", "update", "id", tskS(mine),
		"folder", af, "timestamp", calFar, "timezone", "UTC"), "APP-0006")
	MustCode(t, calNew(b, af, map[string]any{"title": "Sneaked in", "start_date": start, "end_date": start + 3600000}), "APP-0005")
	MustCode(t, b.Put("calendar", map[string]any{"id": mine, "folder": af}, "action", "delete", "timestamp", calFar), "APP-0007")
	if got := span(a, af); got[mine] != "Planning" || len(got) != 1 {
		t.Fatalf("alice's calendar after bob's refused writes: %v", got)
	}
	// carol, not shared with, still sees nothing.
	MustCode(t, c.Get("calendar", "action", "get", "id", tskS(mine), "folder", af, "timezone", "UTC"), "APP-0017")

	// A public calendar: everyone creates, reads all, changes their own.
	const createReadAllWriteOwn = 2 | 2<<7 | 1<<14 | 1<<21
	pub := fldNew(t, a, "2", map[string]any{"title": "Rooms and events", "module": "calendar", "type": 2,
		"permissions": []any{fldPerm(fldAllBits, aliceID, false), fldPerm(createReadAllWriteOwn, 0, true)}})
	bobs := calID(t, calNew(b, pub, map[string]any{"title": "Bob's talk", "start_date": start + 86400000, "end_date": start + 90000000}))
	carols := calID(t, calNew(c, pub, map[string]any{"title": "Carol's lunch", "start_date": start + 2*86400000,
		"end_date": start + 2*86400000 + 3600000}))
	for i, cl := range []*Client{a, b, c} {
		if got := span(cl, pub); got[bobs] != "Bob's talk" || got[carols] != "Carol's lunch" {
			t.Fatalf("public calendar as seen by user %d: %v", i, got)
		}
	}
	MustCode(t, c.Put("calendar", map[string]any{"title": "Carol's now"}, "action", "update", "id", tskS(bobs),
		"folder", pub, "timestamp", calFar, "timezone", "UTC"), "APP-0006")
	MustOK(t, c.Put("calendar", map[string]any{"title": "Carol's long lunch"}, "action", "update", "id", tskS(carols),
		"folder", pub, "timestamp", calFar, "timezone", "UTC"))
	MustCode(t, c.Put("calendar", map[string]any{"id": bobs, "folder": pub}, "action", "delete", "timestamp", calFar), "APP-0007")
	MustOK(t, b.Put("calendar", map[string]any{"id": bobs, "folder": pub}, "action", "delete", "timestamp", calFar))
	if got := span(a, pub); len(got) != 1 || got[carols] != "Carol's long lunch" {
		t.Fatalf("public calendar after the changes: %v", got)
	}
	// A private appointment cannot go into a public folder.
	MustCode(t, calNew(b, pub, map[string]any{"title": "Secret", "start_date": start, "end_date": start + 3600000, "private_flag": true}), "APP-0014")
}
