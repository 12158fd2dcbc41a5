package ajax

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"oxlite/core/protocol"
)

// RegisterMultiple installs module `multiple` (spec lines 6421–6467).
func (m *Mux) RegisterMultiple() {
	m.HandleDefault("multiple", m.multiple, NotInMultiple())
	m.Handle("multiple", "multiple", m.multiple, NotInMultiple())
}

// notInMultiple are modules that never run as an item.
var notInMultiple = map[string]bool{"login": true, "multiple": true}

func (m *Mux) multiple(req *protocol.Request) (*protocol.Response, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(bytes.TrimSpace(req.Body), &items); err != nil || items == nil {
		return nil, protocol.ErrJSON.New("the body of multiple must be a JSON array").WithStatus(http.StatusBadRequest)
	}
	stopOnError := false
	if v, ok := req.Param("continue"); ok && (v == "false" || v == "0") {
		stopOnError = true
	}
	out := make([]any, 0, len(items))
	for _, raw := range items {
		env, failed := m.runItem(req, raw)
		out = append(out, env)
		if failed && stopOnError {
			break
		}
	}
	return &protocol.Response{Raw: &protocol.RawResponse{
		ContentType: "application/json; charset=UTF-8",
		Body:        protocol.Marshal(out),
	}}, nil
}

// runItem executes one element and returns its envelope.
func (m *Mux) runItem(parent *protocol.Request, raw json.RawMessage) (map[string]any, bool) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		env, _ := m.errorEnvelope(parent, protocol.ErrJSON.New("each element of multiple must be a JSON object"))
		return env, true
	}
	sub := &protocol.Request{
		HTTP:       parent.HTTP,
		Ctx:        parent.Ctx,
		Params:     url.Values{},
		Session:    parent.Session,
		User:       parent.User,
		InMultiple: true,
	}
	for k, v := range fields {
		if k == "data" {
			sub.Body = v
			continue
		}
		s, ok := paramString(v)
		if !ok {
			env, _ := m.errorEnvelope(parent, protocol.ErrInvalidValue.New(k, string(v)))
			return env, true
		}
		if k == "module" {
			sub.Module = s
			continue
		}
		sub.Params.Set(k, s)
	}
	if sub.Module == "" {
		env, _ := m.errorEnvelope(parent, protocol.ErrMissingParameter.New("module"))
		return env, true
	}
	name, _, _ := m.resolve(sub.Module)
	if notInMultiple[name] {
		env, _ := m.errorEnvelope(parent, protocol.ErrBadRequest.New("module "+name+" is not allowed inside multiple"))
		return env, true
	}
	resp, err := m.Dispatch(sub)
	if err != nil {
		env, _ := m.errorEnvelope(sub, err)
		return env, true
	}
	if resp == nil {
		resp = protocol.OK(nil)
	}
	if resp.Raw != nil {
		env, _ := m.errorEnvelope(sub, protocol.ErrBadRequest.New("the action does not return JSON and cannot run inside multiple"))
		return env, true
	}
	return resp.Envelope(), false
}

// paramString turns a JSON item member into a request parameter value.
func paramString(v json.RawMessage) (string, bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "", false
	}
	switch v[0] {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", false
		}
		return s, true
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(v, &b); err != nil {
			return "", false
		}
		return strconv.FormatBool(b), true
	case 'n':
		return "", true
	case '[':
		// columns:[1,20] means columns=1,20; other arrays stay JSON text.
		var items []json.RawMessage
		if err := json.Unmarshal(v, &items); err != nil {
			return "", false
		}
		parts := make([]string, 0, len(items))
		for _, it := range items {
			it = bytes.TrimSpace(it)
			if len(it) == 0 || it[0] == '[' || it[0] == '{' {
				return string(v), true
			}
			p, ok := paramString(it)
			if !ok {
				return "", false
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, ","), true
	case '{':
		return string(v), true
	default:
		var n json.Number
		if err := json.Unmarshal(v, &n); err != nil {
			return "", false
		}
		return n.String(), true
	}
}
