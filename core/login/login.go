// Package login implements module `login` (spec lines 4610–4970) and
// `token` (7805–7833): password login, logout, cookie handling, autologin,
// store, refreshSecret, changeip, the token logins, and the failed-login
// limiter.
package login

import (
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"sync"
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
	// UIPath is where redirects to the web UI go (default /appsuite/).
	UIPath string
}

// RampUpFunc builds the `rampup` object of a login answer (what the UI
// would otherwise fetch one by one after login). Modules that own the
// pieces can provide it; without it logins answer no rampup and the
// rampup action an empty object.
type RampUpFunc func(req *protocol.Request) (map[string]any, error)

// Module serves `login` and `token`.
type Module struct {
	DB       *storage.DB
	Sessions *session.Manager
	Cfg      Config
	RampUp   RampUpFunc

	limiter *Limiter
}

// Errors of the module beside the shared catalogue.
var (
	ErrNoSessionFound     = protocol.Def{Code: "LGI-0017", Category: protocol.CatTryAgain, Message: "No session found.", Status: http.StatusForbidden}
	ErrNoSuchToken        = protocol.Def{Code: "TOKENLOGIN-0003", Category: protocol.CatError, Message: "No such token: %s"}
	ErrNoSessionForToken  = protocol.Def{Code: "TOKENLOGIN-0005", Category: protocol.CatError, Message: "No such session for token: %s"}
	ErrTokenRedeemDenied  = protocol.Def{Code: "TOKENLOGIN-0006", Category: protocol.CatPermissionDenied, Message: "Token redeem denied."}
	ErrNoSessionForServer = protocol.Def{Code: "SES-0210", Category: protocol.CatUserInput, Message: "No session found for server token."}
	ErrNoSessionForClient = protocol.Def{Code: "SES-0211", Category: protocol.CatUserInput, Message: "The client token does not match the server token; the session was terminated."}
)

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	if m.Cfg.UIPath == "" {
		m.Cfg.UIPath = "/appsuite/"
	}
	m.limiter = NewLimiter(m.Cfg.MaxFailures, m.Cfg.FailureWindow)
	pub := ajax.Public()
	mux.Handle("login", "login", m.login, pub)
	mux.Handle("login", "logout", m.logout, pub)
	mux.Handle("login", "autologin", m.autologin, pub)
	mux.Handle("login", "store", m.store)
	mux.Handle("login", "refreshSecret", m.refreshSecret)
	mux.Handle("login", "changeip", m.changeIP, pub)
	mux.Handle("login", "rampup", m.rampup)
	mux.Handle("login", "redirect", m.redirect, pub)
	mux.Handle("login", "formlogin", m.formLogin, pub)
	mux.Handle("login", "tokenLogin", m.tokenLogin, pub)
	mux.Handle("login", "tokens", m.tokens, pub)
	mux.Handle("login", "redeemToken", m.redeemToken, pub)
	mux.Handle("token", "acquireToken", m.acquireToken)
}

// answer is the login object: bare for login and autologin, `data` of
// tokens. `user` is the login as the user typed it, because the UI's
// relogin dialog sends it back as `name`.
func (m *Module) answer(req *protocol.Request, s *session.Session, u *storage.User, withRandom bool) (map[string]any, error) {
	out := map[string]any{
		"session":    s.ID,
		"user":       s.Login,
		"user_id":    u.ID,
		"context_id": u.ContextID,
		"locale":     u.Locale,
	}
	if withRandom && m.Cfg.RandomToken && s.Random != "" {
		out["random"] = s.Random
	}
	if m.RampUp != nil && req.Bool("rampup") {
		req.Session = &protocol.Session{ID: s.ID, ContextID: s.ContextID, UserID: s.UserID, Login: s.Login, Client: s.Client}
		req.User = session.ToProtocolUser(u)
		ru, err := m.RampUp(req)
		if err != nil {
			return nil, err
		}
		out["rampup"] = ru
	}
	return out, nil
}

// refusePasswordInURL answers SVL-0010 when a password travels in the
// query string (spec L372–373): URLs end up in logs and histories.
func refusePasswordInURL(req *protocol.Request) error {
	if _, inQuery := req.HTTP.URL.Query()["password"]; inQuery {
		return protocol.ErrInvalidValue.New("password", "a password must not be sent in the URL")
	}
	return nil
}

// limiterKey identifies a client for the failed-login limit: the address
// the request really comes from (not the clientIP parameter, which the
// caller chooses) and its User-Agent.
func limiterKey(req *protocol.Request) string {
	return session.ClientIP(req.HTTP) + "\x00" + req.HTTP.UserAgent()
}

func (m *Module) checkLimit(req *protocol.Request) error {
	if blocked, _ := m.limiter.Blocked(limiterKey(req)); blocked {
		return protocol.ErrTooManyRequests.New()
	}
	return nil
}

