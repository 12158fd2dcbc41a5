// Package harness builds the real server binary once per test package,
// starts it on a free port with a fresh data directory, provisions users
// through its admin CLI and drives the API over HTTP with a cookie jar per
// client. tests/api and tests/sync share it.
package harness

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Bin is the server binary built once for the whole test package.
var Bin string

// Main builds the binary, runs the tests and removes the binary; a test
// package's TestMain calls os.Exit(harness.Main(m)).
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "oxlite-test-bin")
	if err != nil {
		panic(err)
	}
	Bin = filepath.Join(dir, "server")
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	build := exec.Command("go", "build", "-o", Bin, "./server")
	build.Dir = root
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building server:", err)
		return 1
	}
	code := m.Run()
	os.RemoveAll(dir)
	return code
}

// Server is a running server binary with its own data directory.
type Server struct {
	T       *testing.T
	URL     string // http://127.0.0.1:port
	Data    string
	AdminPW string
	Cmd     *exec.Cmd
	stderr  *lockedWriter
	fresh   bool
	Exited  chan struct{}
	Env     []string
}

// StartServer starts the real binary on a free port with a fresh data
// directory; extra flags are passed to serve.
func StartServer(t *testing.T, flags ...string) *Server {
	t.Helper()
	s := NewServer(t)
	s.Start(flags...)
	return s
}

// NewServer prepares a server with a fresh data directory; set Env before
// Start to pass environment variables.
func NewServer(t *testing.T) *Server {
	return &Server{T: t, Data: t.TempDir(), fresh: true}
}

// Start starts the binary with extra serve flags and waits until it listens.
func (s *Server) Start(flags ...string) {
	t := s.T
	t.Helper()
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data", s.Data}, flags...)
	cmd := exec.Command(Bin, args...)
	cmd.Env = append(os.Environ(), s.Env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.stderr = &lockedWriter{w: &bytes.Buffer{}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.Cmd = cmd
	s.Exited = make(chan struct{})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "listening on ") {
				lines <- strings.TrimPrefix(l, "listening on ")
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(s.Exited) }()
	select {
	case u := <-lines:
		s.URL = u
	case <-s.Exited:
		t.Fatalf("server exited: %s", s.Stderr())
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not start: %s", s.Stderr())
	}
	// The first start prints the admin's password on stderr before it
	// listens; the copy of stderr may lag behind stdout, so wait for it.
	for deadline := time.Now().Add(10 * time.Second); s.fresh && s.AdminPW == "" && time.Now().Before(deadline); {
		for _, l := range strings.Split(s.Stderr(), "\n") {
			const marker = "initial user: login=admin password="
			if i := strings.Index(l, marker); i >= 0 && strings.TrimSpace(l[i+len(marker):]) != "" {
				s.AdminPW = strings.TrimSpace(l[i+len(marker):])
			}
		}
		if s.AdminPW == "" {
			time.Sleep(10 * time.Millisecond)
		}
	}
	s.fresh = false
	t.Cleanup(s.Stop)
}

// Stop ends the server (SIGTERM, then kill).
func (s *Server) Stop() {
	if s.Cmd == nil || s.Cmd.Process == nil {
		return
	}
	select {
	case <-s.Exited:
		return
	default:
	}
	_ = s.Cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.Exited:
	case <-time.After(10 * time.Second):
		_ = s.Cmd.Process.Kill()
		<-s.Exited
	}
}

// Restart stops and starts the server on the same data directory.
func (s *Server) Restart(flags ...string) {
	s.Stop()
	s.Start(flags...)
}

// Stderr is what the server logged so far.
func (s *Server) Stderr() string { return s.stderr.String() }

// lockedWriter serialises the process's stderr copy with readers.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

// CLI runs an admin subcommand on the server's data directory.
func (s *Server) CLI(args ...string) (stdout, stderr string, code int) {
	s.T.Helper()
	args = append(args, "--data", s.Data)
	cmd := exec.Command(Bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.T.Fatal(err)
	}
	return o.String(), e.String(), code
}

// AddUser provisions a user through the CLI and returns its id.
func (s *Server) AddUser(login, password string, extra ...string) int64 {
	s.T.Helper()
	out, errOut, code := s.CLI(append([]string{"user", "add", "--login", login, "--password", password}, extra...)...)
	if code != 0 {
		s.T.Fatalf("user add %s: %s", login, errOut)
	}
	var id int64
	fmt.Sscanf(strings.TrimSpace(out), "%d", &id)
	return id
}

