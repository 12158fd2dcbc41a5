// Package idbvfs is the SQLite VFS of the service worker's store
// (DESIGN.md §4, wasm-spike.md "idbvfs"): the main database lives in Go
// memory in 16 KiB chunks; WriteAt marks chunks dirty and Sync hands the
// dirty chunks and the file size to a Backend, which stores them in one
// atomic transaction (IndexedDB in the browser) and returns when it is
// durable. SQLite calls Sync once per commit, so one commit is one backend
// transaction: whatever moment the worker dies at, the stored chunks are
// the state after some complete commit, never a torn page set.
//
// The file is opened with OPEN_MEMORY, so SQLite keeps its rollback
// journal in memory: a failed Sync (storage quota) makes the commit fail
// and SQLite rolls the pages back from that journal; the chunks stay dirty
// and the next Sync stores them again.
//
// The package is platform-neutral so its logic is tested natively with a
// fake backend; the IndexedDB backend lives in package main (js only).
package idbvfs

import (
	"errors"
	"hash/maphash"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/vfs"
	_ "github.com/ncruces/go-sqlite3/vfs/memdb"
)

// ChunkSize is the unit of storage: SQLite pages (4 KiB by default) never
// straddle a chunk. A commit stores every chunk it touched whole, and the
// pages of a few changed rows lie scattered over a large store's tables
// and indexes: with 64 KiB chunks pulling 10 changes into a store of
// 100,000 contacts wrote 4.6 times as long as into one of 1,000. 16 KiB
// keeps that write amplification at 4 pages and still restores a 5 MB
// store from about 320 records (wasm-spike.md Q2).
const ChunkSize = 16 << 10

// Chunk is one stored chunk.
type Chunk struct {
	Index int64
	// Data is ChunkSize bytes; it is valid only during the Flush call.
	Data []byte
}

// Flush is one commit's worth of changes.
type Flush struct {
	// Size is the file size after the commit.
	Size int64
	// Chunks are the changed chunks.
	Chunks []Chunk
	// Keep is the number of chunks of the file; stored chunks with an
	// index ≥ Keep are to be deleted (the file shrank). -1 when the file
	// did not shrink.
	Keep int64
}

// Backend stores the chunks of one database.
type Backend interface {
	// Flush stores f in one atomic transaction and returns once it is
	// durable. On error nothing of f may be stored.
	Flush(f *Flush) error
}

// QuotaError is the error a backend returns when the browser refused the
// write for lack of space; Sync reports it to SQLite as SQLITE_FULL.
type QuotaError struct{ Err error }

func (e *QuotaError) Error() string { return "storage quota exceeded: " + e.Err.Error() }
func (e *QuotaError) Unwrap() error { return e.Err }

// Stats count the work of a database.
type Stats struct {
	// Syncs is the number of Sync calls that stored something.
	Syncs uint64
	// Chunks is the number of chunks written.
	Chunks uint64
	// Failures counts failed flushes; QuotaFailures those refused for
	// lack of space.
	Failures, QuotaFailures uint64
	// FlushTime is the time spent in the backend.
	FlushTime time.Duration
}

// DB is one database file held in memory.
type DB struct {
	backend Backend

	// syncMtx runs one flush at a time.
	syncMtx sync.Mutex

	dataMtx sync.RWMutex
	data    []*[ChunkSize]byte // +checklocks:dataMtx
	size    int64              // +checklocks:dataMtx
	// dirty are the chunks changed since they were stored, with the hash
	// of their stored content where it is known.
	dirty map[int64]stored // +checklocks:dataMtx
	// stored is the chunk count the backend holds (for deletions).
	stored int64 // +checklocks:dataMtx
	// sizeStored is the file size the backend holds.
	sizeStored int64 // +checklocks:dataMtx

	lockMtx  sync.Mutex
	waiter   *sync.Cond // +checklocks:lockMtx
	shared   int32      // +checklocks:lockMtx
	pending  bool       // +checklocks:lockMtx
	reserved bool       // +checklocks:lockMtx

	syncs, chunks, failures, quota atomic.Uint64
	flushNanos                     atomic.Int64
}

