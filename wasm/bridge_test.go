package main

import (
	"context"
	"io"
	"net/http"
	"slices"
	"testing"
)

func TestToHTTP(t *testing.T) {
	f := &fetchRequest{
		Method: "PUT",
		URL:    "https://mail.example.org/ajax/folders?action=update&id=1&session=abc",
		Header: [][2]string{{"content-type", "text/javascript; charset=UTF-8"}, {"accept", "*/*"}, {"x-a", "1"}, {"x-a", "2"}},
		Body:   []byte(`{"title":"x"}`),
	}
	r, err := f.toHTTP(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Method != "PUT" || r.URL.Path != "/ajax/folders" || r.URL.Query().Get("id") != "1" {
		t.Errorf("method/url: %s %s", r.Method, r.URL)
	}
	if r.Host != "mail.example.org" || r.RequestURI != "/ajax/folders?action=update&id=1&session=abc" {
		t.Errorf("host %q, request URI %q", r.Host, r.RequestURI)
	}
	if got := r.Header.Get("Content-Type"); got != "text/javascript; charset=UTF-8" {
		t.Errorf("Content-Type %q", got)
	}
	if got := r.Header.Values("X-A"); len(got) != 2 {
		t.Errorf("X-A %q", got)
	}
	if r.ContentLength != int64(len(f.Body)) || r.RemoteAddr != localAddr {
		t.Errorf("ContentLength %d, RemoteAddr %q", r.ContentLength, r.RemoteAddr)
	}
	body, _ := io.ReadAll(r.Body)
	if string(body) != `{"title":"x"}` {
		t.Errorf("body %q", body)
	}

	r, err = (&fetchRequest{URL: "http://h/ajax/ping"}).toHTTP(context.Background())
	if err != nil || r.Method != http.MethodGet || r.Body != http.NoBody || r.ContentLength != 0 {
		t.Errorf("empty request: %v %+v", err, r)
	}
	if _, err := (&fetchRequest{Method: "GET", URL: "http://h/%zz"}).toHTTP(context.Background()); err == nil {
		t.Error("bad URL accepted")
	}
	if _, err := (&fetchRequest{Method: "bad method", URL: "http://h/"}).toHTTP(context.Background()); err == nil {
		t.Error("bad method accepted")
	}
}

func TestHasBody(t *testing.T) {
	for m, want := range map[string]bool{"GET": false, "get": false, "HEAD": false, "POST": true, "PUT": true, "DELETE": true} {
		if hasBody(m) != want {
			t.Errorf("hasBody(%s) = %v", m, !want)
		}
	}
}

func find(h [][2]string, name string) []string {
	var out []string
	for _, kv := range h {
		if http.CanonicalHeaderKey(kv[0]) == name {
			out = append(out, kv[1])
		}
	}
	return out
}

func TestServeResult(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Add("Set-Cookie", "a=1")
			w.Header().Add("Set-Cookie", "b=2")
			w.WriteHeader(http.StatusCreated)
			w.WriteHeader(http.StatusTeapot) // ignored, as net/http does
			_, _ = w.Write([]byte(`{"data":1}`))
		case "/implicit":
			_, _ = w.Write([]byte("<html><body>hi"))
		case "/nocontent":
			w.WriteHeader(http.StatusNoContent)
			_, _ = w.Write([]byte("dropped"))
		case "/informational":
			w.WriteHeader(http.StatusContinue)
		case "/panic":
			panic("boom")
		case "/abort":
			panic(http.ErrAbortHandler)
		case "/nothing":
		}
	})
	req := func(method, path string) *http.Request {
		r, err := (&fetchRequest{Method: method, URL: "http://h" + path}).toHTTP(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	logPanic = func(any) {}

	res := serve(h, req("GET", "/json"))
	if res.Status != http.StatusCreated || string(res.Body) != `{"data":1}` {
		t.Errorf("/json: %d %q", res.Status, res.Body)
	}
	if got := find(res.Header, "Set-Cookie"); len(got) != 2 {
		t.Errorf("/json: Set-Cookie %q", got)
	}
	if got := find(res.Header, "Content-Type"); len(got) != 1 || got[0] != "application/json" {
		t.Errorf("/json: Content-Type %q", got)
	}

	res = serve(h, req("GET", "/implicit"))
	if res.Status != 200 || find(res.Header, "Content-Type")[0] != "text/html; charset=utf-8" {
		t.Errorf("/implicit: %d %v", res.Status, res.Header)
	}
	res = serve(h, req("HEAD", "/implicit"))
	if res.Status != 200 || res.Body != nil {
		t.Errorf("HEAD: %d %q", res.Status, res.Body)
	}
	res = serve(h, req("GET", "/nocontent"))
	if res.Status != 204 || res.Body != nil {
		t.Errorf("/nocontent: %d %q", res.Status, res.Body)
	}
	res = serve(h, req("GET", "/informational"))
	if res.Status != 500 {
		t.Errorf("/informational: %d", res.Status)
	}
	res = serve(h, req("GET", "/nothing"))
	if res.Status != 200 || len(res.Body) != 0 {
		t.Errorf("/nothing: %d %v", res.Status, res.Body)
	}
	res = serve(h, req("POST", "/panic"))
	if res.Status != 500 || string(res.Body) != "internal error\n" {
		t.Errorf("/panic: %d %q", res.Status, res.Body)
	}
	res = serve(h, req("GET", "/abort"))
	if res.Status != 500 {
		t.Errorf("/abort: %d", res.Status)
	}
}

func TestMount(t *testing.T) {
	var seen []string
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.Path)
	})
	h := mount(api)
	for _, p := range []string{"/ajax/login", "/appsuite/api/config/modules", "/other", "/ajax"} {
		r, _ := (&fetchRequest{URL: "http://h" + p}).toHTTP(context.Background())
		serve(h, r)
	}
	if len(seen) != 2 || seen[0] != "/login" || seen[1] != "/config/modules" {
		t.Errorf("the facade saw %q", seen)
	}
}

func TestSplitHeaders(t *testing.T) {
	got := splitHeaders("accept,text/html, application/json\nx-empty,\ncontent-type,text/plain")
	want := [][2]string{{"accept", "text/html, application/json"}, {"x-empty", ""}, {"content-type", "text/plain"}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := splitHeaders(""); len(got) != 0 {
		t.Fatalf("no headers: %q", got)
	}
}
