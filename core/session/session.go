// Package session keeps login sessions in SQLite and verifies them on every
// request: session id from the URL, secret cookie, client address.
package session

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"oxlite/core/protocol"
	"oxlite/storage"
)

// DefaultClient is the client id of the App Suite UI.
const DefaultClient = "open-xchange-appsuite"

// Cookie name prefixes of OX 7.8.
const (
	SecretPrefix        = "open-xchange-secret-"
	SessionPrefix       = "open-xchange-session-"
	PublicSessionPrefix = "open-xchange-public-session-"
)

// Config are the session settings.
type Config struct {
	// Lifetime is how long an unused session lives.
	Lifetime time.Duration
	// StoredLifetime is how long a session made persistent by `store`
	// (stay signed in) lives unused; it is also the persistent cookies' max age.
	StoredLifetime time.Duration
	// IPCheck refuses requests from another address than the login's.
	IPCheck bool
	// Salt enters the cookie hash.
	Salt string
	// TrustLocal accepts sessions without cookie and IP checks: the service
	// worker answers only its own origin's requests, which carry no cookies.
	TrustLocal bool
	// Secure marks cookies Secure (set when served over HTTPS).
	Secure bool
}

// Session is a stored login session.
type Session struct {
	ID        string
	ContextID int64
	UserID    int64
	Secret    string
	PublicID  string
	Random    string
	Client    string
	Login     string
	IP        string
	UserAgent string
	Hash      string
	Locale    string
	Stored    bool
	Created   int64
	LastUsed  int64
}

// Manager stores and verifies sessions.
type Manager struct {
	DB  *storage.DB
	Cfg Config
	Now func() time.Time
	// lastPrune is when expired sessions and tokens were last swept (ms).
	lastPrune atomic.Int64
}

// New returns a manager.
func New(db *storage.DB, cfg Config) *Manager {
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = time.Hour
	}
	if cfg.StoredLifetime <= 0 {
		cfg.StoredLifetime = 7 * 24 * time.Hour
	}
	return &Manager{DB: db, Cfg: cfg, Now: time.Now}
}

// NewID returns 32 lowercase hex characters of randomness.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

var idRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

// ValidID reports whether s has the shape of a session id.
func ValidID(s string) bool { return idRe.MatchString(s) }

// Hash is MD5 over User-Agent, client and salt, Base64 with non-word
// characters removed (the reference server's HashCalculator).
func Hash(userAgent, client, salt string) string {
	h := md5.New()
	h.Write([]byte(userAgent))
	h.Write([]byte(client))
	h.Write([]byte(salt))
	enc := base64.StdEncoding.EncodeToString(h.Sum(nil))
	out := make([]byte, 0, len(enc))
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' {
			out = append(out, c)
		}
	}
	return string(out)
}

// PublicHash is the hash of the public-session cookie name: the same
// MD5 without the client, so cookie-only image requests can find it.
func PublicHash(userAgent, salt string) string { return Hash(userAgent, "", salt) }

// ClientIP is the remote address of a request without port. netip rather
// than net keeps the package free of the net package (js/wasm rule).
func ClientIP(r *http.Request) string {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap().String()
	}
	if i := strings.LastIndexByte(r.RemoteAddr, ':'); i > 0 && !strings.Contains(r.RemoteAddr[i:], "]") {
		return strings.Trim(r.RemoteAddr[:i], "[]")
	}
	return r.RemoteAddr
}

