// Package syncer keeps the service worker's local store in step with an
// OX API endpoint (docs/offline.md): the Recorder appends every local
// write to an outbox in the write's own transaction; the Engine pushes the
// outbox (optimistic locking with the base timestamp, field-level
// three-way merge, visible conflict records, temporary ids mapped to
// server ids) and pulls the server's changes (folders, then per folder
// `updates` since the stored timestamp, `list` for rows, tombstones, and
// chunked reloads). It speaks only the OX API, so it works against any
// OX-compatible server. It imports neither os nor net outside build-tagged
// files, so it builds for js/wasm.
package syncer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"time"

	"oxlite/core/calendar"
	"oxlite/core/contacts"
	"oxlite/core/folders"
	"oxlite/core/oxlitesync"
	"oxlite/core/session"
	"oxlite/core/tasks"
	"oxlite/storage"
)

// Config configures an Engine.
type Config struct {
	// DB is the local store (opened with storage.Options.NegativeIDs).
	DB *storage.DB
	// Remote is the server.
	Remote *Remote
	// Log receives sync failures; nil uses slog.Default().
	Log *slog.Logger
	// Yield is called between chunks of bulk work (pull, reload, initial
	// sync) so the service worker's event loop can run; nil does nothing.
	Yield func()
	// Now is the clock; nil uses time.Now.
	Now func() time.Time
	// Modules are the PIM modules kept in sync (default contacts, tasks,
	// calendar).
	Modules []string
	// Chunk is how many objects one `list` asks for and one transaction
	// applies (default 200).
	Chunk int
	// Contents clear the objects of removed folders (default contacts,
	// tasks and calendar, as the app wires them).
	Contents map[string]folders.Content
}

// State is what the person sees of the sync (module oxlite/sync `state`).
type State struct {
	// Online is false after a sync failed to reach the server.
	Online bool `json:"online"`
	// Syncing is set while a sync runs.
	Syncing bool `json:"syncing"`
	// Pending counts the local changes not yet on the server.
	Pending int64 `json:"pending"`
	// Conflicts counts the open conflict records.
	Conflicts int64 `json:"conflicts"`
	// LastSync is when the last sync completed (UTC ms, 0 never).
	LastSync int64 `json:"last_sync"`
	// Syncs counts the syncs run since the engine started, finished or
	// failed (a client that asked for one waits for the count to move).
	Syncs int64 `json:"syncs"`
	// LastDuration is how long the last sync ran, in ms (0: none yet);
	// what the person waited for, measured where the sync runs.
	LastDuration float64 `json:"last_duration"`
	// LastError describes the last failure ("" after a clean sync).
	LastError string `json:"last_error,omitempty"`
	// Relogin is set when the server no longer accepts the session: local
	// answers continue, the outbox waits for the next login.
	Relogin bool `json:"relogin"`
	// RetryAt is when the engine retries after a transport failure (UTC
	// ms, 0 none).
	RetryAt int64 `json:"retry_at,omitempty"`
	// Attached is false until a login established the local user.
	Attached bool `json:"attached"`
}

// Engine pushes and pulls. It is safe for concurrent use; syncs run one
// at a time.
type Engine struct {
	db     *storage.DB
	remote *Remote
	cfg    Config
	log    *slog.Logger

	// mu serialises local writes (recorder) with applying server data.
	mu sync.Mutex
	// syncMu runs one sync at a time.
	syncMu sync.Mutex

	stateMu  sync.Mutex
	state    State
	failures int
	// done hears the outcome of every sync (OnDone).
	done func(error)

	// acct is the attached user (zero until Attach or a stored attach).
	acct account
	// local answers API calls from the local core (set by the recorder).
	local Local
}

type account struct {
	cid, uid int64
	loc      *time.Location
}

// Local answers API calls from the local core; the Recorder provides it
// (conflict resolution replays choices through the local facade so they
// are recorded like any other write, and the engine reads local objects).
type Local interface {
	Call(ctx context.Context, module string, params url.Values, body []byte) (data any, ts int64, err error)
}

// ErrNotAttached is returned before a login attached the local user.
var ErrNotAttached = errors.New("syncer: no user attached (log in first)")

// ErrBackoff is returned by Sync while a retry after a failure is due later.
var ErrBackoff = errors.New("syncer: waiting before the next retry")

// ErrOtherUser is returned by Attach when the store belongs to another user.
var ErrOtherUser = errors.New("syncer: the local store belongs to another user")

