// Package storage holds the SQLite schema, its migrations and the queries
// of every module. It runs natively and under js/wasm, so it imports no os.
package storage

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ncruces/go-sqlite3"
	sqlitedriver "github.com/ncruces/go-sqlite3/driver"
	_ "github.com/ncruces/go-sqlite3/vfs/memdb"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is the store of one data directory (or one in-memory database).
type DB struct {
	SQL *sql.DB
	// Now is the clock used for the change sequence; tests may replace it.
	Now func() time.Time
	// trace, when set, receives every statement (benchmarks replay them).
	trace atomic.Pointer[func(query string, args []any)]
	// negIDs makes NextID count downwards (the offline store, see Options).
	negIDs bool
	// stmts caches prepared statements of reads outside transactions
	// (query text → *sql.Stmt), see prepared.
	stmts     sync.Map
	stmtCount atomic.Int32
	// memo caches hot reads until the next commit (Options.Memo).
	memo *memo
	// direct holds the statements of queryDirect.
	direct *directStmts
	// maxConns is the size of the pool.
	maxConns int
}

// maxCachedStmts bounds the statement cache: the queries a request runs
// are a few dozen texts; generated ones (IN lists of varying length)
// beyond the bound are prepared each time, as without the cache.
const maxCachedStmts = 512

// Options select the database.
type Options struct {
	// DSN is a file path for the native server or "file:/name?vfs=memdb" for
	// memory databases.
	DSN string
	// MaxConns bounds the pool (readers in WAL mode run in parallel).
	MaxConns int
	// NegativeIDs makes Tx.NextID return negative ids (-1, -2, … and
	// -20, -21, … for folders): the service worker's store creates objects
	// offline under temporary ids that never collide with the server ids
	// it pulls (docs/offline.md §2).
	NegativeIDs bool
	// StablePlans turns on SQLite's query planner stability guarantee: a
	// plan never depends on the values bound to its parameters. Without
	// it a statement whose plan looked at them (any ORDER BY over a
	// parameter-constrained WHERE) expires whenever the driver clears its
	// bindings, that is after every query, and is compiled again on its
	// next run, so the statement cache cannot help it; in the service
	// worker's wasm that recompilation was a sixth of a list's time.
	StablePlans bool
	// Memo keeps the session, user and folder reads of requests in memory
	// until the next commit (see memo). Only for a store no other process
	// writes: the service worker's.
	Memo bool
}

// WorkerOptions are the options of the service worker's store (and of the
// native stand-ins for it in tests and benchmarks): temporary ids count
// downwards, plans are stable and hot reads are kept until the next commit.
func WorkerOptions(dsn string, maxConns int) Options {
	return Options{DSN: dsn, NegativeIDs: true, MaxConns: maxConns, StablePlans: true, Memo: true}
}

// FileDSN builds the DSN of a database file in WAL mode.
func FileDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)&_pragma=synchronous(normal)&_pragma=foreign_keys(on)&_txlock=immediate"
}

// MemoryDSN builds the DSN of a shared in-memory database.
func MemoryDSN(name string) string {
	return "file:/" + name + "?vfs=memdb&_pragma=busy_timeout(10000)&_pragma=foreign_keys(on)&_txlock=immediate"
}

// Open opens the database and applies pending migrations.
func Open(ctx context.Context, opt Options) (*DB, error) {
	var mm *memo
	if opt.Memo {
		mm = &memo{m: map[any]memoEntry{}}
	}
	// The driver takes one callback for new connections and one for
	// connections it closes.
	init := func(c *sqlite3.Conn) error {
		if opt.StablePlans {
			if _, err := c.Config(sqlite3.DBCONFIG_ENABLE_QPSG, true); err != nil {
				return err
			}
		}
		if mm != nil {
			c.CommitHook(func() bool {
				mm.changed()
				return true
			})
		}
		return nil
	}
	ds := &directStmts{}
	sqldb, err := sqlitedriver.Open(opt.DSN, init, ds.closed)
	if err != nil {
		return nil, err
	}
	n := opt.MaxConns
	if n <= 0 {
		n = 8
	}
	sqldb.SetMaxOpenConns(n)
	sqldb.SetMaxIdleConns(n)
	sqldb.SetConnMaxIdleTime(0)
	d := &DB{SQL: sqldb, Now: time.Now, negIDs: opt.NegativeIDs, memo: mm, direct: ds, maxConns: n}
	if err := d.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("migrating database: %w", err)
	}
	// Fresh statistics keep the planner on the right indexes as tables
	// grow.
	if err := d.Optimize(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("optimizing database: %w", err)
	}
	return d, nil
}

