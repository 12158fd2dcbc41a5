package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

func testFS() fstest.MapFS {
	return fstest.MapFS{
		"index.html":     {Data: []byte("<!DOCTYPE html><title>x</title>")},
		"oxlite.wasm":    {Data: []byte("\x00asm\x01\x00\x00\x00plain")},
		"oxlite.wasm.br": {Data: []byte("compressed")},
		"wasm_exec.js":   {Data: []byte("// glue")},
	}
}

func get(t *testing.T, h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestWasmBrotliVariant(t *testing.T) {
	h := HandlerFS(testFS())
	w := get(t, h, "/oxlite.wasm", "Accept-Encoding", "gzip, deflate, br, zstd")
	if w.Code != http.StatusOK || w.Body.String() != "compressed" {
		t.Fatalf("br: %d %q", w.Code, w.Body.String())
	}
	for k, want := range map[string]string{
		"Content-Type":     "application/wasm",
		"Content-Encoding": "br",
		"Vary":             "Accept-Encoding",
		"Content-Length":   "10",
	} {
		if got := w.Header().Get(k); got != want {
			t.Errorf("br: %s = %q, want %q", k, got, want)
		}
	}
	tag := w.Header().Get("ETag")
	if tag == "" {
		t.Fatal("br: no ETag")
	}
	// Revalidation keeps V8's code cache: same bytes, 304.
	w = get(t, h, "/oxlite.wasm", "Accept-Encoding", "br", "If-None-Match", tag)
	if w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", w.Code)
	}
}

func TestWasmPlainVariant(t *testing.T) {
	h := HandlerFS(testFS())
	for _, ae := range []string{"", "gzip", "br;q=0, gzip", "gzip, br; q=0.0", "brotli"} {
		w := get(t, h, "/oxlite.wasm", "Accept-Encoding", ae)
		if w.Code != http.StatusOK || w.Body.String() != "\x00asm\x01\x00\x00\x00plain" {
			t.Fatalf("%q: %d %q", ae, w.Code, w.Body.String())
		}
		if got := w.Header().Get("Content-Encoding"); got != "" {
			t.Errorf("%q: Content-Encoding %q", ae, got)
		}
		if got := w.Header().Get("Content-Type"); got != "application/wasm" {
			t.Errorf("%q: Content-Type %q", ae, got)
		}
		if w.Header().Get("Vary") != "Accept-Encoding" || w.Header().Get("ETag") == "" {
			t.Errorf("%q: headers %v", ae, w.Header())
		}
	}
	plain := get(t, h, "/oxlite.wasm").Header().Get("ETag")
	br := get(t, h, "/oxlite.wasm", "Accept-Encoding", "br").Header().Get("ETag")
	if plain == br {
		t.Errorf("both variants have ETag %s", plain)
	}
}

func TestAcceptsBrotli(t *testing.T) {
	for h, want := range map[string]bool{
		"br": true, "BR": true, "gzip, br": true, "br;q=0.5": true, "br; q=1": true,
		"": false, "gzip": false, "br;q=0": false, "br;q=0.000": false, "*": false, "brotli": false,
	} {
		if got := acceptsBrotli(h); got != want {
			t.Errorf("acceptsBrotli(%q) = %v", h, got)
		}
	}
}

func TestOtherAssetsUnchanged(t *testing.T) {
	h := HandlerFS(testFS())
	w := get(t, h, "/wasm_exec.js", "Accept-Encoding", "br")
	if w.Code != http.StatusOK || w.Header().Get("Content-Encoding") != "" || w.Header().Get("Vary") != "" {
		t.Fatalf("wasm_exec.js: %d %v", w.Code, w.Header())
	}
	if w := get(t, h, "/oxlite.wasm.br", "Accept-Encoding", "br"); w.Header().Get("Content-Encoding") != "" {
		t.Errorf("direct .br request got Content-Encoding")
	}
	if w := get(t, h, "/missing.wasm", "Accept-Encoding", "br"); w.Code != http.StatusNotFound {
		t.Errorf("missing: %d", w.Code)
	}
	if w := get(t, h, "/"); w.Code != http.StatusOK || w.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("index: %d %v", w.Code, w.Header())
	}
}

// The embedded tree always has index.html, built wasm or not.
func TestEmbeddedIndex(t *testing.T) {
	w := get(t, Handler(), "/")
	if w.Code != http.StatusOK {
		t.Fatalf("index: %d", w.Code)
	}
}
