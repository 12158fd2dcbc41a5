package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"oxlite/storage"
	"oxlite/wasm/idbvfs"

	"github.com/ncruces/go-sqlite3/vfs"
)

// memBackend stands for IndexedDB in tests: it keeps the last flushed
// image; a "worker restart" restores from it.
type memBackend struct {
	chunks map[int64][]byte
	size   int64
	fail   atomic.Pointer[error]
}

func (b *memBackend) Flush(f *idbvfs.Flush) error {
	if e := b.fail.Load(); e != nil {
		return *e
	}
	for _, c := range f.Chunks {
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
	return nil
}

func (b *memBackend) image() (int64, []byte) {
	var n int64
	for i := range b.chunks {
		n = max(n, i+1)
	}
	img := make([]byte, n*idbvfs.ChunkSize)
	for i, c := range b.chunks {
		copy(img[i*idbvfs.ChunkSize:], c)
	}
	return b.size, img
}

var vfsSeq atomic.Int64

// testStore is the worker's persistence in a test: a VFS over a
// memBackend, wiped like the IndexedDB database.
type testStore struct {
	backend *memBackend
	vfs     *idbvfs.VFS
	name    string
	db      atomic.Pointer[idbvfs.DB]
	wipes   atomic.Int64
}

func newTestStore(t testing.TB) *testStore {
	s := &testStore{backend: &memBackend{chunks: map[int64][]byte{}}, vfs: idbvfs.NewVFS(),
		name: fmt.Sprintf("idbhost%d", vfsSeq.Add(1))}
	vfs.Register(s.name, s.vfs)
	t.Cleanup(func() { vfs.Unregister(s.name) })
	return s
}

func (s *testStore) open(ctx context.Context) (*storage.DB, error) {
	size, img := s.backend.image()
	d := idbvfs.New(s.backend, size, img)
	s.db.Store(d)
	s.vfs.Set("/oxlite.db", d)
	return storage.Open(ctx, storage.WorkerOptions("file:/oxlite.db?vfs="+s.name+
		"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(on)&_txlock=immediate", 4))
}

func (s *testStore) wipe(context.Context) error {
	s.vfs.Set("/oxlite.db", nil)
	s.backend.chunks, s.backend.size = map[int64][]byte{}, 0
	s.wipes.Add(1)
	return nil
}

func (s *testStore) quota() uint64 {
	if d := s.db.Load(); d != nil {
		return d.Stats().QuotaFailures
	}
	return 0
}

// newTestHost starts a host over store for the server at origin.
func newTestHost(t testing.TB, store *testStore, origin string, client Doer, notify func([]byte)) *Host {
	t.Helper()
	h := NewHost(HostConfig{Origin: origin, Client: client, Open: store.open, Wipe: store.wipe, Notify: notify,
		QuotaFailures: store.quota, SyncEvery: time.Hour, Debounce: 50 * time.Millisecond, BootSync: 100 * time.Millisecond})
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}
