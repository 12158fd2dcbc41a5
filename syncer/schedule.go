package syncer

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Scheduler decides when syncs run (docs/offline.md §6): First after the
// start, every Interval, Debounce after local writes (the timer restarts
// with each write), and at once when asked or when the network comes
// back. Syncs run one at a time; one asked for while another runs
// follows it. Automatic syncs pause while offline and wait for the
// engine's backoff after a failure; Online and Now do not. A sync run
// without the scheduler (Synced) counts like one of its own: the next
// automatic one is due an Interval after it.
type Scheduler struct {
	// First is the wait before the first automatic sync (0: Interval).
	First    time.Duration
	Interval time.Duration
	Debounce time.Duration
	// OnSync, when set, learns the outcome of each sync.
	OnSync func(error)

	step    SyncStep
	mu      sync.Mutex
	offline bool
	force   bool
	kick    chan struct{}
	written chan struct{}
	synced  chan struct{}
}

// SyncStep runs one sync (force: ignore the backoff) and reports when the
// engine allows the next retry after a failure (zero: no backoff).
type SyncStep func(ctx context.Context, force bool) (retryAt time.Time, err error)

// NewScheduler schedules e's syncs with the defaults of docs/offline.md
// (60 s interval, 2 s debounce).
func NewScheduler(e *Engine) *Scheduler {
	s := NewSchedulerFunc(func(ctx context.Context, force bool) (time.Time, error) {
		var err error
		if force {
			err = e.SyncNow(ctx)
		} else {
			err = e.Sync(ctx)
		}
		var at time.Time
		if ms := e.State(ctx).RetryAt; ms > 0 {
			at = time.UnixMilli(ms)
		}
		return at, err
	})
	e.OnDone(func(err error) {
		if err == nil {
			s.Synced()
		}
	})
	return s
}

// NewSchedulerFunc schedules an arbitrary sync step (a host that also
// runs the initial sync or swaps stores).
func NewSchedulerFunc(step SyncStep) *Scheduler {
	return &Scheduler{Interval: 60 * time.Second, Debounce: 2 * time.Second, step: step,
		kick: make(chan struct{}, 1), written: make(chan struct{}, 1), synced: make(chan struct{}, 1)}
}

// Written notes a local write (wire it to Recorder.OnWrite).
func (s *Scheduler) Written() {
	select {
	case s.written <- struct{}{}:
	default:
	}
}

// Synced notes a sync that completed without the scheduler (the API's
// `now`): a retry or interval sync due sooner than an Interval after it
// is put off. (A sync of its own counts too, to no effect.)
func (s *Scheduler) Synced() {
	select {
	case s.synced <- struct{}{}:
	default:
	}
}

// Online notes that the network is back: sync now.
func (s *Scheduler) Online() {
	s.mu.Lock()
	s.offline = false
	s.mu.Unlock()
	s.Now()
}

// Offline notes that the network is gone: automatic syncs pause.
func (s *Scheduler) Offline() {
	s.mu.Lock()
	s.offline = true
	s.mu.Unlock()
}

// Now asks for a sync at once, ignoring the backoff.
func (s *Scheduler) Now() {
	s.mu.Lock()
	s.force = true
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run schedules syncs until ctx ends (run it in its own goroutine).
func (s *Scheduler) Run(ctx context.Context) {
	first := s.First
	if first <= 0 {
		first = s.Interval
	}
	next := time.NewTimer(first)
	defer next.Stop()
	var debounce *time.Timer
	var debounced <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			if debounce != nil {
				debounce.Stop()
			}
			return
		case <-next.C:
		case <-s.written:
			if debounce == nil {
				debounce = time.NewTimer(s.Debounce)
			} else {
				debounce.Reset(s.Debounce)
			}
			debounced = debounce.C
			continue
		case <-debounced:
			debounced = nil
		case <-s.kick:
		case <-s.synced:
			resetTimer(next, s.Interval)
			continue
		}
		s.mu.Lock()
		force, offline := s.force, s.offline
		s.force = false
		s.mu.Unlock()
		wait := s.Interval
		if !offline || force {
			at, err := s.step(ctx, force)
			if err != nil && !errors.Is(err, ErrRelogin) && !at.IsZero() {
				if d := time.Until(at); d < wait {
					wait = max(d, 100*time.Millisecond)
				}
			}
			if s.OnSync != nil {
				s.OnSync(err)
			}
		}
		resetTimer(next, wait)
	}
}

// resetTimer restarts t to fire after d, dropping a tick not yet taken.
func resetTimer(t *time.Timer, d time.Duration) {
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	t.Reset(d)
}
