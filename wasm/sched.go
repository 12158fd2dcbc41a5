//go:build !js || offline

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"oxlite/syncer"
)

// scheduler runs the sync, one at a time: when asked (a login, the
// browser's online event), every SyncEvery while the worker lives, and
// Debounce after a local write; after a failure it waits for the
// engine's backoff. It tells the pages when the state changed.
type scheduler struct {
	h *Host

	mu sync.Mutex
	// now asks the next run to ignore the backoff (a reconnect).
	now      bool
	debounce *time.Timer
	notifyT  *time.Timer
	lastSent []byte

	wake chan struct{}
	done chan struct{}
	once sync.Once
}

func (s *scheduler) init(h *Host) {
	s.h = h
	s.wake = make(chan struct{}, 1)
	s.done = make(chan struct{})
}

// stop ends the scheduler (the store was given up).
func (s *scheduler) stop() { s.once.Do(func() { close(s.done) }) }

// kick asks for a sync soon; now ignores the retry backoff.
func (s *scheduler) kick(now bool) {
	s.mu.Lock()
	s.now = s.now || now
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// written is the recorder's OnWrite: the pending count changed, and a
// sync follows once the writes pause.
func (s *scheduler) written() {
	s.mu.Lock()
	if s.debounce == nil {
		s.debounce = time.AfterFunc(s.h.cfg.Debounce, func() { s.kick(false) })
	} else {
		s.debounce.Reset(s.h.cfg.Debounce)
	}
	s.mu.Unlock()
	s.notify()
}

// Event is a browser event forwarded by sw.js: "online" syncs at once,
// "offline" updates the pages.
func (h *Host) Event(name string) {
	switch name {
	case "online":
		h.sched.kick(true)
	case "offline":
		h.sched.notify()
	}
}

// syncOnce runs one sync and returns when the next one is due: the
// initial sync until one completed, then push and pull (ignoring the
// backoff when asked to sync now).
func (h *Host) syncOnce() time.Duration {
	s := &h.sched
	s.mu.Lock()
	now := s.now
	s.now = false
	s.mu.Unlock()
	st := h.acquire(context.Background())
	if st == nil {
		return h.cfg.SyncEvery
	}
	defer st.users.Done()
	if !st.attached() {
		return h.cfg.SyncEvery
	}
	ctx := st.ctx
	var err error
	switch {
	case !st.synced.Load():
		err = st.eng.InitialSync(ctx)
	case now:
		err = st.eng.SyncNow(ctx)
	default:
		err = st.eng.Sync(ctx)
	}
	if err == nil {
		st.synced.Store(true)
	}
	s.notify()
	next := h.cfg.SyncEvery
	if err != nil && !errors.Is(err, syncer.ErrRelogin) {
		if at := st.eng.State(ctx).RetryAt; at > 0 {
			if d := time.Until(time.UnixMilli(at)); d < next {
				next = max(d, 100*time.Millisecond)
			}
		}
	}
	return next
}

func (s *scheduler) run(first time.Duration) {
	t := time.NewTimer(first)
	for {
		select {
		case <-s.wake:
		case <-t.C:
		case <-s.done:
			t.Stop()
			return
		}
		next := s.h.syncOnce()
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(next)
	}
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