// New returns a database restored from image (the stored chunks laid end
// to end, a multiple of ChunkSize or shorter) and size. It takes
// ownership of image.
func New(b Backend, size int64, image []byte) *DB {
	d := &DB{backend: b, dirty: map[int64]stored{}}
	n := divRoundUp(size, ChunkSize)
	d.data = make([]*[ChunkSize]byte, n)
	for i := range d.data {
		off := int64(i) * ChunkSize
		if off+ChunkSize <= int64(len(image)) {
			d.data[i] = (*[ChunkSize]byte)(image[off : off+ChunkSize])
			continue
		}
		d.data[i] = new([ChunkSize]byte)
		if off < int64(len(image)) {
			copy(d.data[i][:], image[off:])
		}
	}
	d.size, d.sizeStored = size, size
	d.stored = max(n, int64(len(image))/ChunkSize)
	return d
}

// Stats returns the counters.
func (d *DB) Stats() Stats {
	return Stats{Syncs: d.syncs.Load(), Chunks: d.chunks.Load(), Failures: d.failures.Load(), QuotaFailures: d.quota.Load(),
		FlushTime: time.Duration(d.flushNanos.Load())}
}

// Size is the file size.
func (d *DB) Size() int64 {
	d.dataMtx.RLock()
	defer d.dataMtx.RUnlock()
	return d.size
}

// stored is what is known of a dirty chunk's stored content.
type stored struct {
	hash  uint64
	known bool
}

var seed = maphash.MakeSeed()

// markDirty records that chunk i is about to change; the first change
// after a store remembers the hash of the stored content, so a chunk
// that ends up as it was (a rolled-back commit) is not stored again.
//
// +checklocks:d.dataMtx
func (d *DB) markDirty(i int64) {
	if _, ok := d.dirty[i]; ok {
		return
	}
	if i < d.stored && i < int64(len(d.data)) {
		d.dirty[i] = stored{hash: maphash.Bytes(seed, d.data[i][:]), known: true}
		return
	}
	d.dirty[i] = stored{}
}

// sync stores the dirty chunks.
func (d *DB) sync() error {
	d.syncMtx.Lock()
	defer d.syncMtx.Unlock()

	d.dataMtx.Lock()
	keep := divRoundUp(d.size, ChunkSize)
	f := &Flush{Size: d.size, Keep: -1}
	if keep < d.stored {
		f.Keep = keep
	}
	taken := d.dirty
	d.dirty = map[int64]stored{}
	for i, st := range taken {
		if i >= keep {
			continue
		}
		if st.known && maphash.Bytes(seed, d.data[i][:]) == st.hash {
			// Changed and changed back: a rolled-back commit.
			delete(taken, i)
			continue
		}
		f.Chunks = append(f.Chunks, Chunk{Index: i, Data: d.data[i][:]})
	}
	if len(f.Chunks) == 0 && f.Keep < 0 && d.sizeStored == d.size {
		d.dataMtx.Unlock()
		return nil
	}
	d.dataMtx.Unlock()
	// The committing connection holds the EXCLUSIVE lock, so no page
	// changes while the backend reads the chunks.
	start := time.Now()
	err := d.backend.Flush(f)
	d.flushNanos.Add(int64(time.Since(start)))

	d.dataMtx.Lock()
	defer d.dataMtx.Unlock()
	if err != nil {
		// SQLite rolls the commit back (rewriting the pages it changed);
		// the stored chunks are still the last commit's, and keeping the
		// chunks dirty stores whatever they hold at the next commit.
		for i, st := range taken {
			if _, again := d.dirty[i]; !again {
				d.dirty[i] = st
			}
		}
		d.failures.Add(1)
		var q *QuotaError
		if errors.As(err, &q) {
			d.quota.Add(1)
			return vfs.SystemError(err, sqlite3.FULL)
		}
		return vfs.SystemError(err, sqlite3.IOERR_FSYNC)
	}
	if f.Keep >= 0 {
		d.stored = f.Keep
	}
	d.stored = max(d.stored, keep)
	d.sizeStored = f.Size
	d.syncs.Add(1)
	d.chunks.Add(uint64(len(f.Chunks)))
	return nil
}

