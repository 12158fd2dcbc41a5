package login

import (
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"oxlite/core/protocol"
	"oxlite/core/session"
	"oxlite/storage"
)

// autologin restores the session of a browser from its session and secret
// cookies (the App Suite UI's first call, without session parameter). A
// failure removes every OX cookie the browser sent, so a stale cookie does
// not fail again, and answers SVL-0003 rather than an SES code: the UI
// treats SES errors of other calls as "session lost" and shows the
// relogin dialog, whereas a failed autologin should show the login form.
func (m *Module) autologin(req *protocol.Request) (*protocol.Response, error) {
	if !m.Cfg.AutoLogin {
		return nil, protocol.ErrDisabledAction.New("autologin")
	}
	r := req.HTTP
	fail := func() (*protocol.Response, error) {
		m.Sessions.ClearAllCookies(req, r)
		return nil, protocol.ErrInvalidCookie.New()
	}
	c := client(req)
	sc, err := r.Cookie(m.Sessions.SessionCookieName(r, c))
	if err != nil {
		return fail()
	}
	s, err := m.Sessions.Get(req.Ctx, sc.Value)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if s == nil {
		return fail()
	}
	sec, err := r.Cookie(m.Sessions.SecretCookieName(r, c))
	if err != nil || !session.SameSecret(sec.Value, s.Secret) {
		return fail()
	}
	if err := m.Sessions.CheckIP(r, s); err != nil {
		var oe *protocol.Error
		if errors.As(err, &oe) && oe.Code == protocol.ErrInternal.Code {
			return nil, err
		}
		return fail()
	}
	u, err := m.DB.UserByID(req.Ctx, s.ContextID, s.UserID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !u.Enabled) {
		_ = m.Sessions.Remove(req.Ctx, s.ID)
		return fail()
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	s.LastUsed = m.Sessions.Now().UnixMilli()
	if err := m.Sessions.Update(req.Ctx, s); err != nil {
		return nil, protocol.Internal(err)
	}
	// Rewriting the cookies restarts their lifetime, as a fresh login would.
	m.Sessions.SetCookies(req, s)
	out, err := m.answer(req, s, u, false)
	if err != nil {
		return nil, err
	}
	return &protocol.Response{Bare: out}, nil
}

// store makes the session persistent ("stay signed in"): it writes the
// session cookie autologin reads and makes all three cookies outlive the
// browser; the session then lives for the stored lifetime. Without
// autologin there is nothing to store for (SVL-0015).
func (m *Module) store(req *protocol.Request) (*protocol.Response, error) {
	if !m.Cfg.AutoLogin {
		return nil, protocol.ErrDisabledAction.New("store")
	}
	s, err := m.current(req)
	if err != nil {
		return nil, err
	}
	s.Stored = true
	s.LastUsed = m.Sessions.Now().UnixMilli()
	if err := m.Sessions.Update(req.Ctx, s); err != nil {
		return nil, protocol.Internal(err)
	}
	m.Sessions.SetCookies(req, s)
	return empty(), nil
}

// refreshSecret writes the cookies of the session again (same values,
// fresh lifetime).
func (m *Module) refreshSecret(req *protocol.Request) (*protocol.Response, error) {
	s, err := m.current(req)
	if err != nil {
		return nil, err
	}
	m.Sessions.SetCookies(req, s)
	return empty(), nil
}

// changeIP moves a session to another client address. It checks the
// secret cookie but not the address: the caller is typically a provider
// system acting for the client.
func (m *Module) changeIP(req *protocol.Request) (*protocol.Response, error) {
	id, ok := req.Param("session")
	if !ok || id == "" {
		return nil, protocol.ErrSessionMissing.New()
	}
	s, err := m.Sessions.VerifySecret(req.HTTP, id)
	if err != nil {
		return nil, err
	}
	raw, err := req.Require("clientIP")
	if err != nil {
		return nil, err
	}
	a, perr := netip.ParseAddr(strings.TrimSpace(raw))
	if perr != nil {
		return nil, protocol.ErrInvalidValue.New("clientIP", "not an IP address")
	}
	s.IP = a.Unmap().String()
	if err := m.Sessions.Update(req.Ctx, s); err != nil {
		return nil, protocol.Internal(err)
	}
	return protocol.OK("1"), nil
}

// rampup answers {"rampup": {...}} for a session (token and hash logins
// ask for it separately).
func (m *Module) rampup(req *protocol.Request) (*protocol.Response, error) {
	ru := map[string]any{}
	if m.RampUp != nil {
		var err error
		if ru, err = m.RampUp(req); err != nil {
			return nil, err
		}
	}
	return &protocol.Response{Bare: map[string]any{"rampup": ru}}, nil
}

// redirect opens a session with its one-time random token and sends the
// browser to the UI. Without --random-token it is refused with HTTP 400,
// an unknown or used token with 403, as the reference server does.
func (m *Module) redirect(req *protocol.Request) (*protocol.Response, error) {
	if !m.Cfg.RandomToken {
		return nil, protocol.ErrDisabledAction.New("redirect").WithStatus(http.StatusBadRequest)
	}
	random, err := req.Require("random")
	if err != nil {
		return nil, err
	}
	base, err := m.uiPath(req)
	if err != nil {
		return nil, err
	}
	s, err := m.Sessions.TakeRandom(req.Ctx, random)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if s == nil {
		return nil, ErrNoSessionFound.New()
	}
	u, err := m.DB.UserByID(req.Ctx, s.ContextID, s.UserID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !u.Enabled) {
		_ = m.Sessions.Remove(req.Ctx, s.ID)
		return nil, ErrNoSessionFound.New()
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	// The token moves the session to the browser that redeems it.
	if c := strings.TrimSpace(req.Get("client")); c != "" {
		s.Client = c
	}
	s.UserAgent = req.HTTP.UserAgent()
	s.Hash = session.Hash(s.UserAgent, s.Client, m.Sessions.Cfg.Salt)
	s.IP = session.ClientIP(req.HTTP)
	s.LastUsed = m.Sessions.Now().UnixMilli()
	if err := m.Sessions.Update(req.Ctx, s); err != nil {
		return nil, protocol.Internal(err)
	}
	m.Sessions.SetCookies(req, s)
	return redirectTo(fragment(base, "session", s.ID, "user", s.Login, "user_id", itoa(u.ID),
		"context_id", itoa(u.ContextID), "language", u.Locale, "store", boolStr(req.Bool("store")))), nil
}

// uiPath is the uiWebPath parameter or the configured UI path. Only
// local absolute paths are accepted, so the redirect cannot send a
// freshly opened session to another site.
func (m *Module) uiPath(req *protocol.Request) (string, error) {
	p, ok := req.Param("uiWebPath")
	if !ok || p == "" {
		return m.Cfg.UIPath, nil
	}
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n\t ") {
		return "", protocol.ErrInvalidValue.New("uiWebPath", "must be a path on this server")
	}
	if u, err := url.Parse(p); err != nil || u.Host != "" || u.Scheme != "" {
		return "", protocol.ErrInvalidValue.New("uiWebPath", "must be a path on this server")
	}
	return p, nil
}

// fragment appends key=value pairs to the URL's fragment, where the UI
// reads them (and where they stay out of server logs).
func fragment(base string, kv ...string) string {
	var b strings.Builder
	b.WriteString(base)
	sep := "#"
	if strings.Contains(base, "#") {
		sep = "&"
	}
	for i := 0; i+1 < len(kv); i += 2 {
		b.WriteString(sep)
		b.WriteString(url.QueryEscape(kv[i]))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(kv[i+1]))
		sep = "&"
	}
	return b.String()
}

// redirectTo is a 302 to a UI URL.
func redirectTo(loc string) *protocol.Response {
	return &protocol.Response{Raw: &protocol.RawResponse{
		Status:      http.StatusFound,
		ContentType: "text/html; charset=UTF-8",
		Header:      http.Header{"Location": {loc}, "Cache-Control": {"no-store"}},
	}}
}
