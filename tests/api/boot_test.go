package api

import (
	"net/url"
	"strings"
	"testing"
)

// TestAppSuiteBootSequence replays the 7.8 App Suite UI's start:
// autologin (no cookies yet), pre-login server config, form login, store,
// jslob list per id, the rampup multiple, flat folder views, the private
// folder list in tree 1, and a second autologin that restores the session.
func TestAppSuiteBootSequence(t *testing.T) {
	s := StartServer(t)
	s.AddUser("anna", "anna-pw", "--display-name", "Anna Boot", "--email", "anna@example.com", "--timezone", "Europe/Berlin")
	c := s.NewClient()

	auto := c.Get("login", "action", "autologin", "client", "open-xchange-appsuite", "rampup", "true",
		"rampupFor", "open-xchange-appsuite", "version", "7.8.2")
	if auto.Code() == "" || strings.HasPrefix(auto.Code(), "SES-") {
		t.Fatalf("autologin without cookies must fail with a non-SES error: %s", auto.Body)
	}

	pre := MustOK(t, c.Get("apps/manifests", "action", "config"))
	cfg, _ := pre.Data().(map[string]any)
	if cfg == nil {
		t.Fatalf("pre-login config has no data object: %s", pre.Body)
	}
	if langs, ok := cfg["languages"].([]any); !ok || len(langs) == 0 {
		t.Fatalf("serverConfig.languages must be a non-empty array of pairs: %s", pre.Body)
	}

	login := c.PostForm("login", url.Values{"action": {"login"}, "name": {"anna"}, "password": {"anna-pw"},
		"language": {"en_US"}, "client": {"open-xchange-appsuite"}, "version": {"7.8.2"}, "timeout": {"10000"},
		"rampup": {"true"}, "rampupFor": {"open-xchange-appsuite"}})
	if login.Obj["session"] == nil {
		t.Fatalf("login: %s", login.Body)
	}
	if login.Obj["user"] != "anna" {
		t.Fatalf("login answer must echo the login name: %s", login.Body)
	}
	c.Session = login.Obj["session"].(string)
	c.UserID = int64(login.Obj["user_id"].(float64))
	MustOK(t, c.PostForm("login", url.Values{"action": {"store"}, "session": {c.Session}}))

	user := MustOK(t, c.Get("apps/manifests", "action", "config"))
	ucfg, _ := user.Data().(map[string]any)
	if ucfg == nil || ucfg["manifests"] == nil || ucfg["capabilities"] == nil {
		t.Fatalf("per-user serverConfig lacks manifests or capabilities: %s", user.Body)
	}

	var coreTree map[string]any
	for _, id := range []string{"io.ox/core", "io.ox/core/updates", "io.ox/mail", "io.ox/contacts", "io.ox/calendar", "io.ox/tasks", "io.ox/files"} {
		r := MustOK(t, c.Put("jslob", []string{id}, "action", "list"))
		arr, _ := r.Data().([]any)
		if len(arr) != 1 {
			t.Fatalf("jslob list %s: want one element: %s", id, r.Body)
		}
		obj := arr[0].(map[string]any)
		if obj["id"] != id || obj["tree"] == nil {
			t.Fatalf("jslob list %s: %s", id, r.Body)
		}
		if id == "io.ox/core" {
			coreTree = obj["tree"].(map[string]any)
		}
	}
	folderCfg, _ := coreTree["folder"].(map[string]any)
	if folderCfg == nil || folderCfg["contacts"] == nil {
		t.Fatalf("io.ox/core has no folder/contacts: %v", coreTree)
	}

	multi := c.Put("multiple", []map[string]any{
		{"module": "config/folder/contacts"},
		{"module": "capabilities", "action": "all"},
		{"module": "user", "action": "get", "id": c.UserID},
		{"module": "user/me"},
		{"module": "config", "action": "get_property", "name": "com.openexchange.nothing.such"},
	})
	if len(multi.Arr) != 5 {
		t.Fatalf("multiple: want 5 answers: %s", multi.Body)
	}
	for i, el := range multi.Arr[:4] {
		env := el.(map[string]any)
		if env["error"] != nil {
			t.Fatalf("multiple item %d failed: %v", i, env)
		}
	}
	contactsFolder := multi.Arr[0].(map[string]any)["data"]
	if toString(contactsFolder) != toString(folderCfg["contacts"]) {
		t.Fatalf("config/folder/contacts %v != jslob folder/contacts %v", contactsFolder, folderCfg["contacts"])
	}

	allCols := "1,2,3,4,5,6,20,23,300,301,302,304,305,306,307,308,309,310,311,312,313,314,315,316,317,3010,3020,3030,3050"
	for _, module := range []string{"contacts", "calendar", "tasks"} {
		r := MustOK(t, c.Get("folders", "action", "allVisible", "altNames", "true", "content_type", module,
			"timezone", "UTC", "tree", "1", "columns", allCols))
		data := r.Data().(map[string]any)
		priv, _ := data["private"].([]any)
		if len(priv) == 0 {
			t.Fatalf("allVisible %s: no private folder: %s", module, r.Body)
		}
		row := priv[0].([]any)
		if len(row) != len(strings.Split(allCols, ",")) {
			t.Fatalf("allVisible %s: row has %d values for %d columns", module, len(row), len(strings.Split(allCols, ",")))
		}
	}
	list := MustOK(t, c.Get("folders", "action", "list", "all", "0", "altNames", "true", "parent", "1",
		"timezone", "UTC", "tree", "1", "columns", allCols))
	if rows, _ := list.Data().([]any); len(rows) < 3 {
		t.Fatalf("private folder list has fewer than the three default folders: %s", list.Body)
	}

	// A new page load: autologin now restores the session from the cookies.
	again := c.Get("login", "action", "autologin", "client", "open-xchange-appsuite", "rampup", "true",
		"rampupFor", "open-xchange-appsuite", "version", "7.8.2")
	if again.Obj["session"] != c.Session {
		t.Fatalf("autologin after store did not restore the session: %s", again.Body)
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconvF(x)
	}
	return ""
}