// Create stores a new session and fills its ids. A LastUsed set by the
// caller is kept (token-login sessions start close to their end).
func (m *Manager) Create(ctx context.Context, s *Session) error {
	m.maybePrune(ctx)
	s.ID, s.Secret, s.PublicID = NewID(), NewID(), NewID()
	now := m.Now().UnixMilli()
	s.Created = now
	if s.LastUsed == 0 {
		s.LastUsed = now
	}
	_, err := m.DB.Exec(ctx, `INSERT INTO sessions(id, cid, user_id, secret, public_id, random, client, login, ip, user_agent, hash, locale, stored, created, last_used)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, s.ID, s.ContextID, s.UserID, s.Secret, s.PublicID, s.Random, s.Client, s.Login, s.IP,
		s.UserAgent, s.Hash, s.Locale, s.Stored, s.Created, s.LastUsed)
	return err
}

// Adopt stores a session established elsewhere under its own id: the
// service worker keeps the server's session id so that its local answers
// accept the id the page got from the server's login. An existing session
// with that id is replaced.
func (m *Manager) Adopt(ctx context.Context, s *Session) error {
	if s.Secret == "" {
		s.Secret = NewID()
	}
	if s.PublicID == "" {
		s.PublicID = NewID()
	}
	now := m.Now().UnixMilli()
	if s.Created == 0 {
		s.Created = now
	}
	if s.LastUsed == 0 {
		s.LastUsed = now
	}
	_, err := m.DB.Exec(ctx, `INSERT OR REPLACE INTO sessions(id, cid, user_id, secret, public_id, random, client, login, ip, user_agent, hash, locale, stored, created, last_used)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, s.ID, s.ContextID, s.UserID, s.Secret, s.PublicID, s.Random, s.Client, s.Login, s.IP,
		s.UserAgent, s.Hash, s.Locale, s.Stored, s.Created, s.LastUsed)
	return err
}

const sessionCols = `id, cid, user_id, secret, public_id, random, client, login, ip, user_agent, hash, locale, stored, created, last_used`

