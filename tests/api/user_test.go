package api

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// ugObj returns the data object of a successful answer.
func ugObj(t *testing.T, r *Result) map[string]any {
	t.Helper()
	MustOK(t, r)
	m, ok := r.Data().(map[string]any)
	if !ok {
		t.Fatalf("data is not an object: %s", r.Body)
	}
	return m
}

// ugArr returns the data array of a successful answer.
func ugArr(t *testing.T, r *Result) []any {
	t.Helper()
	MustOK(t, r)
	a, ok := r.Data().([]any)
	if !ok {
		t.Fatalf("data is not an array: %s", r.Body)
	}
	return a
}

// ugTS is the envelope's timestamp.
func ugTS(t *testing.T, r *Result) int64 {
	t.Helper()
	f, ok := r.Obj["timestamp"].(float64)
	if !ok {
		t.Fatalf("answer has no timestamp: %s", r.Body)
	}
	return int64(f)
}

// ugNum reads a JSON number, failing on anything else (ids must be numbers).
func ugNum(t *testing.T, v any) int64 {
	t.Helper()
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("want a JSON number, got %T %v", v, v)
	}
	return int64(f)
}

func ugS(n int64) string { return fmt.Sprint(n) }

// ugUsers starts a server with alice and bob and returns the clients of
// the context admin, alice and bob.
func ugUsers(t *testing.T) (s *Server, admin, alice, bob *Client) {
	t.Helper()
	s = StartServer(t)
	s.AddUser("alice", "pw-alice", "--display-name", "Alice Anders", "--first-name", "Alice", "--last-name", "Anders",
		"--email", "alice@example.com", "--timezone", "Europe/Berlin", "--locale", "de_DE")
	s.AddUser("bob", "pw-bob", "--display-name", "Bob Brown", "--first-name", "Bob", "--last-name", "Brown",
		"--email", "bob@example.com")
	return s, s.Login("admin", ugAdminPW(t, s)), s.Login("alice", "pw-alice"), s.Login("bob", "pw-bob")
}

// ugAdminPW waits for the initial admin password in the server's log: the
// harness reads it as soon as the server listens, which can be before the
// copied stderr line arrived.
func ugAdminPW(t *testing.T, s *Server) string {
	t.Helper()
	const marker = "initial user: login=admin password="
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		log := s.Stderr()
		if i := strings.Index(log, marker); i >= 0 {
			rest := log[i+len(marker):]
			if j := strings.IndexByte(rest, '\n'); j >= 0 {
				return strings.TrimSpace(rest[:j])
			}
		}
	}
	t.Fatalf("no admin password in the server log: %s", s.Stderr())
	return ""
}

func TestUserGet(t *testing.T) {
	_, admin, alice, bob := ugUsers(t)

	r := alice.Get("user", "action", "get", "timezone", "utc")
	u := ugObj(t, r)
	if ugNum(t, u["id"]) != alice.UserID || ugNum(t, u["user_id"]) != alice.UserID || ugNum(t, u["folder_id"]) != 6 {
		t.Fatalf("get without id must answer the caller with folder_id 6: %s", r.Body)
	}
	for k, want := range map[string]string{"display_name": "Alice Anders", "first_name": "Alice", "last_name": "Anders",
		"email1": "alice@example.com", "timezone": "Europe/Berlin", "locale": "de_DE", "login_info": "alice"} {
		if u[k] != want {
			t.Errorf("%s = %v, want %q", k, u[k], want)
		}
	}
	if ugNum(t, u["contact_id"]) <= 0 || ugNum(t, u["last_modified_utc"]) <= 0 {
		t.Fatalf("contact_id and last_modified_utc must be positive numbers: %s", r.Body)
	}
	if ugTS(t, r) != ugNum(t, u["last_modified_utc"]) || ugNum(t, u["last_modified"]) != ugNum(t, u["last_modified_utc"]) {
		t.Fatalf("timestamp and last_modified (timezone=utc) must equal last_modified_utc: %s", r.Body)
	}
	groups, _ := u["groups"].([]any)
	if len(groups) == 0 || ugNum(t, groups[0]) != 0 {
		t.Fatalf("every user is in group 0: %v", u["groups"])
	}
	if aliases, _ := u["aliases"].([]any); len(aliases) != 1 || aliases[0] != "alice@example.com" {
		t.Fatalf("aliases = %v", u["aliases"])
	}

	// Time fields follow the user's zone when no timezone parameter is sent.
	u = ugObj(t, alice.Get("user", "action", "get"))
	utc := ugNum(t, u["last_modified_utc"])
	_, off := time.UnixMilli(utc).In(mustZone(t, "Europe/Berlin")).Zone()
	if ugNum(t, u["last_modified"]) != utc+int64(off)*1000 {
		t.Fatalf("last_modified %v is not last_modified_utc %d in Europe/Berlin", u["last_modified"], utc)
	}

	// Another user, by number.
	u = ugObj(t, alice.Get("user", "action", "get", "id", ugS(bob.UserID)))
	if u["display_name"] != "Bob Brown" || ugNum(t, u["id"]) != bob.UserID {
		t.Fatalf("get id=bob: %v", u)
	}
	u = ugObj(t, bob.Get("user", "action", "get", "id", ugS(admin.UserID)))
	if u["login_info"] != "admin" {
		t.Fatalf("admin's user: %v", u)
	}

	MustCode(t, alice.Get("user", "action", "get", "id", "999999"), "USR-0010")
	MustCode(t, alice.Get("user", "action", "get", "id", "abc"), "SVL-0010")
	MustCode(t, alice.Get("user", "action", "get", "timezone", "Not/AZone"), "SVL-0010")
	MustCode(t, alice.Get("user", "action", "nosuchaction"), "SVL-0021")
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	return loc
}

