package folders

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"oxlite/core/perm"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// maxTitle bounds folder names (characters).
const maxTitle = 300

// input is the folder object of a `new` or `update` body; nil fields were
// not sent.
type input struct {
	Title       *string
	Module      *string
	Parent      *int64
	Permissions []storage.Permission
	HasPerms    bool
	Meta        *string // "" clears
}

// parseInput reads the body of new/update. The spec documents
// {"folder":{…},"notification":{…}}; the 7.8 UI sends the folder object
// unwrapped for `new`. Both shapes are accepted.
func parseInput(req *protocol.Request) (*input, error) {
	var top map[string]json.RawMessage
	if err := req.DecodeBody(&top); err != nil {
		return nil, err
	}
	if top == nil {
		return nil, protocol.ErrJSON.New("the body must be a JSON object")
	}
	obj := top
	if raw, ok := top["folder"]; ok {
		if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '{' {
			obj = nil
			if err := decode(raw, &obj); err != nil {
				return nil, protocol.ErrJSON.New("field \"folder\" must be an object")
			}
		}
	}
	in := &input{}
	for k, raw := range obj {
		switch k {
		case "title":
			s, null, err := jsonString(raw, k)
			if err != nil {
				return nil, err
			}
			if null {
				s = ""
			}
			in.Title = &s
		case "module":
			var v any
			if err := decode(raw, &v); err != nil {
				return nil, protocol.ErrJSON.New("field \"module\" is malformed")
			}
			s := ""
			switch x := v.(type) {
			case string:
				s = x
			case json.Number:
				s = x.String()
			case nil:
			default:
				return nil, protocol.ErrJSON.New("field \"module\" must be a string")
			}
			mod, ok := ContentType(s)
			if !ok {
				return nil, ErrUnknownContent.New(s)
			}
			in.Module = &mod
		case "folder_id":
			var v any
			if err := decode(raw, &v); err != nil {
				return nil, protocol.ErrJSON.New("field \"folder_id\" is malformed")
			}
			if v == nil {
				continue
			}
			id, ok := ParseID(v)
			if !ok {
				return nil, ErrNotFound.New(strings.Trim(string(raw), `"`), req.User.ContextID)
			}
			in.Parent = &id
		case "permissions":
			ps, err := parsePermissions(raw)
			if err != nil {
				return nil, err
			}
			in.Permissions, in.HasPerms = ps, true
		case "meta":
			t := bytes.TrimSpace(raw)
			switch {
			case string(t) == "null":
				s := ""
				in.Meta = &s
			case len(t) > 0 && t[0] == '{':
				s := string(t)
				in.Meta = &s
			default:
				return nil, protocol.ErrJSON.New("field \"meta\" must be an object")
			}
		}
	}
	return in, nil
}

func decode(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

func jsonString(raw json.RawMessage, field string) (s string, null bool, err error) {
	if string(bytes.TrimSpace(raw)) == "null" {
		return "", true, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, protocol.ErrJSON.New("field \"" + field + "\" must be a string")
	}
	return s, false, nil
}

// parsePermissions reads [{bits, entity, group}] (type "user"/"group" is
// accepted instead of group; guests and anonymous links are not supported).
func parsePermissions(raw json.RawMessage) ([]storage.Permission, error) {
	var list []map[string]any
	if err := decode(raw, &list); err != nil {
		return nil, protocol.ErrJSON.New("field \"permissions\" must be an array of objects")
	}
	out := make([]storage.Permission, 0, len(list))
	for _, e := range list {
		if e == nil {
			return nil, protocol.ErrJSON.New("field \"permissions\" must be an array of objects")
		}
		bits, ok := intOf(e["bits"])
		if !ok {
			return nil, ErrInvalidData.New("permission without valid bits")
		}
		p, err := perm.Parse(bits)
		if err != nil {
			return nil, ErrInvalidPermission.New(err.Error())
		}
		group := false
		switch g := e["group"].(type) {
		case nil:
		case bool:
			group = g
		default:
			return nil, ErrInvalidData.New("permission field group must be a boolean")
		}
		if t, ok := e["type"]; ok && t != nil {
			switch t {
			case "user":
				group = false
			case "group":
				group = true
			default:
				return nil, ErrInvalidData.New("unsupported permission type " + toString(t))
			}
		}
		entity, ok := intOf(e["entity"])
		if !ok || entity < 0 {
			return nil, ErrInvalidData.New("permission without valid entity")
		}
		out = append(out, p.Entry(entity, group))
	}
	return out, nil
}

func intOf(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}

func toString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// cleanTitle validates a folder name.
func cleanTitle(s string, folder any, cid int64) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ErrMissingField.New("title", folder, cid)
	}
	if n := utf8.RuneCountInString(s); n > maxTitle {
		return "", ErrTruncated.New("title", maxTitle, n)
	}
	if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00") {
		return "", ErrInvalidData.New("title")
	}
	return s, nil
}

// parseIDList reads the ["id", …] body of delete and clear.
func parseIDList(req *protocol.Request) ([]string, error) {
	var list []any
	if err := req.DecodeBody(&list); err != nil {
		return nil, err
	}
	if list == nil {
		return nil, protocol.ErrJSON.New("the body must be a JSON array of folder ids")
	}
	out := make([]string, 0, len(list))
	for _, v := range list {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case json.Number:
			out = append(out, x.String())
		case map[string]any:
			// Some clients send [{"id": …}] as other modules take.
			if id, ok := x["id"]; ok {
				switch y := id.(type) {
				case string:
					out = append(out, y)
					continue
				case json.Number:
					out = append(out, y.String())
					continue
				}
			}
			return nil, protocol.ErrJSON.New("folder ids must be strings or numbers")
		default:
			return nil, protocol.ErrJSON.New("folder ids must be strings or numbers")
		}
	}
	return out, nil
}
