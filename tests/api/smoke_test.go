package api

import (
	"net/http"
	"net/url"
	"testing"
)

func TestLoginAndProtocolErrors(t *testing.T) {
	s := StartServer(t)
	if s.AdminPW == "" {
		t.Fatal("no initial user line on stderr")
	}
	s.AddUser("alice", "pw-alice", "--display-name", "Alice")
	c := s.Login("alice", "pw-alice")
	if len(c.Session) != 32 {
		t.Fatalf("session id %q is not 32 hex", c.Session)
	}
	bad := s.NewClient().PostForm("login", url.Values{"action": {"login"}, "name": {"alice"}, "password": {"nope"}})
	MustCode(t, bad, "LGI-0006")
	MustCode(t, c.Get("nosuchmodule"), "SVL-0007")
	MustCode(t, c.Get("login", "action", "nosuchaction"), "SVL-0021")
	r := c.Do(http.MethodPut, "multiple", nil, "{not json")
	if r.Status != http.StatusBadRequest {
		t.Fatalf("multiple with bad body: HTTP %d %s", r.Status, r.Body)
	}
}