// The columns the UI asks for.
const ugCols = "1,20,500,501,502,524,555,610,611,612,613,614,615,616,607,9999"

func ugRowOf(t *testing.T, rows []any, id int64) []any {
	t.Helper()
	for _, r := range rows {
		row := r.([]any)
		if ugNum(t, row[0]) == id {
			return row
		}
	}
	t.Fatalf("no row for id %d in %v", id, rows)
	return nil
}

func TestUserAllAndList(t *testing.T) {
	_, admin, alice, bob := ugUsers(t)

	r := alice.Get("user", "action", "all", "columns", ugCols, "sort", "500", "order", "asc", "timezone", "utc")
	rows := ugArr(t, r)
	if len(rows) != 3 {
		t.Fatalf("want admin, alice and bob: %s", r.Body)
	}
	var names []any
	for _, x := range rows {
		row := x.([]any)
		if len(row) != 16 {
			t.Fatalf("row has %d values for 16 columns: %v", len(row), row)
		}
		if row[15] != nil {
			t.Fatalf("unknown column 9999 must be null: %v", row)
		}
		names = append(names, row[2])
	}
	if fmt.Sprint(names) != "[Alice Anders Bob Brown Context Admin]" {
		t.Fatalf("sort=500 asc: %v", names)
	}
	a := ugRowOf(t, rows, alice.UserID)
	if ugNum(t, a[1]) != 6 || a[3] != "Alice" || a[4] != "Anders" || ugNum(t, a[5]) != alice.UserID || a[6] != "alice@example.com" {
		t.Fatalf("alice's contact columns: %v", a)
	}
	if a[8] != "Europe/Berlin" || a[9] != "de_DE" || ugNum(t, a[11]) <= 0 || a[12] != "alice" || ugNum(t, a[13]) != 0 || a[14] != "AndersAlice" {
		t.Fatalf("alice's user columns (611 timezone, 612 locale, 614 contact_id, 615 login_info, 616, 607 sort_name): %v", a)
	}
	if al, _ := a[7].([]any); len(al) != 1 {
		t.Fatalf("610 must be the aliases array: %v", a[7])
	}
	if gr, _ := a[10].([]any); len(gr) != 1 || ugNum(t, gr[0]) != 0 {
		t.Fatalf("613 must be the groups array: %v", a[10])
	}
	if ugTS(t, r) <= 0 {
		t.Fatal("all needs a timestamp")
	}
	desc := ugArr(t, alice.Get("user", "action", "all", "columns", "1,500", "sort", "500", "order", "desc"))
	if desc[0].([]any)[1] != "Context Admin" {
		t.Fatalf("sort desc: %v", desc)
	}
	MustCode(t, alice.Get("user", "action", "all"), "SVL-0002")
	MustCode(t, alice.Get("user", "action", "all", "columns", "1,x"), "SVL-0010")

	// list: numbers, strings and null (the caller); unknown ids left out.
	r = alice.Put("user", []any{bob.UserID, ugS(admin.UserID), nil, 987654}, "action", "list", "columns", "1,500,524")
	rows = ugArr(t, r)
	if len(rows) != 3 {
		t.Fatalf("list [bob, \"admin\", null, unknown]: %s", r.Body)
	}
	for i, want := range []int64{bob.UserID, admin.UserID, alice.UserID} {
		row := rows[i].([]any)
		if ugNum(t, row[0]) != want || ugNum(t, row[2]) != want {
			t.Fatalf("row %d = %v, want user %d", i, row, want)
		}
	}
	if len(ugArr(t, alice.Put("user", []any{}, "action", "list", "columns", "1"))) != 0 {
		t.Fatal("empty list body gives an empty array")
	}
	MustCode(t, alice.Put("user", []any{1}, "action", "list"), "SVL-0002")
	MustCode(t, ugRaw(alice, "user", "[1,", "action", "list", "columns", "1"), "SVL-0009")
	MustCode(t, alice.Put("user", map[string]any{"id": 1}, "action", "list", "columns", "1"), "SVL-0009")
	MustCode(t, alice.Put("user", []any{true}, "action", "list", "columns", "1"), "SVL-0009")
	MustCode(t, alice.Put("user", []any{"x"}, "action", "list", "columns", "1"), "SVL-0009")
}