func scan(row *sql.Row) (*Session, error) {
	var s Session
	err := row.Scan(&s.ID, &s.ContextID, &s.UserID, &s.Secret, &s.PublicID, &s.Random, &s.Client, &s.Login, &s.IP,
		&s.UserAgent, &s.Hash, &s.Locale, &s.Stored, &s.Created, &s.LastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &s, err
}

func (m *Manager) expired(s *Session) bool {
	life := m.Cfg.Lifetime
	if s.Stored {
		life = m.Cfg.StoredLifetime
	}
	return m.Now().UnixMilli()-s.LastUsed > life.Milliseconds()
}

// Get returns a live session or nil. Expired sessions are removed.
func (m *Manager) Get(ctx context.Context, id string) (*Session, error) {
	if !ValidID(id) {
		return nil, nil
	}
	s, err := storage.Cached(m.DB, sessionKey(id), func() (*Session, error) {
		return scan(m.DB.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE id = ?`, id))
	}, (*Session).copy)
	return m.checkLive(ctx, s, err)
}

// sessionKey keys a session in the store's read memo.
type sessionKey string

// copy hands out a session callers may change (Touch, CheckIP do).
func (s *Session) copy() *Session {
	if s == nil {
		return nil
	}
	c := *s
	return &c
}

// ByPublicID returns the live session of a public-session cookie value.
func (m *Manager) ByPublicID(ctx context.Context, pub string) (*Session, error) {
	if !ValidID(pub) {
		return nil, nil
	}
	return m.live(ctx, m.DB.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE public_id = ?`, pub))
}

func (m *Manager) live(ctx context.Context, row *sql.Row) (*Session, error) {
	s, err := scan(row)
	return m.checkLive(ctx, s, err)
}

func (m *Manager) checkLive(ctx context.Context, s *Session, err error) (*Session, error) {
	if err != nil || s == nil {
		return nil, err
	}
	if m.expired(s) {
		_ = m.Remove(ctx, s.ID)
		return nil, nil
	}
	return s, nil
}

// touchEvery bounds how often last_used is written back.
const touchEvery = 30 * time.Second

// Touch records use of the session, at most every 30 s or a tenth of the
// lifetime, whichever is shorter, so short configured lifetimes still see
// a session in use as alive.
func (m *Manager) Touch(ctx context.Context, s *Session) {
	now := m.Now().UnixMilli()
	every := min(touchEvery, m.Cfg.Lifetime/10)
	if now-s.LastUsed < every.Milliseconds() {
		return
	}
	s.LastUsed = now
	_, _ = m.DB.Exec(ctx, `UPDATE sessions SET last_used = ? WHERE id = ?`, now, s.ID)
}

// Remove deletes a session and the login tokens pointing to it.
func (m *Manager) Remove(ctx context.Context, id string) error {
	if _, err := m.DB.Exec(ctx, `DELETE FROM login_tokens WHERE session_id = ?`, id); err != nil {
		return err
	}
	_, err := m.DB.Exec(ctx, `DELETE FROM sessions WHERE id = ?`, id)
	return err
}

// Update writes the mutable fields of a session (secret, ip, stored,
// random, client, user agent, hash, last use).
func (m *Manager) Update(ctx context.Context, s *Session) error {
	_, err := m.DB.Exec(ctx, `UPDATE sessions SET secret = ?, ip = ?, stored = ?, random = ?, client = ?, user_agent = ?, hash = ?, last_used = ? WHERE id = ?`,
		s.Secret, s.IP, s.Stored, s.Random, s.Client, s.UserAgent, s.Hash, s.LastUsed, s.ID)
	return err
}

// RemoveUser deletes all sessions of a user.
func (m *Manager) RemoveUser(ctx context.Context, cid, uid int64) error {
	if _, err := m.DB.Exec(ctx, `DELETE FROM login_tokens WHERE session_id IN (SELECT id FROM sessions WHERE cid = ? AND user_id = ?)`, cid, uid); err != nil {
		return err
	}
	_, err := m.DB.Exec(ctx, `DELETE FROM sessions WHERE cid = ? AND user_id = ?`, cid, uid)
	return err
}

// pruneEvery bounds how often Create sweeps expired rows.
const pruneEvery = 10 * time.Minute

// maybePrune sweeps expired sessions and tokens now and then, so sessions
// nobody comes back for do not pile up in the table.
func (m *Manager) maybePrune(ctx context.Context) {
	now := m.Now().UnixMilli()
	last := m.lastPrune.Load()
	if now-last < pruneEvery.Milliseconds() || !m.lastPrune.CompareAndSwap(last, now) {
		return
	}
	_ = m.Prune(ctx)
}

// Prune deletes expired sessions and login tokens.
func (m *Manager) Prune(ctx context.Context) error {
	now := m.Now().UnixMilli()
	if _, err := m.DB.Exec(ctx, `DELETE FROM sessions WHERE (stored = 0 AND last_used < ?) OR (stored <> 0 AND last_used < ?)`,
		now-m.Cfg.Lifetime.Milliseconds(), now-m.Cfg.StoredLifetime.Milliseconds()); err != nil {
		return err
	}
	_, err := m.DB.Exec(ctx, `DELETE FROM login_tokens WHERE created < ? OR session_id NOT IN (SELECT id FROM sessions)`,
		now-MaxTokenTTL.Milliseconds())
	return err
}

// SecretCookieName is the secret cookie's name for a request's User-Agent
// and the session's client.
func (m *Manager) SecretCookieName(r *http.Request, client string) string {
	return SecretPrefix + Hash(r.UserAgent(), client, m.Cfg.Salt)
}

// SessionCookieName is the session cookie's name (written by `store`).
func (m *Manager) SessionCookieName(r *http.Request, client string) string {
	return SessionPrefix + Hash(r.UserAgent(), client, m.Cfg.Salt)
}

// PublicCookieName is the public-session cookie's name.
func (m *Manager) PublicCookieName(r *http.Request) string {
	return PublicSessionPrefix + PublicHash(r.UserAgent(), m.Cfg.Salt)
}

// Verify runs the reference server's checks for a session id on a request:
// SES-0203 unknown or expired, SES-0206 secret cookie missing or wrong,
// SES-0205 address changed. With the IP check off a changed address is
// written to the session instead.
func (m *Manager) Verify(r *http.Request, id string) (*Session, error) {
	s, err := m.VerifySecret(r, id)
	if err != nil || m.Cfg.TrustLocal {
		return s, err
	}
	if err := m.CheckIP(r, s); err != nil {
		return nil, err
	}
	return s, nil
}

// VerifySecret runs the checks of Verify without the address check
// (changeip moves a session to another address on purpose).
func (m *Manager) VerifySecret(r *http.Request, id string) (*Session, error) {
	s, err := m.Get(r.Context(), id)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if s == nil {
		return nil, protocol.ErrSessionExpired.New(redact(id))
	}
	if m.Cfg.TrustLocal {
		return s, nil
	}
	c, err := r.Cookie(m.SecretCookieName(r, s.Client))
	if err != nil || !SameSecret(c.Value, s.Secret) {
		return nil, protocol.ErrWrongSecret.New()
	}
	return s, nil
}

// CheckIP answers SES-0205 when the request comes from another address
// than the session's; with the check off it records the new address.
func (m *Manager) CheckIP(r *http.Request, s *Session) error {
	ip := ClientIP(r)
	if ip == s.IP {
		return nil
	}
	if m.Cfg.IPCheck {
		return protocol.ErrWrongClientIP.New()
	}
	s.IP = ip
	if _, err := m.DB.Exec(r.Context(), `UPDATE sessions SET ip = ? WHERE id = ?`, ip, s.ID); err != nil {
		return protocol.Internal(err)
	}
	return nil
}

// SameSecret compares two secrets in constant time.
func SameSecret(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Redact keeps a session id out of messages and logs.
func Redact(id string) string { return redact(id) }

func redact(id string) string {
	if len(id) <= 4 {
		return "***"
	}
	return id[:4] + "…"
}

// Authenticate implements ajax.Authenticator.
func (m *Manager) Authenticate(req *protocol.Request) error {
	id, ok := req.Param("session")
	if !ok || id == "" {
		return protocol.ErrSessionMissing.New()
	}
	s, err := m.Verify(req.HTTP, id)
	if err != nil {
		return err
	}
	return m.bind(req, s)
}

// AuthenticateCookie finds the session of a request without `session`
// parameter from the public-session cookie (image downloads).
func (m *Manager) AuthenticateCookie(req *protocol.Request) error {
	r := req.HTTP
	var s *Session
	var err error
	if m.Cfg.TrustLocal {
		s, err = m.localSession(r.Context())
	} else if c, cerr := r.Cookie(m.PublicCookieName(r)); cerr == nil {
		s, err = m.ByPublicID(r.Context(), c.Value)
	}
	if err != nil {
		return protocol.Internal(err)
	}
	if s == nil {
		return protocol.ErrSessionMissing.New()
	}
	if !m.Cfg.TrustLocal {
		if err := m.CheckIP(r, s); err != nil {
			return err
		}
	}
	return m.bind(req, s)
}

// localSession is the newest session of the store (the service worker holds
// the one session it established).
func (m *Manager) localSession(ctx context.Context) (*Session, error) {
	return m.live(ctx, m.DB.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions ORDER BY last_used DESC LIMIT 1`))
}

func (m *Manager) bind(req *protocol.Request, s *Session) error {
	ctx := req.HTTP.Context()
	u, err := m.DB.UserByID(ctx, s.ContextID, s.UserID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !u.Enabled) {
		_ = m.Remove(ctx, s.ID)
		return protocol.ErrSessionExpired.New(redact(s.ID))
	}
	if err != nil {
		return protocol.Internal(err)
	}
	m.Touch(ctx, s)
	req.Session = &protocol.Session{ID: s.ID, ContextID: s.ContextID, UserID: s.UserID, Login: s.Login, Client: s.Client}
	req.User = ToProtocolUser(u)
	return nil
}

// ToProtocolUser converts a stored user to the request's view of it.
func ToProtocolUser(u *storage.User) *protocol.User {
	return &protocol.User{ContextID: u.ContextID, ID: u.ID, Login: u.Login, TimeZone: u.TimeZone, Locale: u.Locale,
		Groups: u.Groups, ContextAdmin: u.IsAdmin}
}

// Cookie builds an OX cookie: HttpOnly, SameSite=Lax, Path=/.
func (m *Manager) Cookie(name, value string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: m.Cfg.Secure}
	if maxAge > 0 {
		c.MaxAge = int(maxAge.Seconds())
	} else if maxAge < 0 {
		c.MaxAge = -1
	}
	return c
}
