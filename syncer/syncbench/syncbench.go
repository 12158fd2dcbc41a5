//go:build !js

// Package syncbench measures the offline syncer against a running OX API
// endpoint (DESIGN.md §6, "Sync"): pushing and pulling 10 changes with
// 1,000 and with 100,000 objects stored locally, and the initial sync of
// 10,000 contacts. `make bench` (tests/bench) and tests/sync call Run.
package syncbench

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
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"oxlite/core/app"
	"oxlite/storage"
	"oxlite/syncer"
)

// Options select what Run measures.
type Options struct {
	// API is the server's API root ("http://127.0.0.1:8080/ajax").
	API string
	// Login and Password name a user whose data the measurements change
	// (folders "sync-bench-*" are created below its private folders).
	Login, Password string
	// Sizes are the numbers of objects stored locally (default 1,000 and
	// 100,000).
	Sizes []int
	// Rounds per figure; the median is reported (default 5).
	Rounds int
	// Initial is how many contacts the initial sync loads (default 10,000;
	// negative skips it).
	Initial int
	// Out receives one line per figure (nil: nothing).
	Out io.Writer
}

// Figures are the medians measured.
type Figures struct {
	Push10  map[int]time.Duration
	Pull10  map[int]time.Duration
	Initial time.Duration
	// LongestSlice is the longest work between two yields of the initial
	// sync, network waits excluded.
	LongestSlice time.Duration
}

// timedTransport adds up the time spent in round trips.
type timedTransport struct {
	base  http.RoundTripper
	spent atomic.Int64
}

func (t *timedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	b := t.base
	if b == nil {
		b = http.DefaultTransport
	}
	start := time.Now()
	resp, err := b.RoundTrip(r)
	if err == nil {
		// The body is read by the caller; count the whole read.
		resp.Body = &timedBody{ReadCloser: resp.Body, t: t}
	}
	t.spent.Add(int64(time.Since(start)))
	return resp, err
}

type timedBody struct {
	io.ReadCloser
	t *timedTransport
}

func (b *timedBody) Read(p []byte) (int, error) {
	start := time.Now()
	n, err := b.ReadCloser.Read(p)
	b.t.spent.Add(int64(time.Since(start)))
	return n, err
}

var seq atomic.Int64

// local is a local store with its core, recorder and engine.
type local struct {
	db      *storage.DB
	app     *app.App
	eng     *syncer.Engine
	session string
}

func newLocal(ctx context.Context, o *Options) (*local, error) {
	db, err := storage.Open(ctx, storage.WorkerOptions(storage.MemoryDSN(fmt.Sprintf("syncbench-%d-%d", time.Now().UnixNano(), seq.Add(1))), 0))
	if err != nil {
		return nil, err
	}
	cfg := app.Defaults()
	cfg.TrustLocal = true
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := app.New(db, cfg, log)
	remote := syncer.NewRemote(o.API)
	res, err := remote.Login(ctx, o.Login, o.Password)
	if err != nil {
		db.Close()
		return nil, err
	}
	eng, err := syncer.New(ctx, syncer.Config{DB: db, Remote: remote, Log: log})
	if err != nil {
		db.Close()
		return nil, err
	}
	syncer.NewRecorder(eng, a.Mux)
	if err := eng.Attach(ctx, syncer.Account{Session: res.Session, UserID: res.UserID, ContextID: res.ContextID, Login: o.Login}); err != nil {
		db.Close()
		return nil, err
	}
	return &local{db: db, app: a, eng: eng, session: res.Session}, nil
}

// put sends a local write the way a page of the worker's origin does.
func (l *local) put(module string, params url.Values, body any) error {
	b, _ := json.Marshal(body)
	params.Set("session", l.session)
	req := httptest.NewRequest(http.MethodPut, "/"+module+"?"+params.Encode(), bytes.NewReader(b))
	req.Header.Set("Content-Type", "text/javascript")
	req.RemoteAddr = "127.0.0.1:0"
	rw := httptest.NewRecorder()
	l.app.Handler().ServeHTTP(rw, req)
	var env map[string]any
	if err := json.Unmarshal(rw.Body.Bytes(), &env); err != nil || env["error"] != nil {
		return fmt.Errorf("local %s: %s", module, rw.Body.String())
	}
	return nil
}