func TestUserSearch(t *testing.T) {
	_, admin, alice, bob := ugUsers(t)
	ids := func(r *Result) []int64 {
		t.Helper()
		var out []int64
		for _, x := range ugArr(t, r) {
			out = append(out, ugNum(t, x.([]any)[0]))
		}
		return out
	}
	search := func(body any) []int64 {
		t.Helper()
		return ids(alice.Put("user", body, "action", "search", "columns", "1,20,500,524", "sort", "500", "order", "asc"))
	}
	same := func(got []int64, want ...int64) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	same(search(map[string]any{"pattern": "ali*"}), alice.UserID)
	same(search(map[string]any{"pattern": "?ob*"}), bob.UserID)
	same(search(map[string]any{"pattern": "BRO"}), bob.UserID) // prefix of the last name, any case
	same(search(map[string]any{"pattern": "*@example.com"}), alice.UserID, bob.UserID)
	same(search(map[string]any{"pattern": "*"}), alice.UserID, bob.UserID, admin.UserID)
	same(search(map[string]any{"pattern": "zzz"}))
	same(search(map[string]any{"pattern": "B", "startletter": true}), bob.UserID)
	same(search(map[string]any{"first_name": "Ali*", "last_name": "Brown"}))
	same(search(map[string]any{"first_name": "Ali*", "last_name": "Brown", "orSearch": true}), alice.UserID, bob.UserID)
	same(search(map[string]any{"display_name": "Bob*"}), bob.UserID)
	same(search(map[string]any{"email1": "alice@*"}), alice.UserID)
	same(search(map[string]any{"display_name": "*", "emailAutoComplete": true}), alice.UserID, bob.UserID)

	MustCode(t, ugRaw(alice, "user", "{pattern", "action", "search", "columns", "1"), "SVL-0009")
	MustCode(t, alice.Put("user", map[string]any{"pattern": 5}, "action", "search", "columns", "1"), "SVL-0010")
	MustCode(t, alice.Put("user", []any{}, "action", "search", "columns", "1"), "SVL-0009")
	MustCode(t, alice.Put("user", map[string]any{"pattern": "a"}, "action", "search"), "SVL-0002")
}

