package api

import (
	"fmt"
	"sort"
	"testing"
)

// ugMembers reads a members array as sorted ids.
func ugMembers(t *testing.T, v any) []int64 {
	t.Helper()
	arr, ok := v.([]any)
	if !ok {
		t.Fatalf("members is not an array: %v", v)
	}
	out := make([]int64, len(arr))
	for i, x := range arr {
		out[i] = ugNum(t, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func ugIDsOf(t *testing.T, objs []any) []int64 {
	t.Helper()
	var out []int64
	for _, o := range objs {
		out = append(out, ugNum(t, o.(map[string]any)["id"]))
	}
	return out
}

func TestGroupRead(t *testing.T) {
	_, admin, alice, bob := ugUsers(t)

	// The virtual group 0 holds every user.
	r := alice.Get("group", "action", "get", "id", "0")
	g := ugObj(t, r)
	if ugNum(t, g["id"]) != 0 || g["display_name"] != "All users" {
		t.Fatalf("group 0: %s", r.Body)
	}
	if got := fmt.Sprint(ugMembers(t, g["members"])); got != fmt.Sprint([]int64{admin.UserID, alice.UserID, bob.UserID}) {
		t.Fatalf("group 0 members = %s", got)
	}
	if ugNum(t, g["last_modified_utc"]) <= 0 {
		t.Fatalf("last_modified_utc: %v", g)
	}

	MustCode(t, alice.Get("group", "action", "get", "id", "4242"), "GRP-0017")
	MustCode(t, alice.Get("group", "action", "get"), "SVL-0002")
	MustCode(t, alice.Get("group", "action", "get", "id", "x"), "SVL-0010")
	MustCode(t, alice.Put("group", map[string]any{"pattern": 1}, "action", "search"), "SVL-0010")
	MustCode(t, ugRaw(alice, "group", "[{", "action", "list"), "SVL-0009")
	MustCode(t, alice.Put("group", []any{map[string]any{"id": "x"}}, "action", "list"), "SVL-0009")
	MustCode(t, alice.Get("group", "action", "updates"), "SVL-0002")
}

func TestGroupWrites(t *testing.T) {
	s, admin, alice, bob := ugUsers(t)
	_ = s
	before := ugTS(t, MustOK(t, alice.Get("group", "action", "get", "id", "0")))

	// Writes are for the context admin only.
	team := map[string]any{"display_name": "Team A", "name": "team-a", "members": []any{alice.UserID}}
	MustCode(t, alice.Put("group", team, "action", "new"), "GRP-0009")
	r := admin.Put("group", team, "action", "new")
	id := ugNum(t, ugObj(t, r)["id"])
	created := ugTS(t, r)
	if id <= 1 || created <= before {
		t.Fatalf("new group: %s", r.Body)
	}
	gid := ugS(id)

	r = alice.Get("group", "action", "get", "id", gid)
	g := ugObj(t, r)
	if g["name"] != "team-a" || g["display_name"] != "Team A" || fmt.Sprint(ugMembers(t, g["members"])) != fmt.Sprint([]int64{alice.UserID}) {
		t.Fatalf("get: %s", r.Body)
	}
	if ugNum(t, g["last_modified_utc"]) != created || ugTS(t, r) != created {
		t.Fatalf("last_modified_utc must be the creation timestamp: %s", r.Body)
	}
	// The user shows the membership.
	groups := ugMembers(t, ugObj(t, alice.Get("user", "action", "get"))["groups"])
	if fmt.Sprint(groups) != fmt.Sprint([]int64{0, id}) {
		t.Fatalf("alice's groups = %v", groups)
	}

	// list (unknown ids left out), search, all.
	objs := ugArr(t, bob.Put("group", []any{map[string]any{"id": id}, map[string]any{"id": 0}, map[string]any{"id": 9999}}, "action", "list"))
	if fmt.Sprint(ugIDsOf(t, objs)) != fmt.Sprint([]int64{id, 0}) {
		t.Fatalf("list: %v", objs)
	}
	for pattern, want := range map[string][]int64{"team*": {id}, "Tea": {id}, "*": {0, id}, "t?am-a": {id}, "nothing": nil, "ALL*": {0}} {
		got := ugIDsOf(t, ugArr(t, bob.Put("group", map[string]any{"pattern": pattern}, "action", "search")))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("search %q = %v, want %v", pattern, got, want)
		}
	}
	rows := ugArr(t, bob.Get("group", "action", "all", "columns", "1,700,701,702,9"))
	if len(rows) != 2 {
		t.Fatalf("all: %v", rows)
	}
	row := rows[1].([]any)
	if ugNum(t, row[0]) != id || row[1] != "team-a" || row[2] != "Team A" || len(row[3].([]any)) != 1 || row[4] != nil {
		t.Fatalf("all row: %v", row)
	}
	MustCode(t, bob.Get("group", "action", "all"), "SVL-0002")

	// update: admin only, timestamp checked, data validated.
	upd := map[string]any{"display_name": "Team B", "members": []any{alice.UserID, ugS(bob.UserID)}}
	MustCode(t, alice.Put("group", upd, "action", "update", "id", gid, "timestamp", ugS(created)), "GRP-0011")
	MustCode(t, admin.Put("group", upd, "action", "update", "id", gid, "timestamp", ugS(created-1)), "GRP-0010")
	MustCode(t, admin.Put("group", upd, "action", "update", "id", gid), "SVL-0002")
	MustCode(t, admin.Put("group", upd, "action", "update", "timestamp", ugS(created)), "SVL-0002")
	r = admin.Put("group", upd, "action", "update", "id", gid, "timestamp", ugS(created))
	MustOK(t, r)
	updated := ugTS(t, r)
	if updated <= created {
		t.Fatalf("update timestamp %d <= %d", updated, created)
	}
	g = ugObj(t, bob.Get("group", "action", "get", "id", gid))
	if g["display_name"] != "Team B" || g["name"] != "team-a" || fmt.Sprint(ugMembers(t, g["members"])) != fmt.Sprint([]int64{alice.UserID, bob.UserID}) {
		t.Fatalf("after update: %v", g)
	}
	far := "2116800000000"
	MustCode(t, admin.Put("group", map[string]any{"members": []any{424242}}, "action", "update", "id", gid, "timestamp", far), "GRP-0007")
	MustCode(t, admin.Put("group", map[string]any{"name": "bad/name"}, "action", "update", "id", gid, "timestamp", far), "GRP-0005")
	MustCode(t, admin.Put("group", map[string]any{"display_name": ""}, "action", "update", "id", gid, "timestamp", far), "GRP-0004")
	MustCode(t, admin.Put("group", map[string]any{"members": "x"}, "action", "update", "id", gid, "timestamp", far), "GRP-0008")
	MustCode(t, admin.Put("group", map[string]any{"display_name": "X"}, "action", "update", "id", "0", "timestamp", far), "GRP-0014")
	MustCode(t, admin.Put("group", map[string]any{"display_name": "X"}, "action", "update", "id", "4242", "timestamp", far), "GRP-0017")
	MustCode(t, ugRaw(admin, "group", "{", "action", "update", "id", gid, "timestamp", far), "SVL-0009")
	MustCode(t, admin.Put("group", map[string]any{"display_name": "Other", "name": "TEAM-A"}, "action", "new"), "GRP-0006")
	MustCode(t, admin.Put("group", map[string]any{"name": "nodisplay"}, "action", "new"), "GRP-0004")
	MustCode(t, admin.Put("group", map[string]any{"display_name": "all users"}, "action", "new"), "GRP-0015")
	MustCode(t, ugRaw(admin, "group", `{"display_name":`, "action", "new"), "SVL-0009")
	// The failed writes changed nothing.
	if g2 := ugObj(t, bob.Get("group", "action", "get", "id", gid)); ugNum(t, g2["last_modified_utc"]) != updated {
		t.Fatalf("a failed update changed the group: %v", g2)
	}

	// A second group without a simple name gets one derived from the display name.
	r = admin.Put("group", map[string]any{"display_name": "Sales & Co"}, "action", "new")
	id2 := ugNum(t, ugObj(t, r)["id"])
	if g := ugObj(t, bob.Get("group", "action", "get", "id", ugS(id2))); g["name"] == "" || len(ugMembers(t, g["members"])) != 0 {
		t.Fatalf("derived name / empty members: %v", g)
	}

	// updates since before the creation: both new; since the update: none.
	up := ugObj(t, bob.Get("group", "action", "updates", "timestamp", ugS(before)))
	if fmt.Sprint(ugIDsOf(t, up["new"].([]any))) != fmt.Sprint([]int64{id, id2}) || len(up["modified"].([]any)) < 2 || len(up["deleted"].([]any)) != 0 {
		t.Fatalf("updates since %d: %v", before, up)
	}
	up = ugObj(t, bob.Get("group", "action", "updates", "timestamp", ugS(created)))
	if len(up["new"].([]any)) != 1 || fmt.Sprint(ugIDsOf(t, up["modified"].([]any))) != fmt.Sprint([]int64{id, id2}) {
		t.Fatalf("updates since the creation: %v", up)
	}

	// delete: admin only, single object body, timestamp checked.
	MustCode(t, alice.Put("group", map[string]any{"id": id}, "action", "delete", "timestamp", far), "GRP-0012")
	MustCode(t, admin.Put("group", map[string]any{"id": id}, "action", "delete", "timestamp", ugS(created)), "GRP-0010")
	MustCode(t, admin.Put("group", map[string]any{"id": id}, "action", "delete"), "SVL-0002")
	MustCode(t, admin.Put("group", map[string]any{"id": 0}, "action", "delete", "timestamp", far), "GRP-0013")
	MustCode(t, admin.Put("group", map[string]any{"id": 4242}, "action", "delete", "timestamp", far), "GRP-0017")
	MustCode(t, admin.Put("group", "x", "action", "delete", "timestamp", far), "SVL-0009")
	r = admin.Put("group", map[string]any{"id": id}, "action", "delete", "timestamp", ugS(updated))
	if arr := ugArr(t, r); len(arr) != 0 {
		t.Fatalf("delete answers an empty array: %s", r.Body)
	}
	deletedAt := ugTS(t, r)
	MustCode(t, bob.Get("group", "action", "get", "id", gid), "GRP-0017")
	if groups := ugMembers(t, ugObj(t, alice.Get("user", "action", "get"))["groups"]); fmt.Sprint(groups) != "[0]" {
		t.Fatalf("membership must go with the group: %v", groups)
	}
	up = ugObj(t, bob.Get("group", "action", "updates", "timestamp", ugS(updated)))
	if fmt.Sprint(ugIDsOf(t, up["deleted"].([]any))) != fmt.Sprint([]int64{id}) || len(up["modified"].([]any)) != 1 {
		t.Fatalf("updates after the delete: %v", up)
	}
	if ugTS(t, MustOK(t, bob.Get("group", "action", "updates", "timestamp", ugS(updated)))) != deletedAt {
		t.Fatal("updates timestamp must cover the deletion")
	}
	up = ugObj(t, bob.Get("group", "action", "updates", "timestamp", ugS(updated), "ignore", "deleted"))
	if len(up["deleted"].([]any)) != 0 {
		t.Fatalf("ignore=deleted: %v", up)
	}
	// A multi-delete (array body) leaves a changed group and reports it.
	r = admin.Put("group", []any{map[string]any{"id": id2}}, "action", "delete", "timestamp", "1")
	if arr := ugArr(t, r); len(arr) != 1 || ugNum(t, arr[0]) != id2 {
		t.Fatalf("multi-delete with a stale timestamp: %s", r.Body)
	}
	MustOK(t, bob.Get("group", "action", "get", "id", ugS(id2)))
}

// The order of the checks, the answer timestamps and the place of group 0
// in multi-deletes and updates, as core/directory must keep them.
func TestGroupOrderAndVirtual(t *testing.T) {
	s, admin, alice, bob := ugUsers(t)
	far := "2116800000000"

	// The admin first, then id and timestamp, then the body, then group 0,
	// then the lookup.
	MustCode(t, alice.Put("group", map[string]any{}, "action", "update"), "GRP-0011")
	MustCode(t, alice.Put("group", "x", "action", "delete"), "GRP-0012")
	MustCode(t, admin.Put("group", map[string]any{"display_name": "X"}, "action", "update", "id", "0"), "SVL-0002")
	MustCode(t, ugRaw(admin, "group", "{", "action", "update", "id", "0", "timestamp", far), "SVL-0009")
	MustCode(t, ugRaw(admin, "group", "{", "action", "update", "id", "4242", "timestamp", far), "SVL-0009")
	MustCode(t, admin.Put("group", map[string]any{"members": "x"}, "action", "update", "id", "0", "timestamp", far), "GRP-0008")
	MustCode(t, admin.Put("group", map[string]any{"id": 0}, "action", "delete"), "SVL-0002")

	r := admin.Put("group", map[string]any{"display_name": "G1"}, "action", "new")
	id1, c1 := ugNum(t, ugObj(t, r)["id"]), ugTS(t, r)
	r = admin.Put("group", map[string]any{"display_name": "G2"}, "action", "new")
	id2, c2 := ugNum(t, ugObj(t, r)["id"]), ugTS(t, r)
	zero := ugTS(t, MustOK(t, bob.Get("group", "action", "get", "id", "0")))
	// A missing simple name is derived from the display name.
	r = admin.Put("group", map[string]any{"display_name": "Café & Co"}, "action", "new")
	if g := ugObj(t, bob.Get("group", "action", "get", "id", ugS(ugNum(t, ugObj(t, r)["id"])))); g["name"] != "Caf_ _ Co" {
		t.Fatalf("derived simple name: %v", g)
	}
	MustOK(t, admin.Put("group", map[string]any{"id": ugNum(t, ugObj(t, r)["id"])}, "action", "delete", "timestamp", far))

	// Answers carry the newest timestamp of what they hold.
	if ts := ugTS(t, MustOK(t, bob.Put("group", []any{map[string]any{"id": id1}}, "action", "list"))); ts != c1 {
		t.Fatalf("list timestamp %d, want %d", ts, c1)
	}
	if ts := ugTS(t, MustOK(t, bob.Put("group", []any{0}, "action", "list"))); ts != zero {
		t.Fatalf("list of group 0: timestamp %d, want %d", ts, zero)
	}
	if ts := ugTS(t, MustOK(t, bob.Put("group", map[string]any{"pattern": "G*"}, "action", "search"))); ts != c2 {
		t.Fatalf("search timestamp %d, want %d", ts, c2)
	}
	if ts := ugTS(t, MustOK(t, bob.Get("group", "action", "all", "columns", "1"))); ts != max(c2, zero) {
		t.Fatalf("all timestamp %d, want %d", ts, max(c2, zero))
	}
	if ids := ugIDsOf(t, ugArr(t, bob.Put("group", map[string]any{}, "action", "search"))); fmt.Sprint(ids) != fmt.Sprint([]int64{0, id1, id2}) {
		t.Fatalf("search without a pattern: %v", ids)
	}

	// A multi-delete that meets group 0 fails as a whole.
	MustCode(t, admin.Put("group", []any{map[string]any{"id": id1}, map[string]any{"id": 0}}, "action", "delete", "timestamp", far), "GRP-0013")
	MustOK(t, bob.Get("group", "action", "get", "id", ugS(id1)))
	// One unchanged and one changed since the timestamp: the first goes,
	// the second is reported.
	r = admin.Put("group", []any{map[string]any{"id": id1}, map[string]any{"id": id2}}, "action", "delete", "timestamp", ugS(c1))
	if arr := ugArr(t, r); len(arr) != 1 || ugNum(t, arr[0]) != id2 {
		t.Fatalf("mixed multi-delete: %s", r.Body)
	}
	deletedAt := ugTS(t, r)
	if deletedAt <= c2 {
		t.Fatalf("multi-delete timestamp %d <= %d", deletedAt, c2)
	}
	MustCode(t, bob.Get("group", "action", "get", "id", ugS(id1)), "GRP-0017")
	// Nothing deleted: the client's timestamp comes back.
	r = admin.Put("group", []any{map[string]any{"id": id2}}, "action", "delete", "timestamp", ugS(c1))
	if ts := ugTS(t, r); ts != c1 {
		t.Fatalf("a delete that deleted nothing answers %d, want %d", ts, c1)
	}

	// A new user changes group 0 but does not make it new.
	carol := s.AddUser("carol", "pw-carol")
	up := MustOK(t, bob.Get("group", "action", "updates", "timestamp", ugS(deletedAt)))
	o := ugObj(t, up)
	if len(o["new"].([]any)) != 0 || fmt.Sprint(ugIDsOf(t, o["modified"].([]any))) != "[0]" || len(o["deleted"].([]any)) != 0 {
		t.Fatalf("updates after a new user: %v", o)
	}
	g0 := o["modified"].([]any)[0].(map[string]any)
	if ms := ugMembers(t, g0["members"]); ms[len(ms)-1] != carol || ugNum(t, g0["last_modified_utc"]) != ugTS(t, up) || ugTS(t, up) <= deletedAt {
		t.Fatalf("group 0 in updates: %v (timestamp %d)", g0, ugTS(t, up))
	}
	// Nothing since: the client's timestamp comes back.
	if ts := ugTS(t, MustOK(t, bob.Get("group", "action", "updates", "timestamp", far))); ts != 2116800000000 {
		t.Fatalf("updates with nothing new: timestamp %d", ts)
	}
}
