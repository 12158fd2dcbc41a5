package api

import (
	"fmt"
	"testing"
	"time"
)

func TestResources(t *testing.T) {
	_, admin, alice, bob := ugUsers(t)
	far := "2116800000000"

	if ids := ugArr(t, alice.Get("resource", "action", "all")); len(ids) != 0 {
		t.Fatalf("no resources yet: %v", ids)
	}
	room := map[string]any{"display_name": "Room 1", "name": "room1", "mailaddress": "room1@example.com",
		"description": "Big room", "availability": true}
	MustCode(t, alice.Put("resource", room, "action", "new"), "RES-0009")
	r := admin.Put("resource", room, "action", "new")
	id := ugNum(t, ugObj(t, r)["id"])
	created := ugTS(t, r)
	rid := ugS(id)

	// get: Time last_modified in the user's zone (alice: Europe/Berlin).
	r = alice.Get("resource", "action", "get", "id", rid)
	o := ugObj(t, r)
	for k, want := range map[string]any{"name": "room1", "display_name": "Room 1", "mailaddress": "room1@example.com",
		"description": "Big room", "availability": true} {
		if o[k] != want {
			t.Errorf("%s = %v, want %v", k, o[k], want)
		}
	}
	utc := ugNum(t, o["last_modified_utc"])
	_, off := time.UnixMilli(utc).In(mustZone(t, "Europe/Berlin")).Zone()
	if utc != created || ugTS(t, r) != created || ugNum(t, o["last_modified"]) != utc+int64(off)*1000 {
		t.Fatalf("times of the resource: %s", r.Body)
	}

	// A second one without a simple name.
	r = admin.Put("resource", map[string]any{"display_name": "Beamer"}, "action", "new")
	id2 := ugNum(t, ugObj(t, r)["id"])
	created2 := ugTS(t, r)
	if ids := ugArr(t, bob.Get("resource", "action", "all")); fmt.Sprint(ids) != fmt.Sprint([]any{float64(id), float64(id2)}) {
		t.Fatalf("all answers the ids: %v", ids)
	}
	objs := ugArr(t, bob.Put("resource", []any{map[string]any{"id": id2}, map[string]any{"id": 9999}, map[string]any{"id": ugS(id)}}, "action", "list"))
	if fmt.Sprint(ugIDsOf(t, objs)) != fmt.Sprint([]int64{id2, id}) {
		t.Fatalf("list: %v", objs)
	}
	if b := objs[0].(map[string]any); b["name"] != "Beamer" || b["availability"] != true || b["mailaddress"] != "" {
		t.Fatalf("defaults of a new resource: %v", b)
	}
	for pattern, want := range map[string][]int64{"room*": {id}, "eam": {id2}, "*": {id, id2}, "R??m 1": {id}, "zzz": nil} {
		got := ugIDsOf(t, ugArr(t, bob.Put("resource", map[string]any{"pattern": pattern}, "action", "search")))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("search %q = %v, want %v", pattern, got, want)
		}
	}

	// update.
	upd := map[string]any{"availability": false, "description": nil}
	MustCode(t, bob.Put("resource", upd, "action", "update", "id", rid, "timestamp", far), "RES-0009")
	MustCode(t, admin.Put("resource", upd, "action", "update", "id", rid, "timestamp", ugS(created-1)), "RES-0013")
	MustCode(t, admin.Put("resource", upd, "action", "update", "id", rid), "SVL-0002")
	MustCode(t, admin.Put("resource", upd, "action", "update", "id", "4242", "timestamp", far), "RES-0005")
	r = admin.Put("resource", upd, "action", "update", "id", rid, "timestamp", ugS(created))
	MustOK(t, r)
	updated := ugTS(t, r)
	o = ugObj(t, bob.Get("resource", "action", "get", "id", rid))
	if o["availability"] != false || o["description"] != "" || o["name"] != "room1" || ugNum(t, o["last_modified_utc"]) != updated {
		t.Fatalf("after update: %v", o)
	}
	MustCode(t, admin.Put("resource", map[string]any{"name": "Beamer"}, "action", "update", "id", rid, "timestamp", far), "RES-0006")
	MustCode(t, admin.Put("resource", map[string]any{"mailaddress": "nope"}, "action", "update", "id", rid, "timestamp", far), "RES-0012")
	MustCode(t, admin.Put("resource", map[string]any{"name": "a/b"}, "action", "update", "id", rid, "timestamp", far), "RES-0011")
	MustCode(t, admin.Put("resource", map[string]any{"availability": "yes"}, "action", "update", "id", rid, "timestamp", far), "SVL-0010")
	MustCode(t, admin.Put("resource", map[string]any{"name": "r3", "display_name": "R3", "mailaddress": "ROOM1@example.com"}, "action", "new"), "RES-0010")
	MustCode(t, admin.Put("resource", map[string]any{"name": "r3"}, "action", "new"), "RES-0008")
	MustCode(t, ugRaw(admin, "resource", "{", "action", "new"), "SVL-0009")
	if o := ugObj(t, bob.Get("resource", "action", "get", "id", rid)); ugNum(t, o["last_modified_utc"]) != updated {
		t.Fatalf("failed updates changed the resource: %v", o)
	}

	// updates.
	up := ugObj(t, bob.Get("resource", "action", "updates", "timestamp", ugS(created)))
	if fmt.Sprint(ugIDsOf(t, up["new"].([]any))) != fmt.Sprint([]int64{id2}) || fmt.Sprint(ugIDsOf(t, up["modified"].([]any))) != fmt.Sprint([]int64{id, id2}) {
		t.Fatalf("updates since the first creation: %v", up)
	}

	// delete: [{id}] + timestamp; a stale one stays and is reported.
	MustCode(t, bob.Put("resource", []any{map[string]any{"id": id}}, "action", "delete", "timestamp", far), "RES-0009")
	MustCode(t, admin.Put("resource", []any{map[string]any{"id": id}}, "action", "delete"), "SVL-0002")
	MustCode(t, admin.Put("resource", []any{map[string]any{"id": 4242}}, "action", "delete", "timestamp", far), "RES-0005")
	MustCode(t, admin.Put("resource", []any{"x"}, "action", "delete", "timestamp", far), "SVL-0009")
	r = admin.Put("resource", []any{map[string]any{"id": id}, map[string]any{"id": id2}}, "action", "delete", "timestamp", ugS(created2))
	if arr := ugArr(t, r); len(arr) != 1 || ugNum(t, arr[0]) != id {
		t.Fatalf("the changed resource must stay: %s", r.Body)
	}
	MustCode(t, bob.Get("resource", "action", "get", "id", ugS(id2)), "RES-0005")
	r = admin.Put("resource", []any{map[string]any{"id": id}}, "action", "delete", "timestamp", far)
	if arr := ugArr(t, r); len(arr) != 0 {
		t.Fatalf("delete answers []: %s", r.Body)
	}
	if ids := ugArr(t, bob.Get("resource", "action", "all")); len(ids) != 0 {
		t.Fatalf("all after delete: %v", ids)
	}
	up = ugObj(t, bob.Get("resource", "action", "updates", "timestamp", ugS(updated)))
	if fmt.Sprint(ugIDsOf(t, up["deleted"].([]any))) != fmt.Sprint([]int64{id2, id}) || len(up["modified"].([]any)) != 0 {
		t.Fatalf("updates after the deletes: %v", up)
	}
	MustCode(t, bob.Get("resource", "action", "updates"), "SVL-0002")
	MustCode(t, bob.Get("resource", "action", "get"), "SVL-0002")
}