func TestUserUpdate(t *testing.T) {
	_, admin, alice, bob := ugUsers(t)
	aid := ugS(alice.UserID)

	r := alice.Get("user", "action", "get")
	ts0 := ugTS(t, r)
	body := map[string]any{"timezone": "America/New_York", "locale": "en_GB", "first_name": "Alicia",
		"city_home": "Berlin", "birthday": 86400000, "note": "hello", "aliases": []string{"ignored@example.com"}, "email1": "alice@example.com"}
	r = alice.Put("user", body, "action", "update", "id", aid, "timestamp", ugS(ts0))
	MustOK(t, r)
	ts1 := ugTS(t, r)
	if ts1 <= ts0 {
		t.Fatalf("update must answer a newer timestamp: %d <= %d", ts1, ts0)
	}
	r = alice.Get("user", "action", "get", "timezone", "utc")
	u := ugObj(t, r)
	for k, want := range map[string]any{"timezone": "America/New_York", "locale": "en_GB", "first_name": "Alicia",
		"city_home": "Berlin", "birthday": float64(86400000), "note": "hello"} {
		if u[k] != want {
			t.Errorf("after update %s = %v, want %v", k, u[k], want)
		}
	}
	if ugNum(t, u["last_modified_utc"]) != ts1 || ugTS(t, r) != ts1 {
		t.Fatalf("last_modified_utc must be the update's timestamp %d: %s", ts1, r.Body)
	}
	if al := u["aliases"].([]any); len(al) != 1 || al[0] != "alice@example.com" {
		t.Fatalf("aliases are not writable: %v", al)
	}
	// The global address book row is the same data: other users see it.
	row := ugRowOf(t, ugArr(t, bob.Get("user", "action", "all", "columns", "1,501,508,611")), alice.UserID)
	if row[1] != "Alicia" || row[2] != "Berlin" || row[3] != "America/New_York" {
		t.Fatalf("bob's view of alice after the update: %v", row)
	}

	// Stale timestamp: conflict; the UI's far-future timestamp passes.
	MustCode(t, alice.Put("user", map[string]any{"last_name": "X"}, "action", "update", "id", aid, "timestamp", ugS(ts0)), "CON-0119")
	r = alice.Put("user", map[string]any{"last_name": "Andersen"}, "action", "update", "id", aid, "timestamp", "2116800000000")
	MustOK(t, r)
	ts2 := ugTS(t, r)
	// Clearing a field with null.
	MustOK(t, alice.Put("user", map[string]any{"note": nil}, "action", "update", "id", aid, "timestamp", ugS(ts2)))
	u = ugObj(t, alice.Get("user", "action", "get"))
	if _, has := u["note"]; has || u["last_name"] != "Andersen" {
		t.Fatalf("note must be cleared and last_name set: %v", u)
	}

	// Another user may not update alice; the context admin may.
	MustCode(t, bob.Put("user", map[string]any{"first_name": "Evil"}, "action", "update", "id", aid, "timestamp", "2116800000000"), "USR-0013")
	MustOK(t, admin.Put("user", map[string]any{"position": "CTO"}, "action", "update", "id", aid, "timestamp", "2116800000000"))
	if u := ugObj(t, bob.Get("user", "action", "get", "id", aid)); u["position"] != "CTO" || u["first_name"] != "Alicia" {
		t.Fatalf("admin's update: %v", u)
	}

	far := "2116800000000"
	MustCode(t, alice.Put("user", map[string]any{"timezone": "Mars/Olympus"}, "action", "update", "id", aid, "timestamp", far), "USR-0024")
	MustCode(t, alice.Put("user", map[string]any{"locale": "xx-yy!"}, "action", "update", "id", aid, "timestamp", far), "USR-0023")
	MustCode(t, alice.Put("user", map[string]any{"email1": "other@example.com"}, "action", "update", "id", aid, "timestamp", far), "CON-0173")
	MustCode(t, alice.Put("user", map[string]any{"email2": "not-an-address"}, "action", "update", "id", aid, "timestamp", far), "CON-0100")
	MustCode(t, alice.Put("user", map[string]any{"display_name": "Bob Brown"}, "action", "update", "id", aid, "timestamp", far), "CON-0167")
	MustCode(t, alice.Put("user", map[string]any{"city_home": 5}, "action", "update", "id", aid, "timestamp", far), "SVL-0010")
	MustCode(t, alice.Put("user", map[string]any{"private_flag": true}, "action", "update", "id", aid, "timestamp", far), "CON-0171")
	MustCode(t, alice.Put("user", map[string]any{"note": "x"}, "action", "update", "id", aid), "SVL-0002")
	MustCode(t, alice.Put("user", map[string]any{"note": "x"}, "action", "update", "timestamp", far), "SVL-0002")
	MustCode(t, ugRaw(alice, "user", `{"note":`, "action", "update", "id", aid, "timestamp", far), "SVL-0009")
	MustCode(t, alice.Put("user", []any{1}, "action", "update", "id", aid, "timestamp", far), "SVL-0009")
	MustCode(t, admin.Put("user", map[string]any{"note": "x"}, "action", "update", "id", "999999", "timestamp", far), "USR-0010")
	// Nothing of the failed updates was written.
	u = ugObj(t, alice.Get("user", "action", "get"))
	if u["timezone"] != "America/New_York" || u["display_name"] != "Alice Anders" || u["city_home"] != "Berlin" {
		t.Fatalf("a failed update changed data: %v", u)
	}
	// The new zone is the user's zone for Time values from now on.
	utc := ugNum(t, u["last_modified_utc"])
	_, off := time.UnixMilli(utc).In(mustZone(t, "America/New_York")).Zone()
	if ugNum(t, u["last_modified"]) != utc+int64(off)*1000 {
		t.Fatalf("last_modified must follow the new zone: %v vs %d", u["last_modified"], utc)
	}
	// Display name change to a free name works.
	MustOK(t, alice.Put("user", map[string]any{"display_name": "Alicia Andersen"}, "action", "update", "id", aid, "timestamp", far))
	if u := ugObj(t, bob.Get("user", "action", "get", "id", aid)); u["display_name"] != "Alicia Andersen" {
		t.Fatalf("display name: %v", u["display_name"])
	}
}

