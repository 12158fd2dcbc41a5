// Package login implements module `login` (spec lines 4610–4970) and
// `token`: password login, logout, cookie handling, autologin, store,
// refreshSecret, changeip, token logins, and the failed-login limiter.
package login

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"oxlite/core/ajax"
	"oxlite/core/passwd"
	"oxlite/core/protocol"
	"oxlite/core/provision"
	"oxlite/core/session"
	"oxlite/storage"
)

// Config are the login settings.
type Config struct {
	AutoLogin   bool
	RandomToken bool
	// TokenSecrets are the pre-shared secrets accepted by redeemToken.
	TokenSecrets []string
	// MaxFailures failed logins within FailureWindow from one address and
	// User-Agent block further logins.
	MaxFailures   int
	FailureWindow time.Duration
}

// Module serves `login` and `token`.
type Module struct {
	DB       *storage.DB
	Sessions *session.Manager
	Cfg      Config
}

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("login", "login", m.login, ajax.Public())
	mux.Handle("login", "logout", m.logout, ajax.Public())
}

// loginAnswer is the bare (not data-wrapped) login response.
func loginAnswer(s *session.Session, u *storage.User, typed string) map[string]any {
	return map[string]any{
		"session":    s.ID,
		"user":       typed,
		"user_id":    u.ID,
		"context_id": u.ContextID,
		"locale":     u.Locale,
	}
}

func (m *Module) login(req *protocol.Request) (*protocol.Response, error) {
	if _, inQuery := req.HTTP.URL.Query()["password"]; inQuery {
		return nil, protocol.ErrInvalidValue.New("password", "a password must not be sent in the URL")
	}
	name, err := req.Require("name")
	if err != nil {
		return nil, err
	}
	password, ok := req.Param("password")
	if !ok {
		return nil, protocol.ErrMissingParameter.New("password")
	}
	name = strings.TrimSpace(name)
	ctx := req.Ctx
	cid, local, err := provision.SplitLogin(ctx, m.DB, name)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return nil, protocol.ErrInvalidCredentials.New()
		}
		return nil, protocol.Internal(err)
	}
	u, err := m.DB.UserByLogin(ctx, cid, local)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, protocol.Internal(err)
	}
	if u == nil || !u.Enabled {
		// Spend the hashing time anyway so response times do not reveal logins.
		_, _ = passwd.Verify(dummyHash, password)
		return nil, protocol.ErrInvalidCredentials.New()
	}
	good, err := passwd.Verify(u.PasswordHash, password)
	if err != nil || !good {
		return nil, protocol.ErrInvalidCredentials.New()
	}
	client := req.Get("client")
	if client == "" {
		client = session.DefaultClient
	}
	ua := req.Get("clientUserAgent")
	if ua == "" {
		ua = req.HTTP.UserAgent()
	}
	ip := req.Get("clientIP")
	if ip == "" {
		ip = session.ClientIP(req.HTTP)
	}
	s := &session.Session{ContextID: u.ContextID, UserID: u.ID, Client: client, Login: name, IP: ip, UserAgent: ua,
		Hash: session.Hash(ua, client, m.Sessions.Cfg.Salt), Locale: u.Locale}
	if err := m.Sessions.Create(ctx, s); err != nil {
		return nil, protocol.Internal(err)
	}
	req.SetCookie(m.Sessions.Cookie(session.SecretPrefix+s.Hash, s.Secret, 0))
	req.SetCookie(m.Sessions.Cookie(session.PublicSessionPrefix+session.PublicHash(ua, m.Sessions.Cfg.Salt), s.PublicID, 0))
	return &protocol.Response{Bare: loginAnswer(s, u, name)}, nil
}

var dummyHash = func() string {
	h, _ := passwd.Hash("oxlite-dummy-password")
	return h
}()

func (m *Module) logout(req *protocol.Request) (*protocol.Response, error) {
	id, ok := req.Param("session")
	if !ok || id == "" {
		return nil, protocol.ErrSessionMissing.New().WithStatus(http.StatusBadRequest)
	}
	s, err := m.Sessions.Verify(req.HTTP, id)
	if err != nil {
		var oe *protocol.Error
		if errors.As(err, &oe) && oe.Status == 0 {
			return nil, oe.WithStatus(http.StatusForbidden)
		}
		return nil, err
	}
	if err := m.Sessions.Remove(req.Ctx, s.ID); err != nil {
		return nil, protocol.Internal(err)
	}
	for _, name := range []string{session.SecretPrefix + s.Hash, session.SessionPrefix + s.Hash,
		session.PublicSessionPrefix + session.PublicHash(s.UserAgent, m.Sessions.Cfg.Salt)} {
		req.SetCookie(m.Sessions.Cookie(name, "", -1))
	}
	return &protocol.Response{Raw: &protocol.RawResponse{Status: http.StatusOK}}, nil
}
