package syncer

import (
	"context"
	"sync"
	"time"
)

// Scheduler decides when the engine syncs (docs/offline.md §6): every
// Interval, Debounce after local writes, and at once when the network
// comes back. Syncs run one at a time; a sync asked for while one runs
// follows it. Automatic syncs respect the engine's backoff after
// transport failures; Online and Now do not.
type Scheduler struct {
	e        *Engine
	Interval time.Duration
	Debounce time.Duration

	mu      sync.Mutex
	offline bool
	kick    chan bool // true: ignore the backoff
	written chan struct{}
	// OnSync, when set, learns the outcome of each sync (the host tells
	// its pages).
	OnSync func(State, error)
}

// NewScheduler returns a scheduler with the defaults of docs/offline.md
// (60 s interval, 2 s debounce).
func NewScheduler(e *Engine) *Scheduler {
	return &Scheduler{e: e, Interval: 60 * time.Second, Debounce: 2 * time.Second,
		kick: make(chan bool, 1), written: make(chan struct{}, 1)}
}

// Written notes a local write (wire it to Recorder.OnWrite).
func (s *Scheduler) Written() {
	select {
	case s.written <- struct{}{}:
	default:
	}
}

// Online notes that the network is back: sync now.
func (s *Scheduler) Online() {
	s.mu.Lock()
	s.offline = false
	s.mu.Unlock()
	s.now(true)
}

// Offline notes that the network is gone: automatic syncs pause.
func (s *Scheduler) Offline() {
	s.mu.Lock()
	s.offline = true
	s.mu.Unlock()
}

// Now asks for a sync at once.
func (s *Scheduler) Now() { s.now(true) }

func (s *Scheduler) now(force bool) {
	select {
	case s.kick <- force:
	default:
	}
}

// Run schedules syncs until ctx ends (run it in its own goroutine).
func (s *Scheduler) Run(ctx context.Context) {
	tick := time.NewTicker(s.Interval)
	defer tick.Stop()
	var debounce <-chan time.Time
	for {
		force := false
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-s.written:
			debounce = time.After(s.Debounce)
			continue
		case <-debounce:
			debounce = nil
		case force = <-s.kick:
		}
		s.mu.Lock()
		offline := s.offline
		s.mu.Unlock()
		if offline && !force {
			continue
		}
		var err error
		if force {
			err = s.e.SyncNow(ctx)
		} else {
			err = s.e.Sync(ctx)
		}
		if s.OnSync != nil {
			s.OnSync(s.e.State(ctx), err)
		}
	}
}