// seed stores n contacts in folder that only the local store knows (ids
// far above the server's), with their sync bookkeeping, as a pull would.
func (l *local) seed(ctx context.Context, folder int64, n int) error {
	cid, uid := l.eng.ContextID(), l.eng.UserID()
	return l.db.Write(storage.WithoutHooks(ctx), cid, func(tx *storage.Tx) error {
		if _, err := tx.Exec(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
			INSERT INTO contacts(cid, id, folder_id, created_by, modified_by, creation_date, last_modified, display_name, first_name,
			last_name, email1, uid, fields)
			SELECT ?, 100000000 + i, ?, ?, ?, 1, 1, 'Seed ' || i, 'Seed', 'N' || i, 'seed' || i || '@example.com', 'seed-' || i,
			'{"note":"seeded"}' FROM s`, n, cid, folder, uid, uid); err != nil {
			return err
		}
		_, err := tx.Exec(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
			INSERT INTO sync_objects(cid, module, id, folder_id, server_modified) SELECT ?, 'contacts', 100000000 + i, ?, 1 FROM s`,
			n, cid, folder)
		return err
	})
}

// Run measures against the server at o.API.
func Run(ctx context.Context, o Options) (*Figures, error) {
	if len(o.Sizes) == 0 {
		o.Sizes = []int{1000, 100000}
	}
	if o.Rounds <= 0 {
		o.Rounds = 5
	}
	if o.Initial == 0 {
		o.Initial = 10000
	}
	say := func(format string, args ...any) {
		if o.Out != nil {
			fmt.Fprintf(o.Out, format+"\n", args...)
		}
	}
	srv := syncer.NewRemote(o.API)
	if _, err := srv.Login(ctx, o.Login, o.Password); err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	stamp := strconv.FormatInt(time.Now().UnixNano(), 36)
	folder, err := newFolder(ctx, srv, "sync-bench-"+stamp)
	if err != nil {
		return nil, err
	}
	// The 10 objects the push and pull change.
	objs, err := createContacts(ctx, srv, folder, 10, "Changed")
	if err != nil {
		return nil, err
	}
	fig := &Figures{Push10: map[int]time.Duration{}, Pull10: map[int]time.Duration{}}
	for _, size := range o.Sizes {
		l, err := newLocal(ctx, &o)
		if err != nil {
			return nil, err
		}
		if err := l.eng.InitialSync(ctx); err != nil {
			l.db.Close()
			return nil, err
		}
		if err := l.seed(ctx, folder, size-len(objs)); err != nil {
			l.db.Close()
			return nil, err
		}
		var push, pull []time.Duration
		for r := 0; r < o.Rounds; r++ {
			for i, id := range objs {
				if err := l.put("contacts", url.Values{"action": {"update"}, "id": {strconv.FormatInt(id, 10)},
					"folder": {strconv.FormatInt(folder, 10)}, "timestamp": {"2116800000000"}},
					map[string]any{"note": fmt.Sprintf("local %d/%d", r, i)}); err != nil {
					l.db.Close()
					return nil, err
				}
			}
			start := time.Now()
			if err := l.eng.Push(ctx); err != nil {
				l.db.Close()
				return nil, fmt.Errorf("push: %w", err)
			}
			push = append(push, time.Since(start))
			for i, id := range objs {
				if err := serverUpdate(ctx, srv, folder, id, map[string]any{"company": fmt.Sprintf("server %d/%d", r, i)}); err != nil {
					l.db.Close()
					return nil, err
				}
			}
			start = time.Now()
			if err := l.eng.Pull(ctx); err != nil {
				l.db.Close()
				return nil, fmt.Errorf("pull: %w", err)
			}
			pull = append(pull, time.Since(start))
		}
		l.db.Close()
		fig.Push10[size], fig.Pull10[size] = median(push), median(pull)
		say("sync push 10 changes, %7d objects stored: %8.1f ms", size, ms(fig.Push10[size]))
		say("sync pull 10 changes, %7d objects stored: %8.1f ms", size, ms(fig.Pull10[size]))
	}
	if len(o.Sizes) >= 2 {
		lo, hi := o.Sizes[0], o.Sizes[len(o.Sizes)-1]
		say("sync push ratio %d/%d: %.2f (target ≤ 1.5)", hi, lo, float64(fig.Push10[hi])/float64(fig.Push10[lo]))
		say("sync pull ratio %d/%d: %.2f (target ≤ 1.5)", hi, lo, float64(fig.Pull10[hi])/float64(fig.Pull10[lo]))
	}
	if o.Initial > 0 {
		big, err := newFolder(ctx, srv, "sync-bench-initial-"+stamp)
		if err != nil {
			return nil, err
		}
		if _, err := createContacts(ctx, srv, big, o.Initial, "Initial"); err != nil {
			return nil, err
		}
		l, err := newLocal(ctx, &o)
		if err != nil {
			return nil, err
		}
		// The longest stretch between yields, network waits excluded,
		// bounds how long the worker's thread would be held.
		hc := l.eng.Remote().HTTP.(*http.Client)
		tt := &timedTransport{base: hc.Transport}
		hc.Transport = tt
		var longest time.Duration
		yields := 0
		last, lastNet := time.Now(), time.Duration(0)
		l.eng = withYield(l.eng, func() {
			yields++
			net := time.Duration(tt.spent.Load())
			longest = max(longest, time.Since(last)-(net-lastNet))
			last, lastNet = time.Now(), net
		})
		start := time.Now()
		err = l.eng.InitialSync(ctx)
		fig.Initial = time.Since(start)
		l.db.Close()
		if err != nil {
			return nil, fmt.Errorf("initial sync: %w", err)
		}
		fig.LongestSlice = longest
		say("sync initial sync of %d contacts: %8.1f ms (%d yields, longest stretch between yields %.1f ms, network waits excluded)",
			o.Initial, ms(fig.Initial), yields, ms(longest))
	}
	return fig, nil
}

