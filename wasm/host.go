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
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"oxlite/core/app"
	"oxlite/core/oxlitesync"
	"oxlite/core/protocol"
	"oxlite/storage"
	"oxlite/syncer"
)

// The worker host (docs/offline.md §6): requests of the local modules are
// answered by the local core over the worker's store, everything else is
// forwarded to the server, logins are forwarded and establish the local
// session, and a scheduler keeps the store in sync. This file is
// platform-neutral: natively the tests run it against an in-process
// server; main_js.go wires it to IndexedDB, fetch and the worker's pages.

// localModules are the modules the local core answers (docs/offline.md
// §6); a module the local core does not register is forwarded anyway.
// freebusy stays with the server: it reads other users' calendars, which
// the local store does not hold.
var localModules = map[string]bool{
	"folders": true, "contacts": true, "tasks": true, "calendar": true, "attachment": true, "reminder": true,
	"config": true, "jslob": true, "user": true, "user/me": true, "group": true, "resource": true,
	"capabilities": true, "multiple": true, "image/contact/picture": true, "image/user/picture": true,
	"halo/contact/picture": true, oxlitesync.Name: true,
}

// HostConfig connects a Host to its platform.
type HostConfig struct {
	// Origin is the server's origin, which is the worker's own
	// ("https://mail.example.org"); forwarded requests and the sync go
	// there and nowhere else.
	Origin string
	// Client sends them (fetch in the browser, which carries the
	// origin's cookies; an http.Client with a cookie jar natively).
	Client Doer
	// Open opens the local store as persisted (empty after Wipe).
	Open func(ctx context.Context) (*storage.DB, error)
	// Wipe deletes the persisted store; the store is closed meanwhile.
	Wipe func(ctx context.Context) error
	// Notify posts a JSON message to the worker's pages (nil: none).
	Notify func(msg []byte)
	// Yield is called between chunks of bulk sync work so the worker's
	// event loop runs (fetch events interleave).
	Yield func()
	// QuotaFailures counts commits the browser refused for lack of space
	// (nil: never).
	QuotaFailures func() uint64
	// SyncEvery is the sync period (default 60 s); Debounce the wait after
	// a local write (default 1 s).
	SyncEvery, Debounce time.Duration
	// BootSync is when the first sync after a start runs (default 2 s).
	BootSync time.Duration
	Log      *slog.Logger
}

// Doer sends HTTP requests; *http.Client is one. The worker uses its own
// fetch client (fetch_js.go): http.Client would link net/http's TLS
// client into the wasm.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// noClient is the Doer of a host without network.
type noClient struct{}

var errNoClient = errors.New("no network client")

func (noClient) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return nil, errNoClient
}

// Host answers the worker's /ajax requests.
type Host struct {
	cfg HostConfig
	log *slog.Logger

	mu sync.Mutex
	st *stack
	// resetting is closed when a reset (or the first open) has finished.
	resetting chan struct{}
	// closed is set when the store was given up (another worker version
	// took the lock); requests are then only forwarded.
	closed bool

	sched scheduler
}

// stack is one open local store with the core and the sync over it.
type stack struct {
	db    *storage.DB
	app   *app.App
	eng   *syncer.Engine
	rec   *syncer.Recorder
	api   http.Handler
	known sync.Map // session ids found in the local store
	// synced is set once a sync completed (the store holds the user's
	// data): until then local modules are answered by the server.
	synced atomic.Bool
	ctx    context.Context
	cancel context.CancelFunc
	// users counts requests and syncs using the stack.
	users sync.WaitGroup
	// registered are the local core's module names.
	registered map[string]bool
}

