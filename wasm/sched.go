package main

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"time"

	"oxlite/syncer"
)

// scheduler is the host's side of the sync schedule: syncer.Scheduler
// decides when (at boot, every SyncEvery, Debounce after a local write,
// at once on a login or the browser's online event), syncOnce decides
// what (the initial sync until one completed, then push and pull on
// whichever store is open), and the pages hear when the state changed.
type scheduler struct {
	h    *Host
	s    *syncer.Scheduler
	stop context.CancelFunc

	mu       sync.Mutex
	notifyT  *time.Timer
	lastSent []byte
}

func (s *scheduler) init(h *Host) {
	s.h = h
	s.s = syncer.NewSchedulerFunc(h.syncOnce)
	s.s.First, s.s.Interval, s.s.Debounce = h.cfg.BootSync, h.cfg.SyncEvery, h.cfg.Debounce
	s.s.OnSync = func(error) { s.notify() }
	s.stop = func() {}
}

// run starts the schedule; stop ends it (the store was given up).
func (s *scheduler) run() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	go s.s.Run(ctx)
}

// kick asks for a sync at once, ignoring the retry backoff.
func (s *scheduler) kick() { s.s.Now() }

// written is the recorder's OnWrite: the pending count changed, and a
// sync follows once the writes pause.
func (s *scheduler) written() {
	s.s.Written()
	s.notify()
}

// Event is a browser event forwarded by sw.js: "online" syncs at once,
// "offline" pauses automatic syncs and updates the pages.
func (h *Host) Event(name string) {
	switch name {
	case "online":
		h.sched.s.Online()
	case "offline":
		h.sched.s.Offline()
		h.sched.notify()
	}
}

// syncOnce is the scheduler's step: the initial sync until one
// completed, then push and pull (ignoring the backoff when forced).
func (h *Host) syncOnce(_ context.Context, force bool) (time.Time, error) {
	st := h.acquire(context.Background())
	if st == nil {
		return time.Time{}, nil
	}
	defer st.users.Done()
	if !st.attached() {
		return time.Time{}, nil
	}
	ctx := st.ctx
	var err error
	switch {
	case !st.synced.Load():
		err = st.eng.InitialSync(ctx)
	case force:
		err = st.eng.SyncNow(ctx)
	default:
		err = st.eng.Sync(ctx)
	}
	if err == nil {
		st.synced.Store(true)
	}
	var at time.Time
	if ms := st.eng.State(ctx).RetryAt; ms > 0 {
		at = time.UnixMilli(ms)
	}
	return at, err
}

// notify posts the sync state to the pages when it changed, at most
// every 200 ms.
func (s *scheduler) notify() {
	if s.h.cfg.Notify == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.notifyT != nil {
		return
	}
	s.notifyT = time.AfterFunc(200*time.Millisecond, func() {
		s.mu.Lock()
		s.notifyT = nil
		s.mu.Unlock()
		s.send()
	})
}

// message is what the pages receive (postMessage).
type message struct {
	Type  string        `json:"type"`
	State *syncer.State `json:"state"`
}

func (s *scheduler) send() {
	h := s.h
	st := h.acquire(context.Background())
	m := message{Type: "oxlite-sync"}
	if st != nil {
		state := st.eng.State(st.ctx)
		st.users.Done()
		m.State = &state
	}
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	s.mu.Lock()
	same := bytes.Equal(b, s.lastSent)
	s.lastSent = b
	s.mu.Unlock()
	if !same {
		h.cfg.Notify(b)
	}
}