// withYield sets the engine's yield hook.
func withYield(e *syncer.Engine, f func()) *syncer.Engine {
	e.SetYield(f)
	return e
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func newFolder(ctx context.Context, r *syncer.Remote, title string) (int64, error) {
	body, _ := json.Marshal(map[string]any{"title": title, "module": "contacts"})
	a, err := r.Do(ctx, "folders", url.Values{"action": {"new"}, "folder_id": {"1"}, "tree": {"1"}}, body)
	if err != nil {
		return 0, fmt.Errorf("creating folder: %w", err)
	}
	var s string
	if err := json.Unmarshal(a.Data, &s); err != nil {
		return 0, err
	}
	return strconv.ParseInt(s, 10, 64)
}

// createContacts creates n contacts through `multiple` in batches.
func createContacts(ctx context.Context, r *syncer.Remote, folder int64, n int, name string) ([]int64, error) {
	var ids []int64
	for done := 0; done < n; {
		batch := min(200, n-done)
		items := make([]any, batch)
		for i := range items {
			k := done + i
			items[i] = map[string]any{"module": "contacts", "action": "new", "data": map[string]any{"folder_id": folder,
				"first_name": name, "last_name": fmt.Sprintf("N%06d", k), "email1": fmt.Sprintf("c%d@example.com", k),
				"company": "Bench Inc", "note": "created by the sync benchmark"}}
		}
		body, _ := json.Marshal(items)
		a, err := r.DoRaw(ctx, "multiple", url.Values{"continue": {"true"}}, body)
		if err != nil {
			return nil, fmt.Errorf("creating contacts: %w", err)
		}
		var answers []struct {
			Data  map[string]any `json:"data"`
			Error string         `json:"error"`
		}
		if err := json.Unmarshal(a, &answers); err != nil {
			return nil, err
		}
		for _, x := range answers {
			if x.Error != "" {
				return nil, fmt.Errorf("creating contacts: %s", x.Error)
			}
			if id, ok := x.Data["id"].(float64); ok {
				ids = append(ids, int64(id))
			}
		}
		done += batch
	}
	return ids, nil
}

func serverUpdate(ctx context.Context, r *syncer.Remote, folder, id int64, obj map[string]any) error {
	body, _ := json.Marshal(obj)
	_, err := r.Do(ctx, "contacts", url.Values{"action": {"update"}, "id": {strconv.FormatInt(id, 10)},
		"folder": {strconv.FormatInt(folder, 10)}, "timestamp": {"2116800000000"}}, body)
	return err
}