// Close closes the pool.
func (d *DB) Close() error {
	d.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	return d.SQL.Close()
}

// SetTrace installs a statement observer (nil removes it).
func (d *DB) SetTrace(f func(query string, args []any)) {
	if f == nil {
		d.trace.Store(nil)
		return
	}
	d.trace.Store(&f)
}

func (d *DB) traced(q string, args []any) {
	if p := d.trace.Load(); p != nil {
		(*p)(q, args)
	}
}

// Query runs a read outside a transaction.
func (d *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	d.traced(q, args)
	if st := d.prepared(ctx, q, args); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.SQL.QueryContext(ctx, q, args...)
}

// QueryRow runs a single-row read outside a transaction.
func (d *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	d.traced(q, args)
	if st := d.prepared(ctx, q, args); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.SQL.QueryRowContext(ctx, q, args...)
}

// prepared returns the cached statement of q, preparing it on first use.
// Every request reads its session, user and folder with the same texts,
// and preparing a statement costs more than running it: in the service
// worker's wasm the parse was a third of a 50-row list's time. A sql.Stmt
// is prepared once per pooled connection and safe for concurrent use (a
// nested query while iterating gets another connection). Texts without
// arguments are not cached: they may hold several statements.
func (d *DB) prepared(ctx context.Context, q string, args []any) *sql.Stmt {
	if len(args) == 0 {
		return nil
	}
	if v, ok := d.stmts.Load(q); ok {
		return v.(*sql.Stmt)
	}
	if d.stmtCount.Load() >= maxCachedStmts {
		return nil
	}
	st, err := d.SQL.PrepareContext(ctx, q)
	if err != nil {
		// Running it unprepared reports the same error.
		return nil
	}
	if v, loaded := d.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	d.stmtCount.Add(1)
	return st
}

// Exec runs a statement outside a transaction (only for changes that need
// no change-sequence stamp, such as session bookkeeping).
func (d *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	d.traced(q, args)
	defer d.memo.changed()
	return d.SQL.ExecContext(ctx, q, args...)
}

// Tx is a write transaction in one context. The first call to Stamp takes
// the next value of the context's change sequence; every change of the
// transaction carries that value, and because SQLite serialises writers,
// sequence order is commit order.
type Tx struct {
	db    *DB
	tx    *sql.Tx
	ctx   context.Context
	cid   int64
	stamp int64
	// allocated and left record what the transaction did, for write hooks.
	allocated []Allocation
	left      []Departure
	// stmts are the prepared statements of the transaction (closed with it).
	stmts map[string]*sql.Stmt
}

// Write runs fn in an immediate write transaction for context cid
// (cid 0 for changes that belong to no context).
func (d *DB) Write(ctx context.Context, cid int64, fn func(tx *Tx) error) error {
	sqltx, err := d.SQL.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &Tx{db: d, tx: sqltx, ctx: ctx, cid: cid}
	if err := fn(tx); err != nil {
		_ = sqltx.Rollback()
		return err
	}
	if err := tx.runHooks(); err != nil {
		_ = sqltx.Rollback()
		return err
	}
	defer d.memo.changed()
	return sqltx.Commit()
}

// Context returns the request context of the transaction.
func (t *Tx) Context() context.Context { return t.ctx }

