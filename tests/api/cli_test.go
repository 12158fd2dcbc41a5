package api

import (
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"oxlite/tests/harness"
)

// TestAdminCLI drives every admin subcommand against a running server's
// data directory and checks their output contract.
func TestAdminCLI(t *testing.T) {
	s := StartServer(t)

	out, errOut, code := s.CLI("context", "add", "--name", "acme")
	if code != 0 || !strings.HasPrefix(errOut, "initial user: login=admin@acme password=") {
		t.Fatalf("context add: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	acmePW := strings.TrimSpace(strings.TrimPrefix(errOut, "initial user: login=admin@acme password="))
	s.Login("admin@acme", acmePW)
	if _, errOut, code := s.CLI("context", "add", "--name", "acme"); code != 1 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("duplicate context: exit %d, stderr %q (want exit 1 and one line)", code, errOut)
	}

	out, _, code = s.CLI("user", "add", "--login", "dora", "--password", "pw-1", "--display-name", "Dora Explorer",
		"--email", "dora@example.com", "--timezone", "Europe/Berlin", "--locale", "de_DE")
	if code != 0 || strings.TrimSpace(out) == "" {
		t.Fatalf("user add: exit %d %q", code, out)
	}
	id := strings.TrimSpace(out)
	out, _, code = s.CLI("user", "list")
	if code != 0 || !strings.Contains(out, "default\t"+id+"\tdora\tDora Explorer\tdora@example.com\n") {
		t.Fatalf("user list: exit %d\n%s", code, out)
	}
	out, _, _ = s.CLI("user", "add", "--login", "eve", "--password", "pw", "--context", "acme")
	if out, _, _ := s.CLI("user", "list", "--context", "acme"); !strings.Contains(out, "acme\t") || !strings.Contains(out, "\teve\t") {
		t.Fatalf("user list of acme:\n%s", out)
	}
	s.Login("eve@acme", "pw")

	dora := s.Login("dora", "pw-1")
	me := MustOK(t, dora.Get("user", "action", "get", "id", id)).Data().(map[string]any)
	if me["timezone"] != "Europe/Berlin" || me["locale"] != "de_DE" || me["email1"] != "dora@example.com" {
		t.Fatalf("provisioned user: %v", me)
	}
	if _, _, code := s.CLI("user", "passwd", "--login", "dora", "--password", "pw-2"); code != 0 {
		t.Fatal("user passwd failed")
	}
	MustCode(t, s.NewClient().PostForm("login", url.Values{"action": {"login"}, "name": {"dora"}, "password": {"pw-1"}}), "LGI-0006")
	s.Login("dora", "pw-2")

	if out, _, code := s.CLI("group", "add", "--name", "crew", "--members", "dora"); code != 0 || strings.TrimSpace(out) == "" {
		t.Fatalf("group add: %d %q", code, out)
	}
	if out, _, code := s.CLI("resource", "add", "--name", "room-1", "--email", "room-1@example.com"); code != 0 || strings.TrimSpace(out) == "" {
		t.Fatalf("resource add: %d %q", code, out)
	}
	res := MustOK(t, dora.Get("resource", "action", "all"))
	if ids, _ := res.Data().([]any); len(ids) != 1 {
		t.Fatalf("resource all after resource add: %s", res.Body)
	}

	for _, bad := range [][]string{
		{"user", "add", "--login", "x"},
		{"user", "add", "--login", "bad login", "--password", "p"},
		{"user", "add", "--login", "y", "--password", "p", "--timezone", "Mars/Base"},
		{"user", "add", "--login", "dora", "--password", "p"},
		{"user", "passwd", "--login", "nobody", "--password", "p"},
		{"user", "list", "--context", "nope"},
		{"group", "add", "--name", "g2", "--members", "nobody"},
	} {
		if _, errOut, code := s.CLI(bad...); code != 1 || !strings.HasPrefix(errOut, "error: ") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q (want exit 1 and one error line)", bad, code, errOut)
		}
	}
}

// TestServeSettingsAndShutdown checks the environment twins of the flags,
// that a restart does not print a new initial user, and a graceful stop.
func TestServeSettingsAndShutdown(t *testing.T) {
	s := harness.NewServer(t)
	s.Env = []string{"OXLITE_SESSION_LIFETIME=1s"}
	s.Start()
	if s.AdminPW == "" {
		t.Fatal("no initial user line")
	}
	s.AddUser("finn", "pw")
	c := s.Login("finn", "pw")
	time.Sleep(2500 * time.Millisecond)
	MustCode(t, c.Get("user/me"), "SES-0203")

	s.Env = nil
	s.Restart()
	if strings.Count(s.Stderr(), "initial user:") != 0 {
		t.Fatalf("restart printed a new initial user: %s", s.Stderr())
	}
	if err := s.Cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Exited:
	case <-time.After(15 * time.Second):
		t.Fatal("server did not stop on SIGINT")
	}
	if code := s.Cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("graceful stop exit code %d", code)
	}
	if out, err := exec.Command(harness.Bin, "serve", "--listen", "127.0.0.1:0", "--data", s.Data, "--max-body", "x").CombinedOutput(); err == nil ||
		!strings.Contains(string(out), "error:") {
		t.Fatalf("bad flag value: %v %s", err, out)
	}
}
