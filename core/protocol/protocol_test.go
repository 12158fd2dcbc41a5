package protocol_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	// Tests must not depend on zoneinfo files: the js/wasm run has none.
	_ "time/tzdata"

	"oxlite/core/protocol"
)

var oxCode = regexp.MustCompile(`^[A-Z][A-Z_]{1,5}-\d{4}$`)

func params(kv ...string) *protocol.Request {
	r := &protocol.Request{Params: url.Values{}}
	for i := 0; i+1 < len(kv); i += 2 {
		r.Params.Add(kv[i], kv[i+1])
	}
	return r
}

// roundTrip renders v as the client sees it.
func roundTrip(t *testing.T, v any) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(protocol.Marshal(v), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestErrorEnvelope(t *testing.T) {
	env := roundTrip(t, protocol.ErrInvalidValue.New("columns", "x").Envelope())
	want := map[string]any{
		"error":        `Invalid value for parameter "columns": x`,
		"error_params": []any{},
		"error_desc":   `Invalid value for parameter "columns": x`,
		"code":         "SVL-0010",
		"categories":   "USER_INPUT",
		"category":     1.0,
	}
	id, _ := env["error_id"].(string)
	delete(env, "error_id")
	if !reflect.DeepEqual(env, want) {
		t.Errorf("envelope\n got %v\nwant %v", env, want)
	}
	id2 := protocol.ErrInvalidValue.New("a", "b").Envelope()["error_id"]
	if id == "" || id == id2 {
		t.Errorf("error ids %q and %q must be set and differ", id, id2)
	}
	// error_desc may differ from the display message.
	e := protocol.ErrConflict.New()
	e.Desc = "technical"
	if env := e.Envelope(); env["error"] != "The object has been changed in the meantime." || env["error_desc"] != "technical" {
		t.Errorf("desc: %v", env)
	}
}

func TestCategoryNumbers(t *testing.T) {
	// Categories.java via middleware-semantics.md §0.
	for c, n := range map[protocol.Category]int{
		protocol.CatUserInput: 1, protocol.CatConfiguration: 2, protocol.CatPermissionDenied: 3,
		protocol.CatTryAgain: 4, protocol.CatServiceDown: 5, protocol.CatConnectivity: 6,
		protocol.CatError: 8, protocol.CatConflict: 9, protocol.CatCapacity: 11,
		protocol.CatTruncated: 12, protocol.CatWarning: 13, protocol.Category("UNKNOWN"): 8,
	} {
		if got := c.Number(); got != n {
			t.Errorf("%s: %d, want %d", c, got, n)
		}
	}
}

func TestCatalogueCodes(t *testing.T) {
	for _, d := range []protocol.Def{
		protocol.ErrUnknownAction, protocol.ErrMissingParameter, protocol.ErrInvalidValue, protocol.ErrJSON,
		protocol.ErrBadRequest, protocol.ErrUnknownModule, protocol.ErrUnknownModAction, protocol.ErrSessionMissing,
		protocol.ErrSessionExpired, protocol.ErrInvalidCredentials, protocol.ErrReloadRequired, protocol.ErrInternal,
	} {
		if !oxCode.MatchString(d.Code) || d.Category == "" || d.Message == "" {
			t.Errorf("bad definition %+v", d)
		}
	}
}

func TestErrorHelpers(t *testing.T) {
	cause := json.Unmarshal([]byte("{"), new(any))
	e := protocol.Internal(cause)
	if e.Code != "OXL-0002" || e.Status != http.StatusServiceUnavailable || e.Unwrap() != cause {
		t.Errorf("Internal: %+v", e)
	}
	if strings.Contains(string(protocol.Marshal(e.Envelope())), "unexpected end") {
		t.Error("the cause reached the envelope")
	}
	if !protocol.ErrInternal.Is(e) || protocol.ErrJSON.Is(e) {
		t.Error("Def.Is")
	}
	s := protocol.ErrJSON.New("x").WithStatus(400)
	if s.Status != 400 || protocol.ErrJSON.New("x").Status != 0 {
		t.Error("WithStatus must copy")
	}
}

func TestResponseEnvelope(t *testing.T) {
	if got := roundTrip(t, protocol.OK([]int{1}).Envelope()); !reflect.DeepEqual(got, map[string]any{"data": []any{1.0}}) {
		t.Errorf("OK: %v", got)
	}
	got := roundTrip(t, protocol.OKAt("x", 1700000000123).Envelope())
	if got["data"] != "x" || got["timestamp"] != 1700000000123.0 {
		t.Errorf("OKAt: %v", got)
	}
	r := protocol.OK(1)
	r.Extra = map[string]any{"more": true}
	if got := roundTrip(t, r.Envelope()); got["more"] != true || got["data"] != 1.0 {
		t.Errorf("Extra: %v", got)
	}
	bare := &protocol.Response{Bare: map[string]any{"session": "s"}, Data: "ignored"}
	if got := roundTrip(t, bare.Envelope()); !reflect.DeepEqual(got, map[string]any{"session": "s"}) {
		t.Errorf("Bare: %v", got)
	}
}

// The first warning is also written as the top-level error, with category
// WARNING (ResponseWriter.java, middleware-semantics.md §0).
func TestResponseWarnings(t *testing.T) {
	r := protocol.OK("d")
	r.Warnings = []*protocol.Error{protocol.ErrInvalidValue.New("a", "1"), protocol.ErrConflict.New()}
	got := roundTrip(t, r.Envelope())
	if got["data"] != "d" || got["code"] != "SVL-0010" || got["categories"] != "WARNING" || got["category"] != 13.0 {
		t.Errorf("warning fields: %v", got)
	}
	ws, _ := got["warnings"].([]any)
	if len(ws) != 2 || ws[1].(map[string]any)["code"] != "SVL-0017" {
		t.Errorf("warnings: %v", got["warnings"])
	}
}

func TestMarshalKeepsHTML(t *testing.T) {
	if got := string(protocol.Marshal(map[string]string{"a": "<b>&"})); got != `{"a":"<b>&"}` {
		t.Errorf("Marshal: %s", got)
	}
}

func TestWriteJSON(t *testing.T) {
	w := httptest.NewRecorder()
	protocol.WriteJSON(w, 200, map[string]any{"data": 1})
	if w.Header().Get("Content-Type") != "application/json; charset=UTF-8" || w.Body.String() != `{"data":1}` {
		t.Errorf("%v %q", w.Header(), w.Body.String())
	}
}

func TestCallbackPage(t *testing.T) {
	payload := map[string]any{"data": "</script><!--<script>alert(1)</script>", "error": "a&b>c"}
	page := string(protocol.CallbackPage("callback_new", payload))
	script := scriptBody(t, page)
	if strings.Contains(script, "<") {
		t.Errorf("'<' inside the script: %s", script)
	}
	if !strings.HasPrefix(script, `(parent["callback_new"] || window.opener && window.opener["callback_new"])(`) {
		t.Errorf("call: %s", script)
	}
	cb, got := decodeCallback(t, script)
	if cb != "callback_new" || !reflect.DeepEqual(got, map[string]any{"data": payload["data"], "error": payload["error"]}) {
		t.Errorf("decoded %q %v", cb, got)
	}
	// A hostile action name stays inside its string literal.
	page = string(protocol.CallbackPage(`callback_x"]);alert(1);//\`, nil))
	cb, _ = decodeCallback(t, scriptBody(t, page))
	if cb != `callback_x"]);alert(1);//\` {
		t.Errorf("callback %q", cb)
	}
}

func TestColumns(t *testing.T) {
	cols, err := params("columns", " 1, 20,,500 ").Columns()
	if err != nil || !reflect.DeepEqual(cols, []int{1, 20, 500}) {
		t.Errorf("Columns: %v %v", cols, err)
	}
	if cols, err := params().Columns(); cols != nil || err != nil {
		t.Errorf("absent: %v %v", cols, err)
	}
	if _, err := params().RequireColumns(); !protocol.ErrMissingParameter.Is(err) {
		t.Errorf("RequireColumns: %v", err)
	}
	for _, bad := range []string{"1,x", "-1", ",", "1.5", "99999999999999999999"} {
		if _, err := protocol.ParseColumns(bad); !protocol.ErrInvalidValue.Is(err) {
			t.Errorf("ParseColumns(%q): %v", bad, err)
		}
	}
}

type obj struct {
	id    int
	title string
	due   any
}

var objCols = protocol.ColumnSet[obj]{
	1:   func(o obj) any { return o.id },
	200: func(o obj) any { return o.title },
	317: func(o obj) any { return o.due },
}

func TestColumnSetRowsKeepPositions(t *testing.T) {
	rows := objCols.Rows([]obj{{1, "a", nil}, {2, "b", int64(5)}}, []int{200, 9999, 1, 317})
	got := string(protocol.Marshal(rows))
	if got != `[["a",null,1,null],["b",null,2,5]]` {
		t.Errorf("rows: %s", got)
	}
}

func TestSortOrderAndSortBy(t *testing.T) {
	for _, c := range []struct {
		sort, order string
		want        protocol.Sort
		bad         bool
	}{
		{"", "desc", protocol.Sort{}, false},
		{"200", "", protocol.Sort{Column: 200, Set: true}, false},
		{"200", "ASC", protocol.Sort{Column: 200, Set: true}, false},
		{" 1 ", "desc", protocol.Sort{Column: 1, Desc: true, Set: true}, false},
		{"x", "", protocol.Sort{}, true},
		{"1", "sideways", protocol.Sort{}, true},
	} {
		got, err := params("sort", c.sort, "order", c.order).SortOrder()
		if c.bad {
			if !protocol.ErrInvalidValue.Is(err) {
				t.Errorf("%q/%q: %v", c.sort, c.order, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q/%q: %+v %v", c.sort, c.order, got, err)
		}
	}
	objs := []obj{{1, "b", nil}, {2, "A", int64(3)}, {3, "c", int64(1)}, {4, "a", nil}}
	protocol.SortBy(objs, objCols, protocol.Sort{Column: 200, Set: true})
	if ids := idsOf(objs); !reflect.DeepEqual(ids, []int{2, 4, 1, 3}) {
		t.Errorf("by title (case-insensitive, stable): %v", ids)
	}
	protocol.SortBy(objs, objCols, protocol.Sort{Column: 317, Set: true})
	if ids := idsOf(objs); !reflect.DeepEqual(ids, []int{3, 2, 4, 1}) {
		t.Errorf("by due, nulls last: %v", ids)
	}
	protocol.SortBy(objs, objCols, protocol.Sort{Column: 1, Desc: true, Set: true})
	if ids := idsOf(objs); !reflect.DeepEqual(ids, []int{4, 3, 2, 1}) {
		t.Errorf("by id desc: %v", ids)
	}
}

func idsOf(objs []obj) []int {
	out := make([]int, len(objs))
	for i, o := range objs {
		out[i] = o.id
	}
	return out
}

func TestLimits(t *testing.T) {
	for _, c := range []struct {
		kv   []string
		want protocol.Limit
		bad  bool
	}{
		{nil, protocol.NoLimit, false},
		{[]string{"limit", "10"}, protocol.Limit{Start: 0, End: 10}, false},
		{[]string{"limit", "5, 10"}, protocol.Limit{Start: 5, End: 10}, false},
		{[]string{"limit", "5,5"}, protocol.Limit{Start: 5, End: 5}, false},
		{[]string{"limit", "10,5"}, protocol.Limit{}, true},
		{[]string{"limit", "-1"}, protocol.Limit{}, true},
		{[]string{"limit", "1,2,3"}, protocol.Limit{}, true},
		{[]string{"limit", "a"}, protocol.Limit{}, true},
		{[]string{"left_hand_limit", "5", "right_hand_limit", "10"}, protocol.Limit{Start: 5, End: 10}, false},
		{[]string{"right_hand_limit", "10"}, protocol.Limit{Start: 0, End: 10}, false},
		{[]string{"left_hand_limit", "5"}, protocol.Limit{Start: 5, End: -1}, false},
		{[]string{"left_hand_limit", "5", "right_hand_limit", "4"}, protocol.Limit{}, true},
		{[]string{"left_hand_limit", "-5"}, protocol.Limit{}, true},
		{[]string{"left_hand_limit", "x"}, protocol.Limit{}, true},
		// limit wins over the older pair.
		{[]string{"limit", "3", "left_hand_limit", "5"}, protocol.Limit{Start: 0, End: 3}, false},
	} {
		got, err := params(c.kv...).Limits()
		if c.bad {
			if !protocol.ErrInvalidValue.Is(err) {
				t.Errorf("%v: %v", c.kv, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%v: %+v %v", c.kv, got, err)
		}
	}
	s := []int{0, 1, 2, 3, 4}
	for _, c := range []struct {
		l    protocol.Limit
		want []int
	}{
		{protocol.NoLimit, s},
		{protocol.Limit{Start: 1, End: 3}, []int{1, 2}},
		{protocol.Limit{Start: 3, End: 100}, []int{3, 4}},
		{protocol.Limit{Start: 5, End: -1}, []int{}},
		{protocol.Limit{Start: 9, End: 10}, []int{}},
		{protocol.Limit{Start: 0, End: 0}, []int{}},
	} {
		if got := protocol.Apply(s, c.l); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Apply(%+v) = %v", c.l, got)
		}
	}
}

func TestParamHelpers(t *testing.T) {
	r := params("id", " 42 ", "bad", "4x", "empty", "", "flag", "TRUE", "off", "0")
	if v, ok, err := r.Int("id"); v != 42 || !ok || err != nil {
		t.Errorf("Int: %d %v %v", v, ok, err)
	}
	if _, ok, err := r.Int("bad"); !ok || !protocol.ErrInvalidValue.Is(err) {
		t.Errorf("Int bad: %v %v", ok, err)
	}
	if _, ok, err := r.Int("empty"); ok || err != nil {
		t.Errorf("Int empty: %v %v", ok, err)
	}
	if _, err := r.RequireInt("missing"); !protocol.ErrMissingParameter.Is(err) {
		t.Errorf("RequireInt: %v", err)
	}
	if _, err := r.Require("empty"); !protocol.ErrMissingParameter.Is(err) {
		t.Errorf("Require empty: %v", err)
	}
	if !r.Bool("flag") || r.Bool("off") || r.Bool("missing") {
		t.Error("Bool")
	}
}

func TestDecodeBody(t *testing.T) {
	var v struct {
		Title string `json:"title"`
		N     int    `json:"n"`
	}
	r := &protocol.Request{Body: []byte(` {"title":"x","n":3} `)}
	if err := r.DecodeBody(&v); err != nil || v.Title != "x" || v.N != 3 {
		t.Errorf("%+v %v", v, err)
	}
	for body, msg := range map[string]string{
		"":                   "missing request body",
		"  ":                 "missing request body",
		`{"title":`:          "unexpected end",
		`{"title":1}`:        `field "title" must be string`,
		`{"n":1}{"n":2}`:     "trailing data",
		`{"title":"x"}]`:     "trailing data",
		"{\"title\": tru}\n": "syntax error",
	} {
		err := (&protocol.Request{Body: []byte(body)}).DecodeBody(&v)
		if !protocol.ErrJSON.Is(err) || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: %v, want %q", body, err, msg)
		}
	}
	var anyv map[string]any
	if err := (&protocol.Request{Body: []byte(`{"id":12345678901234567890}`)}).DecodeBody(&anyv); err != nil {
		t.Fatal(err)
	}
	if n, ok := anyv["id"].(json.Number); !ok || n.String() != "12345678901234567890" {
		t.Errorf("numbers must keep their digits: %#v", anyv["id"])
	}
}

func TestParse(t *testing.T) {
	r := httptest.NewRequest("POST", "/folders?action=list&parent=1", strings.NewReader("parent=2&columns=1%2C300"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
	req, err := protocol.Parse(r, protocol.ParseOptions{})
	if err != nil || req.Get("parent") != "1" || req.Get("columns") != "1,300" || req.Get("action") != "list" || req.Body != nil {
		t.Errorf("form: %v %v", req.Params, err)
	}
	// The UI sends JSON as text/javascript.
	r = httptest.NewRequest("PUT", "/folders?action=update", strings.NewReader(`{"title":"x"}`))
	r.Header.Set("Content-Type", "text/javascript; charset=UTF-8")
	req, err = protocol.Parse(r, protocol.ParseOptions{})
	if err != nil || string(req.Body) != `{"title":"x"}` || req.Get("action") != "update" {
		t.Errorf("json: %q %v", req.Body, err)
	}
	r = httptest.NewRequest("PUT", "/x", strings.NewReader(strings.Repeat("a", 100)))
	if _, err := protocol.Parse(r, protocol.ParseOptions{MaxBody: 10}); !protocol.ErrBadRequest.Is(err) {
		t.Errorf("too large: %v", err)
	}
	r = httptest.NewRequest("PUT", "/x", strings.NewReader(strings.Repeat("a", 100)))
	r.ContentLength = -1
	if _, err := protocol.Parse(r, protocol.ParseOptions{MaxBody: 10}); !protocol.ErrBadRequest.Is(err) {
		t.Errorf("too large, unknown length: %v", err)
	}
	// GET bodies are ignored; a sloppy query keeps what parses.
	r = httptest.NewRequest("GET", "/x?a=1;b=2&c=%zz&d=4", strings.NewReader("ignored"))
	req, err = protocol.Parse(r, protocol.ParseOptions{})
	if err != nil || req.Get("d") != "4" || req.Body != nil {
		t.Errorf("sloppy query: %v %v", req.Params, err)
	}
}

func TestParseMultipart(t *testing.T) {
	body := "--XX\r\nContent-Disposition: form-data; name=\"json_0\"\r\n\r\n{\"a\":1}\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"folder\"\r\n\r\n7\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"file_0\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XX--\r\n"
	r := httptest.NewRequest("POST", "/infostore?action=new&folder=9", strings.NewReader(body))
	r.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
	req, err := protocol.Parse(r, protocol.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer req.Multipart.RemoveAll()
	if req.Get("folder") != "9" || req.Get("json_0") != "" || len(req.Multipart.File["file_0"]) != 1 || req.Multipart.Value["json_0"][0] != `{"a":1}` {
		t.Errorf("multipart: %v %v", req.Params, req.Multipart)
	}
	r = httptest.NewRequest("POST", "/x", strings.NewReader(body))
	r.Header.Set("Content-Type", "multipart/form-data")
	if _, err := protocol.Parse(r, protocol.ParseOptions{}); !protocol.ErrBadRequest.Is(err) {
		t.Errorf("no boundary: %v", err)
	}
}

func TestTimeConversion(t *testing.T) {
	berlin := protocol.LoadLocation("Europe/Berlin")
	ny := protocol.LoadLocation("America/New_York")
	ms := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	const hour = int64(time.Hour / time.Millisecond)
	for _, c := range []struct {
		utc  string
		loc  *time.Location
		diff int64
	}{
		{"2026-01-15T12:00:00Z", berlin, hour},
		{"2026-07-15T12:00:00Z", berlin, 2 * hour},
		{"2026-01-15T12:00:00Z", ny, -5 * hour},
		{"2026-07-15T12:00:00Z", ny, -4 * hour},
		// Either side of the Berlin transitions (01:00 UTC).
		{"2026-03-29T00:59:00Z", berlin, hour},
		{"2026-03-29T01:00:00Z", berlin, 2 * hour},
		{"2026-10-25T00:59:00Z", berlin, 2 * hour},
		{"2026-10-25T01:00:00Z", berlin, hour},
		{"2026-07-15T12:00:00Z", time.UTC, 0},
		{"2026-07-15T12:00:00Z", nil, 0},
	} {
		u := ms(c.utc)
		if got := protocol.ToTime(u, c.loc); got-u != c.diff {
			t.Errorf("ToTime(%s, %v) off by %d ms, want %d", c.utc, c.loc, got-u, c.diff)
		}
	}
	// FromTime inverts ToTime, except in the hour that occurs twice when
	// clocks go back: the OX Time value cannot tell those apart.
	for _, day := range []string{"2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z"} {
		switchAt := ms(day)
		for u := switchAt - 3*hour; u <= switchAt+3*hour; u += 15 * 60 * 1000 {
			got := protocol.FromTime(protocol.ToTime(u, berlin), berlin)
			ambiguous := day[5:7] == "10" && u >= switchAt-hour && u < switchAt
			if got != u && !(ambiguous && got == u+hour) {
				t.Errorf("FromTime(ToTime(%s)) = %s", time.UnixMilli(u).UTC(), time.UnixMilli(got).UTC())
			}
		}
	}
	for in, want := range map[string]string{
		"2026-07-15T23:59:59Z": "2026-07-15T00:00:00Z",
		"2026-07-15T00:00:00Z": "2026-07-15T00:00:00Z",
		"1969-12-31T13:00:00Z": "1969-12-31T00:00:00Z",
		"1969-12-31T00:00:00Z": "1969-12-31T00:00:00Z",
	} {
		if got := protocol.ToDate(ms(in)); got != ms(want) {
			t.Errorf("ToDate(%s) = %s", in, time.UnixMilli(got).UTC())
		}
	}
}

func TestLocation(t *testing.T) {
	r := params("TimeZone", "America/New_York")
	r.User = &protocol.User{TimeZone: "Europe/Berlin"}
	if loc, err := r.Location(); err != nil || loc.String() != "America/New_York" {
		t.Errorf("parameter: %v %v", loc, err)
	}
	r = params()
	r.User = &protocol.User{TimeZone: "Europe/Berlin"}
	if loc, err := r.Location(); err != nil || loc.String() != "Europe/Berlin" {
		t.Errorf("user: %v %v", loc, err)
	}
	if loc, err := params().Location(); err != nil || loc != time.UTC {
		t.Errorf("default: %v %v", loc, err)
	}
	if loc, err := params("timezone", "utc").Location(); err != nil || loc != time.UTC {
		t.Errorf("utc: %v %v", loc, err)
	}
	if _, err := params("timezone", "Mars/Olympus").Location(); !protocol.ErrInvalidValue.Is(err) {
		t.Errorf("unknown zone: %v", err)
	}
	if protocol.LoadLocation("../etc/passwd") != time.UTC || protocol.ValidTimeZone("") || !protocol.ValidTimeZone("Asia/Tokyo") {
		t.Error("LoadLocation/ValidTimeZone")
	}
}