// NewHost returns a host; Start opens the store.
func NewHost(cfg HostConfig) *Host {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Client == nil {
		cfg.Client = noClient{}
	}
	if cfg.Yield == nil {
		cfg.Yield = func() {}
	}
	if cfg.SyncEvery <= 0 {
		cfg.SyncEvery = time.Minute
	}
	if cfg.Debounce <= 0 {
		cfg.Debounce = time.Second
	}
	if cfg.BootSync <= 0 {
		cfg.BootSync = 2 * time.Second
	}
	cfg.Origin = strings.TrimRight(cfg.Origin, "/")
	h := &Host{cfg: cfg, log: cfg.Log, resetting: make(chan struct{})}
	h.sched.init(h)
	return h
}

// Start opens the store and starts the scheduler; a store attached before
// (a worker restart) syncs BootSync later.
func (h *Host) Start(ctx context.Context) error {
	st, err := h.openStack(ctx)
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.st = st
	close(h.resetting)
	h.mu.Unlock()
	// A restarted worker syncs soon, but after the page's first requests:
	// they wait for nothing but the restore.
	h.sched.run()
	return nil
}

// Close gives the store up: pending work is dropped (it is persisted) and
// requests are forwarded from now on.
func (h *Host) Close() {
	h.mu.Lock()
	st := h.st
	h.st, h.closed = nil, true
	h.mu.Unlock()
	h.sched.stop()
	if st != nil {
		st.cancel()
		waitTimeout(&st.users, 10*time.Second)
		st.db.Close()
	}
}

func (h *Host) openStack(ctx context.Context) (*stack, error) {
	db, err := h.cfg.Open(ctx)
	if err != nil {
		return nil, fmt.Errorf("opening the local store: %w", err)
	}
	cfg := app.Defaults()
	// Requests reaching the worker carry no cookies (DESIGN.md §4).
	cfg.TrustLocal = true
	// The local session outlives an idle hour: offline work goes on, and
	// the server's verdict on the session arrives with the next sync
	// (relogin) rather than as a lost local session.
	cfg.SessionLifetime = cfg.StoredSessionLifetime
	a := app.New(db, cfg, h.log)
	remote := syncer.NewRemote(h.cfg.Origin + "/ajax")
	// The same client as the forwarded requests: one cookie jar natively,
	// the browser's in the worker (whose User-Agent the session cookie
	// names are hashed from, so the sync sends none of its own).
	remote.HTTP, remote.UserAgent = remoteClient(h.cfg.Client), ""
	eng, err := syncer.New(ctx, syncer.Config{DB: db, Remote: remote, Log: h.log, Yield: h.cfg.Yield})
	if err != nil {
		db.Close()
		return nil, err
	}
	st := &stack{db: db, app: a, eng: eng, api: mount(a.Handler()), registered: map[string]bool{}}
	// A sync asked for through oxlite/sync `now` counts for the schedule,
	// once the initial sync is done (until then the scheduler's retry is
	// what brings the principals, which `now` does not pull).
	eng.OnDone(func(err error) {
		if err == nil && st.synced.Load() {
			h.sched.s.Synced()
		}
	})
	st.rec = syncer.NewRecorder(eng, a.Mux)
	st.rec.OnWrite = h.sched.written
	(&oxlitesync.Module{Sync: eng}).Register(a.Mux)
	for _, m := range a.Mux.Modules() {
		st.registered[m] = true
	}
	st.synced.Store(eng.State(ctx).LastSync > 0)
	st.ctx, st.cancel = context.WithCancel(context.Background())
	return st, nil
}

// acquire returns the current stack (nil when the store was given up),
// waiting for a reset in progress; release it with st.users.Done().
func (h *Host) acquire(ctx context.Context) *stack {
	for {
		h.mu.Lock()
		st, wait, closed := h.st, h.resetting, h.closed
		if st != nil {
			st.users.Add(1)
		}
		h.mu.Unlock()
		if st != nil || closed {
			return st
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return nil
		}
	}
}

