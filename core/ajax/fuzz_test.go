package ajax_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"testing"
)

// Fuzz targets for `multiple`. core/ajax imports no storage, so the
// instrumented build stays small; `make test` runs each for 10 s.

// checkItems asserts what every multiple answer must be.
func checkItems(t *testing.T, body []byte, cont string, status int, v any) []any {
	t.Helper()
	var in []json.RawMessage
	if err := json.Unmarshal(bytes.TrimSpace(body), &in); err != nil || in == nil {
		if status != 400 {
			t.Fatalf("not an array but HTTP %d", status)
		}
		wantCode(t, v, "SVL-0009")
		return nil
	}
	items, ok := v.([]any)
	if status != 200 || !ok {
		t.Fatalf("HTTP %d, answer %v", status, v)
	}
	stops := cont == "false" || cont == "0"
	if len(items) > len(in) || (!stops && len(items) != len(in)) || (stops && len(items) == 0 && len(in) > 0) {
		t.Fatalf("%d answers for %d items (continue=%q)", len(items), len(in), cont)
	}
	for i, it := range items {
		env := obj(t, it)
		if _, isErr := env["error"]; isErr {
			code, _ := env["code"].(string)
			if !oxCode.MatchString(code) {
				t.Fatalf("item %d: bad code in %v", i, env)
			}
			wantCode(t, env, code)
			continue
		}
		if _, ok := env["data"]; !ok {
			t.Fatalf("item %d: neither data nor error: %v", i, env)
		}
		if stops && i == len(items)-1 && len(items) < len(in) {
			t.Fatalf("stopped after item %d, which succeeded", i)
		}
	}
	return items
}

func FuzzMultiple(f *testing.F) {
	f.Add([]byte(`[{"module":"echo","action":"get","id":5},{"module":"echo","action":"fail"},{"module":"echo","action":"get"}]`), "false")
	f.Add([]byte(`[{"module":"login","action":"login"},{"module":"multiple"},"x",null,{"module":"echo","action":"boom"}]`), "")
	f.Add([]byte(`[{"module":"echo","action":"get","data":{"a":[1,2]},"columns":"1,2","x":1e400}]`), "true")
	f.Add([]byte(`{"module":"echo"}`), "")
	f.Add([]byte(`[{"module":"config/a/b","action":null},{"module":"echo","action":"raw"}]`), "0")
	m := newMux(&fakeAuth{})
	f.Fuzz(func(t *testing.T, body []byte, cont string) {
		q := url.Values{"session": {"good"}, "continue": {cont}}
		w, v := do(t, m, "PUT", "/multiple?"+q.Encode(), string(body))
		checkItems(t, body, cont, w.Code, v)
	})
}

// FuzzMultipleItem builds valid items from arbitrary strings, so the
// round trip of parameters and data is checked on every run.
func FuzzMultipleItem(f *testing.F) {
	f.Add("get", "folder", "1,2", []byte(`{"title":"x"}`))
	f.Add("get", "columns", "1,20", []byte(`[1,"a",null]`))
	f.Add("fail", "x", "\u2028<\xff", []byte(`"s"`))
	f.Add("get", "module", "login", []byte(`nope`))
	m := newMux(&fakeAuth{})
	f.Fuzz(func(t *testing.T, action, key, value string, data []byte) {
		item := map[string]any{"module": "echo", "action": action}
		if key != "module" && key != "action" && key != "data" {
			item[key] = value
		}
		if json.Valid(data) {
			item["data"] = json.RawMessage(data)
		}
		body, err := json.Marshal([]any{item, item})
		if err != nil {
			t.Skip()
		}
		w, v := do(t, m, "PUT", "/multiple?session=good", string(body))
		items := checkItems(t, body, "", w.Code, v)
		// The same item gives the same answer in both slots (error ids aside).
		a, b := obj(t, items[0]), obj(t, items[1])
		delete(a, "error_id")
		delete(b, "error_id")
		if !jsonEqual(a, b) {
			t.Fatalf("slots differ: %v / %v", a, b)
		}
		if _, failed := a["error"]; failed || action != "get" {
			// Only the echo action has data to compare (a bad column list
			// fails it).
			return
		}
		echo := obj(t, a["data"])
		var want map[string]any
		_ = json.Unmarshal(body, &[]any{&want})
		params := obj(t, echo["params"])
		if k, ok := want[key].(string); ok && key != "module" && params[key] != k {
			t.Fatalf("parameter %q = %v, want %q", key, params[key], k)
		}
		if json.Valid(data) {
			var got, sent any
			_ = json.Unmarshal([]byte(echo["body"].(string)), &got)
			_ = json.Unmarshal(data, &sent)
			if !jsonEqual(got, sent) {
				t.Fatalf("data %v, want %v", got, sent)
			}
		}
	})
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
