package api

import "testing"

func TestAccountWithoutMail(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw-alice")
	c := s.Login("alice", "pw-alice")

	if got := dataArr(t, c.Get("account", "action", "all", "columns", "1001,1002,1003,1004")); len(got) != 0 {
		t.Fatalf("accounts without mail: %v", got)
	}
	if got := dataArr(t, c.Get("account", "action", "all")); len(got) != 0 {
		t.Fatalf("accounts without columns: %v", got)
	}
	MustCode(t, c.Get("account", "action", "all", "columns", "1001,x"), "SVL-0010")
	MustCode(t, c.Get("account", "action", "get", "id", "0"), "ACC-0002")
	MustCode(t, c.Get("account", "action", "get"), "SVL-0002")
	MustCode(t, c.Get("account", "action", "get", "id", "zero"), "SVL-0010")
	MustCode(t, s.NewClient().Get("account", "action", "all"), "SES-0201")
}
