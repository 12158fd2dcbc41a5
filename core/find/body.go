package find

import (
	"encoding/json"
	"fmt"
	"strconv"

	"oxlite/core/protocol"
)

// body is FindAutoCompleteBody or FindQueryBody.
type body struct {
	prefix   string
	facets   []Active
	timezone string
	admin    bool
	start    int
	size     int
}

func malformed(format string, args ...any) error {
	return protocol.ErrJSON.New(fmt.Sprintf(format, args...))
}

// parseBody reads the JSON body; every deviation from the documented shape
// is SVL-0009.
func parseBody(req *protocol.Request, autocomplete bool) (*body, error) {
	var raw any
	if err := req.DecodeBody(&raw); err != nil {
		return nil, err
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, malformed("the body must be a JSON object")
	}
	b := &body{admin: true, size: -1}
	switch v := obj["prefix"].(type) {
	case nil:
	case string:
		b.prefix = v
	default:
		return nil, malformed("prefix must be a string")
	}
	switch v := obj["facets"].(type) {
	case nil:
	case []any:
		for i, x := range v {
			a, err := parseActive(x)
			if err != nil {
				return nil, malformed("facets[%d]: %s", i, err)
			}
			b.facets = append(b.facets, a)
		}
	default:
		return nil, malformed("facets must be an array")
	}
	switch v := obj["options"].(type) {
	case nil:
	case map[string]any:
		switch tz := v["timezone"].(type) {
		case nil:
		case string:
			b.timezone = tz
		default:
			return nil, malformed("options.timezone must be a string")
		}
		switch ad := v["admin"].(type) {
		case nil:
		case bool:
			b.admin = ad
		case string:
			b.admin = ad != "false"
		default:
			return nil, malformed("options.admin must be a boolean")
		}
	default:
		return nil, malformed("options must be an object")
	}
	if autocomplete {
		return b, nil
	}
	var err error
	if b.start, err = count(obj, "start", 0); err != nil {
		return nil, err
	}
	if b.size, err = count(obj, "size", -1); err != nil {
		return nil, err
	}
	return b, nil
}

// count reads a non-negative integer member (absent or null gives def).
func count(obj map[string]any, key string, def int) (int, error) {
	v, ok := obj[key]
	if !ok || v == nil {
		return def, nil
	}
	var n int64
	var err error
	switch x := v.(type) {
	case json.Number:
		n, err = x.Int64()
	case string:
		n, err = strconv.ParseInt(x, 10, 64)
	default:
		err = strconv.ErrSyntax
	}
	if err != nil || n < 0 || n > 1<<31 {
		return 0, malformed("%s must be a non-negative integer", key)
	}
	return int(n), nil
}

// parseActive reads one active facet {facet|id, value, filter}.
func parseActive(v any) (Active, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return Active{}, fmt.Errorf("an active facet must be an object")
	}
	var a Active
	for _, k := range []string{"facet", "id"} {
		switch x := obj[k].(type) {
		case nil:
			continue
		case string:
			if a.ID == "" {
				a.ID = x
			}
		default:
			return Active{}, fmt.Errorf("%s must be a string", k)
		}
	}
	if a.ID == "" {
		return Active{}, fmt.Errorf("the facet id is missing")
	}
	s, ok := scalar(obj["value"])
	if !ok {
		return Active{}, fmt.Errorf("value must be a string")
	}
	a.Value = s
	switch f := obj["filter"].(type) {
	case nil:
	case map[string]any:
		var err error
		a.Filter = &Filter{}
		if a.Filter.Fields, err = stringList(f["fields"]); err != nil {
			return Active{}, fmt.Errorf("filter.fields %s", err)
		}
		if a.Filter.Queries, err = stringList(f["queries"]); err != nil {
			return Active{}, fmt.Errorf("filter.queries %s", err)
		}
	default:
		return Active{}, fmt.Errorf("filter must be an object")
	}
	return a, nil
}

// scalar accepts a string, a number or null as a string.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

func stringList(v any) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := scalar(e)
			if !ok || e == nil {
				return nil, fmt.Errorf("must hold strings")
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("must be an array")
}