// ContextID is the tenant the transaction writes to.
func (t *Tx) ContextID() int64 { return t.cid }

// Exec runs a statement in the transaction.
func (t *Tx) Exec(q string, args ...any) (sql.Result, error) {
	t.db.traced(q, args)
	if st := t.stmt(q, args); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, q, args...)
}

// stmt returns the transaction's prepared statement for q: bulk writes
// (the offline sync applies hundreds of objects per transaction) run the
// same statements again and again, and preparing one costs as much as
// running it. Statements without arguments are not cached: they may hold
// several statements (migrations), which only Exec runs. Only Exec and
// QueryRow (whose single row is read at once) use the cache.
func (t *Tx) stmt(q string, args []any) *sql.Stmt {
	if len(args) == 0 {
		return nil
	}
	if st, ok := t.stmts[q]; ok {
		return st
	}
	st, err := t.tx.PrepareContext(t.ctx, q)
	if err != nil {
		// Running it unprepared reports the same error.
		return nil
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[q] = st
	return st
}

// Query runs a read in the transaction.
func (t *Tx) Query(q string, args ...any) (*sql.Rows, error) {
	t.db.traced(q, args)
	// Not from the statement cache: a caller may run the same query again
	// while iterating (recursive walks), which one statement cannot serve.
	return t.tx.QueryContext(t.ctx, q, args...)
}

// QueryRow runs a single-row read in the transaction.
func (t *Tx) QueryRow(q string, args ...any) *sql.Row {
	t.db.traced(q, args)
	if st := t.stmt(q, args); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, q, args...)
}

// Stamp returns the transaction's change-sequence value: max(now_ms, last+1).
func (t *Tx) Stamp() (int64, error) {
	if t.stamp != 0 {
		return t.stamp, nil
	}
	if t.cid == 0 {
		return 0, errors.New("storage: Stamp outside a context")
	}
	now := t.db.Now().UnixMilli()
	err := t.QueryRow(`UPDATE ctx_seq SET last = max(?, last + 1) WHERE cid = ? RETURNING last`, now, t.cid).Scan(&t.stamp)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("storage: context %d has no change sequence", t.cid)
	}
	return t.stamp, err
}

// Kinds of per-context id sequences.
const (
	SeqPrincipal = "principal" // users and groups
	SeqResource  = "resource"
	SeqFolder    = "folder"
	SeqContact   = "contact"
	SeqTask      = "task"
	SeqCalendar  = "calendar"
	SeqInfostore = "infostore"
	SeqAttach    = "attachment"
	SeqReminder  = "reminder"
	SeqSnippet   = "snippet"
)

// seqStart is the first id of each sequence (folders below 20 are system
// folders; principals 0 and 1 are the virtual groups "all users" and "guests").
var seqStart = map[string]int64{SeqFolder: 20, SeqPrincipal: 2}

// NextID allocates the next id of kind in the transaction's context. A
// store opened with NegativeIDs counts its own sequence (kind "-<kind>")
// and answers the negated value.
func (t *Tx) NextID(kind string) (int64, error) {
	seq := kind
	if t.db.negIDs {
		seq = "-" + kind
	}
	var id int64
	err := t.QueryRow(`UPDATE id_seq SET last = last + 1 WHERE cid = ? AND kind = ? RETURNING last`, t.cid, seq).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		start := seqStart[kind]
		if start == 0 {
			start = 1
		}
		if _, err := t.Exec(`INSERT INTO id_seq(cid, kind, last) VALUES(?, ?, ?)`, t.cid, seq, start); err != nil {
			return 0, err
		}
		id, err = start, nil
	}
	if err != nil {
		return 0, err
	}
	if t.db.negIDs {
		id = -id
	}
	t.allocated = append(t.allocated, Allocation{Kind: kind, ID: id})
	return id, nil
}

// Tombstone modules (the `module` column of tombstones).
const (
	TombFolder    = "folder"
	TombContact   = "contact"
	TombTask      = "task"
	TombCalendar  = "calendar"
	TombInfostore = "infostore"
	TombAttach    = "attachment"
	TombGroup     = "group"
	TombResource  = "resource"
	TombUser      = "user"
)

