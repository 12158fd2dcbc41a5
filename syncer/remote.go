package syncer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Doer sends one HTTP request. It is an interface rather than
// *http.Client so the service worker can send through fetch without
// linking net/http's client transport and TLS stack into its wasm.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

var errNoClient = errors.New("syncer: no HTTP client")

// Remote is an OX HTTP API client: JSON envelopes over net/http (under
// js/wasm Go's client uses fetch, which carries the origin's cookies).
// It speaks only the public API, so any OX-compatible server works.
type Remote struct {
	// Base is the API root, e.g. "https://mail.example.com/ajax".
	Base string
	// HTTP sends the requests; natively it holds a cookie jar for the
	// session's secret cookie.
	HTTP Doer
	// UserAgent is sent with every request (the session cookie hash
	// covers it).
	UserAgent string

	mu      sync.Mutex
	session string
}

// NewRemote returns a client for the API root base.
func NewRemote(base string) *Remote {
	return &Remote{Base: strings.TrimRight(base, "/"), HTTP: newHTTPClient(), UserAgent: "oxlite-sync/1.0"}
}

// Session is the session id the client sends.
func (r *Remote) Session() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.session
}

// SetSession changes the session id (after a login through the worker).
func (r *Remote) SetSession(s string) {
	r.mu.Lock()
	r.session = s
	r.mu.Unlock()
}

// Answer is a successful envelope.
type Answer struct {
	Data         json.RawMessage
	Timestamp    int64
	HasTimestamp bool
	// Date is the server's Date header (zero when absent).
	Date time.Time
	// Object is the whole answer when it is not an envelope (login).
	Object map[string]json.RawMessage
}

// APIError is an OX error envelope.
type APIError struct {
	Code       string
	Categories []string
	Category   int
	Message    string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// HasCategory reports whether the error has category cat (name such as
// "CONFLICT"); the legacy numeric category counts too.
func (e *APIError) HasCategory(cat string) bool {
	for _, c := range e.Categories {
		if strings.EqualFold(c, cat) {
			return true
		}
	}
	return categoryNumbers[cat] != 0 && e.Category == categoryNumbers[cat]
}

var categoryNumbers = map[string]int{"USER_INPUT": 1, "CONFIGURATION": 2, "PERMISSION_DENIED": 3, "TRY_AGAIN": 4,
	"SERVICE_DOWN": 5, "CONNECTIVITY": 6, "ERROR": 8, "CONFLICT": 9, "CAPACITY": 11, "TRUNCATED": 12, "WARNING": 13}

// Conflict reports an optimistic-locking conflict: category CONFLICT (9)
// whatever the code.
func (e *APIError) Conflict() bool { return e.HasCategory("CONFLICT") }

// SessionLost reports an error that needs a new login (SES-…).
func (e *APIError) SessionLost() bool { return strings.HasPrefix(e.Code, "SES-") }

// TryAgain reports a temporary refusal.
func (e *APIError) TryAgain() bool {
	return e.HasCategory("TRY_AGAIN") || e.HasCategory("SERVICE_DOWN") || e.HasCategory("CONNECTIVITY")
}

// TransportError is a failure below the API: no connection, a timeout, an
// HTTP error status or an answer that is not an OX envelope. The request
// may or may not have reached the server; it is retried later.
type TransportError struct {
	Status int
	Err    error
}

func (e *TransportError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("HTTP %d: %v", e.Status, e.Err)
	}
	return e.Err.Error()
}

func (e *TransportError) Unwrap() error { return e.Err }

// isTransport reports whether err is a transport failure.
func isTransport(err error) bool {
	var te *TransportError
	return errors.As(err, &te)
}

// apiError returns err as an API error (nil otherwise).
func apiError(err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}

// Do sends module?params with an optional JSON body (PUT when there is
// one, GET otherwise) and decodes the envelope.
func (r *Remote) Do(ctx context.Context, module string, params url.Values, body []byte) (*Answer, error) {
	q := url.Values{}
	for k, v := range params {
		q[k] = v
	}
	if s := r.Session(); s != "" && q.Get("session") == "" {
		q.Set("session", s)
	}
	u := r.Base + "/" + module + "?" + q.Encode()
	method := http.MethodGet
	var rd io.Reader
	if body != nil {
		method, rd = http.MethodPut, bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/javascript; charset=UTF-8")
	}
	return r.send(req)
}

// PostForm sends a urlencoded POST (login).
func (r *Remote) PostForm(ctx context.Context, module string, form url.Values) (*Answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.Base+"/"+module, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r.send(req)
}

func (r *Remote) send(req *http.Request) (*Answer, error) {
	if r.UserAgent != "" {
		req.Header.Set("User-Agent", r.UserAgent)
	}
	client := r.HTTP
	if client == nil {
		return nil, &TransportError{Err: errNoClient}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, &TransportError{Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &TransportError{Status: resp.StatusCode, Err: err}
	}
	return decodeAnswer(resp, data)
}

// decodeAnswer reads an OX envelope, also from the HTML callback page that
// answers multipart uploads.
func decodeAnswer(resp *http.Response, data []byte) (*Answer, error) {
	if strings.HasPrefix(strings.ToLower(resp.Header.Get("Content-Type")), "text/html") {
		data = callbackJSON(data)
	}
	var env map[string]json.RawMessage
	if decodeJSON(bytes.TrimSpace(data), &env) != nil || env == nil {
		return nil, &TransportError{Status: resp.StatusCode, Err: fmt.Errorf("not an OX answer: %.80q", data)}
	}
	if raw, ok := env["error"]; ok && string(raw) != "null" {
		ae := &APIError{}
		_ = json.Unmarshal(env["code"], &ae.Code)
		_ = json.Unmarshal(raw, &ae.Message)
		_ = json.Unmarshal(env["category"], &ae.Category)
		var cats any
		_ = json.Unmarshal(env["categories"], &cats)
		switch c := cats.(type) {
		case string:
			ae.Categories = []string{c}
		case []any:
			for _, x := range c {
				if s, ok := x.(string); ok {
					ae.Categories = append(ae.Categories, s)
				}
			}
		}
		if resp.StatusCode >= 500 {
			// An internal error of the server: the change may succeed later.
			return nil, &TransportError{Status: resp.StatusCode, Err: ae}
		}
		return nil, ae
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &TransportError{Status: resp.StatusCode, Err: fmt.Errorf("unexpected status")}
	}
	a := &Answer{Data: env["data"], Object: env}
	if raw, ok := env["timestamp"]; ok {
		if n, ok := toInt(json.Number(bytes.TrimSpace(raw))); ok {
			a.Timestamp, a.HasTimestamp = n, true
		}
	}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		a.Date = d
	}
	return a, nil
}

