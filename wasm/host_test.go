package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"oxlite/core/app"
	"oxlite/core/provision"
	"oxlite/storage"
	"oxlite/wasm/idbvfs"
)

// The host natively: an in-process oxlite server (the same core the
// binary serves) behind a transport that can "go offline", a host over a
// fake IndexedDB, and a page that sends its requests through the host
// without cookies, as pages of a worker's origin do.

type testServer struct {
	*httptest.Server
	db   *storage.DB
	prov *provision.Service
	cid  int64
}

var srvSeq atomic.Int64

func startServer(t *testing.T) *testServer {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, storage.Options{DSN: storage.MemoryDSN(fmt.Sprintf("hostsrv%d", srvSeq.Add(1)))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	prov := &provision.Service{DB: db}
	if _, _, err := prov.EnsureDefault(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := db.ContextByName(ctx, provision.DefaultContext)
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(db, app.Defaults(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	mux := http.NewServeMux()
	mux.Handle("/ajax/", http.StripPrefix("/ajax", a.Handler()))
	s := &testServer{Server: httptest.NewServer(mux), db: db, prov: prov, cid: c.ID}
	t.Cleanup(s.Close)
	return s
}

func (s *testServer) addUser(t *testing.T, login, pw string) {
	t.Helper()
	if _, err := s.prov.AddUser(context.Background(), s.cid, provision.NewUser{Login: login, Password: pw, FirstName: login,
		LastName: "Test", TimeZone: "UTC", Locale: "en_US"}); err != nil {
		t.Fatal(err)
	}
}

// switchable is the network: off refuses every request.
type switchable struct {
	base http.RoundTripper
	off  atomic.Bool
	// refuse, when set, refuses the requests it matches.
	refuse atomic.Pointer[func(*http.Request) bool]
}

var errRefused = errors.New("connection refused (test offline)")

func (s *switchable) RoundTrip(r *http.Request) (*http.Response, error) {
	if f := s.refuse.Load(); s.off.Load() || f != nil && (*f)(r) {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, errRefused
	}
	return s.base.RoundTrip(r)
}

// env is a server, the network, the worker's store and its host.
type env struct {
	t      *testing.T
	srv    *testServer
	net    *switchable
	client *http.Client
	store  *testStore
	host   *Host
	msgs   chan []byte
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, srv: startServer(t), net: &switchable{base: http.DefaultTransport}, msgs: make(chan []byte, 100)}
	jar, _ := cookiejar.New(nil)
	e.client = &http.Client{Transport: e.net, Jar: jar, Timeout: 20 * time.Second}
	e.store = newTestStore(t)
	e.host = newTestHost(t, e.store, e.srv.URL, e.client, func(b []byte) {
		select {
		case e.msgs <- b:
		default:
		}
	})
	return e
}

// restart is a worker stop and start: a new host restored from the store.
func (e *env) restart() {
	e.host.Close()
	e.host = newTestHost(e.t, e.store, e.srv.URL, e.client, nil)
}

type pageResult struct {
	status int
	body   []byte
	obj    map[string]any
	arr    []any
}

func (r *pageResult) code() string {
	s, _ := r.obj["code"].(string)
	return s
}

func (r *pageResult) data() any { return r.obj["data"] }

// page sends requests through the host as the worker's pages do.
type page struct {
	e       *env
	session string
}

func (e *env) page() *page { return &page{e: e} }

func (p *page) do(method, module string, params url.Values, body string, contentType string) *pageResult {
	p.e.t.Helper()
	if params == nil {
		params = url.Values{}
	}
	if p.session != "" && params.Get("session") == "" && module != "login" {
		params.Set("session", p.session)
	}
	var rd io.Reader = http.NoBody
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, p.e.srv.URL+"/ajax/"+module+"?"+params.Encode(), rd)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	r.RemoteAddr = localAddr
	w := httptest.NewRecorder()
	p.e.host.ServeHTTP(w, r)
	res := &pageResult{status: w.Code, body: w.Body.Bytes()}
	trimmed := bytes.TrimSpace(res.body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		_ = json.Unmarshal(trimmed, &res.obj)
	} else if len(trimmed) > 0 && trimmed[0] == '[' {
		_ = json.Unmarshal(trimmed, &res.arr)
	}
	return res
}

func kv(pairs ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Set(pairs[i], pairs[i+1])
	}
	return v
}

func (p *page) get(module string, pairs ...string) *pageResult {
	p.e.t.Helper()
	return p.do(http.MethodGet, module, kv(pairs...), "", "")
}

func (p *page) put(module, body string, pairs ...string) *pageResult {
	p.e.t.Helper()
	return p.do(http.MethodPut, module, kv(pairs...), body, "text/javascript; charset=UTF-8")
}

func (p *page) login(name, pw string) *pageResult {
	p.e.t.Helper()
	form := url.Values{"action": {"login"}, "name": {name}, "password": {pw}, "client": {"open-xchange-appsuite"}}
	res := p.do(http.MethodPost, "login", kv("action", "login"), form.Encode(), "application/x-www-form-urlencoded")
	if s, ok := res.obj["session"].(string); ok {
		p.session = s
	}
	return res
}

func mustOK(t *testing.T, r *pageResult) *pageResult {
	t.Helper()
	if r.status != http.StatusOK || r.obj != nil && r.obj["error"] != nil {
		t.Fatalf("not OK: %d %s", r.status, r.body)
	}
	return r
}

func mustCode(t *testing.T, r *pageResult, code string) {
	t.Helper()
	if r.code() != code {
		t.Fatalf("want %s, got %d %s", code, r.status, r.body)
	}
}

func poll(t *testing.T, what string, f func() bool) {
	t.Helper()
	end := time.Now().Add(20 * time.Second)
	for !f() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *page) state() map[string]any {
	p.e.t.Helper()
	r := mustOK(p.e.t, p.get("oxlite/sync", "action", "state"))
	m, _ := r.data().(map[string]any)
	return m
}

func (p *page) waitSynced() {
	p.e.t.Helper()
	poll(p.e.t, "first sync", func() bool {
		s := p.state()
		return s["last_sync"].(float64) > 0 && s["pending"].(float64) == 0 && s["syncing"] == false
	})
}

// server is another session at the server, for checks.
type server struct {
	t       *testing.T
	base    string
	client  *http.Client
	session string
}

func (e *env) serverLogin(name, pw string) *server {
	jar, _ := cookiejar.New(nil)
	s := &server{t: e.t, base: e.srv.URL + "/ajax/", client: &http.Client{Jar: jar}}
	resp, err := s.client.PostForm(s.base+"login?action=login", url.Values{"name": {name}, "password": {pw}})
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	s.session, _ = m["session"].(string)
	if s.session == "" {
		e.t.Fatalf("server login: %v", m)
	}
	return s
}

func (s *server) do(method, module, body string, pairs ...string) map[string]any {
	s.t.Helper()
	q := kv(pairs...)
	q.Set("session", s.session)
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, s.base+module+"?"+q.Encode(), rd)
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	if m["error"] != nil {
		s.t.Fatalf("server %s: %v", module, m)
	}
	return m
}