// VFS serves the databases it was given by name and keeps every other file
// (temporary files of sorts and temp tables) in memory.
type VFS struct {
	mu  sync.Mutex
	dbs map[string]*DB
}

// NewVFS returns an empty VFS; register it with vfs.Register.
func NewVFS() *VFS { return &VFS{dbs: map[string]*DB{}} }

// Set makes db the file name ("/oxlite.db" for the DSN
// "file:/oxlite.db?vfs=…"); nil removes it. Connections already open keep
// the database they opened.
func (v *VFS) Set(name string, db *DB) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if db == nil {
		delete(v.dbs, name)
		return
	}
	v.dbs[name] = db
}

// Open implements vfs.VFS.
func (v *VFS) Open(name string, flags vfs.OpenFlag) (vfs.File, vfs.OpenFlag, error) {
	if flags&vfs.OPEN_MAIN_DB == 0 {
		// Temp journals, temp databases and transient files are private
		// to a connection: memdb keeps them.
		if strings.HasPrefix(name, "/") {
			name = name[1:]
		}
		return vfs.Find("memdb").Open(name, flags)
	}
	v.mu.Lock()
	db := v.dbs[name]
	v.mu.Unlock()
	if db == nil {
		return nil, flags, sqlite3.CANTOPEN
	}
	return &file{DB: db, readOnly: flags&vfs.OPEN_READONLY != 0}, flags | vfs.OPEN_MEMORY, nil
}

// Delete implements vfs.VFS; OPEN_MEMORY means SQLite never creates
// journal files here.
func (*VFS) Delete(string, bool) error { return sqlite3.IOERR_DELETE_NOENT }

// Access implements vfs.VFS.
func (*VFS) Access(string, vfs.AccessFlag) (bool, error) { return false, nil }

// FullPathname implements vfs.VFS.
func (*VFS) FullPathname(name string) (string, error) { return name, nil }

// file is one connection's handle of a DB. The locking follows memdb:
// readers share, one writer reserves, and a committing writer waits for
// the readers to leave.
type file struct {
	*DB
	lock     vfs.LockLevel
	readOnly bool
}

var (
	_ vfs.FileLockState = &file{}
	_ vfs.FileSizeHint  = &file{}
)

func (f *file) Close() error { return f.Unlock(vfs.LOCK_NONE) }

func (f *file) ReadAt(b []byte, off int64) (int, error) {
	f.dataMtx.RLock()
	defer f.dataMtx.RUnlock()
	if off >= f.size {
		return 0, io.EOF
	}
	base, rest := off/ChunkSize, off%ChunkSize
	have := int64(ChunkSize)
	if f.size < off+int64(len(b)) {
		have = modRoundUp(f.size, ChunkSize)
	}
	n := copy(b, f.data[base][rest:have])
	if n < len(b) {
		// SQLite reads whole pages, which never straddle a chunk.
		return 0, io.ErrNoProgress
	}
	return n, nil
}

func (f *file) WriteAt(b []byte, off int64) (int, error) {
	f.dataMtx.Lock()
	defer f.dataMtx.Unlock()
	base, rest := off/ChunkSize, off%ChunkSize
	for base >= int64(len(f.data)) {
		f.markDirty(int64(len(f.data)))
		f.data = append(f.data, new([ChunkSize]byte))
	}
	f.markDirty(base)
	n := copy(f.data[base][rest:], b)
	if size := off + int64(n); size > f.size {
		f.size = size
	}
	if n < len(b) {
		return n, io.ErrShortWrite
	}
	return n, nil
}

func (f *file) Size() (int64, error) { return f.DB.Size(), nil }

func (f *file) Truncate(size int64) error {
	f.dataMtx.Lock()
	defer f.dataMtx.Unlock()
	f.truncate(size)
	return nil
}