// The actions work inside multiple, the way the UI batches them.
func TestUserGroupResourceInMultiple(t *testing.T) {
	_, _, alice, bob := ugUsers(t)
	r := alice.Put("multiple", []any{
		map[string]any{"module": "user", "action": "get", "id": bob.UserID},
		map[string]any{"module": "user", "action": "list", "columns": "1,500", "data": []any{nil}},
		map[string]any{"module": "group", "action": "get", "id": 0},
		map[string]any{"module": "resource", "action": "all"},
		map[string]any{"module": "group", "action": "new", "data": map[string]any{"display_name": "x"}},
	})
	if r.Arr == nil || len(r.Arr) != 5 {
		t.Fatalf("multiple: %s", r.Body)
	}
	if d := r.Arr[0].(map[string]any)["data"].(map[string]any); d["display_name"] != "Bob Brown" {
		t.Fatalf("user get in multiple: %v", d)
	}
	if rows := r.Arr[1].(map[string]any)["data"].([]any); len(rows) != 1 || ugNum(t, rows[0].([]any)[0]) != alice.UserID {
		t.Fatalf("user list [null] in multiple: %v", rows)
	}
	if r.Arr[4].(map[string]any)["code"] != "GRP-0009" {
		t.Fatalf("group new by a user in multiple: %v", r.Arr[4])
	}
}

