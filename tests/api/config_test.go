package api

import (
	"strings"
	"testing"
	"time"
)

func TestConfigTree(t *testing.T) {
	s := StartServer(t)
	uid := s.AddUser("alice", "pw-alice", "--display-name", "Alice", "--timezone", "Europe/Berlin")
	c := s.Login("alice", "pw-alice")
	before := time.Now()
	tree := dataObj(t, c.Get("config"))
	after := time.Now()

	if tree["identifier"] != float64(uid) || tree["language"] != "en_US" || tree["timezone"] != "Europe/Berlin" {
		t.Fatalf("identifier/language/timezone: %v %v %v", tree["identifier"], tree["language"], tree["timezone"])
	}
	for _, k := range []string{"context_id", "contact_id", "maxUploadIdleTimeout", "minimumSearchCharacters", "cookielifetime"} {
		if _, ok := tree[k].(float64); !ok {
			t.Fatalf("%s is not a number: %v", k, tree[k])
		}
	}
	if v, _ := tree["serverVersion"].(string); !strings.HasPrefix(v, "7.8.2-") {
		t.Fatalf("serverVersion %q", v)
	}
	zones, _ := tree["availableTimeZones"].(map[string]any)
	if zones["Europe/Berlin"] != "Europe/Berlin" || zones["America/New_York"] != "America/New York" || zones["UTC"] == nil {
		t.Fatalf("availableTimeZones lacks zones: %d entries", len(zones))
	}
	if rt, _ := tree["reloadTimes"].([]any); len(rt) == 0 {
		t.Fatalf("reloadTimes: %v", tree["reloadTimes"])
	}
	// currentTime is a Time: UTC plus the user's offset.
	berlin, _ := time.LoadLocation("Europe/Berlin")
	_, off := before.In(berlin).Zone()
	ct := tree["currentTime"].(float64)
	lo, hi := float64(before.UnixMilli()+int64(off)*1000-1000), float64(after.UnixMilli()+int64(off)*1000+1000)
	if ct < lo || ct > hi {
		t.Fatalf("currentTime %v not within [%v,%v]", ct, lo, hi)
	}

	// Default folders are the numbers of the folders table.
	want := dbDefaultFolders(t, s, uid)
	folder, _ := tree["folder"].(map[string]any)
	for _, m := range []string{"tasks", "calendar", "contacts", "infostore"} {
		if folder[m] != want[m] {
			t.Fatalf("folder/%s = %v, database says %v", m, folder[m], want[m])
		}
	}
	if got := MustOK(t, c.Get("config/folder/contacts")).Data(); got != want["contacts"] {
		t.Fatalf("config/folder/contacts = %v, want %v", got, want["contacts"])
	}
	if sub := dataObj(t, c.Get("config/folder")); jsonString(sub) != jsonString(folder) {
		t.Fatalf("config/folder %v differs from the tree's %v", sub, folder)
	}

	// modules and availableModules follow the capabilities.
	caps := capIDs(t, c)
	mods, _ := tree["modules"].(map[string]any)
	for name, capName := range map[string]string{"mail": "webmail", "contacts": "contacts", "calendar": "calendar",
		"tasks": "tasks", "infostore": "infostore", "portal": "portal"} {
		m, _ := mods[name].(map[string]any)
		if m == nil || m["module"] != caps[capName] {
			t.Fatalf("modules/%s/module = %v, capability %s = %v", name, m, capName, caps[capName])
		}
		if got := MustOK(t, c.Get("config/modules/"+name+"/module")).Data(); got != caps[capName] {
			t.Fatalf("config/modules/%s/module = %v", name, got)
		}
	}
	avail, _ := tree["availableModules"].([]any)
	if avail == nil {
		t.Fatalf("availableModules is not an array: %v", tree["availableModules"])
	}
	if caps["edit_password"] {
		pw := dataObj(t, c.Get("config/modules/com.openexchange.passwordchange"))
		if _, ok := pw["minLength"]; !ok {
			t.Fatalf("passwordchange settings: %v", pw)
		}
	}

	// Paths match case-insensitively as a fallback (the reference names
	// the leaf "reloadtimes").
	if got := dataArr(t, c.Get("config/reloadtimes")); len(got) == 0 {
		t.Fatal("config/reloadtimes is empty")
	}
	MustCode(t, c.Get("config/nosuchnode"), "USS-0004")
	MustCode(t, c.Get("config/folder/contacts/deeper"), "USS-0004")
	MustCode(t, c.Get("config/folder/nosuch"), "USS-0004")
	MustCode(t, c.Get("config", "action", "nosuchaction"), "SVL-0021")
	anon := s.NewClient()
	MustCode(t, anon.Get("config/timezone"), "SES-0201")
}

