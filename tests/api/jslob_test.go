package api

import (
	"fmt"
	"testing"
)

// jslobTree reads one JSlob through list, as the UI does.
func jslobTree(t *testing.T, c *Client, id string) map[string]any {
	t.Helper()
	arr := dataArr(t, c.Put("jslob", []string{id}, "action", "list"))
	if len(arr) != 1 {
		t.Fatalf("jslob list %s: %d elements", id, len(arr))
	}
	obj := arr[0].(map[string]any)
	if obj["id"] != id {
		t.Fatalf("jslob list %s answered id %v", id, obj["id"])
	}
	if _, ok := obj["meta"].(map[string]any); !ok {
		t.Fatalf("jslob %s has no meta object: %v", id, obj)
	}
	tree, ok := obj["tree"].(map[string]any)
	if !ok {
		t.Fatalf("jslob %s has no tree object: %v", id, obj)
	}
	return tree
}

func TestJSlobDefaults(t *testing.T) {
	s := StartServer(t)
	uid := s.AddUser("alice", "pw-alice", "--timezone", "Europe/Berlin", "--locale", "de_DE")
	c := s.Login("alice", "pw-alice")
	want := dbDefaultFolders(t, s, uid)

	core := jslobTree(t, c, "io.ox/core")
	folder, _ := core["folder"].(map[string]any)
	for _, m := range []string{"tasks", "calendar", "contacts", "infostore"} {
		if folder[m] != want[m] {
			t.Fatalf("io.ox/core folder/%s = %v, database says %v", m, folder[m], want[m])
		}
	}
	if cfg := MustOK(t, c.Get("config/folder/contacts")).Data(); cfg != folder["contacts"] {
		t.Fatalf("config/folder/contacts %v != jslob %v", cfg, folder["contacts"])
	}
	if core["language"] != "de_DE" || core["timezone"] != "Europe/Berlin" || core["refreshInterval"] != float64(300000) {
		t.Fatalf("io.ox/core language/timezone/refreshInterval: %v", core)
	}
	// find is offered in the apps listed under search/modules.
	if search, _ := core["search"].(map[string]any); fmt.Sprint(search["modules"]) != "[calendar contacts tasks]" {
		t.Fatalf("io.ox/core search/modules: %v", core["search"])
	}
	// autoStart names an app whose manifest is delivered.
	manifests := dataObj(t, c.Get("apps/manifests", "action", "config"))["manifests"].([]any)
	found := false
	for _, m := range manifests {
		if m.(map[string]any)["path"] == core["autoStart"] {
			found = true
		}
	}
	if !found {
		t.Fatalf("autoStart %v is not among the manifests %v", core["autoStart"], manifests)
	}

	// Unknown ids boot with an empty tree; order follows the request.
	arr := dataArr(t, c.Put("jslob", []string{"io.ox/nothing", "io.ox/core"}, "action", "list", "serviceId", "com.openexchange.jslob.config"))
	if len(arr) != 2 || arr[0].(map[string]any)["id"] != "io.ox/nothing" || arr[1].(map[string]any)["id"] != "io.ox/core" {
		t.Fatalf("list of two: %v", arr)
	}
	if tree := arr[0].(map[string]any)["tree"].(map[string]any); len(tree) != 0 {
		t.Fatalf("unknown JSlob has a tree: %v", tree)
	}
	if got := dataArr(t, c.Put("jslob", []string{}, "action", "list")); len(got) != 0 {
		t.Fatalf("empty list: %v", got)
	}
	all := dataArr(t, c.Get("jslob", "action", "all"))
	hasCore := false
	for _, x := range all {
		if x.(map[string]any)["id"] == "io.ox/core" {
			hasCore = true
		}
	}
	if !hasCore {
		t.Fatalf("all lacks io.ox/core: %v", all)
	}
	if got := dataObj(t, c.Get("jslob", "action", "get", "id", "io.ox/core")); got["id"] != "io.ox/core" {
		t.Fatalf("get: %v", got)
	}

	MustCode(t, c.PutRaw("jslob", `{"a":1}`, "action", "list"), "SVL-0009")
	MustCode(t, c.PutRaw("jslob", `["io.ox/core"`, "action", "list"), "SVL-0009")
	MustCode(t, c.PutRaw("jslob", `[1,2]`, "action", "list"), "SVL-0009")
	MustCode(t, c.PutRaw("jslob", ``, "action", "list"), "SVL-0009")
	MustCode(t, c.Put("jslob", map[string]any{"a": 1}, "action", "set"), "SVL-0002")
	MustCode(t, c.Put("jslob", map[string]any{"a": 1}, "action", "update"), "SVL-0002")
	MustCode(t, c.Get("jslob", "action", "get"), "SVL-0002")
	MustCode(t, c.PutRaw("jslob", `[1]`, "action", "update", "id", "io.ox/mail"), "SVL-0009")
	MustCode(t, c.PutRaw("jslob", `{"a":`, "action", "set", "id", "io.ox/mail"), "SVL-0009")
	MustCode(t, c.PutRaw("jslob", ``, "action", "update", "id", "io.ox/mail"), "SVL-0009")
	MustCode(t, s.NewClient().Put("jslob", []string{"io.ox/core"}, "action", "list"), "SES-0201")
}

