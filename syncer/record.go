package syncer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"

	"github.com/tinylib/msgp/msgp"
)

// record is what an outbox entry carries besides its columns: the OX
// request as the client sent it (without session and timestamp) and the
// base version of the object it changes. It is stored msgpack-encoded.
type record struct {
	// Params are the request parameters (action included).
	Params map[string]string
	// Body is the JSON body as sent ("" without body).
	Body string
	// Base is the object as the local `get` answered it before the
	// change (nil for creations and settings).
	Base map[string]any
	// BaseTS is the server's last_modified of the base (0 unknown).
	BaseTS int64
	// Temp is the temporary id a creation gave the object.
	Temp int64
	// Parts are the fields and files of a multipart upload (attachments,
	// contact pictures), replayed as such.
	Parts []part
	// Temps are the temporary ids of the attachments an upload created.
	Temps []int64
	// Sent marks a creation that may have reached the server (replay.go).
	Sent bool
}

// part is one field or file of a multipart upload.
type part struct {
	Name     string
	Value    string
	File     bool
	Filename string
	Type     string
	Data     []byte
}

func (r *record) encode() ([]byte, error) {
	params := make(map[string]any, len(r.Params))
	for k, v := range r.Params {
		params[k] = v
	}
	m := map[string]any{"params": params, "body": r.Body, "base_ts": r.BaseTS, "temp": r.Temp}
	if r.Sent {
		m["sent"] = true
	}
	if r.Base != nil {
		m["base"] = r.Base
	}
	if len(r.Parts) > 0 {
		ps := make([]any, len(r.Parts))
		for i, x := range r.Parts {
			ps[i] = map[string]any{"name": x.Name, "value": x.Value, "file": x.File, "filename": x.Filename, "type": x.Type, "data": x.Data}
		}
		m["parts"] = ps
	}
	if len(r.Temps) > 0 {
		ts := make([]any, len(r.Temps))
		for i, t := range r.Temps {
			ts[i] = t
		}
		m["temps"] = ts
	}
	return msgp.AppendIntf(nil, m)
}

func decodeRecord(b []byte) (*record, error) {
	v, _, err := msgp.ReadIntfBytes(b)
	if err != nil {
		return nil, fmt.Errorf("outbox record: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("outbox record: not a map")
	}
	r := &record{Params: map[string]string{}}
	if p, ok := m["params"].(map[string]any); ok {
		for k, v := range p {
			r.Params[k], _ = v.(string)
		}
	}
	r.Body, _ = m["body"].(string)
	r.Base, _ = m["base"].(map[string]any)
	r.BaseTS, _ = toInt(m["base_ts"])
	r.Temp, _ = toInt(m["temp"])
	r.Sent, _ = m["sent"].(bool)
	if ps, ok := m["parts"].([]any); ok {
		for _, x := range ps {
			o, ok := x.(map[string]any)
			if !ok {
				continue
			}
			var pt part
			pt.Name, _ = o["name"].(string)
			pt.Value, _ = o["value"].(string)
			pt.File, _ = o["file"].(bool)
			pt.Filename, _ = o["filename"].(string)
			pt.Type, _ = o["type"].(string)
			pt.Data, _ = o["data"].([]byte)
			r.Parts = append(r.Parts, pt)
		}
	}
	if ts, ok := m["temps"].([]any); ok {
		for _, x := range ts {
			if n, ok := toInt(x); ok {
				r.Temps = append(r.Temps, n)
			}
		}
	}
	return r, nil
}

// values returns the parameters as url.Values.
func (r *record) values() url.Values {
	v := url.Values{}
	for k, s := range r.Params {
		v.Set(k, s)
	}
	return v
}

// encodeValue stores one value (a field of a conflict, a whole object).
func encodeValue(v any) []byte {
	b, err := msgp.AppendIntf(nil, v)
	if err != nil {
		// Only JSON-decoded values reach here; they always encode.
		return msgp.AppendNil(nil)
	}
	return b
}

func decodeValue(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	v, _, err := msgp.ReadIntfBytes(b)
	if err != nil {
		return nil
	}
	return v
}

// decodeJSON decodes with numbers as json.Number (what the modules'
// parsers and Ingest functions expect).
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// jsonObject turns any decoded value (msgpack or JSON) into a JSON object
// with json.Number numbers.
func jsonObject(v any) map[string]any {
	b, err := json.Marshal(plain(v))
	if err != nil {
		return nil
	}
	var m map[string]any
	if decodeJSON(b, &m) != nil {
		return nil
	}
	return m
}

// plain converts values decoded by msgp (which may hold []byte) into
// what encoding/json writes naturally.
func plain(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case []byte:
		return string(x)
	}
	return v
}

// toInt reads an integer from any decoded number or numeric string.
func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case uint64:
		return int64(x), true
	case float64:
		return int64(x), x == math.Trunc(x)
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, true
		}
		f, err := x.Float64()
		return int64(f), err == nil && f == math.Trunc(f)
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// number reads a float from any decoded number.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// empty values are the ones OX leaves out of objects: null, "", [], {}.
func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []byte:
		return len(x) == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// equal compares two field values the way the merge needs: numbers by
// value whatever their decoded type, absent and empty alike, objects and
// arrays member by member.
func equal(a, b any) bool {
	if empty(a) || empty(b) {
		return empty(a) && empty(b)
	}
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x == y
	}
	switch x := a.(type) {
	case string:
		switch y := b.(type) {
		case string:
			return x == y
		case []byte:
			return x == string(y)
		}
		return false
	case []byte:
		return equal(string(x), b)
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return false
		}
		for _, k := range keys(x, y) {
			if !equal(x[k], y[k]) {
				return false
			}
		}
		return true
	}
	return false
}

func keys(ms ...map[string]any) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}