// reset closes the store, deletes it and opens an empty one (logout with
// force, a login of another user). The caller holds no stack.
func (h *Host) reset(ctx context.Context) error {
	h.mu.Lock()
	old := h.st
	if old == nil {
		h.mu.Unlock()
		return errors.New("the local store is not open")
	}
	h.st = nil
	h.resetting = make(chan struct{})
	done := h.resetting
	h.mu.Unlock()
	defer close(done)

	old.cancel()
	// Requests still running on the old store finish (or fail) first.
	waitTimeout(&old.users, 10*time.Second)
	old.db.Close()
	werr := h.cfg.Wipe(ctx)
	st, err := h.openStack(ctx)
	if err != nil {
		h.mu.Lock()
		h.closed = true
		h.mu.Unlock()
		return errors.Join(werr, err)
	}
	h.mu.Lock()
	if h.closed {
		// The store was given up meanwhile (another worker version).
		h.mu.Unlock()
		st.cancel()
		st.db.Close()
		return werr
	}
	h.st = st
	h.mu.Unlock()
	h.sched.notify()
	return werr
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// apiPrefixes are the mount points of the facade.
var apiPrefixes = []string{"/ajax/", "/appsuite/api/"}

func apiPath(p string) (string, bool) {
	for _, pre := range apiPrefixes {
		if rest, ok := strings.CutPrefix(p, pre); ok {
			return rest, true
		}
	}
	return "", false
}

// resolve is the module of a path below the mount point: the longest
// registered module name, as the facade routes ("config/modules/mail" is
// module config), else the path itself.
func (st *stack) resolve(path string) string {
	path = strings.Trim(path, "/")
	if i := strings.IndexByte(path, ';'); i >= 0 {
		path = path[:i]
	}
	segs := strings.Split(path, "/")
	for i := len(segs); i > 0; i-- {
		if cand := strings.Join(segs[:i], "/"); st.registered[cand] {
			return cand
		}
	}
	return path
}

func (st *stack) local(module string) bool { return localModules[module] && st.registered[module] }

// knows reports whether the local store holds session id.
func (st *stack) knows(ctx context.Context, id string) bool {
	if id == "" {
		return false
	}
	if _, ok := st.known.Load(id); ok {
		return true
	}
	s, err := st.app.Sessions.Get(ctx, id)
	if err != nil || s == nil {
		return false
	}
	st.known.Store(id, true)
	return true
}

func (st *stack) attached() bool { return st.eng.UserID() > 0 }

// request is one request the host answers.
type request struct {
	r      *http.Request
	body   []byte
	module string
	query  url.Values
}

// ServeHTTP answers one /ajax or /appsuite/api request.
func (h *Host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := apiPath(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, protocol.ErrBadRequest.New("unreadable body"))
		return
	}
	req := &request{r: r, body: body, query: r.URL.Query()}
	ctx := r.Context()
	st := h.acquire(ctx)
	if st == nil {
		h.forward(w, req)
		return
	}
	req.module = st.resolve(rest)
	switch {
	case req.module == "login":
		st.users.Done()
		h.login(w, req)
	case req.module == "multiple" && st.local("multiple"):
		defer st.users.Done()
		h.multiple(w, req, st)
	case st.local(req.module):
		defer st.users.Done()
		h.localOrForward(w, req, st)
	default:
		st.users.Done()
		h.forward(w, req)
	}
}

// where decides who answers a request of a local module: the local core
// once the store holds the session and a sync filled it; the server while
// it does not (a session established without the worker, the initial
// sync still running); state of the sync is always local.
type where int

const (
	atLocal where = iota
	atServer
	// atServerElseLocal: the server when reachable, else the local core.
	atServerElseLocal
	// atServerElseOffline: the server when reachable, else OXL-0010.
	atServerElseOffline
)

func (h *Host) route(req *request, st *stack) where {
	sid := req.query.Get("session")
	if sid != "" && !st.knows(req.r.Context(), sid) {
		return atServerElseOffline
	}
	if req.module == oxlitesync.Name || st.synced.Load() {
		return atLocal
	}
	return atServerElseLocal
}

