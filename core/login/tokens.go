package login

import (
	"errors"
	"strconv"
	"strings"

	"oxlite/core/protocol"
	"oxlite/core/session"
	"oxlite/storage"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func boolStr(b bool) string { return strconv.FormatBool(b) }

// formLogin logs in from a plain HTML form and redirects the browser to
// the UI with the session in the URL fragment (spec L4678). `autologin`
// asks the UI to call store afterwards.
func (m *Module) formLogin(req *protocol.Request) (*protocol.Response, error) {
	base, err := m.uiPath(req)
	if err != nil {
		return nil, err
	}
	u, name, err := m.passwordLogin(req, "login")
	if err != nil {
		return nil, err
	}
	s, err := m.newSession(req, u, name, 0)
	if err != nil {
		return nil, err
	}
	m.Sessions.SetCookies(req, s)
	return redirectTo(fragment(base, "session", s.ID, "user", s.Login, "user_id", itoa(u.ID),
		"context_id", itoa(u.ContextID), "language", u.Locale, "store", boolStr(req.Bool("autologin")))), nil
}

// tokenLogin creates a session that only the pair of the server token
// returned here and the caller's client token can open (login?action=tokens).
// No cookie is written: the session is for the browser that redeems the
// tokens. Until then it lives only ServerTTL.
func (m *Module) tokenLogin(req *protocol.Request) (*protocol.Response, error) {
	base, err := m.uiPath(req)
	if err != nil {
		return nil, err
	}
	if err := refusePasswordInURL(req); err != nil {
		return nil, err
	}
	clientToken, err := req.Require("clientToken")
	if err != nil {
		return nil, err
	}
	u, name, err := m.passwordLogin(req, "login")
	if err != nil {
		return nil, err
	}
	// Start the session close to the end of its idle lifetime, so that it
	// dies ServerTTL from now unless the tokens are redeemed.
	var lastUsed int64
	if life := m.Sessions.Cfg.Lifetime; life > session.ServerTTL {
		lastUsed = m.Sessions.Now().Add(session.ServerTTL - life).UnixMilli()
	}
	s, err := m.newSession(req, u, name, lastUsed)
	if err != nil {
		return nil, err
	}
	serverToken, _, err := m.Sessions.NewToken(req.Ctx, session.KindServer, s.ID, clientToken)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	kv := []string{"serverToken", serverToken, "user_id", itoa(u.ID), "language", u.Locale, "locale", u.Locale}
	if req.Bool("autologin") {
		kv = append(kv, "store", "true")
	}
	loc := fragment(base, kv...)
	if req.Bool("jsonResponse") {
		return &protocol.Response{Bare: map[string]any{
			"serverToken": serverToken,
			"user":        s.Login,
			"user_id":     u.ID,
			"url":         loc,
		}}, nil
	}
	return redirectTo(loc), nil
}

// tokens opens a tokenLogin session with both tokens. A wrong client token
// terminates the session: someone holding the server token alone is not
// the client that made it.
func (m *Module) tokens(req *protocol.Request) (*protocol.Response, error) {
	serverToken, err := req.Require("serverToken")
	if err != nil {
		return nil, err
	}
	clientToken, err := req.Require("clientToken")
	if err != nil {
		return nil, err
	}
	c, err := req.Require("client")
	if err != nil {
		return nil, err
	}
	if err := m.checkLimit(req); err != nil {
		return nil, err
	}
	sid, want, ok, err := m.Sessions.TakeToken(req.Ctx, session.KindServer, serverToken, session.ServerTTL)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if !ok {
		m.limiter.Fail(limiterKey(req))
		return nil, ErrNoSessionForServer.New()
	}
	if !session.SameSecret(clientToken, want) {
		_ = m.Sessions.Remove(req.Ctx, sid)
		m.limiter.Fail(limiterKey(req))
		return nil, ErrNoSessionForClient.New()
	}
	s, err := m.Sessions.Get(req.Ctx, sid)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if s == nil {
		return nil, ErrNoSessionForServer.New()
	}
	if err := m.Sessions.CheckIP(req.HTTP, s); err != nil {
		return nil, err
	}
	u, err := m.liveUser(req, s)
	if err != nil {
		return nil, err
	}
	s.Client = c
	s.UserAgent = req.HTTP.UserAgent()
	s.Hash = session.Hash(s.UserAgent, c, m.Sessions.Cfg.Salt)
	s.LastUsed = m.Sessions.Now().UnixMilli()
	if err := m.Sessions.Update(req.Ctx, s); err != nil {
		return nil, protocol.Internal(err)
	}
	m.Sessions.SetCookies(req, s)
	out, err := m.answer(req, s, u, false)
	if err != nil {
		return nil, err
	}
	return protocol.OK(out), nil
}

// liveUser loads the session's user; a deleted or disabled user ends the
// session.
func (m *Module) liveUser(req *protocol.Request, s *session.Session) (*storage.User, error) {
	u, err := m.DB.UserByID(req.Ctx, s.ContextID, s.UserID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !u.Enabled) {
		_ = m.Sessions.Remove(req.Ctx, s.ID)
		return nil, protocol.ErrSessionExpired.New(session.Redact(s.ID))
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return u, nil
}

// acquireToken hands out a short-lived one-time token another system can
// turn into a session of the same user with redeemToken.
func (m *Module) acquireToken(req *protocol.Request) (*protocol.Response, error) {
	token, created, err := m.Sessions.NewToken(req.Ctx, session.KindAcquire, req.Session.ID, "")
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return protocol.OKAt(map[string]any{"token": token}, created), nil
}

// redeemToken turns an acquireToken token into a new session for a system
// that knows one of the configured token secrets (none by default, so
// redeeming is refused unless the operator configures one).
func (m *Module) redeemToken(req *protocol.Request) (*protocol.Response, error) {
	token, err := req.Require("token")
	if err != nil {
		return nil, err
	}
	secret, err := req.Require("secret")
	if err != nil {
		return nil, err
	}
	if _, err := req.Require("client"); err != nil {
		return nil, err
	}
	if err := m.checkLimit(req); err != nil {
		return nil, err
	}
	known := false
	for _, s := range m.Cfg.TokenSecrets {
		if session.SameSecret(secret, s) {
			known = true
		}
	}
	if !known {
		m.limiter.Fail(limiterKey(req))
		return nil, ErrTokenRedeemDenied.New()
	}
	sid, _, ok, err := m.Sessions.TakeToken(req.Ctx, session.KindAcquire, token, session.AcquireTTL)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if !ok {
		m.limiter.Fail(limiterKey(req))
		return nil, ErrNoSuchToken.New(redactToken(token))
	}
	orig, err := m.Sessions.Get(req.Ctx, sid)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if orig == nil {
		return nil, ErrNoSessionForToken.New(redactToken(token))
	}
	u, err := m.DB.UserByID(req.Ctx, orig.ContextID, orig.UserID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !u.Enabled) {
		return nil, ErrNoSessionForToken.New(redactToken(token))
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	s, err := m.newSession(req, u, orig.Login, 0)
	if err != nil {
		return nil, err
	}
	m.Sessions.SetCookies(req, s)
	out, err := m.answer(req, s, u, true)
	if err != nil {
		return nil, err
	}
	return &protocol.Response{Bare: out}, nil
}

func redactToken(t string) string {
	t = strings.TrimSpace(t)
	if len(t) > 4 {
		return t[:4] + "…"
	}
	return "***"
}