// Tombstone records that object id left folder (deleted or moved away) at
// the transaction's stamp.
func (t *Tx) Tombstone(module string, folder, id int64) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	_, err = t.Exec(`INSERT INTO tombstones(cid, module, folder_id, id, seq) VALUES(?,?,?,?,?)
		ON CONFLICT(cid, module, folder_id, id) DO UPDATE SET seq = excluded.seq`, t.cid, module, folder, id, stamp)
	if err == nil {
		t.left = append(t.left, Departure{Module: module, Folder: folder, ID: id})
	}
	return err
}

// ClearTombstone removes a tombstone when an object comes back into folder.
func (t *Tx) ClearTombstone(module string, folder, id int64) error {
	_, err := t.Exec(`DELETE FROM tombstones WHERE cid = ? AND module = ? AND folder_id = ? AND id = ?`, t.cid, module, folder, id)
	return err
}

// Tombstones lists ids that left folder after since (folder < 0: any folder).
func (d *DB) Tombstones(ctx context.Context, cid int64, module string, folder, since int64) (ids []int64, maxSeq int64, err error) {
	q := `SELECT id, seq FROM tombstones WHERE cid = ? AND module = ? AND seq > ?`
	args := []any{cid, module, since}
	if folder >= 0 {
		q += ` AND folder_id = ?`
		args = append(args, folder)
	}
	q += ` ORDER BY seq, id`
	rows, err := d.Query(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	seen := map[int64]bool{}
	for rows.Next() {
		var id, seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return nil, 0, err
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
		maxSeq = max(maxSeq, seq)
	}
	return ids, maxSeq, rows.Err()
}

// Horizon is the newest sequence value whose tombstones were pruned: a
// client asking for deletions since an older timestamp must reload.
func (d *DB) Horizon(ctx context.Context, cid int64) (int64, error) {
	var h int64
	err := d.QueryRow(ctx, `SELECT tombstone_horizon FROM contexts WHERE id = ?`, cid).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return h, err
}

// PruneTombstones deletes tombstones older than cutoff (ms) in every
// context and moves each context's horizon forward. It returns how many
// were removed.
func (d *DB) PruneTombstones(ctx context.Context, cutoff int64) (int64, error) {
	var n int64
	err := d.Write(ctx, 0, func(tx *Tx) error {
		if _, err := tx.Exec(`UPDATE contexts SET tombstone_horizon = max(tombstone_horizon,
			coalesce((SELECT max(seq) FROM tombstones t WHERE t.cid = contexts.id AND t.seq < ?), 0))`, cutoff); err != nil {
			return err
		}
		res, err := tx.Exec(`DELETE FROM tombstones WHERE seq < ?`, cutoff)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// LastStamp returns the newest change-sequence value of a context.
func (d *DB) LastStamp(ctx context.Context, cid int64) (int64, error) {
	var v int64
	err := d.QueryRow(ctx, `SELECT last FROM ctx_seq WHERE cid = ?`, cid).Scan(&v)
	return v, err
}

func (d *DB) migrate(ctx context.Context) error {
	if _, err := d.SQL.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL)`); err != nil {
		return err
	}
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return err
	}
	type mig struct {
		version int
		name    string
	}
	var migs []mig
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("migration %s: name must start with a number and an underscore", name)
		}
		migs = append(migs, mig{v, name})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })
	for _, m := range migs {
		body, err := fs.ReadFile(migrationFS, "migrations/"+m.name)
		if err != nil {
			return err
		}
		err = d.Write(ctx, 0, func(tx *Tx) error {
			var n int
			if err := tx.QueryRow(`SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.Exec(string(body)); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			_, err := tx.Exec(`INSERT INTO schema_migrations(version, name, applied) VALUES(?,?,?)`, m.version, m.name, d.Now().UnixMilli())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