func (h *Host) localOrForward(w http.ResponseWriter, req *request, st *stack) {
	switch h.route(req, st) {
	case atLocal:
		h.serveLocal(w, req, st)
		return
	case atServerElseLocal:
		res, err := h.send(req.r.Context(), req.r, req.body)
		if err == nil {
			res.write(w)
			return
		}
		h.serveLocal(w, req, st)
	default:
		h.forward(w, req)
	}
}

// serveLocal runs the request through the local core. A commit the
// browser refused for lack of space surfaces as an internal error there;
// it is answered as OXL-0013 (CAPACITY): the write rolled back.
func (h *Host) serveLocal(w http.ResponseWriter, req *request, st *stack) {
	res := h.runLocal(req.r, req.body, st)
	res.write(w)
}

func (h *Host) runLocal(r *http.Request, body []byte, st *stack) *answer {
	var before uint64
	if h.cfg.QuotaFailures != nil {
		before = h.cfg.QuotaFailures()
	}
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	res := serve(st.api, r2)
	a := &answer{Status: res.Status, Header: res.Header, Body: res.Body}
	if h.cfg.QuotaFailures != nil && h.cfg.QuotaFailures() > before && bytes.Contains(res.Body, internalCode) {
		return storageFull(a)
	}
	return a
}

var internalCode = []byte(`"code":"` + protocol.ErrInternal.Code + `"`)

// storageFull replaces the internal errors of an answer (an envelope, or
// the items of a multiple) by OXL-0013.
func storageFull(a *answer) *answer {
	full := errorAnswer(ErrStorageFull.New(), nil)
	var items []json.RawMessage
	if json.Unmarshal(bytes.TrimSpace(a.Body), &items) != nil {
		return full
	}
	for i, it := range items {
		if bytes.Contains(it, internalCode) {
			items[i] = full.Body
		}
	}
	a.Body, _ = json.Marshal(items)
	return a
}

// Errors of the host.
var (
	ErrOffline     = protocol.ErrOffline
	ErrUnsent      = protocol.ErrUnsentChanges
	ErrStorageFull = protocol.ErrLocalStorageFull
	ErrOtherUser   = protocol.ErrLocalStoreInUse
)

// answer is a complete response.
type answer struct {
	Status int
	Header [][2]string
	Body   []byte
}

func (a *answer) write(w http.ResponseWriter) {
	for _, kv := range a.Header {
		w.Header().Add(kv[0], kv[1])
	}
	w.WriteHeader(a.Status)
	_, _ = w.Write(a.Body)
}

// envelope decodes a JSON object answer (nil otherwise).
func (a *answer) envelope() map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(bytes.TrimSpace(a.Body), &m) != nil {
		return nil
	}
	return m
}

func (a *answer) failed() bool {
	env := a.envelope()
	if env == nil {
		return a.Status >= 400
	}
	raw, ok := env["error"]
	return ok && string(raw) != "null"
}

func errorAnswer(e *protocol.Error, data any) *answer {
	env := e.Envelope()
	if data != nil {
		env["data"] = data
	}
	b, _ := json.Marshal(env)
	status := e.Status
	if status == 0 {
		status = http.StatusOK
	}
	return &answer{Status: status, Header: [][2]string{{"Content-Type", "application/json; charset=UTF-8"}}, Body: b}
}

func writeError(w http.ResponseWriter, e *protocol.Error) { errorAnswer(e, nil).write(w) }

func offlineAnswer(err error) *answer {
	return errorAnswer(ErrOffline.New().WithCause(err), nil)
}

// forward answers a request by the server, or OXL-0010 when the server
// cannot be reached.
func (h *Host) forward(w http.ResponseWriter, req *request) {
	res, err := h.send(req.r.Context(), req.r, req.body)
	if err != nil {
		offlineAnswer(err).write(w)
		return
	}
	res.write(w)
}

