// Package ajax is the /ajax facade: one http.Handler that maps
// /<module>?action=<action> to module handlers, checks sessions, renders the
// OX envelope and serves `multiple`. The native server and the service
// worker bridge both mount it.
package ajax

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"oxlite/core/protocol"
)

// HandlerFunc answers one API call.
type HandlerFunc func(*protocol.Request) (*protocol.Response, error)

// AuthMode says how a route authenticates.
type AuthMode int

const (
	// AuthSession requires a valid `session` parameter with its cookies.
	AuthSession AuthMode = iota
	// AuthNone runs without a session (login, pre-login config).
	AuthNone
	// AuthOptional uses the session parameter when present, else the
	// public-session cookie, else none (image downloads, halo picture).
	AuthOptional
	// AuthCookie requires a session from the session parameter or the
	// public-session cookie (image downloads).
	AuthCookie
)

// Route is a registered action.
type Route struct {
	Handler HandlerFunc
	Auth    AuthMode
	// NoMultiple refuses the action inside `multiple`.
	NoMultiple bool
}

// Option changes a route.
type Option func(*Route)

// Public marks a route that needs no session.
func Public() Option { return func(r *Route) { r.Auth = AuthNone } }

// WithAuth sets the authentication mode.
func WithAuth(m AuthMode) Option { return func(r *Route) { r.Auth = m } }

// NotInMultiple refuses the route inside `multiple`.
func NotInMultiple() Option { return func(r *Route) { r.NoMultiple = true } }

// Authenticator verifies sessions. It lives behind an interface so the
// service worker can trust its own session while the native server checks
// cookies and addresses.
type Authenticator interface {
	// Authenticate checks the session parameter (SES-0201, 0203, 0206,
	// 0205 in that order) and fills req.Session and req.User.
	Authenticate(req *protocol.Request) error
	// AuthenticateCookie finds the session from the public-session cookie
	// when no session parameter is sent.
	AuthenticateCookie(req *protocol.Request) error
}

type module struct {
	actions map[string]Route
	// def answers requests without action and paths below the module
	// (config/<path>, user/me).
	def *Route
}

// Mux is the facade.
type Mux struct {
	modules map[string]*module
	auth    Authenticator
	Log     *slog.Logger
	// MaxBody bounds request bodies (SVL-0020 above it).
	MaxBody int64
	// intercept, when set, wraps every handler call (see Intercept).
	intercept Interceptor
}

// Interceptor wraps a handler call: it sees the routed, authenticated
// request (items of `multiple` one by one) and decides whether and how
// next runs. The service worker's sync recorder is one.
type Interceptor func(req *protocol.Request, next HandlerFunc) (*protocol.Response, error)

// Intercept installs i around every handler (nil removes it). Install it
// before serving: it is not synchronised with running requests.
func (m *Mux) Intercept(i Interceptor) { m.intercept = i }

// New returns an empty facade.
func New(auth Authenticator, log *slog.Logger) *Mux {
	if log == nil {
		log = slog.Default()
	}
	return &Mux{modules: map[string]*module{}, auth: auth, Log: log, MaxBody: 10 << 20}
}

func (m *Mux) mod(name string) *module {
	md := m.modules[name]
	if md == nil {
		md = &module{actions: map[string]Route{}}
		m.modules[name] = md
	}
	return md
}

// Handle registers module?action=action.
func (m *Mux) Handle(moduleName, action string, h HandlerFunc, opts ...Option) {
	r := Route{Handler: h}
	for _, o := range opts {
		o(&r)
	}
	md := m.mod(moduleName)
	if _, dup := md.actions[action]; dup {
		panic(fmt.Sprintf("ajax: %s?action=%s registered twice", moduleName, action))
	}
	md.actions[action] = r
}

// HandleDefault registers the handler for requests to the module without an
// action, and for paths below it.
func (m *Mux) HandleDefault(moduleName string, h HandlerFunc, opts ...Option) {
	r := Route{Handler: h}
	for _, o := range opts {
		o(&r)
	}
	m.mod(moduleName).def = &r
}

