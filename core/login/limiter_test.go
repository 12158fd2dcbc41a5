package login

import (
	"fmt"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newTestLimiter(max int, w time.Duration) (*Limiter, *fakeClock) {
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := NewLimiter(max, w)
	l.Now = c.now
	return l, c
}

func TestLimiterBlocksAfterMaxUntilOldestLeaves(t *testing.T) {
	l, c := newTestLimiter(3, time.Minute)
	for i := 0; i < 2; i++ {
		l.Fail("a")
		c.add(10 * time.Second)
	}
	if b, _ := l.Blocked("a"); b {
		t.Fatal("blocked after 2 of 3 failures")
	}
	l.Fail("a") // failures at 0s, 10s, 20s
	b, until := l.Blocked("a")
	if !b {
		t.Fatal("not blocked after 3 failures")
	}
	if want := time.Unix(1_700_000_000, 0).Add(time.Minute); !until.Equal(want) {
		t.Fatalf("blocked until %v, want %v", until, want)
	}
	if b, _ := l.Blocked("b"); b {
		t.Fatal("another key is blocked")
	}
	c.add(39 * time.Second) // 59 s after the first failure
	if b, _ := l.Blocked("a"); !b {
		t.Fatal("unblocked before the oldest failure left the window")
	}
	c.add(time.Second) // the first failure leaves
	if b, _ := l.Blocked("a"); b {
		t.Fatal("still blocked after the oldest failure left the window")
	}
	l.Fail("a")
	if b, _ := l.Blocked("a"); !b {
		t.Fatal("a new failure within the window must block again")
	}
}

func TestLimiterDisabled(t *testing.T) {
	l, _ := newTestLimiter(0, time.Minute)
	for i := 0; i < 100; i++ {
		l.Fail("a")
	}
	if b, _ := l.Blocked("a"); b {
		t.Fatal("a disabled limiter blocks")
	}
	if l.Len() != 0 {
		t.Fatal("a disabled limiter keeps keys")
	}
}

func TestLimiterKeepsAtMostMaxFailuresPerKey(t *testing.T) {
	l, c := newTestLimiter(3, time.Minute)
	for i := 0; i < 50; i++ {
		l.Fail("a")
		c.add(time.Millisecond)
	}
	if n := len(l.keys["a"]); n != 3 {
		t.Fatalf("%d failures kept, want 3", n)
	}
}

func TestLimiterBoundsKeys(t *testing.T) {
	l, c := newTestLimiter(2, time.Minute)
	l.MaxKeys = 10
	for i := 0; i < 10; i++ {
		l.Fail(fmt.Sprint("old", i))
	}
	c.add(2 * time.Minute) // all expired
	l.Fail("new")
	if l.Len() != 1 {
		t.Fatalf("expired keys not swept: %d keys", l.Len())
	}
	for i := 0; i < 30; i++ {
		l.Fail(fmt.Sprint("k", i))
		c.add(time.Millisecond)
	}
	if l.Len() > 10 {
		t.Fatalf("%d keys held, bound is 10", l.Len())
	}
	// The most recent key survives the eviction of the oldest.
	l.Fail("k29")
	if b, _ := l.Blocked("k29"); !b {
		t.Fatal("the newest key was evicted")
	}
}