// credentials checks a login name ("login" or "login@context") and
// password, counting failures for the limiter.
func (m *Module) credentials(req *protocol.Request, name, password string) (*storage.User, error) {
	if err := m.checkLimit(req); err != nil {
		return nil, err
	}
	ctx := req.Ctx
	cid, local, err := provision.SplitLogin(ctx, m.DB, name)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, protocol.Internal(err)
	}
	var u *storage.User
	if err == nil {
		u, err = m.DB.UserByLogin(ctx, cid, local)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, protocol.Internal(err)
		}
	}
	if u == nil || !u.Enabled {
		// Spend the hashing time anyway so response times do not reveal logins.
		_, _ = passwd.Verify(dummyHash(), password)
		m.limiter.Fail(limiterKey(req))
		return nil, protocol.ErrInvalidCredentials.New()
	}
	good, err := passwd.Verify(u.PasswordHash, password)
	if err != nil || !good {
		m.limiter.Fail(limiterKey(req))
		return nil, protocol.ErrInvalidCredentials.New()
	}
	return u, nil
}

// dummyHash is made on first use: hashing at package init cost every
// service-worker start about 400 ms (the worker links this package).
var dummyHash = sync.OnceValue(func() string {
	h, _ := passwd.Hash("oxlite-dummy-password")
	return h
})

// client is the `client` parameter or the App Suite UI's id.
func client(req *protocol.Request) string {
	if c := strings.TrimSpace(req.Get("client")); c != "" {
		return c
	}
	return session.DefaultClient
}

// userAgent is the clientUserAgent parameter or the request's header: a
// login made on behalf of a browser names the browser's User-Agent.
func userAgent(req *protocol.Request) string {
	if ua := req.Get("clientUserAgent"); ua != "" {
		return ua
	}
	return req.HTTP.UserAgent()
}

// clientIP is the clientIP parameter or the request's address.
func clientIP(req *protocol.Request) (string, error) {
	ip := strings.TrimSpace(req.Get("clientIP"))
	if ip == "" {
		return session.ClientIP(req.HTTP), nil
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "", protocol.ErrInvalidValue.New("clientIP", "not an IP address")
	}
	return a.Unmap().String(), nil
}

// newSession creates a session of u for this request.
func (m *Module) newSession(req *protocol.Request, u *storage.User, typed string, lastUsed int64) (*session.Session, error) {
	ip, err := clientIP(req)
	if err != nil {
		return nil, err
	}
	c, ua := client(req), userAgent(req)
	s := &session.Session{ContextID: u.ContextID, UserID: u.ID, Client: c, Login: typed, IP: ip, UserAgent: ua,
		Hash: session.Hash(ua, c, m.Sessions.Cfg.Salt), Locale: u.Locale, LastUsed: lastUsed}
	if m.Cfg.RandomToken {
		s.Random = session.NewID()
	}
	if err := m.Sessions.Create(req.Ctx, s); err != nil {
		return nil, protocol.Internal(err)
	}
	return s, nil
}

// passwordLogin is the part login, formlogin and tokenLogin share:
// password only in the body, the limiter, the credentials.
func (m *Module) passwordLogin(req *protocol.Request, nameParam string) (*storage.User, string, error) {
	if err := refusePasswordInURL(req); err != nil {
		return nil, "", err
	}
	name, err := req.Require(nameParam)
	if err != nil {
		return nil, "", err
	}
	password, ok := req.Param("password")
	if !ok {
		return nil, "", protocol.ErrMissingParameter.New("password")
	}
	name = strings.TrimSpace(name)
	u, err := m.credentials(req, name, password)
	if err != nil {
		return nil, "", err
	}
	return u, name, nil
}

func (m *Module) login(req *protocol.Request) (*protocol.Response, error) {
	u, name, err := m.passwordLogin(req, "name")
	if err != nil {
		return nil, err
	}
	s, err := m.newSession(req, u, name, 0)
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

// logout answers 400 without a session parameter and 403 when the session
// is unknown or its cookie or address do not match (the reference
// LoginServlet), and an empty 200 on success.
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
	m.Sessions.ClearCookies(req, s)
	return &protocol.Response{Raw: &protocol.RawResponse{Status: http.StatusOK}}, nil
}

// current loads the full session of an authenticated request.
func (m *Module) current(req *protocol.Request) (*session.Session, error) {
	s, err := m.Sessions.Get(req.Ctx, req.Session.ID)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if s == nil {
		return nil, protocol.ErrSessionExpired.New(session.Redact(req.Session.ID))
	}
	return s, nil
}

// empty is the CommonResponse without data (store, refreshSecret).
func empty() *protocol.Response { return &protocol.Response{Bare: map[string]any{}} }