func TestConfigWrite(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw-alice", "--timezone", "Europe/Berlin")
	c := s.Login("alice", "pw-alice")

	MustOK(t, c.Put("config/timezone", map[string]any{"data": "America/New_York"}))
	if got := MustOK(t, c.Get("config/timezone")).Data(); got != "America/New_York" {
		t.Fatalf("timezone after PUT: %v", got)
	}
	core := jslobTree(t, c, "io.ox/core")
	if core["timezone"] != "America/New_York" {
		t.Fatalf("io.ox/core timezone did not follow: %v", core["timezone"])
	}
	for _, bad := range []string{`{"data":"Mars/Olympus"}`, `{"data":"Local"}`, `{"data":""}`, `{"data":42}`, `{"data":null}`} {
		MustCode(t, c.PutRaw("config/timezone", bad), "USS-0009")
	}
	if got := MustOK(t, c.Get("config/timezone")).Data(); got != "America/New_York" {
		t.Fatalf("a refused write changed the timezone: %v", got)
	}

	MustOK(t, c.Put("config/language", map[string]any{"data": "de_DE"}))
	if got := MustOK(t, c.Get("config/language")).Data(); got != "de_DE" {
		t.Fatalf("language after PUT: %v", got)
	}
	MustCode(t, c.Put("config/language", map[string]any{"data": "German!"}), "USS-0009")

	// Stored GUI leaves round-trip any JSON value.
	gui := map[string]any{"theme": "dark", "n": 3.5, "list": []any{"a", true}}
	MustOK(t, c.Put("config/gui", map[string]any{"data": gui}))
	if got := MustOK(t, c.Get("config/gui")).Data(); jsonString(got) != jsonString(gui) {
		t.Fatalf("gui round trip: %v", got)
	}
	MustOK(t, c.Put("config/participants/showDialog", map[string]any{"data": false}))
	if got := MustOK(t, c.Get("config/participants/showDialog")).Data(); got != false {
		t.Fatalf("participants/showDialog: %v", got)
	}
	MustCode(t, c.Put("config/participants/showDialog", map[string]any{"data": "maybe"}), "USS-0009")

	MustCode(t, c.Put("config/identifier", map[string]any{"data": 5}), "USS-0003")
	MustCode(t, c.Put("config/folder/contacts", map[string]any{"data": 5}), "USS-0003")
	MustCode(t, c.Put("config/folder", map[string]any{"data": 5}), "USS-0005")
	MustCode(t, c.Put("config", map[string]any{"data": 5}), "USS-0005")
	MustCode(t, c.Put("config/nosuch", map[string]any{"data": 5}), "USS-0004")
	MustCode(t, c.PutRaw("config/gui", `{"data":`), "SVL-0009")
	MustCode(t, c.PutRaw("config/gui", `["data"]`), "SVL-0009")
	MustCode(t, c.PutRaw("config/gui", ``), "SVL-0009")
	MustCode(t, c.PutRaw("config/gui", `{"value":1}`), "SVL-0002")

	// Writes are per user.
	s.AddUser("bob", "pw-bob")
	b := s.Login("bob", "pw-bob")
	if got := MustOK(t, b.Get("config/gui")).Data(); got != "" {
		t.Fatalf("bob sees alice's gui: %v", got)
	}
	if got := MustOK(t, b.Get("config/timezone")).Data(); got != "UTC" {
		t.Fatalf("bob's timezone: %v", got)
	}
}

