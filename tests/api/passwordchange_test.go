package api

import (
	"net/url"
	"testing"
)

func TestPasswordChange(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "old-secret")
	c := s.Login("alice", "old-secret")

	MustCode(t, c.Put("passwordchange", map[string]any{"old_password": "wrong", "new_password": "new-secret"}, "action", "update"), "USR-0027")
	MustCode(t, c.Put("passwordchange", map[string]any{"old_password": "old-secret"}, "action", "update"), "USR-0029")
	MustCode(t, c.Put("passwordchange", map[string]any{"old_password": "old-secret", "new_password": ""}, "action", "update"), "USR-0029")
	MustCode(t, c.Put("passwordchange", map[string]any{"new_password": "new-secret"}, "action", "update"), "USR-0028")
	MustCode(t, c.Put("passwordchange", map[string]any{"old_password": 1, "new_password": "x"}, "action", "update"), "SVL-0009")
	MustCode(t, c.PutRaw("passwordchange", `{"old_password":`, "action", "update"), "SVL-0009")
	MustCode(t, c.PutRaw("passwordchange", ``, "action", "update"), "SVL-0009")
	MustCode(t, s.NewClient().Put("passwordchange", map[string]any{"old_password": "old-secret", "new_password": "x"}, "action", "update"), "SES-0201")
	// The refused attempts changed nothing.
	s.Login("alice", "old-secret")

	MustOK(t, c.Put("passwordchange", map[string]any{"old_password": "old-secret", "new_password": "new-secret"}, "action", "update"))
	MustCode(t, s.NewClient().PostForm("login", url.Values{"action": {"login"}, "name": {"alice"}, "password": {"old-secret"}}), "LGI-0006")
	s.Login("alice", "new-secret")
	// The session that changed the password stays valid.
	MustOK(t, c.Get("user/me"))
}
