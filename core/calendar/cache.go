package calendar

import (
	"sort"
	"sync"

	"oxlite/storage"
)

// readCache keeps decoded appointments for the read paths, keyed by
// context and id and valid while last_modified matches: every change of
// an appointment (its folder mappings included) takes a new stamp. A
// listing then decodes JSON and computes a finite series' occurrences
// once per version instead of once per request.
type readCache struct {
	mu sync.Mutex
	m  map[cacheKey]*appt
}

// cacheKey names an appointment across databases (tests open several).
type cacheKey struct {
	db      *storage.DB
	cid, id int64
}

// maxCached bounds the cache; when full it starts over.
const maxCached = 50000

// maxCachedStarts bounds the occurrences kept per series.
const maxCachedStarts = 5000

var cache = &readCache{m: map[cacheKey]*appt{}}

// decoded answers a private copy of a's decoded form; its maps and slices
// are shared and read-only (replace them, never change them in place).
func decoded(db *storage.DB, cid int64, a *storage.Appointment) *appt {
	key := cacheKey{db, cid, a.ID}
	cache.mu.Lock()
	t := cache.m[key]
	cache.mu.Unlock()
	if t == nil || t.LastModified != a.LastModified {
		t = decode(a)
		t.raw = true
		if t.isMaster() && !infinite(a) {
			var starts []int64
			_ = each(a, func(s, _ int64) bool {
				starts = append(starts, s)
				return len(starts) <= maxCachedStarts
			})
			if len(starts) <= maxCachedStarts {
				t.starts = starts
			}
		}
		cache.mu.Lock()
		if len(cache.m) >= maxCached {
			cache.m = map[cacheKey]*appt{}
		}
		cache.m[key] = t
		cache.mu.Unlock()
	}
	v := *t
	return &v
}

// startsIn answers the cached occurrences of a finite series meeting
// [start,end) with their 1-based positions (ok false: not cached).
func (v *appt) startsIn(start, end, dur int64, fn func(s, pos int64)) bool {
	if v.starts == nil {
		return false
	}
	i := sort.Search(len(v.starts), func(i int) bool { return v.starts[i]+dur >= start })
	for ; i < len(v.starts) && v.starts[i] < end; i++ {
		fn(v.starts[i], int64(i+1))
	}
	return true
}
