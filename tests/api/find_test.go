package api

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// fndAuto runs find?action=autocomplete as the UI does (limit 6 unless
// given, options timezone UTC and admin false) and maps facets by id.
func fndAuto(t *testing.T, c *Client, module, prefix string, active []any, kv ...string) map[string]map[string]any {
	t.Helper()
	params := append([]string{"action", "autocomplete", "module", module}, kv...)
	if !slices.Contains(kv, "limit") {
		params = append(params, "limit", "6")
	}
	res := MustOK(t, c.Put("find", map[string]any{"prefix": prefix, "facets": fndOr(active),
		"options": map[string]any{"timezone": "UTC", "admin": false}}, params...))
	data, ok := res.Data().(map[string]any)
	if !ok {
		t.Fatalf("autocomplete data: %s", res.Body)
	}
	list, ok := data["facets"].([]any)
	if !ok {
		t.Fatalf("autocomplete facets: %s", res.Body)
	}
	out := map[string]map[string]any{}
	for _, f := range list {
		m := f.(map[string]any)
		id := m["id"].(string)
		if _, dup := out[id]; dup {
			t.Fatalf("facet %s twice: %s", id, res.Body)
		}
		if _, ok := m["flags"].([]any); !ok {
			t.Fatalf("facet %s without flags array: %v", id, m)
		}
		out[id] = m
	}
	return out
}

func fndOr(active []any) []any {
	if active == nil {
		return []any{}
	}
	return active
}

// fndQuery runs find?action=query and returns the answer object.
func fndQuery(t *testing.T, c *Client, module string, body map[string]any, kv ...string) map[string]any {
	t.Helper()
	if _, ok := body["options"]; !ok {
		body["options"] = map[string]any{"timezone": "UTC"}
	}
	res := MustOK(t, c.Put("find", body, append([]string{"action", "query", "module", module}, kv...)...))
	data, ok := res.Data().(map[string]any)
	if !ok {
		t.Fatalf("query data: %s", res.Body)
	}
	return data
}

// fndResults returns the result objects of a query answer, failing on
// anything but objects.
func fndResults(t *testing.T, data map[string]any) []map[string]any {
	t.Helper()
	list, ok := data["results"].([]any)
	if !ok {
		t.Fatalf("results: %v", data)
	}
	out := make([]map[string]any, len(list))
	for i, r := range list {
		m, ok := r.(map[string]any)
		if !ok {
			t.Fatalf("result %d is not an object: %v", i, r)
		}
		out[i] = m
	}
	return out
}

// fndField lists one field of every result.
func fndField(rs []map[string]any, name string) []any {
	out := make([]any, len(rs))
	for i, r := range rs {
		out[i] = r[name]
	}
	return out
}

// fndValue finds a value (default) or option (exclusive) of a facet.
func fndValue(t *testing.T, facet map[string]any, pred func(map[string]any) bool) map[string]any {
	t.Helper()
	key := "values"
	if facet["style"] == "exclusive" {
		key = "options"
	}
	for _, v := range facet[key].([]any) {
		if m := v.(map[string]any); pred(m) {
			return m
		}
	}
	t.Fatalf("no matching value in facet %v", facet)
	return nil
}

func fndValues(facet map[string]any) []any {
	if facet["style"] == "exclusive" {
		return facet["options"].([]any)
	}
	return facet["values"].([]any)
}

// fndActive is the active form of a value, as the UI sends it back.
func fndActive(facet string, value, filter any) map[string]any {
	return map[string]any{"facet": facet, "value": value, "filter": filter}
}

// fndGlobal is the active global facet for a prefix, taken from an
// autocomplete answer.
func fndGlobal(t *testing.T, c *Client, module, prefix string) map[string]any {
	t.Helper()
	g := fndAuto(t, c, module, prefix, nil)["global"]
	if g == nil {
		t.Fatalf("no global facet for %q", prefix)
	}
	return fndActive("global", "global", g["filter"])
}

