package ajax_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"oxlite/core/ajax"
	"oxlite/core/protocol"
)

var oxCode = regexp.MustCompile(`^[A-Z][A-Z_]{1,5}-\d{4}$`)

// fakeAuth accepts the session "good"; it is the only pure-logic stand-in
// for core/session, which needs SQLite.
type fakeAuth struct{ calls int }

func (a *fakeAuth) Authenticate(req *protocol.Request) error {
	a.calls++
	s, ok := req.Param("session")
	switch {
	case !ok:
		return protocol.ErrSessionMissing.New()
	case s != "good":
		return protocol.ErrSessionExpired.New(s)
	}
	req.Session = &protocol.Session{ID: s, ContextID: 1, UserID: 3}
	req.User = &protocol.User{ContextID: 1, ID: 3, TimeZone: "Europe/Berlin"}
	return nil
}

func (a *fakeAuth) AuthenticateCookie(req *protocol.Request) error {
	return protocol.ErrSessionMissing.New()
}

// newMux registers a small fake API.
//   - echo?action=get returns its parameters, body and caller
//   - echo?action=fail fails with SVL-0010
//   - echo?action=boom panics
//   - echo?action=raw answers non-JSON
//   - echo?action=public needs no session
//   - login?action=login is never allowed inside multiple
func newMux(auth ajax.Authenticator) *ajax.Mux {
	m := ajax.New(auth, slog.New(slog.DiscardHandler))
	m.RegisterMultiple()
	m.Handle("echo", "get", func(req *protocol.Request) (*protocol.Response, error) {
		p := map[string]any{}
		for k := range req.Params {
			p[k] = req.Get(k)
		}
		out := map[string]any{"params": p, "body": string(req.Body), "module": req.Module, "action": req.Action}
		if req.Session != nil {
			out["user"] = req.Session.UserID
		}
		if cols, err := req.Columns(); err != nil {
			return nil, err
		} else if cols != nil {
			out["columns"] = cols
		}
		return protocol.OKAt(out, 1234), nil
	})
	m.Handle("echo", "fail", func(req *protocol.Request) (*protocol.Response, error) {
		return nil, protocol.ErrInvalidValue.New("x", req.Get("x"))
	})
	m.Handle("echo", "boom", func(req *protocol.Request) (*protocol.Response, error) {
		var nilMap map[string]int
		nilMap["x"] = 1
		return nil, nil
	})
	m.Handle("echo", "raw", func(req *protocol.Request) (*protocol.Response, error) {
		return &protocol.Response{Raw: &protocol.RawResponse{ContentType: "text/plain", Body: []byte("raw")}}, nil
	})
	m.Handle("echo", "public", func(req *protocol.Request) (*protocol.Response, error) {
		return protocol.OK("public"), nil
	}, ajax.Public())
	m.Handle("echo", "nomulti", func(req *protocol.Request) (*protocol.Response, error) {
		return protocol.OK("x"), nil
	}, ajax.NotInMultiple())
	m.Handle("login", "login", func(req *protocol.Request) (*protocol.Response, error) {
		return protocol.OK("logged in"), nil
	}, ajax.Public())
	m.HandleDefault("config", func(req *protocol.Request) (*protocol.Response, error) {
		return protocol.OK(req.PathRest), nil
	})
	return m
}

func do(t testing.TB, h http.Handler, method, target, body string) (*httptest.ResponseRecorder, any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if body != "" {
		r.Header.Set("Content-Type", "text/javascript; charset=UTF-8")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var v any
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("%s %s: not JSON: %q", method, target, w.Body.String())
	}
	return w, v
}

func obj(t testing.TB, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("not an object: %v", v)
	}
	return m
}

func wantCode(t testing.TB, v any, code string) map[string]any {
	t.Helper()
	env := obj(t, v)
	if env["code"] != code {
		t.Fatalf("code %v, want %s: %v", env["code"], code, env)
	}
	for _, k := range []string{"error", "error_params", "error_id", "error_desc", "categories", "category"} {
		if _, ok := env[k]; !ok {
			t.Errorf("%s: no %s in %v", code, k, env)
		}
	}
	return env
}