// Client is one browser: a cookie jar, a User-Agent and a session.
type Client struct {
	T       *testing.T
	Srv     *Server
	HTTP    *http.Client
	UA      string
	Session string
	UserID  int64
	Base    string // API root, /ajax by default
}

// NewClient returns a client with an empty cookie jar.
func (s *Server) NewClient() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{T: s.T, Srv: s, HTTP: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		UA: "oxlite-test/1.0", Base: "/ajax"}
}

// Login logs in with name and password and keeps the session.
func (s *Server) Login(name, password string) *Client {
	s.T.Helper()
	c := s.NewClient()
	res := c.PostForm("login", url.Values{"action": {"login"}, "name": {name}, "password": {password}})
	if res.Obj["session"] == nil {
		s.T.Fatalf("login %s failed: %s", name, res.Body)
	}
	c.Session = res.Obj["session"].(string)
	c.UserID = int64(res.Obj["user_id"].(float64))
	return c
}

// Result is a decoded answer.
type Result struct {
	Status int
	Header http.Header
	Body   []byte
	Obj    map[string]any // the JSON object, if the body is one
	Arr    []any          // the JSON array, if the body is one
}

// Data returns the envelope's data.
func (r *Result) Data() any { return r.Obj["data"] }

// Code returns the error code ("" on success).
func (r *Result) Code() string {
	c, _ := r.Obj["code"].(string)
	return c
}

// Do sends a request to module with params (session added) and an optional body.
func (c *Client) Do(method, module string, params url.Values, body any) *Result {
	c.T.Helper()
	if params == nil {
		params = url.Values{}
	}
	if c.Session != "" && params.Get("session") == "" && !params.Has("nosession") {
		params.Set("session", c.Session)
	}
	params.Del("nosession")
	u := c.Srv.URL + c.Base + "/" + module
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
		ct = "text/javascript; charset=UTF-8"
	case string:
		rd = strings.NewReader(b)
		ct = "text/javascript; charset=UTF-8"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.T.Fatal(err)
		}
		rd = bytes.NewReader(data)
		ct = "text/javascript; charset=UTF-8"
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		c.T.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	return c.send(req)
}

// PostForm sends a urlencoded POST (parameters in the body, as the UI does).
func (c *Client) PostForm(module string, form url.Values) *Result {
	c.T.Helper()
	req, err := http.NewRequest(http.MethodPost, c.Srv.URL+c.Base+"/"+module, strings.NewReader(form.Encode()))
	if err != nil {
		c.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.send(req)
}

// Raw sends a prepared request with the client's cookies and User-Agent.
func (c *Client) Raw(req *http.Request) *Result {
	c.T.Helper()
	return c.send(req)
}

func (c *Client) send(req *http.Request) *Result {
	c.T.Helper()
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.UA)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.T.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r := &Result{Status: resp.StatusCode, Header: resp.Header, Body: body}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 {
		switch trimmed[0] {
		case '{':
			_ = json.Unmarshal(trimmed, &r.Obj)
		case '[':
			_ = json.Unmarshal(trimmed, &r.Arr)
		}
	}
	return r
}

// Get is a GET with query parameters.
func (c *Client) Get(module string, kv ...string) *Result {
	c.T.Helper()
	return c.Do(http.MethodGet, module, KV(kv...), nil)
}

// Put is a PUT with query parameters and a JSON body.
func (c *Client) Put(module string, body any, kv ...string) *Result {
	c.T.Helper()
	return c.Do(http.MethodPut, module, KV(kv...), body)
}

// KV builds parameters from key, value pairs.
func KV(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// MustOK fails the test when the answer is an error.
func MustOK(t *testing.T, r *Result) *Result {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("HTTP %d: %s", r.Status, r.Body)
	}
	if r.Obj != nil && r.Obj["error"] != nil {
		t.Fatalf("error answer: %s", r.Body)
	}
	return r
}

// MustCode fails the test unless the answer is an error with code.
func MustCode(t *testing.T, r *Result, code string) *Result {
	t.Helper()
	if r.Code() != code {
		t.Fatalf("want error %s, got HTTP %d: %s", code, r.Status, r.Body)
	}
	for _, k := range []string{"error", "error_params", "error_id", "categories", "category"} {
		if _, ok := r.Obj[k]; !ok {
			t.Fatalf("error envelope lacks %q: %s", k, r.Body)
		}
	}
	return r
}

// PutRaw is a PUT with a raw (possibly malformed) body.
func (c *Client) PutRaw(module, body string, kv ...string) *Result {
	c.T.Helper()
	return c.Do(http.MethodPut, module, KV(kv...), []byte(body))
}
