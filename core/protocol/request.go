package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Request is one parsed API call: the module and action, the merged
// parameters (query string plus urlencoded POST body) and the raw body.
type Request struct {
	HTTP   *http.Request
	Ctx    context.Context
	Module string
	Action string
	// PathRest is what follows the module in the URL path: a config path
	// (`config/modules/mail`) or a download file name (`files/name.pdf`).
	PathRest string
	Params   url.Values
	// Body is the raw request body of PUT and non-form POST requests.
	Body []byte
	// Multipart holds the parts of a multipart/form-data upload.
	Multipart *multipart.Form
	// Session is set by the facade for authenticated actions.
	Session *Session
	// User holds the calling user's profile when a session is present.
	User *User
	// InMultiple is true when the request is an item of a `multiple` call.
	InMultiple bool
	// OutCookies are written with the answer, success or error.
	OutCookies []*http.Cookie
}

// SetCookie adds a cookie to the answer (ignored inside multiple).
func (r *Request) SetCookie(c *http.Cookie) {
	if !r.InMultiple {
		r.OutCookies = append(r.OutCookies, c)
	}
}

// Session is what the facade knows about the caller.
type Session struct {
	ID        string
	ContextID int64
	UserID    int64
	Login     string
	Client    string
}

// User is the part of the caller's profile every module needs.
type User struct {
	ContextID    int64
	ID           int64
	Login        string
	TimeZone     string
	Locale       string
	Groups       []int64
	ContextAdmin bool
}

// ParseOptions bound what the parser accepts.
type ParseOptions struct {
	MaxBody int64
}

// ErrBodyTooLarge is returned by Parse when the body exceeds the limit.
var errTooLarge = errors.New("request body too large")

// Parse reads parameters and body from an HTTP request. It never reads more
// than MaxBody bytes.
func Parse(r *http.Request, opt ParseOptions) (*Request, error) {
	req := &Request{HTTP: r, Ctx: r.Context(), Params: url.Values{}}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		// Reference servers tolerate sloppy queries; keep what parsed.
		q, _ = url.ParseQuery(strings.ReplaceAll(r.URL.RawQuery, ";", "%3B"))
	}
	for k, v := range q {
		req.Params[k] = v
	}
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return req, nil
	}
	max := opt.MaxBody
	if max <= 0 {
		max = 10 << 20
	}
	if r.ContentLength > max {
		return req, ErrBadRequest.New("the request body exceeds the limit of " + strconv.FormatInt(max, 10) + " bytes")
	}
	body := http.MaxBytesReader(nil, r.Body, max)
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case r.Method == http.MethodPost && ct == "application/x-www-form-urlencoded":
		data, err := readAll(body)
		if err != nil {
			return req, err
		}
		form, err := url.ParseQuery(string(data))
		if err != nil {
			return req, ErrBadRequest.New("malformed form body")
		}
		for k, v := range form {
			// Query parameters win over body parameters of the same name.
			if _, dup := req.Params[k]; !dup {
				req.Params[k] = v
			}
		}
	case strings.HasPrefix(ct, "multipart/"):
		boundary := ctParams["boundary"]
		if boundary == "" {
			return req, ErrBadRequest.New("multipart body without boundary")
		}
		mr := multipart.NewReader(body, boundary)
		form, err := mr.ReadForm(max)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) || errors.Is(err, multipart.ErrMessageTooLarge) {
				return req, tooLarge(max)
			}
			return req, ErrBadRequest.New("malformed multipart body")
		}
		req.Multipart = form
		for k, v := range form.Value {
			if _, dup := req.Params[k]; !dup && k != "json" && !strings.HasPrefix(k, "json_") {
				req.Params[k] = v
			}
		}
	default:
		data, err := readAll(body)
		if err != nil {
			return req, err
		}
		req.Body = data
	}
	return req, nil
}

func tooLarge(max int64) *Error {
	return ErrBadRequest.New("the request body exceeds the limit of " + strconv.FormatInt(max, 10) + " bytes")
}

func readAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(mbe.Limit)
		}
		return nil, ErrIO.New("reading the request body failed")
	}
	return data, nil
}

// Param returns a parameter and whether it was present.
func (r *Request) Param(name string) (string, bool) {
	v, ok := r.Params[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// Get returns a parameter or "".
func (r *Request) Get(name string) string {
	v, _ := r.Param(name)
	return v
}

// Require returns a parameter or SVL-0002.
func (r *Request) Require(name string) (string, error) {
	v, ok := r.Param(name)
	if !ok || v == "" {
		return "", ErrMissingParameter.New(name)
	}
	return v, nil
}

// Int returns an integer parameter; ok is false when it is absent.
func (r *Request) Int(name string) (v int64, ok bool, err error) {
	s, present := r.Param(name)
	if !present || s == "" {
		return 0, false, nil
	}
	v, perr := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if perr != nil {
		return 0, true, ErrInvalidValue.New(name, s)
	}
	return v, true, nil
}

// RequireInt returns an integer parameter or an error.
func (r *Request) RequireInt(name string) (int64, error) {
	v, ok, err := r.Int(name)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, ErrMissingParameter.New(name)
	}
	return v, nil
}

// Bool reads a boolean parameter the way the UI writes them (true/false, 1/0).
func (r *Request) Bool(name string) bool {
	switch strings.ToLower(r.Get(name)) {
	case "true", "1", "yes", "on":
		return true
	}
	return false
}

// DecodeBody unmarshals the JSON body into v; an empty body or bad JSON
// answers SVL-0009.
func (r *Request) DecodeBody(v any) error {
	if len(bytes.TrimSpace(r.Body)) == 0 {
		return ErrJSON.New("missing request body")
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return ErrJSON.New(jsonProblem(err))
	}
	// More() misses a stray closing bracket, so look for any next token.
	if _, err := dec.Token(); err != io.EOF {
		return ErrJSON.New("trailing data after the JSON value")
	}
	return nil
}

// HasBody reports whether a non-blank body was sent.
func (r *Request) HasBody() bool { return len(bytes.TrimSpace(r.Body)) > 0 }

func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "syntax error at offset " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &te):
		if te.Field != "" {
			return "field \"" + te.Field + "\" must be " + te.Type.String()
		}
		return "value must be " + te.Type.String()
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "unexpected end of JSON input"
	}
	return "malformed JSON"
}

// Location returns the zone for Time conversion: the `timezone` parameter
// (any case) or else the user's zone, or UTC.
func (r *Request) Location() (*time.Location, error) {
	name := ""
	for k, v := range r.Params {
		if strings.EqualFold(k, "timezone") && len(v) > 0 && v[0] != "" {
			name = v[0]
			break
		}
	}
	if name == "" {
		if r.User != nil && r.User.TimeZone != "" {
			return LoadLocation(r.User.TimeZone), nil
		}
		return time.UTC, nil
	}
	loc, err := loadLocationStrict(name)
	if err != nil {
		return nil, ErrInvalidValue.New("timezone", name)
	}
	return loc, nil
}