// dropRequest are headers the host does not pass on: hop-by-hop ones,
// those the client transport sets itself, and cookies (natively the
// host's jar sends them, in the browser fetch does).
var dropRequest = map[string]bool{
	"Host": true, "Cookie": true, "Content-Length": true, "Connection": true, "Keep-Alive": true,
	"Transfer-Encoding": true, "Te": true, "Upgrade": true, "Accept-Encoding": true, "Proxy-Connection": true,
}

// dropResponse: the body arrives decoded and whole, and cookies were
// already stored by the client.
var dropResponse = map[string]bool{
	"Content-Encoding": true, "Content-Length": true, "Transfer-Encoding": true, "Connection": true,
	"Set-Cookie": true, "Keep-Alive": true,
}

// errUnreachable marks an answer of an intermediary that could not reach
// the server.
var errUnreachable = errors.New("the server is unreachable")

// send forwards r (with body) to the server. An error means the server
// could not be reached; any answer of the server is returned as it is.
func (h *Host) send(ctx context.Context, r *http.Request, body []byte) (*answer, error) {
	u := h.cfg.Origin + r.URL.RequestURI()
	var rd io.Reader
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	out, err := http.NewRequestWithContext(ctx, r.Method, u, rd)
	if err != nil {
		return nil, err
	}
	for k, vs := range r.Header {
		if dropRequest[http.CanonicalHeaderKey(k)] {
			continue
		}
		for _, v := range vs {
			out.Header.Add(k, v)
		}
	}
	resp, err := h.cfg.Client.Do(out)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	a := &answer{Status: resp.StatusCode, Body: data}
	for k, vs := range resp.Header {
		if dropResponse[http.CanonicalHeaderKey(k)] {
			continue
		}
		for _, v := range vs {
			a.Header = append(a.Header, [2]string{k, v})
		}
	}
	// A gateway's answer when the server is down is no answer of the
	// server (OX answers its errors as envelopes).
	if (resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout) && a.envelope() == nil {
		return nil, fmt.Errorf("%w: HTTP %d", errUnreachable, resp.StatusCode)
	}
	return a, nil
}

// --- multiple ---

// multiple splits a `multiple` of local and forwarded items into runs of
// consecutive items with the same destination, answered in order (later
// items may depend on earlier ones), and joins the answers.
func (h *Host) multiple(w http.ResponseWriter, req *request, st *stack) {
	var items []map[string]json.RawMessage
	if json.Unmarshal(bytes.TrimSpace(req.body), &items) != nil || items == nil {
		h.localOrForward(w, req, st)
		return
	}
	dest := h.route(req, st)
	isLocal := make([]bool, len(items))
	anyLocal, anyRemote := false, false
	for i, it := range items {
		var mod string
		_ = json.Unmarshal(it["module"], &mod)
		isLocal[i] = st.local(st.resolve(mod))
		if isLocal[i] {
			anyLocal = true
		} else {
			anyRemote = true
		}
	}
	switch {
	case dest == atServerElseOffline || !anyLocal:
		h.forward(w, req)
		return
	case dest == atServerElseLocal:
		// The server answers while the store is not filled; when it
		// cannot, the local items are answered here.
		if res, err := h.send(req.r.Context(), req.r, req.body); err == nil {
			res.write(w)
			return
		}
	case !anyRemote:
		h.serveLocal(w, req, st)
		return
	}
	stop := req.query.Get("continue") == "false" || req.query.Get("continue") == "0"
	out := make([]json.RawMessage, 0, len(items))
	for start := 0; start < len(items); {
		end := start + 1
		for end < len(items) && isLocal[end] == isLocal[start] {
			end++
		}
		run, failed := h.multipleRun(req, st, items[start:end], isLocal[start], stop)
		out = append(out, run...)
		if stop && failed {
			break
		}
		start = end
	}
	b, _ := json.Marshal(out)
	(&answer{Status: http.StatusOK, Header: [][2]string{{"Content-Type", "application/json; charset=UTF-8"}}, Body: b}).write(w)
}

