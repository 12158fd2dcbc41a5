package storage

import (
	"sync"
	"sync/atomic"
)

// memo keeps the results of small, hot reads (a request's session, user
// and folder) until the next commit. It exists for the service worker's
// store: the worker is the only process writing it (navigator.locks), so
// a commit counter kept in this process sees every change. A native
// database may be changed by another process (the admin CLI), which the
// counter would miss, so the server does not turn it on.
//
// The counter moves twice per commit: in SQLite's commit hook, which sees
// every commit of every connection whatever API ran it, and again once
// Write or Exec returns. A read records the counter before it starts and
// its result counts only while the counter still has that value, so a
// read that overlaps a commit is never served afterwards.
type memo struct {
	gen atomic.Uint64
	mu  sync.Mutex
	m   map[any]memoEntry
}

type memoEntry struct {
	gen uint64
	v   any
}

// memoMax bounds the entries: a worker holds one user's session, user and
// folders; beyond the bound the map starts over.
const memoMax = 4096

func (m *memo) changed() {
	if m != nil {
		m.gen.Add(1)
	}
}

// Cached returns load's result for key, from memory while nothing was
// committed since it was read. Without the memo (the native server) it
// runs load. Values are shared between callers: load must return
// something callers do not change, or copy must hand out copies.
func Cached[T any](d *DB, key any, load func() (T, error), copy func(T) T) (T, error) {
	m := d.memo
	if m == nil {
		return load()
	}
	gen := m.gen.Load()
	m.mu.Lock()
	e, ok := m.m[key]
	m.mu.Unlock()
	if ok && e.gen == gen {
		return copy(e.v.(T)), nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	m.mu.Lock()
	if len(m.m) >= memoMax {
		clear(m.m)
	}
	m.m[key] = memoEntry{gen: gen, v: v}
	m.mu.Unlock()
	return copy(v), nil
}
