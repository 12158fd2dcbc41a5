package api

import "testing"

func TestUserMe(t *testing.T) {
	s := StartServer(t)
	uid := s.AddUser("alice", "pw-alice", "--display-name", "Alice Wonder")
	admin := s.Login("admin", s.AdminPW)
	am := dataObj(t, admin.Get("user/me"))
	if am["user_id"] != float64(admin.UserID) || am["context_admin"] != float64(admin.UserID) || am["login_name"] != "admin" {
		t.Fatalf("admin's user/me: %v", am)
	}

	c := s.Login("alice", "pw-alice")
	me := dataObj(t, c.Get("user/me"))
	if me["user_id"] != float64(uid) || me["login_name"] != "alice" || me["display_name"] != "Alice Wonder" {
		t.Fatalf("user/me: %v", me)
	}
	if me["context_id"] != am["context_id"] || me["context_admin"] != float64(admin.UserID) {
		t.Fatalf("user/me context fields: %v (admin %v)", me, am)
	}
	MustCode(t, c.Get("user/me/more"), "SVL-0007")
	MustCode(t, s.NewClient().Get("user/me"), "SES-0201")
}
