package login

import (
	"sort"
	"sync"
	"time"
)

// Limiter counts failed logins per key (client address and User-Agent).
// After Max failures within Window every login of the key is refused until
// the oldest failure leaves the window. It lives in memory: a restart
// forgets it, which only gives an attacker one fresh window per restart.
type Limiter struct {
	Max    int
	Window time.Duration
	// MaxKeys bounds memory; when full, expired keys are dropped first and
	// then the key whose last failure is oldest.
	MaxKeys int
	Now     func() time.Time

	mu   sync.Mutex
	keys map[string][]time.Time // failures, oldest first, at most Max
}

// NewLimiter returns a limiter; max <= 0 disables it.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window, MaxKeys: 100000, Now: time.Now, keys: map[string][]time.Time{}}
}

// live drops the failures of key that left the window and returns the rest.
func (l *Limiter) live(key string, now time.Time) []time.Time {
	fails := l.keys[key]
	i := 0
	for i < len(fails) && now.Sub(fails[i]) >= l.Window {
		i++
	}
	if i == len(fails) {
		delete(l.keys, key)
		return nil
	}
	if i > 0 {
		fails = append(fails[:0], fails[i:]...)
		l.keys[key] = fails
	}
	return fails
}

// Blocked reports whether logins of key are refused, and until when.
func (l *Limiter) Blocked(key string) (bool, time.Time) {
	if l == nil || l.Max <= 0 {
		return false, time.Time{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	fails := l.live(key, now)
	if len(fails) < l.Max {
		return false, time.Time{}
	}
	return true, fails[len(fails)-l.Max].Add(l.Window)
}

// Fail records a failed login of key.
func (l *Limiter) Fail(key string) {
	if l == nil || l.Max <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	fails := l.live(key, now)
	if fails == nil && len(l.keys) >= l.MaxKeys {
		l.evict(now)
	}
	fails = append(fails, now)
	if len(fails) > l.Max {
		fails = append(fails[:0], fails[len(fails)-l.Max:]...)
	}
	l.keys[key] = fails
}

// evict makes room: expired keys go first, then the keys whose last
// failure is oldest, down to nine tenths of MaxKeys so that the cost of a
// sweep is shared by many failures.
func (l *Limiter) evict(now time.Time) {
	for k := range l.keys {
		l.live(k, now)
	}
	if len(l.keys) < l.MaxKeys {
		return
	}
	type kl struct {
		key  string
		last time.Time
	}
	all := make([]kl, 0, len(l.keys))
	for k, f := range l.keys {
		all = append(all, kl{k, f[len(f)-1]})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].last.Before(all[j].last) })
	keep := l.MaxKeys * 9 / 10
	for _, e := range all[:len(all)-keep] {
		delete(l.keys, e.key)
	}
}

// Len is the number of keys held (for tests).
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}