func TestConfigProperty(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw-alice")
	c := s.Login("alice", "pw-alice")
	const name = "com.example.color"

	got := dataObj(t, c.Get("config", "action", "get_property", "name", name))
	if got["name"] != name || got["value"] != nil {
		t.Fatalf("unset property: %v", got)
	}
	set := dataObj(t, c.Put("config", map[string]any{"value": "blue"}, "action", "set_property", "name", name))
	if set["name"] != name || set["value"] != "blue" {
		t.Fatalf("set_property answer: %v", set)
	}
	got = dataObj(t, c.Get("config", "action", "get_property", "name", name))
	if got["value"] != "blue" {
		t.Fatalf("property after set: %v", got)
	}
	s.AddUser("bob", "pw-bob")
	if v := dataObj(t, s.Login("bob", "pw-bob").Get("config", "action", "get_property", "name", name))["value"]; v != nil {
		t.Fatalf("bob sees alice's property: %v", v)
	}
	MustCode(t, c.Get("config", "action", "get_property"), "SVL-0002")
	MustCode(t, c.Put("config", map[string]any{"value": "x"}, "action", "set_property"), "SVL-0002")
	MustCode(t, c.Put("config", map[string]any{"value": 5}, "action", "set_property", "name", name), "SVL-0009")
	MustCode(t, c.PutRaw("config", `{"value":`, "action", "set_property", "name", name), "SVL-0009")
	MustCode(t, c.PutRaw("config", ``, "action", "set_property", "name", name), "SVL-0009")
	MustCode(t, c.Put("config", map[string]any{"other": "x"}, "action", "set_property", "name", name), "SVL-0002")
	MustOK(t, c.Put("config", map[string]any{"value": nil}, "action", "set_property", "name", name))
	if v := dataObj(t, c.Get("config", "action", "get_property", "name", name))["value"]; v != nil {
		t.Fatalf("property after removal: %v", v)
	}
}

func TestConfigInMultiple(t *testing.T) {
	s := StartServer(t)
	uid := s.AddUser("alice", "pw-alice", "--display-name", "Alice")
	c := s.Login("alice", "pw-alice")
	want := dbDefaultFolders(t, s, uid)

	r := c.Put("multiple", []map[string]any{
		{"module": "config/folder/contacts"},
		{"module": "user/me"},
		{"module": "capabilities", "action": "all"},
		{"module": "config/timezone", "data": map[string]any{"data": "Asia/Tokyo"}},
		{"module": "config/timezone"},
		{"module": "config/nosuch"},
		{"module": "account", "action": "all", "columns": "1001,1002"},
		{"module": "jslob", "action": "list", "data": []string{"io.ox/core"}},
		{"module": "config", "action": "get_property", "name": "x"},
		{"module": "quota", "action": "filestore"},
	})
	if len(r.Arr) != 10 {
		t.Fatalf("multiple: want 10 answers: %s", r.Body)
	}
	env := func(i int) map[string]any { return r.Arr[i].(map[string]any) }
	for _, i := range []int{0, 1, 2, 3, 4, 6, 7, 8, 9} {
		if env(i)["error"] != nil {
			t.Fatalf("item %d failed: %v", i, env(i))
		}
	}
	if env(0)["data"] != want["contacts"] {
		t.Fatalf("config/folder/contacts in multiple: %v, want %v", env(0)["data"], want["contacts"])
	}
	if me := env(1)["data"].(map[string]any); me["user_id"] != float64(uid) {
		t.Fatalf("user/me in multiple: %v", me)
	}
	if caps, _ := env(2)["data"].([]any); len(caps) == 0 {
		t.Fatalf("capabilities in multiple: %v", env(2))
	}
	if env(4)["data"] != "Asia/Tokyo" {
		t.Fatalf("write then read in one multiple: %v", env(4))
	}
	if env(5)["code"] != "USS-0004" {
		t.Fatalf("unknown path in multiple: %v", env(5))
	}
	if rows, ok := env(6)["data"].([]any); !ok || len(rows) != 0 {
		t.Fatalf("account all in multiple: %v", env(6))
	}
	list := env(7)["data"].([]any)
	tree := list[0].(map[string]any)["tree"].(map[string]any)
	if tree["folder"].(map[string]any)["contacts"] != want["contacts"] || tree["timezone"] != "Asia/Tokyo" {
		t.Fatalf("jslob in multiple: %v", tree)
	}
	if q := env(9)["data"].(map[string]any); q["quota"] != float64(-1) {
		t.Fatalf("quota in multiple: %v", q)
	}
}
