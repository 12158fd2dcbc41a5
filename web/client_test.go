package web

import (
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The client's files revalidate (ETag, no-cache) with their proper types,
// so a browser and the worker's precache pick up a new client at once.
func TestClientAssetsRevalidate(t *testing.T) {
	h := Handler()
	for path, ctype := range map[string]string{
		"/":        "text/html; charset=utf-8",
		"/app.js":  "text/javascript; charset=utf-8",
		"/app.css": "text/css; charset=utf-8",
	} {
		w := get(t, h, path)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d", path, w.Code)
		}
		if got := w.Header().Get("Content-Type"); got != ctype {
			t.Errorf("%s: Content-Type %q, want %q", path, got, ctype)
		}
		if got := w.Header().Get("Cache-Control"); got != "no-cache" {
			t.Errorf("%s: Cache-Control %q", path, got)
		}
		tag := w.Header().Get("ETag")
		if tag == "" {
			t.Fatalf("%s: no ETag", path)
		}
		if w := get(t, h, path, "If-None-Match", tag); w.Code != http.StatusNotModified {
			t.Errorf("%s with If-None-Match: %d, want 304", path, w.Code)
		}
	}
	if a, b := get(t, h, "/").Header().Get("ETag"), get(t, h, "/app.js").Header().Get("ETag"); a == b {
		t.Errorf("index and app.js share ETag %s", a)
	}
}

// Every file the page references exists in the embedded tree: the worker
// precaches them by these names.
func TestClientReferencesExist(t *testing.T) {
	index, err := fs.ReadFile(FS(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	refs := regexp.MustCompile(`(?:src|href)="/([^"]+)"`).FindAllStringSubmatch(string(index), -1)
	if len(refs) < 2 {
		t.Fatalf("index.html references %v", refs)
	}
	for _, m := range refs {
		if _, err := fs.Stat(FS(), m[1]); err != nil {
			t.Errorf("index.html references /%s: %v", m[1], err)
		}
	}
	for _, want := range []string{`id="login-form"`, `for="login-name"`, `for="login-password"`} {
		if !strings.Contains(string(index), want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
}