// multipleRun answers items as one `multiple` locally or at the server;
// failed reports whether an item failed.
func (h *Host) multipleRun(req *request, st *stack, items []map[string]json.RawMessage, local bool, stop bool) ([]json.RawMessage, bool) {
	body, _ := json.Marshal(items)
	var res *answer
	if local {
		res = h.runLocal(req.r, body, st)
	} else {
		var err error
		res, err = h.send(req.r.Context(), req.r, body)
		if err != nil {
			res = offlineAnswer(err)
		}
	}
	var list []json.RawMessage
	if json.Unmarshal(bytes.TrimSpace(res.Body), &list) != nil {
		// One error for the whole run (a session error of the server):
		// every item of the run gets it.
		list = make([]json.RawMessage, len(items))
		for i := range list {
			list[i] = res.Body
		}
		return list, true
	}
	for i, raw := range list {
		var env map[string]json.RawMessage
		if json.Unmarshal(raw, &env) == nil {
			if e, ok := env["error"]; ok && string(e) != "null" {
				if stop {
					return list[:i+1], true
				}
			}
		}
	}
	return list, len(list) < len(items)
}

// --- login ---

// loginAnswer reads the login object of a login, autologin or token
// answer (bare, or the data of an envelope).
func loginAnswer(a *answer) (syncer.Account, bool) {
	env := a.envelope()
	if env == nil || a.failed() {
		return syncer.Account{}, false
	}
	if raw, ok := env["data"]; ok {
		var inner map[string]json.RawMessage
		if json.Unmarshal(raw, &inner) == nil && inner != nil {
			env = inner
		}
	}
	var acct syncer.Account
	_ = json.Unmarshal(env["session"], &acct.Session)
	_ = json.Unmarshal(env["user"], &acct.Login)
	_ = json.Unmarshal(env["user_id"], &acct.UserID)
	_ = json.Unmarshal(env["context_id"], &acct.ContextID)
	_ = json.Unmarshal(env["locale"], &acct.Locale)
	return acct, acct.Session != "" && acct.UserID > 0 && acct.ContextID > 0
}

func (h *Host) action(req *request) string {
	if a := req.query.Get("action"); a != "" {
		return a
	}
	if strings.HasPrefix(req.r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if form, err := url.ParseQuery(string(req.body)); err == nil {
			return form.Get("action")
		}
	}
	return ""
}

// login handles module login: everything goes to the server; a login
// establishes the local session, autologin answers from the local store
// when the server cannot be reached, logout first pushes the outbox.
func (h *Host) login(w http.ResponseWriter, req *request) {
	ctx := req.r.Context()
	action := h.action(req)
	if action == "logout" {
		h.logout(ctx, req).write(w)
		return
	}
	res, err := h.send(ctx, req.r, req.body)
	if err != nil {
		if action == "autologin" {
			h.offlineAutologin(ctx, err).write(w)
			return
		}
		offlineAnswer(err).write(w)
		return
	}
	switch action {
	case "login", "autologin", "tokens", "redeemToken", "tokenLogin":
		if acct, ok := loginAnswer(res); ok {
			// The server's autologin answers only a session that `store`
			// made persistent.
			if e := h.adopt(ctx, acct, action == "autologin"); e != nil {
				// The page must not use a session whose data the worker
				// cannot keep: end it on the server again.
				h.endServerSession(ctx, req.r, acct.Session)
				writeError(w, e)
				return
			}
		}
	case "store":
		if !res.failed() {
			h.markStored(ctx, req.query.Get("session"))
		}
	}
	res.write(w)
}