// LoginResult is what a login answers.
type LoginResult struct {
	Session   string
	UserID    int64
	ContextID int64
	Locale    string
}

// Login logs in with name and password and keeps the session (the
// secret cookie lands in the client's jar).
func (r *Remote) Login(ctx context.Context, name, password string) (*LoginResult, error) {
	a, err := r.PostForm(ctx, "login", url.Values{"action": {"login"}, "name": {name}, "password": {password},
		"client": {"open-xchange-appsuite"}})
	if err != nil {
		return nil, err
	}
	var out LoginResult
	_ = json.Unmarshal(a.Object["session"], &out.Session)
	_ = json.Unmarshal(a.Object["user_id"], &out.UserID)
	_ = json.Unmarshal(a.Object["context_id"], &out.ContextID)
	_ = json.Unmarshal(a.Object["locale"], &out.Locale)
	if out.Session == "" {
		return nil, fmt.Errorf("login answered no session")
	}
	r.SetSession(out.Session)
	return &out, nil
}

// DoRaw sends module?params with a JSON body (PUT) and returns the answer
// as it came, for answers that are not envelopes (`multiple`).
func (r *Remote) DoRaw(ctx context.Context, module string, params url.Values, body []byte) ([]byte, error) {
	q := url.Values{}
	for k, v := range params {
		q[k] = v
	}
	if s := r.Session(); s != "" && q.Get("session") == "" {
		q.Set("session", s)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, r.Base+"/"+module+"?"+q.Encode(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/javascript; charset=UTF-8")
	if r.UserAgent != "" {
		req.Header.Set("User-Agent", r.UserAgent)
	}
	client := r.HTTP
	if client == nil {
		return nil, &TransportError{Err: errNoClient}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, &TransportError{Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, &TransportError{Status: resp.StatusCode, Err: fmt.Errorf("reading answer: %v", err)}
	}
	return data, nil
}

// callbackJSON extracts the envelope from an upload's callback page:
// `(parent["callback_x"] || …)(<json>)`.
func callbackJSON(page []byte) []byte {
	i := bytes.Index(page, []byte(")({"))
	j := bytes.LastIndex(page, []byte("})"))
	if i < 0 || j < i {
		return page
	}
	return page[i+2 : j+1]
}

// Upload sends a multipart POST of parts to module?params (attachments,
// contact pictures).
func (r *Remote) Upload(ctx context.Context, module string, params url.Values, parts []part) (*Answer, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		if !p.File {
			if err := mw.WriteField(p.Name, p.Value); err != nil {
				return nil, err
			}
			continue
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+escapeQuotes(p.Name)+`"; filename="`+escapeQuotes(p.Filename)+`"`)
		ct := p.Type
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		w, err := mw.CreatePart(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(p.Data); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	q := url.Values{}
	for k, v := range params {
		q[k] = v
	}
	if s := r.Session(); s != "" && q.Get("session") == "" {
		q.Set("session", s)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.Base+"/"+module+"?"+q.Encode(), &buf)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return r.send(req)
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"")

func escapeQuotes(s string) string { return quoteEscaper.Replace(s) }

// Fetch downloads a resource the server named (a picture URL such as
// "/ajax/image/contact/picture?…", resolved against Base) with the
// session; it answers the bytes and their content type.
func (r *Remote) Fetch(ctx context.Context, ref string) ([]byte, string, error) {
	base, err := url.Parse(r.Base + "/")
	if err != nil {
		return nil, "", err
	}
	u, err := base.Parse(ref)
	if err != nil {
		return nil, "", err
	}
	if u.Host != base.Host {
		return nil, "", fmt.Errorf("refusing to fetch from another host: %s", u.Host)
	}
	q := u.Query()
	if s := r.Session(); s != "" && q.Get("session") == "" {
		q.Set("session", s)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", err
	}
	if r.UserAgent != "" {
		req.Header.Set("User-Agent", r.UserAgent)
	}
	client := r.HTTP
	if client == nil {
		return nil, "", &TransportError{Err: errNoClient}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", &TransportError{Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", &TransportError{Status: resp.StatusCode, Err: err}
	}
	if resp.StatusCode >= 500 {
		return nil, "", &TransportError{Status: resp.StatusCode, Err: fmt.Errorf("fetching %s", u.Path)}
	}
	ct := resp.Header.Get("Content-Type")
	if resp.StatusCode != http.StatusOK || strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "text/") {
		return nil, "", &APIError{Code: "OXL-0023", Message: fmt.Sprintf("no picture at %s (HTTP %d)", u.Path, resp.StatusCode)}
	}
	return data, ct, nil
}
