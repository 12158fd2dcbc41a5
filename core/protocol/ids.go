package protocol

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// Int64Of reads an integer sent as a JSON number (also 5.0), a numeric
// string or a Go integer: clients send ids both ways (DESIGN.md §3).
func Int64Of(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, true
		}
		if f, err := n.Float64(); err == nil {
			return floatInt(f)
		}
	case float64:
		return floatInt(n)
	case int64:
		return n, true
	case int:
		return int64(n), true
	case string:
		if i, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64); err == nil {
			return i, true
		}
	}
	return 0, false
}

func floatInt(f float64) (int64, bool) {
	if f == math.Trunc(f) && math.Abs(f) < 1<<62 {
		return int64(f), true
	}
	return 0, false
}

// IDOf reads an id that may also be wrapped in an object: 5, "5" or {"id":5}.
func IDOf(v any) (int64, bool) {
	if m, ok := v.(map[string]any); ok {
		return Int64Of(m["id"])
	}
	return Int64Of(v)
}

// BodyIDs reads a body of ids: an array of numbers, numeric strings or
// {"id"} objects, or one such object. isArray reports which form came.
func (r *Request) BodyIDs() (ids []int64, isArray bool, err error) {
	body := bytes.TrimSpace(r.Body)
	if len(body) == 0 {
		return nil, false, ErrJSON.New("missing request body")
	}
	var raw any
	if err := r.DecodeBody(&raw); err != nil {
		return nil, false, err
	}
	items, isArray := raw.([]any)
	if !isArray {
		if _, ok := raw.(map[string]any); !ok {
			return nil, false, ErrJSON.New("expected an array of ids or of objects with \"id\"")
		}
		items = []any{raw}
	}
	ids = make([]int64, 0, len(items))
	for i, it := range items {
		id, ok := IDOf(it)
		if !ok {
			return nil, false, ErrJSON.New("element " + strconv.Itoa(i) + " has no valid id")
		}
		ids = append(ids, id)
	}
	return ids, isArray, nil
}
