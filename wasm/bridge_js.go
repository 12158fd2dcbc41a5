//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall/js"
)

// The rule of this file (syscall/js, measured in wasm-spike.md Q3): a
// js.FuncOf callback runs on the JS event loop and must return at once. Any
// work that may wait — reading the body, running the handler, awaiting
// IndexedDB — happens in a goroutine, which may block on a promise through
// await; JS keeps running meanwhile, so other requests interleave.

var (
	jsPromise    = js.Global().Get("Promise")
	jsUint8Array = js.Global().Get("Uint8Array")
	jsError      = js.Global().Get("Error")
	jsArray      = js.Global().Get("Array")
	jsHeaders    = js.Global().Get("Headers")
	jsObject     = js.Global().Get("Object")
	jsResponse   = js.Global().Get("Response")
)

// export sets globalThis[name] to a function taking a Request (or a URL
// string) and returning a Promise<Response> answered by h.
func export(name string, h http.Handler) js.Func {
	fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
		var req js.Value
		if len(args) > 0 {
			req = args[0]
		}
		return newPromise(func() (js.Value, error) { return handle(h, req) })
	})
	js.Global().Set(name, fn)
	return fn
}

// exportError makes globalThis[name] reject every call with err, so a
// worker whose boot failed answers promptly (and can fall back to the
// network) instead of waiting forever.
func exportError(name string, err error) js.Func {
	fn := js.FuncOf(func(js.Value, []js.Value) any {
		return newPromise(func() (js.Value, error) { return js.Undefined(), err })
	})
	js.Global().Set(name, fn)
	return fn
}

// newPromise returns a Promise settled by work, which runs in a new
// goroutine. A panic in work rejects the promise instead of ending the
// program: an uncaught panic would kill the worker's only Go instance.
func newPromise(work func() (js.Value, error)) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		spawn(func() {
			v, err := func() (v js.Value, err error) {
				defer func() {
					if p := recover(); p != nil {
						logPanic(p)
						err = fmt.Errorf("oxlite: internal error: %v", p)
					}
				}()
				return work()
			}()
			if err != nil {
				reject.Invoke(jsError.New(err.Error()))
				return
			}
			resolve.Invoke(v)
		})
		return nil
	})
	// The Promise constructor calls the executor synchronously.
	p := jsPromise.New(executor)
	executor.Release()
	return p
}

// spare holds goroutines that finished a piece of work and wait for the
// next: a goroutine's stack grows to what a request needs (SQLite's call
// chains are deep) and a fresh one for every request copied its stack
// several times over (3 % of a list request).
var spare = make(chan func())

// spawn runs f on a spare goroutine, or a new one when none is free.
func spawn(f func()) {
	select {
	case spare <- f:
	default:
		go func() {
			for {
				f()
				f = <-spare
			}
		}()
	}
}

// errPromise is the error a rejected promise carries.
type errPromise struct{ v js.Value }

func (e errPromise) Error() string {
	v := e.v
	if v.Type() == js.TypeObject {
		if m := v.Get("message"); m.Type() == js.TypeString {
			return m.String()
		}
	}
	return jsString(v)
}

// name is the rejection's error name ("QuotaExceededError").
func (e errPromise) name() string {
	if e.v.Type() == js.TypeObject {
		if n := e.v.Get("name"); n.Type() == js.TypeString {
			return n.String()
		}
	}
	return ""
}

// await blocks the calling goroutine until p settles. Never call it from a
// js.FuncOf callback: the event loop that would settle p is the caller.
func await(p js.Value) (js.Value, error) {
	type settled struct {
		v   js.Value
		err error
	}
	// Buffered, so the callbacks never block the event loop.
	ch := make(chan settled, 1)
	onOK := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- settled{v: arg0(args)}
		return nil
	})
	onErr := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- settled{err: errPromise{arg0(args)}}
		return nil
	})
	defer onOK.Release()
	defer onErr.Release()
	// Promise.resolve also accepts plain values and foreign thenables.
	jsPromise.Call("resolve", p).Call("then", onOK, onErr)
	s := <-ch
	return s.v, s.err
}

func arg0(args []js.Value) js.Value {
	if len(args) == 0 {
		return js.Undefined()
	}
	return args[0]
}

