package api

import "testing"

func TestCapabilities(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw-alice")
	c := s.Login("alice", "pw-alice")

	all := dataArr(t, c.Get("capabilities", "action", "all"))
	ids := map[string]bool{}
	for _, x := range all {
		capab := x.(map[string]any)
		if _, ok := capab["attributes"].(map[string]any); !ok {
			t.Fatalf("capability without attributes object: %v", capab)
		}
		ids[capab["id"].(string)] = true
	}
	if !ids["autologin"] || !ids["edit_password"] {
		t.Fatalf("capabilities lack autologin or edit_password: %v", ids)
	}
	// Nothing that is not implemented: no mail yet.
	if ids["webmail"] {
		t.Fatalf("webmail announced without mail: %v", ids)
	}
	got := dataObj(t, c.Get("capabilities", "action", "get", "id", "edit_password"))
	if got["id"] != "edit_password" {
		t.Fatalf("get edit_password: %v", got)
	}
	if got := dataObj(t, c.Get("capabilities", "action", "get", "id", "webmail")); len(got) != 0 {
		t.Fatalf("get of an unavailable capability must be empty: %v", got)
	}
	MustCode(t, c.Get("capabilities", "action", "get"), "SVL-0002")

	// Without a session only the public ones.
	anon := dataArr(t, s.NewClient().Get("capabilities", "action", "all"))
	if len(anon) != 1 || anon[0].(map[string]any)["id"] != "autologin" {
		t.Fatalf("anonymous capabilities: %v", anon)
	}
	MustCode(t, c.Get("capabilities", "action", "all", "session", "0123456789abcdef0123456789abcdef"), "SES-0203")

	s2 := StartServer(t, "--autologin=false")
	s2.AddUser("bob", "pw-bob")
	if ids := capIDs(t, s2.Login("bob", "pw-bob")); ids["autologin"] {
		t.Fatalf("autologin announced while disabled: %v", ids)
	}
}