func TestJSlobSetUpdatePersist(t *testing.T) {
	s := StartServer(t)
	uid := s.AddUser("alice", "pw-alice")
	s.AddUser("bob", "pw-bob")
	c := s.Login("alice", "pw-alice")
	want := dbDefaultFolders(t, s, uid)

	MustOK(t, c.Put("jslob", map[string]any{"a": map[string]any{"b": 1, "c": 2}, "x": "y"}, "action", "set", "id", "io.ox/test"))
	MustOK(t, c.Put("jslob", map[string]any{"a": map[string]any{"c": 3, "d": map[string]any{"e": true}}}, "action", "update", "id", "io.ox/test"))
	tree := jslobTree(t, c, "io.ox/test")
	if jsonString(tree) != `{"a":{"b":1,"c":3,"d":{"e":true}},"x":"y"}` {
		t.Fatalf("after set+update: %s", jsonString(tree))
	}

	// io.ox/core: the default folder ids cannot be overwritten, other
	// folder entries are kept, language and timezone change the user.
	MustOK(t, c.Put("jslob", map[string]any{
		"folder":   map[string]any{"contacts": 999999, "hidden": map[string]any{"42": true}},
		"language": "fr_FR", "timezone": "Europe/Paris", "theme": "dark",
	}, "action", "set", "id", "io.ox/core"))
	core := jslobTree(t, c, "io.ox/core")
	folder := core["folder"].(map[string]any)
	if folder["contacts"] != want["contacts"] || folder["hidden"] == nil || core["theme"] != "dark" {
		t.Fatalf("io.ox/core after set: %v", core)
	}
	if core["language"] != "fr_FR" || core["timezone"] != "Europe/Paris" {
		t.Fatalf("io.ox/core language/timezone after set: %v", core)
	}
	if MustOK(t, c.Get("config/timezone")).Data() != "Europe/Paris" || MustOK(t, c.Get("config/language")).Data() != "fr_FR" {
		t.Fatal("config tree did not follow the io.ox/core write")
	}
	// An invalid zone refuses the whole write.
	MustCode(t, c.Put("jslob", map[string]any{"timezone": "Nowhere/Else", "theme": "light"}, "action", "update", "id", "io.ox/core"), "USS-0009")
	if core := jslobTree(t, c, "io.ox/core"); core["theme"] != "dark" || core["timezone"] != "Europe/Paris" {
		t.Fatalf("a refused update changed io.ox/core: %v", core)
	}

	// Another user's JSlobs are separate.
	if tree := jslobTree(t, s.Login("bob", "pw-bob"), "io.ox/test"); len(tree) != 0 {
		t.Fatalf("bob sees alice's JSlob: %v", tree)
	}

	s.Restart()
	c = s.Login("alice", "pw-alice")
	if tree := jslobTree(t, c, "io.ox/test"); jsonString(tree) != `{"a":{"b":1,"c":3,"d":{"e":true}},"x":"y"}` {
		t.Fatalf("after restart: %s", jsonString(tree))
	}
	if core := jslobTree(t, c, "io.ox/core"); core["theme"] != "dark" || core["language"] != "fr_FR" {
		t.Fatalf("io.ox/core after restart: %v", core)
	}

	// An empty set deletes the JSlob; defaults remain.
	MustOK(t, c.PutRaw("jslob", "", "action", "set", "id", "io.ox/test"))
	if tree := jslobTree(t, c, "io.ox/test"); len(tree) != 0 {
		t.Fatalf("after delete: %v", tree)
	}
	MustOK(t, c.PutRaw("jslob", "", "action", "set", "id", "io.ox/core"))
	core = jslobTree(t, c, "io.ox/core")
	if core["theme"] != nil || core["folder"].(map[string]any)["contacts"] != want["contacts"] {
		t.Fatalf("io.ox/core after delete: %v", core)
	}
}
