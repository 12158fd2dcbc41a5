package syncit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"oxlite/core/app"
	"oxlite/core/oxlitesync"
	"oxlite/storage"
	"oxlite/syncer"
)

var dbSeq atomic.Int64

// Local is the service worker's side, natively: a local core over a
// memory store with negative ids, wrapped by the recorder, and an engine
// pointed at the server.
type Local struct {
	t       *testing.T
	DB      *storage.DB
	App     *app.App
	Engine  *syncer.Engine
	Rec     *syncer.Recorder
	Remote  *syncer.Remote
	Session string
	UserID  int64
	Writes  atomic.Int64
}

// NewLocal logs in through the server as login and attaches a fresh local
// store; it does not sync.
func NewLocal(t *testing.T, s *Server, login, password string) *Local {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, storage.WorkerOptions(storage.MemoryDSN(fmt.Sprintf("synctest-%d-%s", dbSeq.Add(1), t.Name())), 0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg := app.Defaults()
	cfg.TrustLocal = true
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := app.New(db, cfg, log)
	remote := syncer.NewRemote(s.URL + "/ajax")
	res, err := remote.Login(ctx, login, password)
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	eng, err := syncer.New(ctx, syncer.Config{DB: db, Remote: remote, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	l := &Local{t: t, DB: db, App: a, Engine: eng, Remote: remote, Session: res.Session, UserID: res.UserID}
	l.Rec = syncer.NewRecorder(eng, a.Mux)
	l.Rec.OnWrite = func() { l.Writes.Add(1) }
	(&oxlitesync.Module{Sync: eng}).Register(a.Mux)
	if err := eng.Attach(ctx, syncer.Account{Session: res.Session, UserID: res.UserID, ContextID: res.ContextID,
		Login: login, Locale: res.Locale}); err != nil {
		t.Fatal(err)
	}
	return l
}

// Sync runs push and pull and fails the test on an error.
func (l *Local) Sync() {
	l.t.Helper()
	if err := l.Engine.SyncNow(context.Background()); err != nil {
		l.t.Fatalf("sync: %v", err)
	}
}

// Do sends a request to the local facade with the session, as a page of
// the worker's origin would (no cookies).
func (l *Local) Do(method, module string, params url.Values, body any) *Result {
	l.t.Helper()
	if params == nil {
		params = url.Values{}
	}
	if params.Get("session") == "" {
		params.Set("session", l.Session)
	}
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				l.t.Fatal(err)
			}
		}
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, "/"+module+"?"+params.Encode(), rd)
	if body != nil {
		req.Header.Set("Content-Type", "text/javascript; charset=UTF-8")
	}
	req.RemoteAddr = "127.0.0.1:0"
	rw := httptest.NewRecorder()
	l.App.Handler().ServeHTTP(rw, req)
	r := &Result{Status: rw.Code, Header: rw.Header(), Body: rw.Body.Bytes()}
	trimmed := bytes.TrimSpace(r.Body)
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

// Get is a local GET.
func (l *Local) Get(module string, kv ...string) *Result {
	l.t.Helper()
	return l.Do(http.MethodGet, module, kvs(kv...), nil)
}

// Put is a local PUT with a JSON body.
func (l *Local) Put(module string, body any, kv ...string) *Result {
	l.t.Helper()
	return l.Do(http.MethodPut, module, kvs(kv...), body)
}

// State is oxlite/sync?action=state.
func (l *Local) State() map[string]any {
	l.t.Helper()
	return MustOK(l.t, l.Get("oxlite/sync", "action", "state")).Data().(map[string]any)
}

// Conflicts is oxlite/sync?action=conflicts.
func (l *Local) Conflicts() []map[string]any {
	l.t.Helper()
	var out []map[string]any
	for _, c := range MustOK(l.t, l.Get("oxlite/sync", "action", "conflicts")).Data().([]any) {
		out = append(out, c.(map[string]any))
	}
	return out
}

// defaultFolder finds the default folder of module ("contacts", "tasks")
// through a client of either side.
type getter interface {
	Get(module string, kv ...string) *Result
}

func defaultFolder(t *testing.T, c getter, module string) int64 {
	t.Helper()
	res := MustOK(t, c.Get("folders", "action", "list", "parent", "1", "tree", "1", "columns", "1,301,308"))
	for _, r := range res.Data().([]any) {
		row := r.([]any)
		if row[1] == module && row[2] == true {
			var id int64
			fmt.Sscan(row[0].(string), &id)
			return id
		}
	}
	t.Fatalf("no default %s folder: %s", module, res.Body)
	return 0
}

func itoa(n int64) string { return fmt.Sprint(n) }

// num reads a JSON number of a decoded answer.
func num(v any) int64 {
	switch x := v.(type) {
	case float64:
		return int64(x)
	case string:
		var n int64
		fmt.Sscan(x, &n)
		return n
	}
	return 0
}

// create makes an object through a client and returns its id.
func create(t *testing.T, c interface {
	Put(string, any, ...string) *Result
}, module string, obj map[string]any) int64 {
	t.Helper()
	res := MustOK(t, c.Put(module, obj, "action", "new"))
	return num(res.Data().(map[string]any)["id"])
}

// getObj reads one object through a client (nil with the error code).
func getObj(t *testing.T, c getter, module string, id, folder int64) (map[string]any, string) {
	t.Helper()
	res := c.Get(module, "action", "get", "id", itoa(id), "folder", itoa(folder))
	if res.Code() != "" {
		return nil, res.Code()
	}
	MustOK(t, res)
	return res.Data().(map[string]any), ""
}

// ids lists the ids of a folder through a client's `all`.
func ids(t *testing.T, c getter, module string, folder int64) map[int64]bool {
	t.Helper()
	res := MustOK(t, c.Get(module, "action", "all", "folder", itoa(folder), "columns", "1"))
	out := map[int64]bool{}
	for _, r := range res.Data().([]any) {
		out[num(r.([]any)[0])] = true
	}
	return out
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return strings.TrimSpace(string(b))
}