func (f *file) SizeHint(size int64) error {
	f.dataMtx.Lock()
	defer f.dataMtx.Unlock()
	if size > f.size {
		f.truncate(size)
	}
	return nil
}

// +checklocks:f.dataMtx
func (f *file) truncate(size int64) {
	if size < f.size {
		base, rest := size/ChunkSize, size%ChunkSize
		if rest != 0 {
			f.markDirty(base)
			clear(f.data[base][rest:])
		}
	}
	n := divRoundUp(size, ChunkSize)
	for n > int64(len(f.data)) {
		f.markDirty(int64(len(f.data)))
		f.data = append(f.data, new([ChunkSize]byte))
	}
	clear(f.data[n:])
	f.data = f.data[:n]
	for i := range f.dirty {
		if i >= n {
			delete(f.dirty, i)
		}
	}
	f.size = size
}

func (f *file) Sync(vfs.SyncFlag) error {
	if f.readOnly {
		return nil
	}
	return f.sync()
}

func (f *file) Lock(lock vfs.LockLevel) error {
	if f.lock >= lock {
		return nil
	}
	if f.readOnly && lock >= vfs.LOCK_RESERVED {
		return sqlite3.IOERR_LOCK
	}
	f.lockMtx.Lock()
	defer f.lockMtx.Unlock()
	switch lock {
	case vfs.LOCK_SHARED:
		if f.pending {
			return sqlite3.BUSY
		}
		f.shared++
	case vfs.LOCK_RESERVED:
		if f.reserved {
			return sqlite3.BUSY
		}
		f.reserved = true
	case vfs.LOCK_EXCLUSIVE:
		if f.lock == vfs.LOCK_RESERVED {
			f.lock = vfs.LOCK_PENDING
			f.pending = true
		}
		if f.shared > 1 {
			before := time.Now()
			if f.waiter == nil {
				f.waiter = sync.NewCond(&f.lockMtx)
			}
			defer time.AfterFunc(time.Millisecond, f.waiter.Broadcast).Stop()
			for f.shared > 1 {
				if time.Since(before) > time.Millisecond {
					return sqlite3.BUSY
				}
				f.waiter.Wait()
			}
		}
	}
	f.lock = lock
	return nil
}

func (f *file) Unlock(lock vfs.LockLevel) error {
	if f.lock <= lock {
		return nil
	}
	if f.lock == vfs.LOCK_EXCLUSIVE && !f.readOnly {
		// A commit that shrank the file truncates it after its Sync
		// (SQLite's pager_end_transaction). Storing that now keeps the
		// stored chunks as small as the file; if it fails, the stored
		// database is still the committed one (its header holds the page
		// count), and the next commit deletes the chunks.
		_ = f.sync()
	}
	f.lockMtx.Lock()
	defer f.lockMtx.Unlock()
	if f.lock >= vfs.LOCK_RESERVED {
		f.reserved = false
	}
	if f.lock >= vfs.LOCK_PENDING {
		f.pending = false
	}
	if lock < vfs.LOCK_SHARED {
		if f.shared--; f.pending && f.shared <= 1 && f.waiter != nil {
			f.waiter.Broadcast()
		}
	}
	f.lock = lock
	return nil
}

func (f *file) CheckReservedLock() (bool, error) {
	if f.lock >= vfs.LOCK_RESERVED {
		return true, nil
	}
	f.lockMtx.Lock()
	defer f.lockMtx.Unlock()
	return f.reserved, nil
}

func (f *file) LockState() vfs.LockLevel { return f.lock }

func (*file) SectorSize() int { return ChunkSize }

func (*file) DeviceCharacteristics() vfs.DeviceCharacteristic {
	return vfs.IOCAP_ATOMIC | vfs.IOCAP_SEQUENTIAL | vfs.IOCAP_SAFE_APPEND | vfs.IOCAP_POWERSAFE_OVERWRITE
}

func divRoundUp(a, b int64) int64 { return (a + b - 1) / b }

func modRoundUp(a, b int64) int64 { return b - (b-a%b)%b }
