// Command wasm is the service-worker build of oxlite: the same /ajax core
// the native server mounts, compiled for GOOS=js GOARCH=wasm and exposed to
// JavaScript as globalThis.oxliteHandle(Request) => Promise<Response>.
//
// This file is platform-neutral so the conversion between a fetch
// Request/Response and net/http can be tested natively; everything that
// touches syscall/js lives in the _js files.
package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"
)

// mount serves the facade under the same prefixes as the native server, so
// a page sees identical URLs whether the worker or the server answers.
func mount(api http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/ajax/", http.StripPrefix("/ajax", api))
	mux.Handle("/appsuite/api/", http.StripPrefix("/appsuite/api", api))
	return mux
}

// fetchRequest is what the bridge reads from a JS Request.
type fetchRequest struct {
	Method string
	URL    string
	// Header holds the [name, value] pairs of Array.from(request.headers).
	Header [][2]string
	Body   []byte
}

// splitHeaders parses the lines "name,value" of a joined
// Array.from(headers).
func splitHeaders(joined string) [][2]string {
	var out [][2]string
	for line := range strings.SplitSeq(joined, "\n") {
		if name, value, ok := strings.Cut(line, ","); ok {
			out = append(out, [2]string{name, value})
		}
	}
	return out
}

// localAddr is the RemoteAddr of requests from pages of the worker's own
// origin; the local core trusts them (DESIGN.md §4) and never checks it.
const localAddr = "127.0.0.1:0"

// hasBody reports whether the fetch API allows a body for the method; a
// GET or HEAD Request cannot carry one, so the bridge skips arrayBuffer().
func hasBody(method string) bool {
	m := strings.ToUpper(method)
	return m != http.MethodGet && m != http.MethodHead
}

// toHTTP builds the server-side request the handler sees.
func (f *fetchRequest) toHTTP(ctx context.Context) (*http.Request, error) {
	u, err := url.Parse(f.URL)
	if err != nil {
		return nil, fmt.Errorf("bad request URL: %w", err)
	}
	method := f.Method
	if method == "" {
		method = http.MethodGet
	}
	r, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(f.Body))
	if err != nil {
		return nil, err
	}
	if len(f.Body) == 0 {
		r.Body = http.NoBody
	}
	for _, kv := range f.Header {
		r.Header.Add(kv[0], kv[1])
	}
	// What a server would see: a path-only request URI and the Host header.
	r.RequestURI = u.RequestURI()
	if h := r.Header.Get("Host"); h != "" {
		r.Host = h
	}
	r.RemoteAddr = localAddr
	return r, nil
}

// recorder is the ResponseWriter the handler writes into; the bridge turns
// it into one whole-body Response (no streaming, see wasm-spike.md).
type recorder struct {
	header      http.Header
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(status int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	w.status = status
}

func (w *recorder) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

// Flush is accepted for handlers that flush; the body is sent whole anyway.
func (w *recorder) Flush() {}

// result is the response in the shape `new Response(body, init)` accepts.
type result struct {
	Status int
	Header [][2]string
	// Body is nil for the statuses that must not carry one.
	Body []byte
}

func (w *recorder) result(method string) result {
	status := w.status
	if !w.wroteHeader {
		status = http.StatusOK
	}
	// The Response constructor throws a RangeError outside 200–599.
	if status < 200 || status > 599 {
		status = http.StatusInternalServerError
	}
	res := result{Status: status}
	// In name order: the bridge reuses the Response init of a header set.
	for _, name := range slices.Sorted(maps.Keys(w.header)) {
		for _, v := range w.header[name] {
			res.Header = append(res.Header, [2]string{name, v})
		}
	}
	if w.header.Get("Content-Type") == "" && w.body.Len() > 0 {
		res.Header = append(res.Header, [2]string{"Content-Type", http.DetectContentType(w.body.Bytes())})
	}
	switch {
	case nullBodyStatus(status), strings.EqualFold(method, http.MethodHead):
		// The constructor throws a TypeError for a body with these statuses.
	default:
		res.Body = w.body.Bytes()
	}
	return res
}

// nullBodyStatus are the statuses the fetch spec forbids a body for.
func nullBodyStatus(status int) bool {
	switch status {
	case 101, 103, 204, 205, 304:
		return true
	}
	return false
}

// serve runs one request through the handler, turning a panic into a 500
// so a bad request never takes the worker's only Go instance down.
func serve(h http.Handler, r *http.Request) (res result) {
	w := newRecorder()
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				// The handler gave up on the response on purpose.
				res = result{Status: http.StatusInternalServerError}
				return
			}
			res = result{
				Status: http.StatusInternalServerError,
				Header: [][2]string{{"Content-Type", "text/plain; charset=utf-8"}},
				Body:   []byte("internal error\n"),
			}
			logPanic(p)
		}
	}()
	h.ServeHTTP(w, r)
	return w.result(r.Method)
}

var logPanic = func(p any) {
	slog.Error("panic while serving a request", "panic", p, "stack", string(debug.Stack()))
}