func (s *server) defaultFolder(module string) string {
	m := s.do("GET", "folders", "", "action", "allVisible", "content_type", module, "tree", "1", "columns", "1")
	return m["data"].(map[string]any)["private"].([]any)[0].([]any)[0].(string)
}

func (s *server) lastNames(folder string) []string {
	m := s.do("GET", "contacts", "", "action", "all", "folder", folder, "columns", "1,502")
	var out []string
	for _, row := range m["data"].([]any) {
		if n, ok := row.([]any)[1].(string); ok {
			out = append(out, n)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func localNames(t *testing.T, p *page, folder string) []string {
	t.Helper()
	r := mustOK(t, p.get("contacts", "action", "all", "folder", folder, "columns", "1,502"))
	var out []string
	for _, row := range r.data().([]any) {
		if n, ok := row.([]any)[1].(string); ok {
			out = append(out, n)
		}
	}
	return out
}

// A login through the host attaches the store and fills it; then the
// local core answers offline, local writes wait in the outbox and reach
// the server on reconnect; other modules answer CONNECTIVITY offline.
func TestLoginSyncOfflineWritePush(t *testing.T) {
	e := newEnv(t)
	e.srv.addUser(t, "alice", "pw-alice")
	srv := e.serverLogin("alice", "pw-alice")
	cf := srv.defaultFolder("contacts")
	srv.do("PUT", "contacts", `{"folder_id":`+cf+`,"first_name":"Anna","last_name":"Before"}`, "action", "new")

	p := e.page()
	r := mustOK(t, p.login("alice", "pw-alice"))
	if r.obj["user_id"] == nil || p.session == "" {
		t.Fatalf("login answer %s", r.body)
	}
	p.waitSynced()

	e.net.off.Store(true)
	if names := localNames(t, p, cf); !contains(names, "Before") {
		t.Fatalf("local contacts %v", names)
	}
	mustCode(t, p.get("quota", "action", "filestore"), "OXL-0010")
	res := p.get("quota", "action", "filestore")
	if res.obj["categories"] != "CONNECTIVITY" || res.status != 200 {
		t.Errorf("offline answer %d %s", res.status, res.body)
	}
	mustOK(t, p.put("contacts", `{"folder_id":`+cf+`,"first_name":"Otto","last_name":"Offline"}`, "action", "new"))
	if n := p.state()["pending"].(float64); n != 1 {
		t.Fatalf("pending %v", n)
	}
	if contains(srv.lastNames(cf), "Offline") {
		t.Fatal("an offline write reached the server")
	}

	// Reconnect: the browser's online event syncs at once.
	e.net.off.Store(false)
	e.host.Event("online")
	poll(t, "the offline write on the server", func() bool { return contains(srv.lastNames(cf), "Offline") })
	poll(t, "nothing pending", func() bool { return p.state()["pending"].(float64) == 0 })
	// Non-local modules go to the server when it is reachable.
	mustOK(t, p.get("quota", "action", "filestore"))
}

// Writes while online are pushed by the debounced sync without being
// asked, and the pages are told about the state.
func TestWriteOnlineIsPushedAndNotified(t *testing.T) {
	e := newEnv(t)
	e.srv.addUser(t, "bob", "pw-bob")
	srv := e.serverLogin("bob", "pw-bob")
	cf := srv.defaultFolder("contacts")
	p := e.page()
	mustOK(t, p.login("bob", "pw-bob"))
	p.waitSynced()
	for len(e.msgs) > 0 {
		<-e.msgs
	}
	mustOK(t, p.put("contacts", `{"folder_id":`+cf+`,"last_name":"Debounced"}`, "action", "new"))
	poll(t, "pushed without asking", func() bool { return contains(srv.lastNames(cf), "Debounced") })
	sawPending := false
	poll(t, "a message with nothing pending", func() bool {
		select {
		case b := <-e.msgs:
			var m message
			if err := json.Unmarshal(b, &m); err != nil || m.Type != "oxlite-sync" || m.State == nil {
				t.Fatalf("message %s", b)
			}
			if m.State.Pending > 0 {
				sawPending = true
			}
			return m.State.Pending == 0 && m.State.LastSync > 0
		default:
			return false
		}
	})
	_ = sawPending
}

// A worker restart restores the store: the session, the data and the
// outbox survive; the push resumes.
func TestRestartRestoresStore(t *testing.T) {
	e := newEnv(t)
	e.srv.addUser(t, "cleo", "pw-cleo")
	srv := e.serverLogin("cleo", "pw-cleo")
	cf := srv.defaultFolder("contacts")
	p := e.page()
	mustOK(t, p.login("cleo", "pw-cleo"))
	p.waitSynced()
	e.net.off.Store(true)
	mustOK(t, p.put("contacts", `{"folder_id":`+cf+`,"last_name":"Survivor"}`, "action", "new"))

	e.restart()
	if names := localNames(t, p, cf); !contains(names, "Survivor") {
		t.Fatalf("after restart %v", names)
	}
	if n := p.state()["pending"].(float64); n != 1 {
		t.Fatalf("pending after restart %v", n)
	}
	// The restarted worker's first sync fails (offline); the retry after
	// the engine's backoff pushes, unasked.
	e.net.off.Store(false)
	poll(t, "pushed after restart", func() bool { return contains(srv.lastNames(cf), "Survivor") })
}

// Logout pushes first; with changes left it answers OXL-0011 listing
// them; force deletes the local store and ends the server session.
func TestLogoutWithUnsentChanges(t *testing.T) {
	e := newEnv(t)
	e.srv.addUser(t, "dora", "pw-dora")
	srv := e.serverLogin("dora", "pw-dora")
	cf := srv.defaultFolder("contacts")
	p := e.page()
	mustOK(t, p.login("dora", "pw-dora"))
	p.waitSynced()
	e.net.off.Store(true)
	mustOK(t, p.put("contacts", `{"folder_id":`+cf+`,"first_name":"Una","last_name":"Unsent"}`, "action", "new"))

	r := p.get("login", "action", "logout", "session", p.session)
	mustCode(t, r, "OXL-0011")
	list, _ := r.obj["data"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["title"] != "Una Unsent" || list[0].(map[string]any)["action"] != "new" {
		t.Fatalf("listed %s", r.body)
	}
	if !strings.Contains(r.obj["error"].(string), "Unsent") {
		t.Errorf("message %q", r.obj["error"])
	}
	// Still signed in locally.
	if names := localNames(t, p, cf); !contains(names, "Unsent") {
		t.Fatalf("local data gone after a refused logout: %v", names)
	}

	mustOK(t, p.get("login", "action", "logout", "session", p.session, "force", "true"))
	if e.store.wipes.Load() != 1 {
		t.Fatalf("store wiped %d times", e.store.wipes.Load())
	}
	// The store is empty: the session is unknown locally, and offline
	// the request cannot be answered.
	mustCode(t, p.get("contacts", "action", "all", "folder", cf, "columns", "1"), "OXL-0010")
	mustCode(t, p.get("login", "action", "autologin"), "OXL-0010")
	e.net.off.Store(false)
	if contains(srv.lastNames(cf), "Unsent") {
		t.Fatal("a discarded change reached the server")
	}
}

// Logout online with nothing left deletes the store and ends the session
// on the server.
func TestLogoutOnline(t *testing.T) {
	e := newEnv(t)
	e.srv.addUser(t, "emil", "pw-emil")
	p := e.page()
	mustOK(t, p.login("emil", "pw-emil"))
	p.waitSynced()
	r := p.get("login", "action", "logout", "session", p.session)
	if r.status != 200 || r.obj != nil && r.obj["error"] != nil {
		t.Fatalf("logout %d %s", r.status, r.body)
	}
	if e.store.wipes.Load() != 1 {
		t.Fatal("store not wiped")
	}
	// The server no longer knows the session (forwarded: unknown locally).
	r = p.get("folders", "action", "root")
	if !strings.HasPrefix(r.code(), "SES-") {
		t.Fatalf("after logout %s", r.body)
	}
}

// Offline, autologin answers the stored session only after `store` (stay
// signed in), as the server only does with its session cookie.
func TestAutologinOffline(t *testing.T) {
	e := newEnv(t)
	e.srv.addUser(t, "finn", "pw-finn")
	p := e.page()
	mustOK(t, p.login("finn", "pw-finn"))
	e.net.off.Store(true)
	mustCode(t, p.get("login", "action", "autologin", "client", "open-xchange-appsuite"), "OXL-0010")
	e.net.off.Store(false)
	mustOK(t, p.get("login", "action", "store", "session", p.session))
	e.net.off.Store(true)
	r := mustOK(t, p.get("login", "action", "autologin", "client", "open-xchange-appsuite"))
	if r.obj["session"] != p.session || r.obj["user"] != "finn" || r.obj["user_id"] == nil {
		t.Fatalf("offline autologin %s", r.body)
	}
	// Online, autologin is the server's; the session stays offered offline.
	e.net.off.Store(false)
	r = mustOK(t, p.get("login", "action", "autologin", "client", "open-xchange-appsuite"))
	if r.obj["session"] != p.session {
		t.Fatalf("online autologin %s", r.body)
	}
	e.net.off.Store(true)
	mustOK(t, p.get("login", "action", "autologin", "client", "open-xchange-appsuite"))
}

// A `multiple` of local and server modules is split into runs in order:
// offline the server's items answer OXL-0010 and the local ones succeed.
func TestMultipleSplit(t *testing.T) {
	e := newEnv(t)
	e.srv.addUser(t, "gina", "pw-gina")
	srv := e.serverLogin("gina", "pw-gina")
	cf := srv.defaultFolder("contacts")
	p := e.page()
	mustOK(t, p.login("gina", "pw-gina"))
	p.waitSynced()
	body := `[{"module":"folders","action":"get","id":"` + cf + `","tree":"1"},` +
		`{"module":"quota","action":"filestore"},` +
		`{"module":"contacts","action":"all","folder":"` + cf + `","columns":"1"},` +
		`{"module":"folders","action":"root","columns":"1"}]`
	for _, offline := range []bool{false, true} {
		e.net.off.Store(offline)
		r := p.put("multiple", body, "continue", "true")
		if len(r.arr) != 4 {
			t.Fatalf("offline=%v: %s", offline, r.body)
		}
		for i, item := range r.arr {
			m := item.(map[string]any)
			wantErr := offline && i == 1
			if (m["error"] != nil) != wantErr {
				t.Errorf("offline=%v item %d: %v", offline, i, m)
			}
			if wantErr && m["code"] != "OXL-0010" {
				t.Errorf("item %d code %v", i, m["code"])
			}
		}
	}
	// continue=false stops after the first failure.
	e.net.off.Store(true)
	r := p.put("multiple", body, "continue", "false")
	if len(r.arr) != 2 {
		t.Fatalf("continue=false: %s", r.body)
	}
}

// A session the worker did not see (logged in before it was installed)
// is answered by the server.
func TestUnknownSessionIsForwarded(t *testing.T) {
	e := newEnv(t)
	e.srv.addUser(t, "hugo", "pw-hugo")
	// Login straight at the server with the shared cookie jar, as a page
	// does before its worker controls it.
	resp, err := e.client.PostForm(e.srv.URL+"/ajax/login?action=login", url.Values{"name": {"hugo"}, "password": {"pw-hugo"}})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	p := e.page()
	p.session = m["session"].(string)
	mustOK(t, p.get("folders", "action", "root", "columns", "1"))
	// Even oxlite/sync goes to the server, which has no such module.
	mustCode(t, p.get("oxlite/sync", "action", "state"), "SVL-0007")
	e.net.off.Store(true)
	mustCode(t, p.get("folders", "action", "root", "columns", "1"), "OXL-0010")
}

// A commit the browser refuses for lack of space answers OXL-0013
// (CAPACITY) and records nothing; the next write works.
func TestStorageFull(t *testing.T) {
	e := newEnv(t)
	e.srv.addUser(t, "ines", "pw-ines")
	srv := e.serverLogin("ines", "pw-ines")
	cf := srv.defaultFolder("contacts")
	p := e.page()
	mustOK(t, p.login("ines", "pw-ines"))
	p.waitSynced()
	e.net.off.Store(true)
	quota := error(&idbvfs.QuotaError{Err: errors.New("QuotaExceededError")})
	e.store.backend.fail.Store(&quota)
	r := p.put("contacts", `{"folder_id":`+cf+`,"last_name":"TooMuch"}`, "action", "new")
	mustCode(t, r, "OXL-0013")
	if r.obj["categories"] != "CAPACITY" {
		t.Errorf("category %v", r.obj["categories"])
	}
	// Inside a multiple only the failed item says so.
	m := p.put("multiple", `[{"module":"contacts","action":"new","data":{"folder_id":`+cf+`,"last_name":"TooMuch"}},`+
		`{"module":"folders","action":"root","columns":"1"}]`)
	if len(m.arr) != 2 || m.arr[0].(map[string]any)["code"] != "OXL-0013" || m.arr[1].(map[string]any)["error"] != nil {
		t.Fatalf("multiple while full: %s", m.body)
	}
	e.store.backend.fail.Store(nil)
	if n := p.state()["pending"].(float64); n != 0 {
		t.Fatalf("a refused write was recorded: %v", n)
	}
	if contains(localNames(t, p, cf), "TooMuch") {
		t.Fatal("a refused write is visible")
	}
	mustOK(t, p.put("contacts", `{"folder_id":`+cf+`,"last_name":"Fits"}`, "action", "new"))
	e.restart()
	if names := localNames(t, p, cf); !contains(names, "Fits") || contains(names, "TooMuch") {
		t.Fatalf("restored %v", names)
	}
}

// Another user's login replaces a store without unsent changes and is
// refused (OXL-0014) while the store holds some.
func TestOtherUserLogin(t *testing.T) {
	e := newEnv(t)
	e.srv.addUser(t, "jan", "pw-jan")
	e.srv.addUser(t, "kim", "pw-kim")
	jan := e.serverLogin("jan", "pw-jan")
	cf := jan.defaultFolder("contacts")
	p := e.page()
	mustOK(t, p.login("jan", "pw-jan"))
	p.waitSynced()
	// jan's push cannot get through.
	refusePush := func(r *http.Request) bool { return strings.Contains(r.URL.RawQuery, "action=new") }
	e.net.refuse.Store(&refusePush)
	mustOK(t, p.put("contacts", `{"folder_id":`+cf+`,"last_name":"Jans"}`, "action", "new"))

	q := e.page()
	mustCode(t, q.login("kim", "pw-kim"), "OXL-0014")
	// jan's data is intact. kim's login replaced the browser's session
	// cookie (one per client and browser), so jan signs in again; that
	// resumes the push, and then kim may sign in and gets a fresh store.
	if names := localNames(t, p, cf); !contains(names, "Jans") {
		t.Fatalf("jan's local data %v", names)
	}
	e.net.refuse.Store(nil)
	mustOK(t, p.login("jan", "pw-jan"))
	poll(t, "jan's change pushed", func() bool { return contains(jan.lastNames(cf), "Jans") })
	poll(t, "jan's outbox empty", func() bool { return p.state()["pending"].(float64) == 0 })
	mustOK(t, q.login("kim", "pw-kim"))
	q.waitSynced()
	if e.store.wipes.Load() != 1 {
		t.Fatalf("wipes %d", e.store.wipes.Load())
	}
	if st := q.state(); st["attached"] != true {
		t.Fatalf("kim's state %v", st)
	}
	// jan's session is gone with jan's store: forwarded, and the server
	// refuses it (the cookie is kim's now).
	if r := p.get("contacts", "action", "all", "folder", cf, "columns", "1"); !strings.HasPrefix(r.code(), "SES-") {
		t.Fatalf("jan's session after kim's login: %s", r.body)
	}
}
