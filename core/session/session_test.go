package session

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"oxlite/core/protocol"
	"oxlite/storage"

	// Registers the memdb VFS that storage.MemoryDSN names.
	_ "github.com/ncruces/go-sqlite3/vfs/memdb"
)

func newTestManager(t *testing.T, name string, cfg Config) (*Manager, *time.Time) {
	t.Helper()
	db, err := storage.Open(context.Background(), storage.Options{DSN: storage.MemoryDSN(name)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	m := New(db, cfg)
	now := time.Unix(1_700_000_000, 0)
	m.Now = func() time.Time { return now }
	return m, &now
}

func TestLifetimesAndPrune(t *testing.T) {
	ctx := context.Background()
	m, now := newTestManager(t, "session-lifetimes", Config{Lifetime: time.Minute, StoredLifetime: time.Hour})
	plain := &Session{ContextID: 1, UserID: 3, Client: DefaultClient, Login: "a", IP: "127.0.0.1", Hash: "h"}
	stored := &Session{ContextID: 1, UserID: 3, Client: DefaultClient, Login: "a", IP: "127.0.0.1", Hash: "h", Stored: true}
	for _, s := range []*Session{plain, stored} {
		if err := m.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	tok, _, err := m.NewToken(ctx, KindAcquire, plain.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(2 * time.Minute)
	if s, _ := m.Get(ctx, plain.ID); s != nil {
		t.Fatal("idle session outlived its lifetime")
	}
	if s, _ := m.Get(ctx, stored.ID); s == nil {
		t.Fatal("stored session expired with the short lifetime")
	}
	if _, _, ok, _ := m.TakeToken(ctx, KindAcquire, tok, AcquireTTL); ok {
		t.Fatal("token of a removed session still redeemable")
	}
	*now = now.Add(2 * time.Hour)
	if err := m.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := m.DB.QueryRow(ctx, `SELECT count(*) FROM sessions`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d sessions left after prune (%v)", n, err)
	}
}

func TestTokensAreOneTimeAndShortLived(t *testing.T) {
	ctx := context.Background()
	m, now := newTestManager(t, "session-tokens", Config{})
	s := &Session{ContextID: 1, UserID: 3, Client: DefaultClient, Login: "a", IP: "127.0.0.1", Hash: "h", Random: NewID()}
	if err := m.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	tok, _, _ := m.NewToken(ctx, KindServer, s.ID, "ct")
	if _, _, ok, _ := m.TakeToken(ctx, KindAcquire, tok, time.Hour); ok {
		t.Fatal("token redeemed as another kind")
	}
	tok, _, _ = m.NewToken(ctx, KindServer, s.ID, "ct")
	sid, ct, ok, err := m.TakeToken(ctx, KindServer, tok, ServerTTL)
	if err != nil || !ok || sid != s.ID || ct != "ct" {
		t.Fatalf("TakeToken: %q %q %v %v", sid, ct, ok, err)
	}
	if _, _, ok, _ := m.TakeToken(ctx, KindServer, tok, ServerTTL); ok {
		t.Fatal("token redeemed twice")
	}
	late, _, _ := m.NewToken(ctx, KindServer, s.ID, "ct")
	*now = now.Add(ServerTTL + time.Second)
	if _, _, ok, _ := m.TakeToken(ctx, KindServer, late, ServerTTL); ok {
		t.Fatal("expired token redeemed")
	}
	if got, _ := m.TakeRandom(ctx, s.Random); got != nil {
		t.Fatal("random token accepted after its window")
	}
}

func TestRandomTokenOnce(t *testing.T) {
	ctx := context.Background()
	m, _ := newTestManager(t, "session-random", Config{})
	s := &Session{ContextID: 1, UserID: 3, Client: DefaultClient, Login: "a", IP: "127.0.0.1", Hash: "h", Random: NewID()}
	if err := m.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got, err := m.TakeRandom(ctx, s.Random); err != nil || got == nil || got.ID != s.ID {
		t.Fatalf("TakeRandom: %v %v", got, err)
	}
	if got, _ := m.TakeRandom(ctx, s.Random); got != nil {
		t.Fatal("random token used twice")
	}
	if got, _ := m.TakeRandom(ctx, ""); got != nil {
		t.Fatal("empty random token matched a session")
	}
}

func TestCheckIP(t *testing.T) {
	ctx := context.Background()
	for _, check := range []bool{true, false} {
		m, _ := newTestManager(t, "session-ip-"+map[bool]string{true: "on", false: "off"}[check], Config{IPCheck: check})
		s := &Session{ContextID: 1, UserID: 3, Client: DefaultClient, Login: "a", IP: "10.0.0.1", Hash: "h"}
		if err := m.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("GET", "/login", nil)
		r.RemoteAddr = "[::ffff:192.0.2.7]:4711"
		err := m.CheckIP(r, s)
		if check {
			if !protocol.ErrWrongClientIP.Is(err) {
				t.Fatalf("ip check on: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ip check off: %v", err)
		}
		got, _ := m.Get(ctx, s.ID)
		if got.IP != "192.0.2.7" {
			t.Fatalf("ip check off must record the new address, got %q", got.IP)
		}
	}
}

func TestClientIP(t *testing.T) {
	for addr, want := range map[string]string{"127.0.0.1:80": "127.0.0.1", "[::1]:443": "::1", "192.0.2.1": "192.0.2.1", "[::ffff:10.1.2.3]:1": "10.1.2.3"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = addr
		if got := ClientIP(r); got != want {
			t.Errorf("ClientIP(%q) = %q, want %q", addr, got, want)
		}
	}
}