// adopt makes the logged-in user the local store's user (syncer Attach:
// context, user, system folders, the session under the server's id) and
// starts a sync. A store holding another user's data is replaced when it
// has no unsent changes; otherwise the login is refused (OXL-0014).
func (h *Host) adopt(ctx context.Context, acct syncer.Account, stored bool) *protocol.Error {
	for attempt := 0; ; attempt++ {
		st := h.acquire(ctx)
		if st == nil {
			return nil // forward-only: the page works against the server
		}
		err := st.eng.Attach(ctx, acct)
		if errors.Is(err, syncer.ErrOtherUser) && attempt == 0 {
			n, cerr := st.db.OutboxCount(ctx, st.eng.ContextID())
			st.users.Done()
			if cerr != nil {
				return protocol.Internal(cerr)
			}
			if n > 0 {
				return ErrOtherUser.New(n)
			}
			if err := h.reset(ctx); err != nil {
				h.log.Error("resetting the local store for another user", "err", err)
			}
			continue
		}
		if err != nil {
			st.users.Done()
			// The page still works against the server; it just has no
			// offline copy.
			h.log.Error("attaching the local store", "err", err)
			return nil
		}
		// Until `store` (stay signed in) the session is not offered to an
		// offline autologin, as the server offers it only with the
		// session cookie `store` sets.
		if s, err := st.app.Sessions.Get(ctx, acct.Session); err == nil && s != nil && s.Stored != stored {
			s.Stored = stored
			_ = st.app.Sessions.Update(ctx, s)
		}
		st.known.Store(acct.Session, true)
		st.users.Done()
		h.sched.kick()
		h.sched.notify()
		return nil
	}
}

func (h *Host) markStored(ctx context.Context, id string) {
	st := h.acquire(ctx)
	if st == nil {
		return
	}
	defer st.users.Done()
	if s, err := st.app.Sessions.Get(ctx, id); err == nil && s != nil && !s.Stored {
		s.Stored = true
		_ = st.app.Sessions.Update(ctx, s)
	}
}

func (h *Host) endServerSession(ctx context.Context, r *http.Request, id string) {
	u, _ := url.Parse("/ajax/login?action=logout&session=" + url.QueryEscape(id))
	out := &http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}}
	if ua := r.Header.Get("User-Agent"); ua != "" {
		out.Header.Set("User-Agent", ua)
	}
	_, _ = h.send(ctx, out.WithContext(ctx), nil)
}

// offlineAutologin answers autologin from the store while the server is
// unreachable: the newest session that `store` made persistent.
func (h *Host) offlineAutologin(ctx context.Context, cause error) *answer {
	st := h.acquire(ctx)
	if st == nil {
		return offlineAnswer(cause)
	}
	defer st.users.Done()
	if !st.attached() {
		return offlineAnswer(cause)
	}
	var id, login, locale string
	var cid, uid int64
	err := st.db.QueryRow(ctx, `SELECT id, login, locale, cid, user_id FROM sessions WHERE stored <> 0 AND cid = ? AND user_id = ?
		ORDER BY last_used DESC LIMIT 1`, st.eng.ContextID(), st.eng.UserID()).Scan(&id, &login, &locale, &cid, &uid)
	if err != nil {
		return offlineAnswer(cause)
	}
	s, err := st.app.Sessions.Get(ctx, id)
	if err != nil || s == nil {
		return offlineAnswer(cause)
	}
	if locale == "" {
		if u, err := st.db.UserByID(ctx, cid, uid); err == nil {
			locale = u.Locale
		}
	}
	b, _ := json.Marshal(map[string]any{"session": id, "user": login, "user_id": uid, "context_id": cid, "locale": locale})
	return &answer{Status: http.StatusOK, Header: [][2]string{{"Content-Type", "application/json; charset=UTF-8"}}, Body: b}
}

// pending is an outbox entry as OXL-0011 lists it.
type pending struct {
	Seq      int64  `json:"seq"`
	Module   string `json:"module"`
	Action   string `json:"action"`
	ObjectID int64  `json:"object_id,omitempty"`
	FolderID int64  `json:"folder_id,omitempty"`
	Title    string `json:"title,omitempty"`
	Created  int64  `json:"created"`
	Error    string `json:"last_error,omitempty"`
}

// maxListed bounds the entries OXL-0011 lists.
const maxListed = 50

