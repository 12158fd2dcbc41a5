package idbvfs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/vfs"

	_ "github.com/ncruces/go-sqlite3/driver"
)

// memBackend stands for IndexedDB: a committed image that changes only in
// whole flushes, so a "crash" is reading the image at any moment.
type memBackend struct {
	mu      sync.Mutex
	chunks  map[int64][]byte
	size    int64
	flushes int
	fail    error
	// inFlush, when set, runs during a flush (after the check, before
	// the store), to look at the database while it is being stored.
	inFlush func()
}

func newMemBackend() *memBackend { return &memBackend{chunks: map[int64][]byte{}} }

func (b *memBackend) Flush(f *Flush) error {
	b.mu.Lock()
	fail, hook := b.fail, b.inFlush
	b.mu.Unlock()
	if hook != nil {
		hook()
	}
	if fail != nil {
		return fail
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range f.Chunks {
		if len(c.Data) != ChunkSize {
			return fmt.Errorf("chunk %d has %d bytes", c.Index, len(c.Data))
		}
		b.chunks[c.Index] = append([]byte(nil), c.Data...)
	}
	if f.Keep >= 0 {
		for i := range b.chunks {
			if i >= f.Keep {
				delete(b.chunks, i)
			}
		}
	}
	b.size = f.Size
	b.flushes++
	return nil
}

// image is what a restarted worker loads: the chunks laid end to end.
func (b *memBackend) image() (int64, []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var n int64
	for i := range b.chunks {
		n = max(n, i+1)
	}
	img := make([]byte, n*ChunkSize)
	for i, c := range b.chunks {
		copy(img[i*ChunkSize:], c)
	}
	return b.size, img
}

func (b *memBackend) setFail(err error) {
	b.mu.Lock()
	b.fail = err
	b.mu.Unlock()
}

var vfsSeq atomic.Int64

// open registers a VFS holding db and opens it as the worker does.
func open(t *testing.T, db *DB) *sql.DB {
	t.Helper()
	name := fmt.Sprintf("idbtest%d", vfsSeq.Add(1))
	v := NewVFS()
	v.Set("/oxlite.db", db)
	vfs.Register(name, v)
	t.Cleanup(func() { vfs.Unregister(name) })
	sqldb, err := sql.Open("sqlite3", "file:/oxlite.db?vfs="+name+"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(on)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	sqldb.SetMaxOpenConns(4)
	t.Cleanup(func() { sqldb.Close() })
	return sqldb
}

func restore(t *testing.T, b *memBackend) (*DB, *sql.DB) {
	t.Helper()
	size, img := b.image()
	db := New(b, size, img)
	return db, open(t, db)
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func count(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// Every commit is one flush, and a restart restores what was committed.
func TestCommitFlushesAndRestores(t *testing.T) {
	b := newMemBackend()
	d := New(b, 0, nil)
	db := open(t, d)
	mustExec(t, db, `CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)`)
	before := b.flushes
	for i := range 50 {
		mustExec(t, db, `INSERT INTO t(v) VALUES(?)`, strings.Repeat("x", i*100))
	}
	if got := b.flushes - before; got != 50 {
		t.Errorf("50 commits made %d flushes", got)
	}
	// Reads store nothing.
	before = b.flushes
	_ = count(t, db, `SELECT count(*) FROM t`)
	if b.flushes != before {
		t.Errorf("a read flushed")
	}
	// A transaction of many statements is one flush.
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if _, err := tx.Exec(`INSERT INTO t(v) VALUES('tx')`); err != nil {
			t.Fatal(err)
		}
	}
	if b.flushes != before {
		t.Errorf("flushed before the commit")
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if b.flushes != before+1 {
		t.Errorf("one transaction made %d flushes", b.flushes-before)
	}
	if s := d.Stats(); s.Syncs == 0 || s.Chunks == 0 || s.Failures != 0 {
		t.Errorf("stats %+v", s)
	}

	_, db2 := restore(t, b)
	if n := count(t, db2, `SELECT count(*) FROM t`); n != 150 {
		t.Errorf("restored %d rows, want 150", n)
	}
	if n := count(t, db2, `SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'`); n != 0 {
		t.Errorf("restored database fails the integrity check")
	}
}

// A commit changes only the chunks it touched: on a database of many
// chunks, one row is a handful of chunks, not the file.
func TestCommitWritesDirtyChunksOnly(t *testing.T) {
	b := newMemBackend()
	d := New(b, 0, nil)
	db := open(t, d)
	mustExec(t, db, `CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)`)
	for range 40 {
		mustExec(t, db, `INSERT INTO t(v) VALUES(randomblob(60000))`)
	}
	if size := d.Size(); size < 2<<20 {
		t.Fatalf("database only %d bytes", size)
	}
	before := d.Stats().Chunks
	mustExec(t, db, `UPDATE t SET v = x'00' WHERE id = 7`)
	if n := d.Stats().Chunks - before; n == 0 || n > 6 {
		t.Errorf("one update wrote %d chunks", n)
	}
}

// Shrinking the file (VACUUM) deletes the stored chunks past its end.
func TestShrinkDeletesChunks(t *testing.T) {
	b := newMemBackend()
	d := New(b, 0, nil)
	db := open(t, d)
	mustExec(t, db, `CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)`)
	for range 30 {
		mustExec(t, db, `INSERT INTO t(v) VALUES(randomblob(60000))`)
	}
	grown := len(b.chunks)
	mustExec(t, db, `DELETE FROM t WHERE id > 2`)
	mustExec(t, db, `VACUUM`)
	if len(b.chunks) >= grown/2 {
		t.Errorf("after VACUUM %d stored chunks of %d", len(b.chunks), grown)
	}
	if b.size != d.Size() {
		t.Errorf("stored size %d, file %d", b.size, d.Size())
	}
	_, db2 := restore(t, b)
	if n := count(t, db2, `SELECT count(*) FROM t`); n != 2 {
		t.Errorf("restored %d rows", n)
	}
	mustExec(t, db2, `INSERT INTO t(v) VALUES(randomblob(200000))`)
	_, db3 := restore(t, b)
	if n := count(t, db3, `SELECT count(*) FROM t`); n != 3 {
		t.Errorf("regrown: %d rows", n)
	}
}

// A refused flush (quota) fails the commit with SQLITE_FULL carrying the
// backend's error; the database rolls back in memory and in storage, and
// the next commit stores normally.
func TestFailedFlushRollsBack(t *testing.T) {
	b := newMemBackend()
	d := New(b, 0, nil)
	db := open(t, d)
	mustExec(t, db, `CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)`)
	mustExec(t, db, `INSERT INTO t(v) VALUES('kept')`)

	quota := &QuotaError{Err: errors.New("QuotaExceededError")}
	b.setFail(quota)
	// SQLite reports SQLITE_FULL (the backend's error reaches the host
	// through Stats: SQLite's rollback clears the system error).
	_, err := db.Exec(`INSERT INTO t(v) VALUES('lost')`)
	if err == nil || !errors.Is(err, sqlite3.FULL) {
		t.Fatalf("insert while full: %v", err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	_, _ = tx.Exec(`INSERT INTO t(v) VALUES('lost too')`)
	_, _ = tx.Exec(`UPDATE t SET v = 'changed'`)
	if err := tx.Commit(); err == nil {
		t.Fatal("a transaction committed while the backend refused")
	}
	if s := d.Stats(); s.QuotaFailures < 2 {
		t.Errorf("stats %+v", s)
	}
	// Memory rolled back.
	if n := count(t, db, `SELECT count(*) FROM t WHERE v = 'kept'`); n != 1 || count(t, db, `SELECT count(*) FROM t`) != 1 {
		t.Errorf("in memory after the failures: %d kept, %d rows", n, count(t, db, `SELECT count(*) FROM t`))
	}
	// Storage holds the last commit.
	_, db2 := restore(t, b)
	if n := count(t, db2, `SELECT count(*) FROM t`); n != 1 {
		t.Errorf("stored rows %d", n)
	}

	// Another failure kind is an I/O error, not FULL.
	b.setFail(errors.New("AbortError"))
	if _, err := db.Exec(`INSERT INTO t(v) VALUES('io')`); err == nil || errors.Is(err, sqlite3.FULL) {
		t.Fatalf("insert with a broken backend: %v", err)
	}

	b.setFail(nil)
	mustExec(t, db, `INSERT INTO t(v) VALUES('after')`)
	_, db3 := restore(t, b)
	if n := count(t, db3, `SELECT count(*) FROM t`); n != 2 {
		t.Errorf("after recovery %d stored rows", n)
	}
	if n := count(t, db3, `SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'`); n != 0 {
		t.Errorf("integrity check failed")
	}
}

// Readers on other connections wait for a commit that is being stored
// and then see all of it or none of it.
func TestReadersSeeWholeCommits(t *testing.T) {
	b := newMemBackend()
	d := New(b, 0, nil)
	db := open(t, d)
	mustExec(t, db, `CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b INTEGER)`)
	mustExec(t, db, `INSERT INTO t(a, b) VALUES(0, 0)`)
	ctx := context.Background()
	stop := make(chan struct{})
	var bad atomic.Int64
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				var a, bb int
				if err := db.QueryRowContext(ctx, `SELECT a, b FROM t WHERE id = 1`).Scan(&a, &bb); err != nil {
					bad.Add(1)
					return
				}
				if a != bb {
					bad.Add(1)
				}
			}
		}()
	}
	for i := range 200 {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`UPDATE t SET a = ?`, i); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`UPDATE t SET b = ?`, i); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if bad.Load() != 0 {
		t.Errorf("%d torn or failed reads", bad.Load())
	}
}

// The image a restarted worker loads may be shorter than the file (a
// partial last chunk) and still restores.
func TestNewFromShortImage(t *testing.T) {
	img := make([]byte, 100)
	img[0] = 7
	d := New(newMemBackend(), ChunkSize+10, img)
	f := &file{DB: d}
	buf := make([]byte, 10)
	if _, err := f.ReadAt(buf, 0); err != nil || buf[0] != 7 {
		t.Errorf("read %v %v", buf, err)
	}
	if _, err := f.ReadAt(buf, ChunkSize); err != nil || buf[0] != 0 {
		t.Errorf("read second chunk %v %v", buf, err)
	}
}

// Whatever moment the worker dies at, the stored image is the state after
// a complete commit: restoring the image seen at the start of every flush
// gives exactly the rows of the commits before it, and a sound database.
func TestEveryStoredImageIsACommit(t *testing.T) {
	b := newMemBackend()
	d := New(b, 0, nil)
	db := open(t, d)
	mustExec(t, db, `CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)`)
	type snap struct {
		size int64
		img  []byte
	}
	var snaps []snap
	b.inFlush = func() {
		size, img := b.image()
		snaps = append(snaps, snap{size, img})
	}
	const commits = 25
	for i := range commits {
		// Rows of growing size cross chunk boundaries and grow the file.
		mustExec(t, db, `INSERT INTO t(v) VALUES(randomblob(?))`, 1000+i*9000)
	}
	b.inFlush = nil
	if len(snaps) != commits {
		t.Fatalf("%d flushes for %d commits", len(snaps), commits)
	}
	for i, s := range snaps {
		r := open(t, New(newMemBackend(), s.size, s.img))
		if n := count(t, r, `SELECT count(*) FROM t`); n != i {
			t.Errorf("image before flush %d holds %d rows", i, n)
		}
		if n := count(t, r, `SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'`); n != 0 {
			t.Errorf("image before flush %d fails the integrity check", i)
		}
	}
}