func TestEnvelopeAndRouting(t *testing.T) {
	m := newMux(&fakeAuth{})
	w, v := do(t, m, "GET", "/echo?action=get&session=good&a=1", "")
	env := obj(t, v)
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json; charset=UTF-8" || env["timestamp"] != 1234.0 {
		t.Errorf("ok: %d %v %v", w.Code, w.Header(), env)
	}
	if data := obj(t, env["data"]); data["user"] != 3.0 || obj(t, data["params"])["a"] != "1" {
		t.Errorf("data: %v", data)
	}
	if w.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Error("no Referrer-Policy")
	}
	for _, c := range []struct{ target, code string }{
		{"/nosuch?action=x&session=good", "SVL-0007"},
		{"/echo?action=nosuch&session=good", "SVL-0021"},
		{"/echo?session=good", "SVL-0002"},
		{"/echo?action=get", "SES-0201"},
		{"/echo?action=get&session=bad", "SES-0203"},
		{"/echo?action=fail&session=good&x=7", "SVL-0010"},
	} {
		w, v := do(t, m, "GET", c.target, "")
		env := wantCode(t, v, c.code)
		if w.Code != 200 {
			t.Errorf("%s: HTTP %d", c.target, w.Code)
		}
		if c.code == "SVL-0010" && (env["categories"] != "USER_INPUT" || env["category"] != 1.0) {
			t.Errorf("category: %v", env)
		}
	}
	if _, v := do(t, m, "GET", "/echo?action=public", ""); obj(t, v)["data"] != "public" {
		t.Errorf("public: %v", v)
	}
	if _, v := do(t, m, "GET", "/config/modules/mail?session=good", ""); obj(t, v)["data"] != "modules/mail" {
		t.Errorf("path below module: %v", v)
	}
	if w, v := do(t, m, "DELETE", "/echo?action=get&session=good", ""); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %d %v", w.Code, v)
	}
}

// A panic in a handler becomes an internal-error envelope with HTTP 503;
// the cause stays in the log.
func TestPanicBecomes503(t *testing.T) {
	w, v := do(t, newMux(&fakeAuth{}), "GET", "/echo?action=boom&session=good", "")
	env := wantCode(t, v, "OXL-0002")
	if w.Code != http.StatusServiceUnavailable || env["categories"] != "ERROR" || env["category"] != 8.0 {
		t.Errorf("%d %v", w.Code, env)
	}
	if strings.Contains(w.Body.String(), "nil map") {
		t.Error("the panic reached the client")
	}
}

func TestMultiple(t *testing.T) {
	auth := &fakeAuth{}
	m := newMux(auth)
	body := `[
		{"module":"echo","action":"get","columns":"1,20","id":5,"flag":true,"none":null},
		{"module":"echo","action":"get","data":{"title":"x"}},
		{"module":"echo","action":"fail","x":"y"},
		{"module":"echo","action":"get","columns":"x"},
		{"module":"echo","action":"get","columns":[1,"20"]}
	]`
	w, v := do(t, m, "PUT", "/multiple?session=good&columns=9", body)
	items, ok := v.([]any)
	if w.Code != 200 || !ok || len(items) != 5 {
		t.Fatalf("%d %v", w.Code, v)
	}
	if auth.calls != 1 {
		t.Errorf("the multiple call was authenticated %d times", auth.calls)
	}
	first := obj(t, obj(t, items[0])["data"])
	if !reflect.DeepEqual(first["params"], map[string]any{"action": "get", "columns": "1,20", "id": "5", "flag": "true", "none": ""}) {
		t.Errorf("item params: %v", first["params"])
	}
	// Columns are per item, never the outer request's.
	if !reflect.DeepEqual(first["columns"], []any{1.0, 20.0}) {
		t.Errorf("item 0 columns: %v", first["columns"])
	}
	second := obj(t, obj(t, items[1])["data"])
	if second["body"] != `{"title":"x"}` || second["columns"] != nil || second["user"] != 3.0 {
		t.Errorf("item 1: %v", second)
	}
	if obj(t, items[1])["timestamp"] != 1234.0 {
		t.Errorf("item timestamp: %v", items[1])
	}
	wantCode(t, items[2], "SVL-0010")
	wantCode(t, items[3], "SVL-0010")
	// A JSON array of columns means the same as the comma list.
	if fifth := obj(t, obj(t, items[4])["data"]); !reflect.DeepEqual(fifth["columns"], []any{1.0, 20.0}) {
		t.Errorf("item 4 columns from a JSON array: %v", fifth)
	}
}

