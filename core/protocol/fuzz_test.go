package protocol_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"oxlite/core/protocol"
)

// Fuzz targets for request parsing. This package does not import storage,
// so the instrumented build stays small. `make test` runs each for 10 s
// natively; a plain `go test` (also under js/wasm) runs the seed corpus in
// testdata/fuzz.

// checkOXError asserts what every parsing failure must be: an OX error
// that renders as an envelope.
func checkOXError(t *testing.T, err error) {
	t.Helper()
	var oe *protocol.Error
	if !errors.As(err, &oe) {
		t.Fatalf("error %T %v is not a *protocol.Error", err, err)
	}
	if !oxCode.MatchString(oe.Code) || oe.Category == "" || oe.Message == "" {
		t.Fatalf("malformed OX error %+v", oe)
	}
	if !json.Valid(protocol.Marshal(oe.Envelope())) {
		t.Fatalf("envelope of %v is not JSON", oe)
	}
}

// countingReader records how much of the body the parser consumed.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func FuzzParse(f *testing.F) {
	f.Add("GET", "action=all&columns=1,20&session=abc", "", []byte(nil), false)
	f.Add("PUT", "action=update&id=5&timestamp=1", "text/javascript; charset=UTF-8", []byte(`{"title":"x"}`), false)
	f.Add("POST", "action=login", "application/x-www-form-urlencoded", []byte("name=a&password=b&action=other"), true)
	f.Add("POST", "action=new", "multipart/form-data; boundary=XX", []byte("--XX\r\nContent-Disposition: form-data; name=\"json_0\"\r\n\r\n{}\r\n--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello\r\n--XX--\r\n"), false)
	f.Add("POST", "a=%zz;b&c", "multipart/mixed", []byte("x"), false)
	f.Fuzz(func(t *testing.T, method, query, ctype string, body []byte, unknownLength bool) {
		const max = 512
		cr := &countingReader{r: bytes.NewReader(body)}
		r := &http.Request{
			Method:        method,
			URL:           &url.URL{Path: "/folders", RawQuery: query},
			Header:        http.Header{},
			Body:          io.NopCloser(cr),
			ContentLength: int64(len(body)),
		}
		if unknownLength {
			r.ContentLength = -1
		}
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		req, err := protocol.Parse(r, protocol.ParseOptions{MaxBody: max})
		if req == nil {
			t.Fatal("Parse returned no request")
		}
		if req.Multipart != nil {
			defer req.Multipart.RemoveAll()
		}
		if cr.n > max+1 {
			t.Fatalf("read %d bytes with a limit of %d", cr.n, max)
		}
		if err != nil {
			checkOXError(t, err)
			if len(body) <= max && ctype == "" && method != "GET" && method != "HEAD" {
				t.Fatalf("a small raw body failed: %v", err)
			}
			return
		}
		// Query parameters are all there, and win over body parameters.
		if q, qerr := url.ParseQuery(query); qerr == nil {
			for k, v := range q {
				if !slices.Equal(req.Params[k], v) {
					t.Fatalf("query parameter %q = %q, want %q", k, req.Params[k], v)
				}
			}
		}
		// Round trip: the parsed parameters, sent again, parse the same.
		again, err := protocol.Parse(&http.Request{
			Method: http.MethodGet,
			URL:    &url.URL{Path: "/folders", RawQuery: req.Params.Encode()},
			Header: http.Header{},
		}, protocol.ParseOptions{MaxBody: max})
		if err != nil || !reflect.DeepEqual(again.Params, req.Params) {
			t.Fatalf("round trip: %v %v, want %v", err, again.Params, req.Params)
		}
		if req.Body != nil && !bytes.Equal(req.Body, body) {
			t.Fatalf("raw body changed: %q, want %q", req.Body, body)
		}
		if (method == "GET" || method == "HEAD") && (req.Body != nil || req.Multipart != nil) {
			t.Fatal("a GET body was read")
		}
	})
}

func FuzzParseColumns(f *testing.F) {
	for _, s := range []string{"1,20,500", " 1 , 2 ", "", ",", "-1", "1,x", "+5", "007", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cols, err := protocol.ParseColumns(s)
		if err != nil {
			checkOXError(t, err)
			if !protocol.ErrInvalidValue.Is(err) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if len(cols) == 0 {
			t.Fatalf("%q: no columns and no error", s)
		}
		parts := make([]string, len(cols))
		for i, c := range cols {
			if c < 0 {
				t.Fatalf("%q: negative column %d", s, c)
			}
			parts[i] = strconv.Itoa(c)
		}
		again, err := protocol.ParseColumns(strings.Join(parts, ","))
		if err != nil || !slices.Equal(again, cols) {
			t.Fatalf("%q: round trip %v %v", s, again, err)
		}
		// The request helper agrees with the parser.
		viaReq, err := params("columns", s).Columns()
		if err != nil || !slices.Equal(viaReq, cols) {
			t.Fatalf("%q: Columns() %v %v", s, viaReq, err)
		}
	})
}