func TestUserAttributes(t *testing.T) {
	_, admin, alice, bob := ugUsers(t)
	aid := ugS(alice.UserID)
	get := func(c *Client, name string) any {
		t.Helper()
		o := ugObj(t, c.Get("user", "action", "getAttribute", "id", aid, "name", name))
		if o["name"] != name {
			t.Fatalf("getAttribute answers the name: %v", o)
		}
		return o["value"]
	}
	if get(alice, "color") != nil {
		t.Fatal("unset attribute must be null")
	}
	r := alice.Put("user", map[string]any{"name": "color", "value": "blue"}, "action", "setAttribute", "id", aid)
	if MustOK(t, r); r.Data() != true {
		t.Fatalf("setAttribute answers true: %s", r.Body)
	}
	if get(alice, "color") != "blue" {
		t.Fatal("attribute not stored")
	}
	r = alice.Put("user", map[string]any{"name": "color", "value": "red"}, "action", "setAttribute", "id", aid, "setIfAbsent", "true")
	if MustOK(t, r); r.Data() != false || get(alice, "color") != "blue" {
		t.Fatalf("setIfAbsent must keep the value and answer false: %s", r.Body)
	}
	MustOK(t, alice.Put("user", map[string]any{"name": "color", "value": "red"}, "action", "setAttribute", "id", aid, "setIfAbsent", "false"))
	if get(alice, "color") != "red" {
		t.Fatal("overwrite failed")
	}
	MustOK(t, alice.Put("user", map[string]any{"name": "n", "value": 5}, "action", "setAttribute", "id", aid))
	if get(alice, "n") != "5" {
		t.Fatal("a number is stored as its text")
	}
	r = alice.Put("user", map[string]any{"name": "color", "value": nil}, "action", "setAttribute", "id", aid)
	if MustOK(t, r); r.Data() != true || get(alice, "color") != nil {
		t.Fatalf("null value removes the attribute: %s", r.Body)
	}
	MustOK(t, alice.Put("user", map[string]any{"name": "n"}, "action", "setAttribute", "id", aid))
	if get(alice, "n") != nil {
		t.Fatal("a missing value removes the attribute")
	}

	// Only oneself or the context admin.
	MustCode(t, bob.Get("user", "action", "getAttribute", "id", aid, "name", "x"), "USR-0013")
	MustCode(t, bob.Put("user", map[string]any{"name": "x", "value": "y"}, "action", "setAttribute", "id", aid), "USR-0013")
	MustOK(t, admin.Put("user", map[string]any{"name": "x", "value": "by-admin"}, "action", "setAttribute", "id", aid))
	if get(admin, "x") != "by-admin" || get(alice, "x") != "by-admin" {
		t.Fatal("admin's attribute")
	}
	MustCode(t, admin.Get("user", "action", "getAttribute", "id", "999999", "name", "x"), "USR-0010")

	MustCode(t, alice.Get("user", "action", "getAttribute", "id", aid), "SVL-0002")
	MustCode(t, alice.Get("user", "action", "getAttribute", "name", "x"), "SVL-0002")
	MustCode(t, alice.Put("user", map[string]any{"value": "y"}, "action", "setAttribute", "id", aid), "SVL-0002")
	MustCode(t, alice.Put("user", map[string]any{"name": 7, "value": "y"}, "action", "setAttribute", "id", aid), "SVL-0010")
	MustCode(t, ugRaw(alice, "user", "{", "action", "setAttribute", "id", aid), "SVL-0009")
	MustCode(t, alice.Put("user", map[string]any{"name": "x"}, "action", "setAttribute"), "SVL-0002")
}

// ugRaw sends a PUT with a raw (possibly malformed) body.
func ugRaw(c *Client, module, body string, kv ...string) *Result {
	c.T.Helper()
	return c.PutRaw(module, body, kv...)
}