// Modules lists registered module names (for tests and docs).
func (m *Mux) Modules() []string {
	out := make([]string, 0, len(m.modules))
	for k := range m.modules {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// resolve splits a path such as "config/modules/mail" or
// "files/report.pdf" into the longest registered module and the rest.
func (m *Mux) resolve(path string) (name, rest string, md *module) {
	path = strings.Trim(path, "/")
	segs := strings.Split(path, "/")
	for i := len(segs); i > 0; i-- {
		cand := strings.Join(segs[:i], "/")
		if md := m.modules[cand]; md != nil {
			return cand, strings.Join(segs[i:], "/"), md
		}
	}
	return path, "", nil
}

// route finds the route of a parsed request.
func (m *Mux) route(req *protocol.Request) (*Route, error) {
	name, rest, md := m.resolve(req.Module)
	if md == nil {
		return nil, protocol.ErrUnknownModule.New(req.Module)
	}
	req.Module, req.PathRest = name, rest
	action, hasAction := req.Param("action")
	req.Action = action
	if hasAction && action != "" {
		if r, ok := md.actions[action]; ok {
			return &r, nil
		}
		if md.def != nil && len(md.actions) == 0 {
			return md.def, nil
		}
		return nil, protocol.ErrUnknownModAction.New(action, name)
	}
	if md.def != nil {
		return md.def, nil
	}
	return nil, protocol.ErrMissingParameter.New("action")
}

// ServeHTTP answers one request. The path is relative to the mount point
// (/ajax or /appsuite/api).
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodHead {
		m.writeError(w, nil, protocol.ErrBadRequest.New("method "+r.Method+" is not supported").WithStatus(http.StatusMethodNotAllowed))
		return
	}
	req, perr := protocol.Parse(r, protocol.ParseOptions{MaxBody: m.MaxBody})
	if req != nil {
		req.Module = strings.Trim(stripPathParams(r.URL.Path), "/")
	}
	var resp *protocol.Response
	var err error
	if perr != nil {
		err = perr
	} else {
		resp, err = m.Dispatch(req)
	}
	if req != nil {
		for _, c := range req.OutCookies {
			http.SetCookie(w, c)
		}
	}
	if err != nil {
		m.writeError(w, req, err)
	} else {
		m.writeResponse(w, req, resp)
	}
	m.Log.Debug("request", "method", r.Method, "module", req.Module, "action", req.Action, "dur", time.Since(start))
}

// Dispatch runs a parsed request: routing, authentication, handler, with
// panics turned into internal errors.
func (m *Mux) Dispatch(req *protocol.Request) (resp *protocol.Response, err error) {
	route, err := m.route(req)
	if err != nil {
		return nil, err
	}
	if req.InMultiple && route.NoMultiple {
		return nil, protocol.ErrBadRequest.New("module " + req.Module + " is not allowed inside multiple")
	}
	if !req.InMultiple {
		switch route.Auth {
		case AuthSession:
			err = m.auth.Authenticate(req)
		case AuthCookie:
			if _, ok := req.Param("session"); ok {
				err = m.auth.Authenticate(req)
			} else {
				err = m.auth.AuthenticateCookie(req)
			}
			// Image downloads answer 400 when they cannot be handled (spec
			// L3370–3503), so an <img> shows as broken rather than as JSON.
			var oe *protocol.Error
			if errors.As(err, &oe) && oe.Status == 0 {
				err = oe.WithStatus(http.StatusBadRequest)
			}
		case AuthOptional:
			if _, ok := req.Param("session"); ok {
				err = m.auth.Authenticate(req)
			} else if cerr := m.auth.AuthenticateCookie(req); cerr != nil {
				req.Session, req.User = nil, nil
			}
		}
		if err != nil {
			return nil, err
		}
	}
	defer func() {
		if p := recover(); p != nil {
			resp = nil
			err = protocol.Internal(fmt.Errorf("panic in %s?action=%s: %v\n%s", req.Module, req.Action, p, debug.Stack()))
		}
	}()
	if m.intercept != nil {
		return m.intercept(req, route.Handler)
	}
	return route.Handler(req)
}

// asOXError turns any error into an OX error, logging internal ones.
func (m *Mux) asOXError(req *protocol.Request, err error) *protocol.Error {
	var oe *protocol.Error
	if !errors.As(err, &oe) {
		oe = protocol.Internal(err)
	}
	if oe.Cause != nil || oe.Code == protocol.ErrInternal.Code {
		mod, act := "", ""
		if req != nil {
			mod, act = req.Module, req.Action
		}
		m.Log.Error("request failed", "module", mod, "action", act, "code", oe.Code, "err", oe.Cause)
	}
	return oe
}

func (m *Mux) errorEnvelope(req *protocol.Request, err error) (map[string]any, int) {
	oe := m.asOXError(req, err)
	status := oe.Status
	if status == 0 {
		status = http.StatusOK
	}
	return oe.Envelope(), status
}

// isUpload reports whether the request is a multipart upload, whose
// answer is the HTML callback page even when the body was refused before
// it could be parsed (too large, malformed).
func isUpload(req *protocol.Request) bool {
	if req == nil {
		return false
	}
	return req.Multipart != nil || req.HTTP != nil && req.HTTP.Method == http.MethodPost &&
		strings.HasPrefix(strings.ToLower(req.HTTP.Header.Get("Content-Type")), "multipart/")
}

func callbackName(req *protocol.Request) string {
	if req.Module == "import" {
		return "callback_import"
	}
	if req.Action != "" {
		return "callback_" + req.Action
	}
	return "callback_" + req.Module
}

func (m *Mux) writeError(w http.ResponseWriter, req *protocol.Request, err error) {
	env, status := m.errorEnvelope(req, err)
	if isUpload(req) {
		writeHTML(w, status, protocol.CallbackPage(callbackName(req), env))
		return
	}
	protocol.WriteJSON(w, status, env)
}

func (m *Mux) writeResponse(w http.ResponseWriter, req *protocol.Request, resp *protocol.Response) {
	if resp == nil {
		resp = protocol.OK(nil)
	}
	if raw := resp.Raw; raw != nil {
		h := w.Header()
		for k, v := range raw.Header {
			h[k] = v
		}
		if raw.ContentType != "" {
			h.Set("Content-Type", raw.ContentType)
		}
		status := raw.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		if req.HTTP.Method != http.MethodHead {
			_, _ = w.Write(raw.Body)
		}
		return
	}
	if isUpload(req) {
		writeHTML(w, http.StatusOK, protocol.CallbackPage(callbackName(req), resp.Envelope()))
		return
	}
	protocol.WriteJSON(w, http.StatusOK, resp.Envelope())
}

func writeHTML(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// stripPathParams drops servlet path parameters such as
// "login;jsessionid=…" (the UI's token login and the spec's redirect URL
// carry one).
func stripPathParams(p string) string {
	if !strings.Contains(p, ";") {
		return p
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if j := strings.IndexByte(s, ';'); j >= 0 {
			segs[i] = s[:j]
		}
	}
	return strings.Join(segs, "/")
}