func FuzzLimits(f *testing.F) {
	f.Add("10", "", "", true)
	f.Add("5,10", "", "", true)
	f.Add("10,5", "", "", true)
	f.Add("", "5", "10", false)
	f.Add("", "-1", "x", false)
	f.Add("", "", "9223372036854775807", false)
	f.Fuzz(func(t *testing.T, limit, left, right string, withLimit bool) {
		var kv []string
		if withLimit {
			kv = append(kv, "limit", limit)
		}
		if left != "" {
			kv = append(kv, "left_hand_limit", left)
		}
		if right != "" {
			kv = append(kv, "right_hand_limit", right)
		}
		l, err := params(kv...).Limits()
		if err != nil {
			checkOXError(t, err)
			return
		}
		if l.Start < 0 || (l.End >= 0 && l.End < l.Start) || l.End < -1 {
			t.Fatalf("%v: invalid limit %+v", kv, l)
		}
		s := make([]int, 20)
		got := protocol.Apply(s, l)
		if len(got) > len(s) || (l.End >= 0 && len(got) > l.End-l.Start) {
			t.Fatalf("%v: Apply(%+v) gave %d of %d", kv, l, len(got), len(s))
		}
		// Round trip through the canonical forms.
		var canon []string
		if l.End >= 0 {
			canon = []string{"limit", strconv.Itoa(l.Start) + "," + strconv.Itoa(l.End)}
		} else {
			canon = []string{"left_hand_limit", strconv.Itoa(l.Start)}
		}
		again, err := params(canon...).Limits()
		if err != nil || again != l {
			t.Fatalf("%v: round trip of %+v gave %+v %v", kv, l, again, err)
		}
	})
}

func FuzzSortOrder(f *testing.F) {
	for _, c := range [][2]string{{"200", "asc"}, {"1", "DESC"}, {"", "desc"}, {"x", ""}, {"5", "sideways"}, {" 7 ", "descending"}} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, sort, order string) {
		s, err := params("sort", sort, "order", order).SortOrder()
		if err != nil {
			checkOXError(t, err)
			return
		}
		if !s.Set {
			if s != (protocol.Sort{}) {
				t.Fatalf("unset sort with fields: %+v", s)
			}
			return
		}
		o := "asc"
		if s.Desc {
			o = "desc"
		}
		again, err := params("sort", strconv.Itoa(s.Column), "order", o).SortOrder()
		if err != nil || again != s {
			t.Fatalf("round trip of %+v: %+v %v", s, again, err)
		}
	})
}

func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{`{"title":"x","n":1}`, `[1,2]`, `{"n":"1"}`, `{"a":`, ``, `{} {}`, `"\ud800"`, `1e400`, `{"title":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v any
		err := (&protocol.Request{Body: body}).DecodeBody(&v)
		if err != nil {
			checkOXError(t, err)
			if !protocol.ErrJSON.Is(err) {
				t.Fatalf("%q: %v", body, err)
			}
		} else {
			// Round trip: re-encoding the value decodes to the same value.
			var again any
			if err := (&protocol.Request{Body: protocol.Marshal(v)}).DecodeBody(&again); err != nil || !reflect.DeepEqual(again, v) {
				t.Fatalf("%q: round trip %v %v", body, again, err)
			}
		}
		// Typed targets fail as OX errors as well.
		var typed struct {
			Title string            `json:"title"`
			N     int               `json:"n"`
			List  []int64           `json:"list"`
			Map   map[string]string `json:"map"`
		}
		if err := (&protocol.Request{Body: body}).DecodeBody(&typed); err != nil {
			checkOXError(t, err)
		}
	})
}

func FuzzCallbackPage(f *testing.F) {
	f.Add("callback_new", []byte(`{"data":{"id":"5"}}`))
	f.Add("callback_x\"]);alert(1)//", []byte(`{"error":"</script><!--<script>"}`))
	f.Add("callback_\u2028", []byte("\"\u2028</SCRIPT >\""))
	f.Add("", []byte(`not json <b>`))
	f.Fuzz(func(t *testing.T, callback string, payload []byte) {
		var v any
		if json.Unmarshal(payload, &v) != nil {
			v = map[string]any{"error": string(payload)}
		}
		page := string(protocol.CallbackPage(callback, v))
		script := scriptBody(t, page)
		if strings.Contains(script, "<") {
			t.Fatalf("'<' inside the script element: %q", script)
		}
		cb, got := decodeCallback(t, script)
		var want string
		_ = json.Unmarshal(protocol.Marshal(callback), &want)
		if cb != want {
			t.Fatalf("callback %q, want %q", cb, want)
		}
		var wantV any
		_ = json.Unmarshal(protocol.Marshal(v), &wantV)
		if !reflect.DeepEqual(got, wantV) {
			t.Fatalf("payload %v, want %v", got, wantV)
		}
	})
}

const pageHead = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/strict.dtd\">\n" +
	"<html><head><META http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">\n<script type=\"text/javascript\">\n"

const pageTail = "\n</script></head></html>\n"

// scriptBody returns the content of the page's only script element.
func scriptBody(t *testing.T, page string) string {
	t.Helper()
	if !strings.HasPrefix(page, pageHead) || !strings.HasSuffix(page, pageTail) || !utf8.ValidString(page) {
		t.Fatalf("page frame: %q", page)
	}
	return strings.TrimSuffix(strings.TrimPrefix(page, pageHead), pageTail)
}

// decodeCallback reads `(parent[NAME] || window.opener && window.opener[NAME])(JSON)`
// token by token, so a payload that escaped its literal cannot pass.
func decodeCallback(t *testing.T, script string) (string, any) {
	t.Helper()
	rest := script
	expect := func(lit string) {
		t.Helper()
		if !strings.HasPrefix(rest, lit) {
			t.Fatalf("expected %q at %q", lit, rest)
		}
		rest = rest[len(lit):]
	}
	value := func() any {
		t.Helper()
		dec := json.NewDecoder(strings.NewReader(rest))
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("JSON at %q: %v", rest, err)
		}
		rest = rest[dec.InputOffset():]
		return v
	}
	expect("(parent[")
	name, ok := value().(string)
	expect("] || window.opener && window.opener[")
	name2, ok2 := value().(string)
	expect("])(")
	payload := value()
	expect(")")
	if !ok || !ok2 || name != name2 || rest != "" {
		t.Fatalf("callback names %q %q, rest %q", name, name2, rest)
	}
	return name, payload
}