func jsString(v js.Value) string {
	if v.Type() == js.TypeString {
		return v.String()
	}
	return js.Global().Get("String").Invoke(v).String()
}

// handle answers one JS request; it runs in its own goroutine.
func handle(h http.Handler, req js.Value) (js.Value, error) {
	switch req.Type() {
	case js.TypeString:
		req = js.Global().Get("Request").New(req)
	case js.TypeObject:
	default:
		return js.Undefined(), errors.New("oxliteHandle: expected a Request")
	}
	fr, err := readRequest(req)
	if err != nil {
		return js.Undefined(), err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// A page that aborts its fetch cancels the handler's context, which also
	// interrupts a running SQLite statement.
	if signal := req.Get("signal"); signal.Type() == js.TypeObject {
		if signal.Get("aborted").Truthy() {
			cancel()
		}
		onAbort := js.FuncOf(func(js.Value, []js.Value) any {
			cancel()
			return nil
		})
		signal.Call("addEventListener", "abort", onAbort)
		defer func() {
			signal.Call("removeEventListener", "abort", onAbort)
			onAbort.Release()
		}()
	}
	r, err := fr.toHTTP(ctx)
	if err != nil {
		return js.Undefined(), err
	}
	return writeResponse(serve(h, r)), nil
}

// readRequest copies method, URL, headers and body out of a JS Request.
func readRequest(req js.Value) (*fetchRequest, error) {
	fr := &fetchRequest{
		Method: req.Get("method").String(),
		URL:    req.Get("url").String(),
	}
	// Array.from(headers) yields [name, value] pairs with lower-case names
	// and repeated headers already joined by ", "; joined, each pair is a
	// line "name,value" (a value never holds a line break, a name never a
	// comma). One string instead of three calls a header: every call
	// across the bridge costs.
	fr.Header = splitHeaders(jsArray.Call("from", req.Get("headers")).Call("join", "\n").String())
	if hasBody(fr.Method) && !req.Get("body").IsNull() {
		buf, err := await(req.Call("arrayBuffer"))
		if err != nil {
			return nil, fmt.Errorf("reading the request body: %w", err)
		}
		arr := jsUint8Array.New(buf)
		fr.Body = make([]byte, arr.Length())
		js.CopyBytesToGo(fr.Body, arr)
	}
	return fr, nil
}

// writeResponse builds `new Response(body, {status, headers})`. Answers
// mostly share their status and headers (every JSON answer of the API
// has the same ones), so the init object of a status and header set is
// built once and reused: the constructor only reads it, and every
// Headers.append is a call across the bridge.
func writeResponse(res result) js.Value {
	body := js.Null()
	if res.Body != nil {
		arr := jsUint8Array.New(len(res.Body))
		js.CopyBytesToJS(arr, res.Body)
		body = arr
	}
	return jsResponse.New(body, responseInit(res))
}

var (
	initsMu sync.Mutex
	inits   = map[string]js.Value{}
)

// maxInits bounds the reused init objects; answers with their own headers
// (downloads name their file) are built each time beyond it.
const maxInits = 64

func responseInit(res result) js.Value {
	var key strings.Builder
	key.WriteString(strconv.Itoa(res.Status))
	for _, kv := range res.Header {
		key.WriteString("\n" + kv[0] + ": " + kv[1])
	}
	k := key.String()
	initsMu.Lock()
	defer initsMu.Unlock()
	if init, ok := inits[k]; ok {
		return init
	}
	headers := jsHeaders.New()
	for _, kv := range res.Header {
		appendHeader(headers, kv[0], kv[1])
	}
	init := jsObject.New()
	init.Set("status", res.Status)
	init.Set("headers", headers)
	if len(inits) < maxInits {
		inits[k] = init
	}
	return init
}

// appendHeader skips a header the Headers class refuses (a value with a
// line break throws a TypeError), as net/http drops invalid ones. Names a
// Response may not carry (Set-Cookie) are dropped silently by Headers.
func appendHeader(headers js.Value, name, value string) {
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(js.Error); !ok {
				panic(p)
			}
		}
	}()
	headers.Call("append", name, value)
}