// logout pushes the outbox, then ends the session on the server and
// deletes the local store. With unsent changes left it answers OXL-0011
// listing them, unless force=true.
func (h *Host) logout(ctx context.Context, req *request) *answer {
	force := req.query.Get("force") == "true" || req.query.Get("force") == "1"
	st := h.acquire(ctx)
	if st == nil {
		res, err := h.send(ctx, req.r, req.body)
		if err != nil {
			return offlineAnswer(err)
		}
		return res
	}
	if !st.attached() {
		st.users.Done()
		res, err := h.send(ctx, req.r, req.body)
		if err != nil {
			return offlineAnswer(err)
		}
		return res
	}
	if !force {
		if err := st.eng.Push(ctx); err != nil {
			h.log.Info("push before logout", "err", err)
		}
		list, n, err := h.pendingList(ctx, st)
		if err != nil {
			st.users.Done()
			return errorAnswer(protocol.Internal(err), nil)
		}
		if n > 0 {
			st.users.Done()
			h.sched.notify()
			return errorAnswer(ErrUnsent.New(n, describe(list, n)), list)
		}
	}
	st.users.Done()
	res, err := h.send(ctx, req.r, req.body)
	if rerr := h.reset(ctx); rerr != nil {
		h.log.Error("deleting the local store", "err", rerr)
	}
	if err != nil || res.Status >= 400 {
		// Signed out here; the server forgets the session when it expires.
		return &answer{Status: http.StatusOK}
	}
	return res
}

func describe(list []pending, n int64) string {
	parts := make([]string, 0, len(list))
	for _, p := range list {
		s := p.Action + " " + p.Module
		if p.Title != "" {
			s += " \"" + p.Title + "\""
		} else if p.ObjectID != 0 {
			s += " " + strconv.FormatInt(p.ObjectID, 10)
		}
		parts = append(parts, s)
	}
	if int64(len(list)) < n {
		parts = append(parts, fmt.Sprintf("and %d more", n-int64(len(list))))
	}
	return strings.Join(parts, ", ")
}

// pendingList lists the outbox with the titles of the objects still
// stored locally.
func (h *Host) pendingList(ctx context.Context, st *stack) ([]pending, int64, error) {
	cid := st.eng.ContextID()
	n, err := st.db.OutboxCount(ctx, cid)
	if err != nil || n == 0 {
		return nil, n, err
	}
	entries, err := st.db.Outbox(ctx, cid, 0, maxListed)
	if err != nil {
		return nil, 0, err
	}
	out := make([]pending, 0, len(entries))
	for _, e := range entries {
		p := pending{Seq: e.Seq, Module: e.Module, Action: e.Action, ObjectID: e.ObjectID, FolderID: e.FolderID,
			Created: e.Created, Error: e.LastError}
		p.Title = h.title(ctx, st, e.Module, e.ObjectID, e.FolderID)
		out = append(out, p)
	}
	return out, n, nil
}

// title names an object for a person: a contact's display name, a task's
// or folder's title.
func (h *Host) title(ctx context.Context, st *stack, module string, id, folder int64) string {
	if id == 0 {
		return ""
	}
	params := url.Values{"action": {"get"}, "id": {strconv.FormatInt(id, 10)}}
	switch module {
	case "contacts", "tasks":
		params.Set("folder", strconv.FormatInt(folder, 10))
	case "folders":
		params.Set("tree", "1")
	default:
		return ""
	}
	data, _, err := st.rec.Call(storage.WithoutHooks(ctx), module, params, nil)
	if err != nil {
		return ""
	}
	b, err := json.Marshal(data)
	if err != nil {
		return ""
	}
	var obj map[string]any
	if json.Unmarshal(b, &obj) != nil {
		return ""
	}
	for _, k := range []string{"display_name", "title"} {
		if s, ok := obj[k].(string); ok && s != "" {
			return s
		}
	}
	var parts []string
	for _, k := range []string{"first_name", "last_name"} {
		if s, ok := obj[k].(string); ok && s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}