func TestMultipleContinueFalseStops(t *testing.T) {
	m := newMux(&fakeAuth{})
	body := `[{"module":"echo","action":"get"},{"module":"echo","action":"fail"},{"module":"echo","action":"get"}]`
	for q, n := range map[string]int{"": 3, "&continue=true": 3, "&continue=false": 2, "&continue=0": 2} {
		_, v := do(t, m, "PUT", "/multiple?session=good"+q, body)
		items := v.([]any)
		if len(items) != n {
			t.Errorf("%q: %d items, want %d", q, len(items), n)
			continue
		}
		wantCode(t, items[1], "SVL-0010")
	}
}

// Items that may not run inside multiple get an error envelope in their
// own slot; the others still run.
func TestMultipleRefusedItems(t *testing.T) {
	m := newMux(&fakeAuth{})
	body := `[
		{"module":"login","action":"login","name":"a","password":"b"},
		{"module":"multiple","data":[]},
		{"module":"echo","action":"nomulti"},
		{"module":"echo","action":"raw"},
		{"module":"nosuch","action":"x"},
		{"action":"get"},
		"not an object",
		{"module":"echo","action":{"x":1}},
		{"module":"echo","action":"boom"},
		{"module":"echo","action":"get"}
	]`
	w, v := do(t, m, "PUT", "/multiple?session=good", body)
	items := v.([]any)
	if w.Code != 200 || len(items) != 10 {
		t.Fatalf("%d %v", w.Code, v)
	}
	for i, code := range []string{"SVL-0020", "SVL-0020", "SVL-0020", "SVL-0020", "SVL-0007", "SVL-0002", "SVL-0009", "SVL-0021", "OXL-0002"} {
		wantCode(t, items[i], code)
	}
	if obj(t, obj(t, items[9])["data"])["action"] != "get" {
		t.Errorf("last item: %v", items[9])
	}
}

func TestMultipleNeedsSessionAndArray(t *testing.T) {
	m := newMux(&fakeAuth{})
	_, v := do(t, m, "PUT", "/multiple", `[{"module":"echo","action":"public"}]`)
	wantCode(t, v, "SES-0201")
	for _, body := range []string{`{"module":"echo"}`, `[`, `null`, ` `} {
		w, v := do(t, m, "PUT", "/multiple?session=good", body)
		if w.Code != http.StatusBadRequest {
			t.Errorf("%q: HTTP %d", body, w.Code)
		}
		wantCode(t, v, "SVL-0009")
	}
	if _, v := do(t, m, "PUT", "/multiple?session=good", `[]`); len(v.([]any)) != 0 {
		t.Errorf("empty: %v", v)
	}
}

// Upload answers are HTML pages calling back into the UI.
func TestUploadCallbackPage(t *testing.T) {
	m := newMux(&fakeAuth{})
	body := "--XX\r\nContent-Disposition: form-data; name=\"json\"\r\n\r\n{}\r\n--XX--\r\n"
	r := httptest.NewRequest("POST", "/echo?action=fail&session=good", strings.NewReader(body))
	r.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
	w := httptest.NewRecorder()
	m.ServeHTTP(w, r)
	page := w.Body.String()
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(page, `parent["callback_fail"]`) || !strings.Contains(page, `"code":"SVL-0010"`) {
		t.Errorf("%d %s", w.Code, page)
	}
}
