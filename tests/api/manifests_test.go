package api

import (
	"strings"
	"testing"
)

func TestManifestsConfig(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw-alice")

	// Before login: no session, the login page's configuration.
	pre := dataObj(t, s.NewClient().Get("apps/manifests", "action", "config"))
	langs, _ := pre["languages"].([]any)
	hasEN := false
	for _, l := range langs {
		pair, ok := l.([]any)
		if !ok || len(pair) != 2 {
			t.Fatalf("language is not a [code,label] pair: %v", l)
		}
		if pair[0] == "en_US" {
			hasEN = true
		}
	}
	if !hasEN {
		t.Fatalf("languages lack en_US: %v", langs)
	}
	if pre["version"] != "7.8.2" || pre["forgotPassword"] != false || pre["pageTitle"] == "" || pre["productName"] == "" {
		t.Fatalf("pre-login config fields: %v", pre)
	}
	if _, ok := pre["staySignedIn"].(bool); !ok {
		t.Fatalf("staySignedIn: %v", pre["staySignedIn"])
	}
	preCaps, _ := pre["capabilities"].([]any)
	for _, x := range preCaps {
		if id := x.(map[string]any)["id"]; id != "autologin" {
			t.Fatalf("pre-login capability %v is not public", id)
		}
	}
	if len(preCaps) != 1 {
		t.Fatalf("pre-login capabilities: %v", preCaps)
	}
	if m, ok := pre["manifests"].([]any); !ok || len(m) != 0 {
		t.Fatalf("pre-login manifests must be an empty array: %v", pre["manifests"])
	}

	// With a session: the user's capabilities and app manifests.
	c := s.Login("alice", "pw-alice")
	cfg := dataObj(t, c.Get("apps/manifests", "action", "config"))
	caps := map[string]bool{}
	for _, x := range cfg["capabilities"].([]any) {
		caps[x.(map[string]any)["id"].(string)] = true
	}
	if !caps["edit_password"] {
		t.Fatalf("per-user capabilities: %v", caps)
	}
	apps := map[string]map[string]any{}
	for _, x := range cfg["manifests"].([]any) {
		m := x.(map[string]any)
		apps[m["path"].(string)] = m
		// Every delivered app's requirement holds.
		if req, _ := m["requires"].(string); req != "" {
			for _, r := range strings.Fields(req) {
				if strings.HasPrefix(r, "!") == caps[strings.TrimPrefix(r, "!")] {
					t.Fatalf("manifest %s requires %q, capabilities %v", m["path"], req, caps)
				}
			}
		}
	}
	if apps["io.ox/settings/main"] == nil || apps["io.ox/settings/main"]["title"] == nil {
		t.Fatalf("settings app missing: %v", apps)
	}
	if apps["io.ox/mail/main"] != nil {
		t.Fatal("mail app delivered without mail")
	}
	for path, capName := range map[string]string{"io.ox/contacts/main": "contacts", "io.ox/calendar/main": "calendar",
		"io.ox/tasks/main": "tasks", "io.ox/files/main": "infostore"} {
		if (apps[path] != nil) != caps[capName] {
			t.Fatalf("app %s delivered=%v but capability %s=%v", path, apps[path] != nil, capName, caps[capName])
		}
	}
	all := dataArr(t, c.Get("apps/manifests", "action", "all"))
	if jsonString(all) != jsonString(cfg["manifests"]) {
		t.Fatalf("all %v differs from config manifests %v", all, cfg["manifests"])
	}
	// A bad session is an error, not a silent anonymous answer.
	MustCode(t, c.Get("apps/manifests", "action", "config", "session", "0123456789abcdef0123456789abcdef"), "SES-0203")
	MustCode(t, c.Get("apps/manifests", "action", "nosuch"), "SVL-0021")
}