// New returns an engine over cfg.DB. A store attached before (a restart
// of the worker) is attached again from its sync_meta.
func New(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.DB == nil || cfg.Remote == nil {
		return nil, errors.New("syncer: DB and Remote are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Yield == nil {
		cfg.Yield = func() {}
	}
	if len(cfg.Modules) == 0 {
		cfg.Modules = []string{"contacts", "tasks", "calendar"}
	}
	if cfg.Chunk <= 0 {
		cfg.Chunk = 200
	}
	if cfg.Contents == nil {
		cfg.Contents = map[string]folders.Content{"contacts": folders.ContactsContent{}, "tasks": tasks.Content{},
			"calendar": calendar.Content{}}
	}
	e := &Engine{db: cfg.DB, remote: cfg.Remote, cfg: cfg, log: cfg.Log}
	if e.log == nil {
		e.log = slog.Default()
	}
	e.state.Online = true
	meta, err := cfg.DB.SyncMetaAll(ctx)
	if err != nil {
		return nil, err
	}
	if s := meta[metaSession]; s != "" && cfg.Remote.Session() == "" {
		cfg.Remote.SetSession(s)
	}
	cid, _ := strconv.ParseInt(meta[metaContext], 10, 64)
	uid, _ := strconv.ParseInt(meta[metaUser], 10, 64)
	if cid > 0 && uid > 0 {
		if err := e.attachLocal(ctx, cid, uid); err != nil {
			return nil, err
		}
	}
	e.state.LastSync, _ = strconv.ParseInt(meta[metaLastSync], 10, 64)
	e.state.LastError = meta[metaLastError]
	e.state.Relogin = meta[metaRelogin] != ""
	return e, nil
}

// Keys of sync_meta.
const (
	metaSession   = "session"
	metaUser      = "user_id"
	metaContext   = "context_id"
	metaLogin     = "login"
	metaLastSync  = "last_sync"
	metaLastError = "last_error"
	metaRelogin   = "relogin"
	metaBase      = "base_url"
)

func (e *Engine) attachLocal(ctx context.Context, cid, uid int64) error {
	u, err := e.db.UserByID(ctx, cid, uid)
	if err != nil {
		return fmt.Errorf("syncer: attached user %d: %w", uid, err)
	}
	loc, err := time.LoadLocation(u.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	e.stateMu.Lock()
	e.acct = account{cid: cid, uid: uid, loc: loc}
	e.state.Attached = true
	e.stateMu.Unlock()
	return nil
}

func (e *Engine) account() (account, error) {
	e.stateMu.Lock()
	defer e.stateMu.Unlock()
	if e.acct.cid == 0 {
		return account{}, ErrNotAttached
	}
	return e.acct, nil
}

// ContextID and UserID are the attached user's (0 before Attach).
func (e *Engine) ContextID() int64 { a, _ := e.account(); return a.cid }

// UserID is the attached user's id (0 before Attach).
func (e *Engine) UserID() int64 { a, _ := e.account(); return a.uid }

// DB is the local store.
func (e *Engine) DB() *storage.DB { return e.db }

// Remote is the server client.
func (e *Engine) Remote() *Remote { return e.remote }

// SetLocal installs the local API (the Recorder does it).
func (e *Engine) SetLocal(l Local) { e.local = l }

// lock serialises a local write with the engine's application of server
// data; the Recorder holds it around each recorded write.
func (e *Engine) lock() { e.mu.Lock() }

func (e *Engine) unlock() { e.mu.Unlock() }

// Account is a login established with the server.
type Account struct {
	Session   string
	UserID    int64
	ContextID int64
	Login     string
	Locale    string
}

// Attach makes acct's user the local store's user after a login through
// the worker: the context and user rows (ids as on the server), the system
// folders and a local session under the server's session id, so the local
// core accepts the same id the page uses. The user's profile is read from
// the server when it is reachable. A store of another user is refused
// (the host clears it first). Attach clears the relogin state.
func (e *Engine) Attach(ctx context.Context, acct Account) error {
	if acct.Session == "" || acct.UserID <= 0 || acct.ContextID <= 0 {
		return errors.New("syncer: Attach needs session, user and context ids")
	}
	meta, err := e.db.SyncMetaAll(ctx)
	if err != nil {
		return err
	}
	if u := meta[metaUser]; u != "" && (u != strconv.FormatInt(acct.UserID, 10) || meta[metaContext] != strconv.FormatInt(acct.ContextID, 10)) {
		return ErrOtherUser
	}
	e.remote.SetSession(acct.Session)
	profile := map[string]any{}
	if a, err := e.remote.Do(ctx, "user", url.Values{"action": {"get"}}, nil); err == nil {
		_ = decodeJSON(a.Data, &profile)
	}
	ctx = storage.WithoutHooks(ctx)
	now := e.cfg.Now().UnixMilli()
	err = e.db.Write(ctx, 0, func(tx *storage.Tx) error {
		if err := tx.EnsureContext(acct.ContextID, "ctx"+strconv.FormatInt(acct.ContextID, 10), now); err != nil {
			return err
		}
		u := &storage.User{ID: acct.UserID, Login: acct.Login, TimeZone: "UTC", Locale: acct.Locale, Created: now, LastModified: now}
		if s, ok := profile["login_info"].(string); ok && s != "" {
			u.Login = s
		}
		if u.Login == "" {
			u.Login = "user" + strconv.FormatInt(acct.UserID, 10)
		}
		if s, ok := profile["timezone"].(string); ok && s != "" {
			u.TimeZone = s
		}
		if s, ok := profile["locale"].(string); ok && s != "" {
			u.Locale = s
		}
		if u.Locale == "" {
			u.Locale = "en_US"
		}
		u.ContactID, _ = toInt(profile["contact_id"])
		if gs, ok := profile["groups"].([]any); ok {
			u.Groups = []int64{}
			for _, g := range gs {
				if n, ok := toInt(g); ok {
					u.Groups = append(u.Groups, n)
				}
			}
		}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		if err := ensureSystemFolders(tx); err != nil {
			return err
		}
		return tx.SetSyncMeta(map[string]string{metaSession: acct.Session, metaUser: strconv.FormatInt(acct.UserID, 10),
			metaContext: strconv.FormatInt(acct.ContextID, 10), metaLogin: u.Login, metaRelogin: "", metaBase: e.remote.Base})
	})
	if err != nil {
		return err
	}
	sm := session.New(e.db, session.Config{TrustLocal: true})
	if err := sm.Adopt(ctx, &session.Session{ID: acct.Session, ContextID: acct.ContextID, UserID: acct.UserID,
		Login: acct.Login, Client: session.DefaultClient, Locale: acct.Locale, IP: "127.0.0.1", Stored: true}); err != nil {
		return err
	}
	if err := e.attachLocal(ctx, acct.ContextID, acct.UserID); err != nil {
		return err
	}
	e.stateMu.Lock()
	e.state.Relogin = false
	e.stateMu.Unlock()
	return nil
}

// ensureSystemFolders inserts the system folders the local tree hangs
// from until the pull replaces them with the server's.
func ensureSystemFolders(tx *storage.Tx) error {
	everyone := func(fp int) []storage.Permission {
		return []storage.Permission{{Entity: 0, Group: true, Folder: fp}}
	}
	sys := []storage.Folder{
		{ID: folders.Root, Parent: -1, Title: "root", Module: "system", Type: folders.TypeSystem, Permissions: everyone(1)},
		{ID: folders.Private, Parent: folders.Root, Title: "Private folders", Module: "system", Type: folders.TypeSystem, Permissions: everyone(4)},
		{ID: folders.Public, Parent: folders.Root, Title: "Public folders", Module: "system", Type: folders.TypeSystem, Permissions: everyone(4)},
		{ID: folders.Shared, Parent: folders.Root, Title: "Shared folders", Module: "system", Type: folders.TypeSystem, Permissions: everyone(1)},
	}
	for i := range sys {
		if _, err := tx.Folder(sys[i].ID); err == nil {
			continue
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		sys[i].Subscribed = true
		if err := tx.InsertFolder(&sys[i]); err != nil {
			return err
		}
	}
	return nil
}

// OnDone sets a function told the outcome of every sync, whoever ran it:
// a Scheduler restarts its timers after a sync asked for through the API
// (a retry due after an earlier failure would otherwise run right after
// it and find nothing to do).
func (e *Engine) OnDone(f func(err error)) {
	e.stateMu.Lock()
	e.done = f
	e.stateMu.Unlock()
}

// State returns the current sync state.
func (e *Engine) State(ctx context.Context) State {
	e.stateMu.Lock()
	s := e.state
	cid := e.acct.cid
	e.stateMu.Unlock()
	if cid != 0 {
		s.Pending, _ = e.db.OutboxCount(ctx, cid)
		s.Conflicts, _ = e.db.ConflictCount(ctx, cid)
	}
	return s
}

// Sync pushes the outbox, then pulls the server's changes. While a retry
// after a transport failure is due later it returns ErrBackoff at once
// (SyncNow ignores the backoff: use it on reconnect and on request).
func (e *Engine) Sync(ctx context.Context) error {
	e.stateMu.Lock()
	wait := e.state.RetryAt > e.cfg.Now().UnixMilli()
	e.stateMu.Unlock()
	if wait {
		return ErrBackoff
	}
	return e.SyncNow(ctx)
}

// SyncNow runs a sync whatever the backoff: push, then pull.
func (e *Engine) SyncNow(ctx context.Context) error {
	return e.run(ctx, func(ctx context.Context) error {
		if err := e.push(ctx); err != nil {
			return err
		}
		if err := e.pull(ctx); err != nil {
			return err
		}
		// A pull may grow tables many times over (a large folder shared
		// with the user): statistics follow. Usually a no-op.
		return e.db.OptimizeYielding(ctx, e.cfg.Yield)
	})
}

// Push replays the outbox.
func (e *Engine) Push(ctx context.Context) error { return e.run(ctx, e.push) }

// Pull applies the server's changes (pending local changes are pushed
// first by Sync; Pull alone leaves objects with pending changes alone).
func (e *Engine) Pull(ctx context.Context) error { return e.run(ctx, e.pull) }

// InitialSync fills an empty store: principals, folders and every
// folder's objects in chunks. On a filled store it is a Sync.
func (e *Engine) InitialSync(ctx context.Context) error {
	return e.run(ctx, func(ctx context.Context) error {
		if err := e.pullPrincipals(ctx); err != nil {
			return err
		}
		if err := e.push(ctx); err != nil {
			return err
		}
		if err := e.pull(ctx); err != nil {
			return err
		}
		// The store grew from empty: without fresh statistics the planner
		// would treat its tables as small (a folder listing would walk
		// every contact instead of the folder's index).
		return e.db.OptimizeYielding(ctx, e.cfg.Yield)
	})
}

// run executes one sync step with the bookkeeping of State.
func (e *Engine) run(ctx context.Context, fn func(context.Context) error) error {
	if _, err := e.account(); err != nil {
		return err
	}
	e.syncMu.Lock()
	defer e.syncMu.Unlock()
	e.stateMu.Lock()
	relogin := e.state.Relogin
	e.state.Syncing = true
	e.stateMu.Unlock()
	var err error
	start := time.Now()
	if relogin {
		err = errRelogin
	} else {
		err = fn(storage.WithoutHooks(ctx))
	}
	took := time.Since(start)
	now := e.cfg.Now().UnixMilli()
	e.stateMu.Lock()
	e.state.Syncing = false
	e.state.Syncs++
	e.state.LastDuration = float64(took.Microseconds()) / 1000
	meta := map[string]string{}
	switch {
	case err == nil:
		e.failures = 0
		e.state.Online, e.state.LastError, e.state.RetryAt, e.state.LastSync = true, "", 0, now
		meta[metaLastSync], meta[metaLastError] = strconv.FormatInt(now, 10), ""
	case errors.Is(err, errRelogin):
		e.state.Relogin = true
		e.state.LastError = "the server session ended: log in again"
		meta[metaRelogin], meta[metaLastError] = "1", e.state.LastError
	default:
		if isTransport(err) {
			e.state.Online = false
			e.failures++
			e.state.RetryAt = now + backoff(e.failures).Milliseconds()
		}
		e.state.LastError = err.Error()
		meta[metaLastError] = e.state.LastError
	}
	done := e.done
	e.stateMu.Unlock()
	if merr := e.db.SetSyncMeta(ctx, meta); merr != nil && err == nil {
		err = merr
	}
	if done != nil {
		done(err)
	}
	if err != nil && !errors.Is(err, errRelogin) {
		e.log.Warn("sync failed", "err", err)
	}
	return err
}

// errRelogin stops a sync when the server refused the session.
var errRelogin = errors.New("syncer: the server session ended")

// ErrRelogin is what Sync returns while the session must be renewed.
var ErrRelogin = errRelogin

// backoff is the wait after n consecutive transport failures: 2 s
// doubling up to 5 minutes.
func backoff(n int) time.Duration {
	d := 2 * time.Second
	for i := 1; i < n && d < 5*time.Minute; i++ {
		d *= 2
	}
	return min(d, 5*time.Minute)
}

// call sends one request; a session error becomes errRelogin.
func (e *Engine) call(ctx context.Context, module string, params url.Values, body []byte) (*Answer, error) {
	a, err := e.remote.Do(ctx, module, params, body)
	if ae := apiError(err); ae != nil && ae.SessionLost() {
		return nil, fmt.Errorf("%w (%s)", errRelogin, ae.Code)
	}
	return a, err
}

// write runs fn in a local write transaction under the engine lock,
// without recording hooks.
func (e *Engine) write(ctx context.Context, fn func(tx *storage.Tx) error) error {
	a, err := e.account()
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.db.Write(storage.WithoutHooks(ctx), a.cid, fn)
}

// pimModule holds the ingest, removal and id-rewrite functions of a
// synced PIM module and its `list` columns.
type pimModule struct {
	name  string
	tomb  string
	cols  []int
	names []string
	// attach is the module's number in the attachment module.
	attach int
	// ingest stores a server object; picture is the server's picture URL
	// when the store lacks the picture.
	ingest func(tx *storage.Tx, a account, obj map[string]any) (id, folder, lm int64, picture string, err error)
	remove func(tx *storage.Tx, id int64) (bool, error)
	// leave, for objects that show in several folders, takes one out of
	// folder; stays reports that it is still in another.
	leave func(tx *storage.Tx, id, folder int64) (stays bool, err error)
	remap func(tx *storage.Tx, temp, id int64) error
}

var pimModules = map[string]*pimModule{
	"contacts": func() *pimModule {
		m := &pimModule{name: "contacts", tomb: storage.TombContact, attach: storage.ModuleContact, remove: contacts.Remove,
			remap: func(tx *storage.Tx, temp, id int64) error { return tx.RemapContact(temp, id) },
			ingest: func(tx *storage.Tx, a account, obj map[string]any) (int64, int64, int64, string, error) {
				r, err := contacts.Ingest(tx, a.loc, obj)
				if err != nil {
					return 0, 0, 0, "", err
				}
				pic := ""
				if r.PictureWanted {
					pic, _ = obj["image1_url"].(string)
				}
				return r.ID, r.Folder, r.ServerModified, pic, nil
			}}
		for _, c := range contacts.Columns() {
			m.cols, m.names = append(m.cols, c.ID), append(m.names, c.Name)
		}
		return m
	}(),
	"tasks": func() *pimModule {
		m := &pimModule{name: "tasks", tomb: storage.TombTask, attach: storage.ModuleTask, remove: tasks.Remove,
			leave: tasks.RemoveFromFolder,
			remap: func(tx *storage.Tx, temp, id int64) error { return tx.RemapTask(temp, id) },
			ingest: func(tx *storage.Tx, a account, obj map[string]any) (int64, int64, int64, string, error) {
				r, err := tasks.Ingest(tx, a.uid, a.loc, obj)
				if err != nil {
					return 0, 0, 0, "", err
				}
				return r.ID, r.Folder, r.ServerModified, "", nil
			}}
		for _, c := range tasks.Columns() {
			m.cols, m.names = append(m.cols, c.ID), append(m.names, c.Name)
		}
		return m
	}(),
	"calendar": func() *pimModule {
		m := &pimModule{name: "calendar", tomb: storage.TombCalendar, attach: storage.ModuleAppointment, remove: calendar.Remove,
			leave: calendar.RemoveFromFolder,
			remap: func(tx *storage.Tx, temp, id int64) error { return tx.RemapAppointment(temp, id) },
			ingest: func(tx *storage.Tx, a account, obj map[string]any) (int64, int64, int64, string, error) {
				seriesStart(obj, a.loc)
				r, err := calendar.Ingest(tx, a.uid, a.loc, obj)
				if err != nil {
					return 0, 0, 0, "", err
				}
				return r.ID, r.Folder, r.ServerModified, "", nil
			}}
		for _, c := range calendar.Columns() {
			m.cols, m.names = append(m.cols, c.ID), append(m.names, c.Name)
		}
		return m
	}(),
}

// rowObject turns a column row into an object keyed by names.
func rowObject(row []any, names []string) map[string]any {
	obj := make(map[string]any, len(row))
	for i, v := range row {
		if i < len(names) && v != nil {
			obj[names[i]] = v
		}
	}
	return obj
}

func columnList(cols []int) string {
	b := make([]byte, 0, len(cols)*4)
	for i, c := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(c), 10)
	}
	return string(b)
}

var _ oxlitesync.Syncer = (*Engine)(nil)

// SetYield replaces the hook called between chunks of bulk work.
func (e *Engine) SetYield(f func()) {
	if f == nil {
		f = func() {}
	}
	e.syncMu.Lock()
	e.cfg.Yield = f
	e.syncMu.Unlock()
}
