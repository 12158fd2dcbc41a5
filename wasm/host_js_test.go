//go:build js && wasm

package main

import (
	"strings"
	"testing"
)

// The assembled host answers through the bridge from its store: a
// request to an unknown module goes to the server, which cannot be
// reached here (OXL-0010), as a login cannot; a local module without a
// session is the local core's SES-0201 envelope.
func TestHostServesCore(t *testing.T) {
	h := newTestHost(t, newTestStore(t), "http://local.test", nil, nil)
	fn := export("oxliteTestCore", h)
	defer fn.Release()
	for _, c := range []struct{ url, code string }{
		{"http://local.test/ajax/nosuchmodule?action=all", "OXL-0010"},
		{"http://local.test/appsuite/api/folders?action=root", "SES-0201"},
	} {
		resp := awaitOK(t, call(t, "oxliteTestCore", c.url))
		body := text(t, resp)
		if resp.Get("status").Int() != 200 || !strings.Contains(body, `"code":"`+c.code+`"`) {
			t.Errorf("%s: %d %s", c.url, resp.Get("status").Int(), body)
		}
		if ct := resp.Get("headers").Call("get", "content-type").String(); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: content-type %q", c.url, ct)
		}
	}
	form := newRequest("http://local.test/ajax/login?action=login", map[string]any{
		"method":  "POST",
		"body":    "name=nobody&password=wrong",
		"headers": map[string]any{"Content-Type": "application/x-www-form-urlencoded"},
	})
	body := text(t, awaitOK(t, call(t, "oxliteTestCore", form)))
	if !strings.Contains(body, `"code":"OXL-0010"`) {
		t.Errorf("login: %s", body)
	}
}

// The warm-up runs the usual requests over its own store.
func TestWarmUp(t *testing.T) {
	if err := warmUp(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
}
