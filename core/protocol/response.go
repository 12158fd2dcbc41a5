package protocol

import (
	"net/http"
	"strings"
)

// Response is what a handler returns on success.
type Response struct {
	// Data becomes the envelope's `data`.
	Data any
	// Timestamp becomes the envelope's `timestamp` when HasTimestamp is set.
	Timestamp    int64
	HasTimestamp bool
	// Warnings are errors of category WARNING sent beside the data.
	Warnings []*Error
	// Bare, when set, is written as the whole JSON object instead of an
	// envelope (the login answer is not wrapped in `data`).
	Bare map[string]any
	// Raw, when set, is written as is (downloads, redirects, HTML).
	Raw *RawResponse
	// Extra top-level members beside data (e.g. `more`).
	Extra map[string]any
}

// RawResponse is a non-JSON answer.
type RawResponse struct {
	Status      int
	ContentType string
	Header      http.Header
	Body        []byte
}

// OK wraps data.
func OK(data any) *Response { return &Response{Data: data} }

// OKAt wraps data with a timestamp.
func OKAt(data any, ts int64) *Response {
	return &Response{Data: data, Timestamp: ts, HasTimestamp: true}
}

// Envelope returns the JSON object the response stands for.
func (r *Response) Envelope() map[string]any {
	if r.Bare != nil {
		return r.Bare
	}
	env := map[string]any{}
	env["data"] = r.Data
	if r.HasTimestamp {
		env["timestamp"] = r.Timestamp
	}
	for k, v := range r.Extra {
		env[k] = v
	}
	if len(r.Warnings) > 0 {
		w := r.Warnings[0].Envelope()
		w["categories"] = string(CatWarning)
		w["category"] = CatWarning.Number()
		for k, v := range w {
			env[k] = v
		}
		all := make([]any, len(r.Warnings))
		for i, x := range r.Warnings {
			all[i] = x.Envelope()
		}
		env["warnings"] = all
	}
	return env
}

// Marshal encodes v as JSON without HTML escaping (the UI parses raw text),
// byte for byte as encoding/json would (see jsonenc.go). Any encoding
// error, however deep, turns the whole answer into the fixed error JSON.
func Marshal(v any) []byte {
	bp := encBufs.Get().(*[]byte)
	b, err := appendJSON((*bp)[:0], v)
	var out []byte
	if err == nil {
		out = append([]byte(nil), b...)
	}
	if cap(b) <= 1<<20 { // don't pin huge buffers
		*bp = b
		encBufs.Put(bp)
	}
	if err != nil {
		return []byte(`{"error":"Internal server error.","error_params":[],"code":"OXL-0002","categories":"ERROR","category":8}`)
	}
	return out
}

// WriteJSON writes a JSON body with the headers every API answer carries.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body := Marshal(v)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set("Cache-Control", "no-store, no-cache, must-revalidate")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// CallbackPage renders the HTML page that answers multipart uploads
// (spec lines 90–111). callback is `callback_<action>`.
func CallbackPage(callback string, v any) []byte {
	js := scriptSafe(Marshal(v))
	// The name comes from the request's action: a JSON string literal is a
	// JS string literal, and HTML escaping means nothing inside <script>.
	cb := scriptSafe(Marshal(callback))
	var b strings.Builder
	b.WriteString(`<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">`)
	b.WriteString("\n<html><head><META http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">\n<script type=\"text/javascript\">\n")
	b.WriteString(`(parent[` + cb + `] || window.opener && window.opener[` + cb + `])(`)
	b.WriteString(js)
	b.WriteString(")\n</script></head></html>\n")
	return []byte(b.String())
}

// scriptSafe keeps JSON inert inside a script element. Escaping only "</"
// is not enough: "<!--<script>" in a string switches the HTML parser into
// the double-escaped state, where the real "</script>" no longer ends the
// element. In JSON text '<', '>' and '&' occur only inside strings, where
// their \u escapes mean the same.
func scriptSafe(js []byte) string {
	return scriptEscaper.Replace(string(js))
}

var scriptEscaper = strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`)