func fndNames(t *testing.T, data map[string]any) []string {
	t.Helper()
	var out []string
	for _, v := range fndField(fndResults(t, data), "display_name") {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

func TestFindContacts(t *testing.T) {
	e := conSetup(t)
	a, b, f := e.alice, e.bob, e.aliceFolder
	zoe, _ := conNew(t, a, map[string]any{"folder_id": f, "display_name": "Zoe Zander", "first_name": "Zoe", "last_name": "Zander",
		"email1": "zoe@example.org", "company": "Zed Inc", "department": "Research", "city_business": "Berlin",
		"telephone_business1": "+49 30 1234"})
	zack, _ := conNew(t, a, map[string]any{"folder_id": f, "display_name": "Zack Zimmer", "last_name": "Zimmer", "email1": "zack@example.org"})
	conNew(t, a, map[string]any{"folder_id": f, "display_name": "Adam Ant", "last_name": "Ant", "note": "knows zoe"})
	archive := conFolder(t, a, "1", "Archive")
	zora, _ := conNew(t, a, map[string]any{"folder_id": archive, "display_name": "Zora Zeta", "last_name": "Zeta", "email1": "zora@example.org"})
	list, _ := conNew(t, a, map[string]any{"folder_id": archive, "display_name": "Zoo team", "mark_as_distributionlist": true,
		"distribution_list": []any{map[string]any{"display_name": "Keeper", "mail": "keeper@example.org", "mail_field": 0}}})

	// Autocomplete: the field facets, the people and the folders.
	fs := fndAuto(t, a, "contacts", "zo", nil)
	g := fs["global"]
	if g["style"] != "simple" || g["name"] != "zo" || fmt.Sprint(g["filter"]) != "map[fields:[global] queries:[zo]]" {
		t.Fatalf("global facet: %v", g)
	}
	for _, id := range []string{"name", "email", "phone", "address", "company", "department"} {
		fc := fs[id]
		if fc == nil || fc["style"] != "simple" || fc["filter"] == nil || fc["item"].(map[string]any)["name"] != "zo" {
			t.Fatalf("field facet %s: %v", id, fc)
		}
	}
	people := fs["contact"]
	if people == nil || people["style"] != "default" {
		t.Fatalf("contact facet: %v", fs)
	}
	var got []string
	for _, v := range fndValues(people) {
		got = append(got, v.(map[string]any)["item"].(map[string]any)["name"].(string))
	}
	// Zoo team is a list (its name starts with "zo"); Zack does not match.
	if !slices.Equal(got, []string{"Zoe Zander", "Zora Zeta", "Zoo team"}) {
		t.Fatalf("people for zo: %v", got)
	}
	zoeValue := fndValue(t, people, func(v map[string]any) bool { return v["item"].(map[string]any)["name"] == "Zoe Zander" })
	if zoeValue["item"].(map[string]any)["detail"] != "zoe@example.org" ||
		fmt.Sprint(zoeValue["filter"]) != fmt.Sprintf("map[fields:[contact] queries:[%d]]", zoe) {
		t.Fatalf("person value: %v", zoeValue)
	}
	folder := fs["folder"]
	if folder["style"] != "exclusive" || !slices.Contains(fndStrs(folder["flags"]), "conflicts:folder_type") {
		t.Fatalf("folder facet: %v", folder)
	}
	var fids []string
	for _, v := range fndValues(folder) {
		fids = append(fids, v.(map[string]any)["id"].(string))
	}
	if !slices.Contains(fids, ugS(f)) || !slices.Contains(fids, ugS(archive)) || !slices.Contains(fids, "6") {
		t.Fatalf("folder options: %v", fids)
	}
	if n := len(fndValues(fs["folder_type"])); n != 3 || len(fndValues(fs["contact_type"])) != 2 {
		t.Fatalf("folder_type/contact_type: %v %v", fs["folder_type"], fs["contact_type"])
	}
	// limit caps people and folders, not the enumerations.
	fs1 := fndAuto(t, a, "contacts", "zo", nil, "limit", "1")
	if len(fndValues(fs1["contact"])) != 1 || len(fndValues(fs1["folder"])) != 1 || len(fndValues(fs1["folder_type"])) != 3 {
		t.Fatalf("limit 1: %v", fs1)
	}
	// No prefix: only the facets that need none.
	if fs0 := fndAuto(t, a, "contacts", "", nil); fs0["global"] != nil || fs0["contact"] != nil || fs0["folder"] == nil {
		t.Fatalf("empty prefix: %v", fs0)
	}

	// Query with the global facet: objects keyed by column name, sorted by
	// sort name, only what matches somewhere (Adam's note mentions zoe).
	data := fndQuery(t, a, "contacts", map[string]any{"facets": []any{fndGlobal(t, a, "contacts", "zo")}},
		"columns", "20,1,500,555,524,607,9999")
	rs := fndResults(t, data)
	if names := fndNames(t, data); !slices.Equal(names, []string{"Adam Ant", "Zoe Zander", "Zora Zeta", "Zoo team"}) {
		t.Fatalf("global zo: %v", names)
	}
	if data["num_found"] != float64(4) || data["start"] != float64(0) || data["size"] != float64(4) {
		t.Fatalf("query counts: %v", data)
	}
	z := rs[1]
	if z["id"] != float64(zoe) || z["folder_id"] != float64(f) || z["email1"] != "zoe@example.org" || z["sort_name"] != "ZanderZoe" {
		t.Fatalf("result object: %v", z)
	}
	if _, has := z["user_id"]; has {
		t.Fatalf("null columns are left out: %v", z)
	}
	if len(z) != 5 {
		t.Fatalf("only requested columns (unknown ones dropped): %v", z)
	}

	// The person value, copied unchanged from autocomplete.
	data = fndQuery(t, a, "contacts", map[string]any{"facets": []any{fndActive("contact", zoeValue["id"], zoeValue["filter"])}})
	if names := fndNames(t, data); !slices.Equal(names, []string{"Zoe Zander"}) {
		t.Fatalf("contact facet: %v", names)
	}
	// Default columns are the UI's; spec form with "id" works too.
	rs = fndResults(t, data)
	if rs[0]["last_name"] != "Zander" || rs[0]["sort_name"] == nil {
		t.Fatalf("default columns: %v", rs[0])
	}
	data = fndQuery(t, a, "contacts", map[string]any{"facets": []any{map[string]any{"id": "contact", "value": zoeValue["id"], "filter": zoeValue["filter"]}}})
	if names := fndNames(t, data); !slices.Equal(names, []string{"Zoe Zander"}) {
		t.Fatalf("contact facet with id key: %v", names)
	}

	// Field facets: Berlin is an address, not a name; the phone number.
	addr := fndAuto(t, a, "contacts", "berlin", nil)["address"]
	if names := fndNames(t, fndQuery(t, a, "contacts", map[string]any{"facets": []any{fndActive("address", "address", addr["filter"])}})); !slices.Equal(names, []string{"Zoe Zander"}) {
		t.Fatalf("address berlin: %v", names)
	}
	name := fndAuto(t, a, "contacts", "berlin", nil)["name"]
	if names := fndNames(t, fndQuery(t, a, "contacts", map[string]any{"facets": []any{fndActive("name", "name", name["filter"])}})); len(names) != 0 {
		t.Fatalf("name berlin: %v", names)
	}
	phone := fndAuto(t, a, "contacts", "1234", nil)["phone"]
	if names := fndNames(t, fndQuery(t, a, "contacts", map[string]any{"facets": []any{fndActive("phone", "phone", phone["filter"])}})); !slices.Equal(names, []string{"Zoe Zander"}) {
		t.Fatalf("phone: %v", names)
	}
	// Two words: both must match.
	if names := fndNames(t, fndQuery(t, a, "contacts", map[string]any{"facets": []any{fndGlobal(t, a, "contacts", "zed research")}})); !slices.Equal(names, []string{"Zoe Zander"}) {
		t.Fatalf("two words: %v", names)
	}
	// contact_type: distribution lists only.
	dl := fndValue(t, fs["contact_type"], func(v map[string]any) bool { return v["id"] == "distribution_list" })
	data = fndQuery(t, a, "contacts", map[string]any{"facets": []any{fndGlobal(t, a, "contacts", "zo"), fndActive("contact_type", dl["id"], dl["filter"])}})
	if rs := fndResults(t, data); len(rs) != 1 || rs[0]["id"] != float64(list) {
		t.Fatalf("distribution lists: %v", rs)
	}

	// The folder facet, as the UI sends it (value = folder id, no filter),
	// and as autocomplete offers it.
	data = fndQuery(t, a, "contacts", map[string]any{"facets": []any{fndGlobal(t, a, "contacts", "z"), fndActive("folder", ugS(archive), nil)}})
	if names := fndNames(t, data); !slices.Equal(names, []string{"Zora Zeta", "Zoo team"}) {
		t.Fatalf("folder archive: %v", names)
	}
	opt := fndValue(t, folder, func(v map[string]any) bool { return v["id"] == ugS(f) })
	data = fndQuery(t, a, "contacts", map[string]any{"facets": []any{fndGlobal(t, a, "contacts", "z"), fndActive("folder", opt["id"], opt["filter"])}})
	if names := fndNames(t, data); !slices.Equal(names, []string{"Adam Ant", "Zoe Zander", "Zack Zimmer"}) {
		t.Fatalf("folder default: %v", names)
	}
	// folder_type public: only the global address book.
	pub := fndValue(t, fs["folder_type"], func(v map[string]any) bool { return v["id"] == "public" })
	data = fndQuery(t, a, "contacts", map[string]any{"facets": []any{fndGlobal(t, a, "contacts", "z"), fndActive("folder_type", pub["id"], pub["filter"])}})
	if n := len(fndResults(t, data)); n != 0 {
		t.Fatalf("public z: %v", data)
	}
	data = fndQuery(t, a, "contacts", map[string]any{"facets": []any{fndGlobal(t, a, "contacts", "bob"), fndActive("folder_type", pub["id"], pub["filter"])}})
	if names := fndNames(t, data); !slices.Equal(names, []string{"Bob Brown"}) {
		t.Fatalf("public bob: %v", names)
	}
	// Autocomplete leaves out what is active: the chosen person, the
	// exclusive folder facet and the folder_type facet it conflicts with.
	fs = fndAuto(t, a, "contacts", "zo", []any{fndActive("contact", zoeValue["id"], zoeValue["filter"]), fndActive("folder", ugS(f), nil)})
	if fs["folder"] != nil || fs["folder_type"] != nil || fs["global"] == nil {
		t.Fatalf("autocomplete with active facets: %v", fs)
	}
	// The folder limits the people too: Zoe is chosen, Zora is elsewhere.
	if fs["contact"] != nil {
		t.Fatalf("no more people in the folder: %v", fs["contact"])
	}

	// Paging in sort order.
	all := []string{"Adam Ant", "Zoe Zander", "Zora Zeta", "Zack Zimmer", "Zoo team"}
	for start := 0; start < 7; start++ {
		data = fndQuery(t, a, "contacts", map[string]any{"facets": []any{fndGlobal(t, a, "contacts", "z"),
			fndActive("folder_type", "private", nil)}, "start": start, "size": 2})
		want := all[min(start, 5):min(start+2, 5)]
		if names := fndNames(t, data); !slices.Equal(names, want) || data["num_found"] != float64(5) ||
			data["start"] != float64(start) || data["size"] != float64(len(want)) {
			t.Fatalf("page %d: %v %v", start, names, data)
		}
	}

	// Bob cannot see Alice's private folders: nothing found, no folder
	// option, and naming the folder is refused.
	data = fndQuery(t, b, "contacts", map[string]any{"facets": []any{fndGlobal(t, b, "contacts", "zo")}})
	if n := len(fndResults(t, data)); n != 0 || data["num_found"] != float64(0) {
		t.Fatalf("bob sees alice's contacts: %v", data)
	}
	bf := fndAuto(t, b, "contacts", "zo", nil)
	if bf["contact"] != nil || slices.ContainsFunc(fndValues(bf["folder"]), func(v any) bool { return v.(map[string]any)["id"] == ugS(archive) }) {
		t.Fatalf("bob's autocomplete shows alice's data: %v", bf)
	}
	MustCode(t, b.Put("find", map[string]any{"facets": []any{fndGlobal(t, b, "contacts", "z"), fndActive("folder", ugS(archive), nil)}},
		"action", "query", "module", "contacts"), "FLD-0003")
	// Shared read-only, the archive is found (as a shared folder).
	conShare(t, a, archive, conReadOnly, b.UserID)
	data = fndQuery(t, b, "contacts", map[string]any{"facets": []any{fndGlobal(t, b, "contacts", "zo")}})
	if names := fndNames(t, data); !slices.Equal(names, []string{"Zora Zeta", "Zoo team"}) {
		t.Fatalf("bob with the shared archive: %v", names)
	}
	data = fndQuery(t, b, "contacts", map[string]any{"facets": []any{fndGlobal(t, b, "contacts", "zo"), fndActive("folder_type", "shared", nil)}})
	if rs := fndResults(t, data); len(rs) != 2 || rs[0]["id"] != float64(zora) {
		t.Fatalf("bob's shared folders: %v", rs)
	}
	if data := fndQuery(t, a, "contacts", map[string]any{"facets": []any{fndGlobal(t, a, "contacts", "zack")}}); fndResults(t, data)[0]["id"] != float64(zack) {
		t.Fatalf("zack: %v", data)
	}

	// options.admin=false leaves out the context admin's entry.
	gab := func(admin bool) []any {
		d := fndQuery(t, a, "contacts", map[string]any{"facets": []any{fndActive("folder", "6", nil)},
			"options": map[string]any{"timezone": "UTC", "admin": admin}}, "columns", "1,524")
		return fndField(fndResults(t, d), "user_id")
	}
	with, without := gab(true), gab(false)
	if !slices.Contains(with, any(float64(e.admin.UserID))) || slices.Contains(without, any(float64(e.admin.UserID))) || len(with) != len(without)+1 {
		t.Fatalf("admin option: %v / %v", with, without)
	}
}

func fndStrs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestFindTasks(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw", "--display-name", "Alice A")
	bobID := s.AddUser("bob", "pw", "--display-name", "Bob Builder", "--email", "bob@example.com")
	a, b := s.Login("alice", "pw"), s.Login("bob", "pw")
	fa, fb := tskFolder(t, a), tskFolder(t, b)

	write, _ := tskNew(t, a, fa, map[string]any{"title": "Write report", "status": 2, "percent_completed": 50, "note": "quarterly numbers"})
	milk, _ := tskNew(t, a, fa, map[string]any{"title": "Buy milk", "status": 3, "percent_completed": 100,
		"participants": []any{map[string]any{"id": bobID, "type": 1}}})
	mon := tskDay(2025, 3, 3)
	review, _ := tskNew(t, a, fa, map[string]any{"title": "Review report", "recurrence_type": 2, "interval": 1, "days": 2,
		"start_time": mon, "end_time": mon, "full_time": true, "status": 1, "percent_completed": 0})
	secret, _ := tskNew(t, b, fb, map[string]any{"title": "Secret report", "private_flag": true})

	fs := fndAuto(t, a, "tasks", "report", nil)
	for id, style := range map[string]string{"global": "simple", "task_title": "simple", "task_description": "simple",
		"task_participants": "default", "task_status": "exclusive", "task_type": "exclusive", "folder": "exclusive", "folder_type": "exclusive"} {
		if fs[id] == nil || fs[id]["style"] != style {
			t.Fatalf("facet %s: %v", id, fs)
		}
	}
	var statuses []string
	for _, v := range fndValues(fs["task_status"]) {
		statuses = append(statuses, v.(map[string]any)["id"].(string))
	}
	if !slices.Equal(statuses, []string{"not_started", "in_progress", "done", "waiting", "deferred"}) {
		t.Fatalf("statuses: %v", statuses)
	}

	ids := func(data map[string]any) []int64 {
		var out []int64
		for _, r := range fndResults(t, data) {
			out = append(out, ugNum(t, r["id"]))
		}
		return out
	}
	// Global: title or note; sorted by title; Bob's private task is not
	// Alice's business.
	data := fndQuery(t, a, "tasks", map[string]any{"facets": []any{fndGlobal(t, a, "tasks", "report")}})
	if got := ids(data); !slices.Equal(got, []int64{review, write}) {
		t.Fatalf("global report: %v", got)
	}
	r := fndResults(t, data)[1]
	if r["title"] != "Write report" || r["folder_id"] != float64(mustInt(t, fa)) || r["status"] != float64(2) || r["note"] != "quarterly numbers" {
		t.Fatalf("task object: %v", r)
	}
	if got := ids(fndQuery(t, a, "tasks", map[string]any{"facets": []any{fndGlobal(t, a, "tasks", "quarterly")}})); !slices.Equal(got, []int64{write}) {
		t.Fatalf("global in note: %v", got)
	}
	desc := fndAuto(t, a, "tasks", "quarterly", nil)["task_description"]
	title := fndAuto(t, a, "tasks", "quarterly", nil)["task_title"]
	if got := ids(fndQuery(t, a, "tasks", map[string]any{"facets": []any{fndActive("task_description", "task_description", desc["filter"])}})); !slices.Equal(got, []int64{write}) {
		t.Fatalf("description: %v", got)
	}
	if got := ids(fndQuery(t, a, "tasks", map[string]any{"facets": []any{fndActive("task_title", "task_title", title["filter"])}})); len(got) != 0 {
		t.Fatalf("title quarterly: %v", got)
	}

	// Status and type are exclusive values.
	done := fndValue(t, fs["task_status"], func(v map[string]any) bool { return v["id"] == "done" })
	if got := ids(fndQuery(t, a, "tasks", map[string]any{"facets": []any{fndActive("task_status", done["id"], done["filter"])}})); !slices.Equal(got, []int64{milk}) {
		t.Fatalf("status done: %v", got)
	}
	inProgress := fndValue(t, fs["task_status"], func(v map[string]any) bool { return v["id"] == "in_progress" })
	if got := ids(fndQuery(t, a, "tasks", map[string]any{"facets": []any{fndGlobal(t, a, "tasks", "report"),
		fndActive("task_status", inProgress["id"], inProgress["filter"])}})); !slices.Equal(got, []int64{write}) {
		t.Fatalf("report in progress: %v", got)
	}
	series := fndValue(t, fs["task_type"], func(v map[string]any) bool { return v["id"] == "series" })
	if got := ids(fndQuery(t, a, "tasks", map[string]any{"facets": []any{fndActive("task_type", series["id"], series["filter"])}})); !slices.Equal(got, []int64{review}) {
		t.Fatalf("series: %v", got)
	}
	// Autocomplete with an active status offers no second status.
	if fs2 := fndAuto(t, a, "tasks", "report", []any{fndActive("task_status", done["id"], done["filter"])}); fs2["task_status"] != nil || fs2["task_type"] == nil {
		t.Fatalf("active status: %v", fs2)
	}

	// Participants: Bob from the address book (by user id) and free text.
	pf := fndAuto(t, a, "tasks", "bob", nil)["task_participants"]
	bv := fndValue(t, pf, func(v map[string]any) bool {
		it, _ := v["item"].(map[string]any)
		return it != nil && it["name"] == "Bob Builder"
	})
	if fmt.Sprint(bv["filter"]) != fmt.Sprintf("map[fields:[participant] queries:[%d]]", bobID) {
		t.Fatalf("bob value: %v", bv)
	}
	if got := ids(fndQuery(t, a, "tasks", map[string]any{"facets": []any{fndActive("task_participants", bv["id"], bv["filter"])}})); !slices.Equal(got, []int64{milk}) {
		t.Fatalf("participant bob: %v", got)
	}
	free := fndValue(t, pf, func(v map[string]any) bool { return v["id"] == "bob" })
	if got := ids(fndQuery(t, a, "tasks", map[string]any{"facets": []any{fndActive("task_participants", free["id"], free["filter"])}})); !slices.Equal(got, []int64{milk}) {
		t.Fatalf("participant text bob: %v", got)
	}

	// Folders: private are Alice's, there are no public task folders.
	if got := ids(fndQuery(t, a, "tasks", map[string]any{"facets": []any{fndActive("folder_type", "public", nil)}})); len(got) != 0 {
		t.Fatalf("public tasks: %v", got)
	}
	if got := ids(fndQuery(t, a, "tasks", map[string]any{"facets": []any{fndActive("folder", fa, nil)}})); !slices.Equal(got, []int64{milk, review, write}) {
		t.Fatalf("alice's folder: %v", got)
	}
	// Paging.
	data = fndQuery(t, a, "tasks", map[string]any{"facets": []any{fndActive("folder", fa, nil)}, "start": 1, "size": 1}, "columns", "1,200")
	if got := ids(data); !slices.Equal(got, []int64{review}) || data["num_found"] != float64(3) || len(fndResults(t, data)[0]) != 2 {
		t.Fatalf("page: %v", data)
	}

	// Bob sees his own private task and the one he takes part in, through
	// his folder; Alice's reports stay hers.
	data = fndQuery(t, b, "tasks", map[string]any{"facets": []any{fndGlobal(t, b, "tasks", "r")}})
	if got := ids(data); !slices.Equal(got, []int64{secret}) {
		t.Fatalf("bob's r: %v", got)
	}
	data = fndQuery(t, b, "tasks", map[string]any{"facets": []any{fndGlobal(t, b, "tasks", "milk")}})
	if rs := fndResults(t, data); len(rs) != 1 || rs[0]["id"] != float64(milk) || rs[0]["folder_id"] != float64(mustInt(t, fb)) {
		t.Fatalf("bob's milk: %v", rs)
	}
	MustCode(t, b.Put("find", map[string]any{"facets": []any{fndActive("folder", fa, nil)}}, "action", "query", "module", "tasks"), "FLD-0003")
	if bf := fndAuto(t, b, "tasks", "", nil)["folder"]; slices.ContainsFunc(fndValues(bf), func(v any) bool { return v.(map[string]any)["id"] == fa }) {
		t.Fatalf("bob's folder options show alice's folder: %v", bf)
	}
}

func TestFindErrors(t *testing.T) {
	e := conSetup(t)
	a := e.alice
	q := func(module string, body any, kv ...string) *Result {
		return a.Put("find", body, append([]string{"action", "query", "module", module}, kv...)...)
	}
	glob := fndGlobal(t, a, "contacts", "zo")
	ok := map[string]any{"facets": []any{glob}}

	for _, m := range []string{"mail", "drive", "nonsense"} {
		res := MustCode(t, q(m, ok), "FIND-0001")
		if msg, _ := res.Obj["error"].(string); !strings.Contains(msg, "contacts, tasks") {
			t.Fatalf("FIND-0001 should list the available modules: %s", res.Body)
		}
	}
	MustCode(t, a.Put("find", ok, "action", "query"), "SVL-0002")
	MustCode(t, q("contacts", "{bad"), "SVL-0009")
	MustCode(t, q("contacts", "[]"), "SVL-0009")
	MustCode(t, q("contacts", nil), "SVL-0009")
	MustCode(t, q("contacts", map[string]any{"facets": "x"}), "SVL-0009")
	MustCode(t, q("contacts", map[string]any{"facets": []any{"x"}}), "SVL-0009")
	MustCode(t, q("contacts", map[string]any{"facets": []any{map[string]any{"value": "x"}}}), "SVL-0009")
	MustCode(t, q("contacts", map[string]any{"facets": []any{glob}, "start": -1}), "SVL-0009")
	MustCode(t, q("contacts", map[string]any{"facets": []any{glob}, "size": "many"}), "SVL-0009")
	MustCode(t, q("contacts", map[string]any{"facets": []any{glob}, "options": []any{}}), "SVL-0009")
	MustCode(t, q("contacts", map[string]any{"facets": []any{glob}, "options": map[string]any{"timezone": "Mars/Base"}}), "SVL-0010")
	MustCode(t, q("contacts", ok, "columns", "1,x"), "SVL-0010")
	MustCode(t, a.Put("find", map[string]any{"prefix": 5}, "action", "autocomplete", "module", "contacts"), "SVL-0009")
	MustCode(t, a.Put("find", map[string]any{"prefix": "zo"}, "action", "autocomplete", "module", "contacts", "limit", "0"), "SVL-0010")
	MustCode(t, a.Put("find", map[string]any{"prefix": "zo"}, "action", "autocomplete", "module", "mail"), "FIND-0001")

	// Facets the module does not know, broken filters, conflicts.
	MustCode(t, q("contacts", map[string]any{"facets": []any{fndActive("task_status", "done", map[string]any{"fields": []any{"status"}, "queries": []any{"3"}})}}), "FIND-0008")
	MustCode(t, q("contacts", map[string]any{"facets": []any{fndActive("global", "global", map[string]any{"fields": []any{"shoe_size"}, "queries": []any{"x"}})}}), "FIND-0003")
	MustCode(t, q("contacts", map[string]any{"facets": []any{fndActive("global", "global", nil)}}), "FIND-0006")
	MustCode(t, q("contacts", map[string]any{"facets": []any{fndActive("global", "global", map[string]any{"fields": []any{"global"}})}}), "FIND-0007")
	MustCode(t, q("contacts", map[string]any{"facets": []any{fndActive("contact", "c", map[string]any{"fields": []any{"contact"}, "queries": []any{"abc"}})}}), "FIND-0004")
	MustCode(t, q("contacts", map[string]any{"facets": []any{glob, fndActive("folder", ugS(e.aliceFolder), nil), fndActive("folder_type", "private", nil)}}), "FIND-0016")
	MustCode(t, q("contacts", map[string]any{"facets": []any{fndActive("contact_type", "contact", map[string]any{"fields": []any{"contact_type"}, "queries": []any{"contact"}}),
		fndActive("contact_type", "distribution_list", map[string]any{"fields": []any{"contact_type"}, "queries": []any{"distribution_list"}})}}), "FIND-0016")
	MustCode(t, q("tasks", map[string]any{"facets": []any{fndActive("task_status", "done", map[string]any{"fields": []any{"status"}, "queries": []any{"3"}}),
		fndActive("task_status", "waiting", map[string]any{"fields": []any{"status"}, "queries": []any{"4"}})}}), "FIND-0016")
	MustCode(t, q("tasks", map[string]any{"facets": []any{fndActive("task_status", "x", map[string]any{"fields": []any{"status"}, "queries": []any{"9"}})}}), "FIND-0004")
	MustCode(t, a.Put("find", map[string]any{"prefix": "zo", "facets": []any{fndActive("folder", "1", nil), fndActive("folder_type", "public", nil)}},
		"action", "autocomplete", "module", "contacts"), "FIND-0016")

	// Folder values: not a number, another module's folder, missing
	// folder, unknown folder type.
	MustCode(t, q("contacts", map[string]any{"facets": []any{glob, fndActive("folder", "abc", nil)}}), "FIND-0014")
	tasksFolder := tskFolder(t, a)
	MustCode(t, q("contacts", map[string]any{"facets": []any{glob, fndActive("folder", tasksFolder, nil)}}), "FIND-0014")
	MustCode(t, q("tasks", map[string]any{"facets": []any{fndActive("folder", ugS(e.aliceFolder), nil)}}), "FIND-0014")
	MustCode(t, q("contacts", map[string]any{"facets": []any{glob, fndActive("folder", "999999", nil)}}), "FLD-0008")
	MustCode(t, q("contacts", map[string]any{"facets": []any{glob, fndActive("folder_type", "everywhere", nil)}}), "FIND-0015")
	// A folder Bob sees but may not read.
	MustOK(t, fldUpdate(a, ugS(e.aliceFolder), map[string]any{"permissions": []any{
		fldPerm(fldAllBits, a.UserID, false), fldPerm(1, e.bob.UserID, false)}}))
	MustCode(t, e.bob.Put("find", map[string]any{"facets": []any{glob, fndActive("folder", ugS(e.aliceFolder), nil)}},
		"action", "query", "module", "contacts"), "CON-0104")
}
