package api

import (
	"net/http"
	"testing"
)

func TestQuota(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw-alice")
	c := s.Login("alice", "pw-alice")

	for _, action := range []string{"filestore", "mail"} {
		q := dataObj(t, c.Get("quota", "action", action))
		if q["quota"] != float64(-1) || q["use"] != float64(0) {
			t.Fatalf("quota %s: %v", action, q)
		}
	}
	all := dataObj(t, c.Get("quota", "action", "get"))
	fs, _ := all["filestorage"].(map[string]any)
	if fs == nil || fs["display_name"] == nil {
		t.Fatalf("quota get: %v", all)
	}
	accounts := dataArr(t, c.Get("quota", "action", "get", "module", "filestorage"))
	if len(accounts) != 1 {
		t.Fatalf("filestorage accounts: %v", accounts)
	}
	acc := accounts[0].(map[string]any)
	if acc["account_id"] != "0" {
		t.Fatalf("account: %v", acc)
	}
	// Unlimited: quota and use are omitted (spec line 6790).
	if _, ok := acc["quota"]; ok {
		t.Fatalf("unlimited account carries quota: %v", acc)
	}
	if got := dataArr(t, c.Get("quota", "action", "get", "module", "filestorage", "account", "0")); len(got) != 1 {
		t.Fatalf("one account: %v", got)
	}
	MustCode(t, c.Get("quota", "action", "get", "module", "filestorage", "account", "7"), "QUOTA-0004")
	MustCode(t, c.Get("quota", "action", "get", "account", "0"), "SVL-0002")
	bad := MustCode(t, c.Get("quota", "action", "get", "module", "nosuch"), "SVL-0010")
	if bad.Status != http.StatusBadRequest {
		t.Fatalf("unknown quota module: HTTP %d, want 400", bad.Status)
	}
	MustCode(t, s.NewClient().Get("quota", "action", "filestore"), "SES-0201")
}
