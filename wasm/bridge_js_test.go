//go:build js && wasm

package main

import (
	"io"
	"net/http"
	"strings"
	"syscall/js"
	"testing"
	"time"
)

// These run the real bridge in Node, whose fetch classes (Request,
// Response, Headers) follow the same spec as the service worker's.

func call(t *testing.T, name string, args ...any) js.Value {
	t.Helper()
	p := js.Global().Call(name, args...)
	if p.Get("then").Type() != js.TypeFunction {
		t.Fatalf("%s did not return a promise", name)
	}
	return p
}

func awaitOK(t *testing.T, p js.Value) js.Value {
	t.Helper()
	v, err := await(p)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func text(t *testing.T, resp js.Value) string {
	t.Helper()
	return awaitOK(t, resp.Call("text")).String()
}

func newRequest(url string, init map[string]any) js.Value {
	return js.Global().Get("Request").New(url, init)
}

func TestBridgeRoundTrip(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-Query", r.URL.RawQuery)
		w.Header().Set("X-Content-Type", r.Header.Get("Content-Type"))
		w.Header().Set("X-Custom", r.Header.Get("X-Custom"))
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.Header().Set("X-Bad", "line\nbreak")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write(body)
	})
	fn := export("oxliteTestEcho", mount(h))
	defer fn.Release()

	// Bytes that are not valid UTF-8 must survive both directions.
	payload := "{\"a\":\"ü\"}\x00\xff"
	arr := js.Global().Get("Uint8Array").New(len(payload))
	js.CopyBytesToJS(arr, []byte(payload))
	req := newRequest("http://local.test/ajax/x?action=put&id=7", map[string]any{
		"method":  "PUT",
		"body":    arr,
		"headers": map[string]any{"Content-Type": "text/javascript", "X-Custom": "yes"},
	})
	resp := awaitOK(t, call(t, "oxliteTestEcho", req))
	if got := resp.Get("status").Int(); got != 202 {
		t.Errorf("status %d", got)
	}
	hd := resp.Get("headers")
	for k, want := range map[string]string{
		"x-method": "PUT", "x-query": "action=put&id=7", "x-content-type": "text/javascript",
		"x-custom": "yes", "x-multi": "a, b", "content-type": "application/json; charset=UTF-8",
	} {
		if got := hd.Call("get", k); got.IsNull() || got.String() != want {
			t.Errorf("header %s = %v, want %q", k, got, want)
		}
	}
	if !hd.Call("get", "x-bad").IsNull() {
		t.Error("a header value with a line break was passed on")
	}
	buf := js.Global().Get("Uint8Array").New(awaitOK(t, resp.Call("arrayBuffer")))
	got := make([]byte, buf.Length())
	js.CopyBytesToGo(got, buf)
	if string(got) != payload {
		t.Errorf("body %q, want %q", got, payload)
	}
}

func TestBridgeStatusesAndStrings(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("case") {
		case "204":
			w.WriteHeader(http.StatusNoContent)
		case "404":
			http.NotFound(w, r)
		case "panic":
			panic("boom")
		default:
			_, _ = w.Write([]byte("plain " + r.Method))
		}
	})
	logPanic = func(any) {}
	fn := export("oxliteTestStatus", mount(h))
	defer fn.Release()

	// A URL string stands for a GET Request.
	resp := awaitOK(t, call(t, "oxliteTestStatus", "http://local.test/ajax/x"))
	if s := text(t, resp); s != "plain GET" {
		t.Errorf("string URL: %q", s)
	}
	resp = awaitOK(t, call(t, "oxliteTestStatus", "http://local.test/ajax/x?case=204"))
	if resp.Get("status").Int() != 204 || !resp.Get("body").IsNull() {
		t.Errorf("204: %d", resp.Get("status").Int())
	}
	resp = awaitOK(t, call(t, "oxliteTestStatus", "http://local.test/ajax/x?case=404"))
	if resp.Get("status").Int() != 404 || !strings.Contains(text(t, resp), "not found") {
		t.Errorf("404: %d", resp.Get("status").Int())
	}
	resp = awaitOK(t, call(t, "oxliteTestStatus", "http://local.test/ajax/x?case=panic"))
	if resp.Get("status").Int() != 500 {
		t.Errorf("panic: %d", resp.Get("status").Int())
	}
	// Outside the mount points the facade is not asked.
	resp = awaitOK(t, call(t, "oxliteTestStatus", "http://local.test/index.html"))
	if resp.Get("status").Int() != 404 {
		t.Errorf("outside /ajax: %d", resp.Get("status").Int())
	}
	head := newRequest("http://local.test/ajax/x", map[string]any{"method": "HEAD"})
	resp = awaitOK(t, call(t, "oxliteTestStatus", head))
	if resp.Get("status").Int() != 200 || !resp.Get("body").IsNull() {
		t.Errorf("HEAD: %d", resp.Get("status").Int())
	}
	if _, err := await(call(t, "oxliteTestStatus")); err == nil || !strings.Contains(err.Error(), "expected a Request") {
		t.Errorf("no argument: %v", err)
	}
}

// Requests run concurrently: one waiting on a JS promise does not hold up
// the next (wasm-spike.md Q3).
func TestBridgeConcurrent(t *testing.T) {
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("slow") != "" {
			<-release
		}
		_, _ = w.Write([]byte(r.URL.Query().Get("n")))
	})
	fn := export("oxliteTestConc", mount(h))
	defer fn.Release()

	slow := call(t, "oxliteTestConc", "http://local.test/ajax/x?slow=1&n=slow")
	fast := call(t, "oxliteTestConc", "http://local.test/ajax/x?n=fast")
	if s := text(t, awaitOK(t, fast)); s != "fast" {
		t.Errorf("fast: %q", s)
	}
	close(release)
	if s := text(t, awaitOK(t, slow)); s != "slow" {
		t.Errorf("slow: %q", s)
	}
}

// An aborted fetch cancels the handler's context.
func TestBridgeAbort(t *testing.T) {
	done := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			done <- r.Context().Err()
		case <-time.After(5 * time.Second):
			done <- nil
		}
	})
	fn := export("oxliteTestAbort", mount(h))
	defer fn.Release()
	ctl := js.Global().Get("AbortController").New()
	req := newRequest("http://local.test/ajax/x", map[string]any{"signal": ctl.Get("signal")})
	p := call(t, "oxliteTestAbort", req)
	ctl.Call("abort")
	if err := <-done; err == nil {
		t.Error("the handler's context was not cancelled")
	}
	awaitOK(t, p)
}

func TestExportError(t *testing.T) {
	fn := exportError("oxliteTestBroken", io.ErrUnexpectedEOF)
	defer fn.Release()
	_, err := await(call(t, "oxliteTestBroken", "http://local.test/ajax/x"))
	if err == nil || err.Error() != io.ErrUnexpectedEOF.Error() {
		t.Errorf("err = %v", err)
	}
}
