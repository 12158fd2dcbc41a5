package session

import (
	"net/http"
	"strings"
	"time"

	"oxlite/core/protocol"
)

// CookieNames are the names of the three OX cookies of a session.
type CookieNames struct {
	Secret, Session, Public string
}

// Names returns the cookie names of s: they hash the User-Agent and client
// the session was made for.
func (m *Manager) Names(s *Session) CookieNames {
	return CookieNames{
		Secret:  SecretPrefix + s.Hash,
		Session: SessionPrefix + s.Hash,
		Public:  PublicSessionPrefix + PublicHash(s.UserAgent, m.Cfg.Salt),
	}
}

// SetCookies writes the secret and public-session cookies of s. A stored
// session (`store`, stay signed in) also gets the session cookie that
// autologin reads, and all three live as long as a stored session;
// otherwise they end with the browser.
func (m *Manager) SetCookies(req *protocol.Request, s *Session) {
	n := m.Names(s)
	var age time.Duration
	if s.Stored {
		age = m.Cfg.StoredLifetime
		req.SetCookie(m.Cookie(n.Session, s.ID, age))
	}
	req.SetCookie(m.Cookie(n.Secret, s.Secret, age))
	req.SetCookie(m.Cookie(n.Public, s.PublicID, age))
}

// ClearCookies expires the cookies of s, under the names of its login and
// under those the current request's User-Agent would use.
func (m *Manager) ClearCookies(req *protocol.Request, s *Session) {
	n := m.Names(s)
	names := []string{n.Secret, n.Session, n.Public,
		m.SecretCookieName(req.HTTP, s.Client), m.SessionCookieName(req.HTTP, s.Client), m.PublicCookieName(req.HTTP)}
	seen := map[string]bool{}
	for _, name := range names {
		if !seen[name] {
			seen[name] = true
			req.SetCookie(m.Cookie(name, "", -1))
		}
	}
}

// OXCookie reports whether a cookie name is one of the OX session cookies.
func OXCookie(name string) bool {
	return strings.HasPrefix(name, SecretPrefix) || strings.HasPrefix(name, SessionPrefix) ||
		strings.HasPrefix(name, PublicSessionPrefix)
}

// ClearAllCookies expires every OX session cookie the request carries
// (a failed autologin leaves the browser clean).
func (m *Manager) ClearAllCookies(req *protocol.Request, r *http.Request) {
	seen := map[string]bool{}
	for _, c := range r.Cookies() {
		if OXCookie(c.Name) && !seen[c.Name] {
			seen[c.Name] = true
			req.SetCookie(m.Cookie(c.Name, "", -1))
		}
	}
}
