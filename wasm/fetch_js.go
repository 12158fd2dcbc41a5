//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall/js"
	"time"
)

// fetchClient sends requests with the worker's fetch. It stands in for
// http.Client: calling http.Client.Do anywhere links net/http's whole
// client Transport with its TLS stack (its js RoundTrip keeps the
// socket path for Node), about 0.9 MB of the wasm after brotli, which the
// size budget has no room for. Requests go to the worker's own origin
// (credentials "same-origin": the session cookies travel), answers are
// read whole.
type fetchClient struct {
	// Timeout bounds a request (0: none).
	Timeout time.Duration
}

var errFetch = errors.New("fetch failed")

// Do implements Doer.
func (c *fetchClient) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	opt := js.Global().Get("Object").New()
	opt.Set("method", req.Method)
	opt.Set("credentials", "same-origin")
	opt.Set("redirect", "follow")
	opt.Set("cache", "no-store")
	headers := js.Global().Get("Headers").New()
	for k, vs := range req.Header {
		for _, v := range vs {
			appendHeader(headers, k, v)
		}
	}
	opt.Set("headers", headers)
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		if len(body) > 0 {
			arr := jsUint8Array.New(len(body))
			js.CopyBytesToJS(arr, body)
			opt.Set("body", arr)
		}
	}
	ac := js.Global().Get("AbortController").New()
	opt.Set("signal", ac.Get("signal"))
	stop := context.AfterFunc(ctx, func() { ac.Call("abort") })
	defer stop()

	resp, err := await(js.Global().Call("fetch", req.URL.String(), opt))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: %s %s: %w", errFetch, req.Method, req.URL.Path, ctx.Err())
		}
		return nil, fmt.Errorf("%w: %s %s: %v", errFetch, req.Method, req.URL.Path, err)
	}
	buf, err := await(resp.Call("arrayBuffer"))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %v", errFetch, req.URL.Path, err)
	}
	arr := jsUint8Array.New(buf)
	data := make([]byte, arr.Length())
	js.CopyBytesToGo(data, arr)

	out := &http.Response{
		Status:        fmt.Sprintf("%d %s", resp.Get("status").Int(), resp.Get("statusText").String()),
		StatusCode:    resp.Get("status").Int(),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{},
		Body:          io.NopCloser(bytes.NewReader(data)),
		ContentLength: int64(len(data)),
		Request:       req,
	}
	pairs := js.Global().Get("Array").Call("from", resp.Get("headers"))
	for i, n := 0, pairs.Length(); i < n; i++ {
		kv := pairs.Index(i)
		name := kv.Index(0).String()
		// fetch decodes the body; its length and coding are not ours.
		if strings.EqualFold(name, "content-encoding") || strings.EqualFold(name, "content-length") {
			continue
		}
		out.Header.Add(name, kv.Index(1).String())
	}
	return out, nil
}