// The order of the checks (a resource's body is read after the lookup and
// the timestamp check, unlike a group's), times in the requested zone,
// answer timestamps, single deletes and deleted entries in updates, as
// core/directory must keep them.
func TestResourceOrderAndUpdates(t *testing.T) {
	_, admin, _, bob := ugUsers(t)
	far := "2116800000000"

	MustCode(t, bob.Put("resource", map[string]any{}, "action", "update"), "RES-0009")
	MustCode(t, bob.Put("resource", "x", "action", "delete"), "RES-0009")
	MustCode(t, ugRaw(admin, "resource", "{", "action", "update", "id", "4242"), "SVL-0002")
	MustCode(t, ugRaw(admin, "resource", "{", "action", "update", "id", "4242", "timestamp", far), "RES-0005")

	r := admin.Put("resource", map[string]any{"display_name": "Room A", "mailaddress": "a@example.com"}, "action", "new")
	id1, c1 := ugNum(t, ugObj(t, r)["id"]), ugTS(t, r)
	r = admin.Put("resource", map[string]any{"display_name": "Room B"}, "action", "new")
	id2, c2 := ugNum(t, ugObj(t, r)["id"]), ugTS(t, r)
	MustCode(t, ugRaw(admin, "resource", "{", "action", "update", "id", ugS(id1), "timestamp", ugS(c1-1)), "RES-0013")
	if o := ugObj(t, bob.Get("resource", "action", "get", "id", ugS(id2))); o["name"] != "Room B" {
		t.Fatalf("derived identifier: %v", o)
	}
	MustCode(t, ugRaw(admin, "resource", "{", "action", "update", "id", ugS(id1), "timestamp", far), "SVL-0009")

	// The zone of the request comes before the lookup; a bad one fails.
	MustCode(t, bob.Get("resource", "action", "get", "id", "4242", "timezone", "Nowhere/Town"), "SVL-0010")
	MustCode(t, bob.Get("resource", "action", "get", "timezone", "Nowhere/Town"), "SVL-0002")
	MustCode(t, ugRaw(bob, "resource", "[{", "action", "list", "timezone", "Nowhere/Town"), "SVL-0009")
	MustCode(t, bob.Put("resource", []any{id1}, "action", "list", "timezone", "Nowhere/Town"), "SVL-0010")
	MustCode(t, bob.Put("resource", map[string]any{}, "action", "search", "timezone", "Nowhere/Town"), "SVL-0010")
	MustCode(t, bob.Get("resource", "action", "updates", "timestamp", "1", "timezone", "Nowhere/Town"), "SVL-0010")
	objs := ugArr(t, bob.Put("resource", []any{id1}, "action", "list", "timezone", "America/New_York"))
	o := objs[0].(map[string]any)
	_, off := time.UnixMilli(c1).In(mustZone(t, "America/New_York")).Zone()
	if ugNum(t, o["last_modified"]) != c1+int64(off)*1000 {
		t.Fatalf("last_modified in the requested zone: %v", o)
	}

	// Answers carry the newest timestamp of what they hold; search matches
	// the mail address too.
	if ts := ugTS(t, MustOK(t, bob.Put("resource", []any{id1}, "action", "list"))); ts != c1 {
		t.Fatalf("list timestamp %d, want %d", ts, c1)
	}
	if ts := ugTS(t, MustOK(t, bob.Get("resource", "action", "all"))); ts != c2 {
		t.Fatalf("all timestamp %d, want %d", ts, c2)
	}
	r = bob.Put("resource", map[string]any{"pattern": "a@example"}, "action", "search")
	if ids := ugIDsOf(t, ugArr(t, r)); fmt.Sprint(ids) != fmt.Sprint([]int64{id1}) || ugTS(t, r) != c1 {
		t.Fatalf("search by mail: %s", r.Body)
	}
	if ids := ugIDsOf(t, ugArr(t, bob.Put("resource", map[string]any{}, "action", "search"))); fmt.Sprint(ids) != fmt.Sprint([]int64{id1, id2}) {
		t.Fatalf("search without a pattern: %v", ids)
	}

	// A single object body with a stale timestamp fails and deletes nothing.
	MustCode(t, admin.Put("resource", map[string]any{"id": id2}, "action", "delete", "timestamp", ugS(c1)), "RES-0013")
	MustOK(t, bob.Get("resource", "action", "get", "id", ugS(id2)))
	r = admin.Put("resource", map[string]any{"id": id2}, "action", "delete", "timestamp", ugS(c2))
	if arr := ugArr(t, r); len(arr) != 0 {
		t.Fatalf("single delete: %s", r.Body)
	}
	deletedAt := ugTS(t, r)
	if deletedAt <= c2 {
		t.Fatalf("delete timestamp %d <= %d", deletedAt, c2)
	}

	// updates: the deletion is covered by the timestamp, and left out on
	// ignore=deleted.
	r = bob.Get("resource", "action", "updates", "timestamp", ugS(c2))
	up := ugObj(t, r)
	if fmt.Sprint(ugIDsOf(t, up["deleted"].([]any))) != fmt.Sprint([]int64{id2}) || len(up["new"].([]any)) != 0 || len(up["modified"].([]any)) != 0 || ugTS(t, r) != deletedAt {
		t.Fatalf("updates after the delete: %s", r.Body)
	}
	r = bob.Get("resource", "action", "updates", "timestamp", ugS(c2), "ignore", "deleted")
	if up := ugObj(t, r); len(up["deleted"].([]any)) != 0 || ugTS(t, r) != c2 {
		t.Fatalf("updates with ignore=deleted: %s", r.Body)
	}
	r = bob.Get("resource", "action", "updates", "timestamp", ugS(c1-1))
	if up := ugObj(t, r); fmt.Sprint(ugIDsOf(t, up["new"].([]any))) != fmt.Sprint([]int64{id1}) || fmt.Sprint(ugIDsOf(t, up["modified"].([]any))) != fmt.Sprint([]int64{id1}) {
		t.Fatalf("updates since before the first creation: %s", r.Body)
	}

	// A missing identifier is derived from the display name.
	r = admin.Put("resource", map[string]any{"display_name": "Räum/1"}, "action", "new")
	if o := ugObj(t, bob.Get("resource", "action", "get", "id", ugS(ugNum(t, ugObj(t, r)["id"])))); o["name"] != "R_um_1" {
		t.Fatalf("derived identifier: %v", o)
	}
}
