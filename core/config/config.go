// Package config implements module `config` (spec lines 1368–1483): the
// per-user configuration tree read with GET config/<path> and written with
// PUT config/<path>, plus get_property/set_property.
//
// The tree is computed per request from the user, the default folders, the
// capability set and the stored leaves (table user_config). language and
// timezone live in the users table, so `user` and the JSlob io.ox/core see
// the same values.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"oxlite/core/ajax"
	"oxlite/core/capabilities"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Errors of the settings tree, with the reference server's codes
// (SettingExceptionCodes, prefix USS).
var (
	ErrNoWrite      = protocol.Def{Code: "USS-0003", Category: protocol.CatPermissionDenied, Message: "Writing the setting %s is not permitted."}
	ErrUnknownPath  = protocol.Def{Code: "USS-0004", Category: protocol.CatError, Message: "Unknown setting path %s."}
	ErrNotLeaf      = protocol.Def{Code: "USS-0005", Category: protocol.CatError, Message: "Setting \"%s\" is not a leaf one."}
	ErrInvalidValue = protocol.Def{Code: "USS-0009", Category: protocol.CatUserInput, Message: "Invalid value %s written to setting %s."}
)

// Config are the server-wide values shown in the tree.
type Config struct {
	ServerVersion string
	// CookieLifetime is the lifetime of persistent cookies ("stay signed in").
	CookieLifetime          time.Duration
	MaxUploadIdleTimeout    time.Duration
	MinimumSearchCharacters int
}

// Module serves `config`.
type Module struct {
	DB   *storage.DB
	Caps *capabilities.Set
	Cfg  Config
}

// Register installs the module: paths below config without action, and
// the property actions.
func (m *Module) Register(mux *ajax.Mux) {
	mux.HandleDefault("config", m.node)
	mux.Handle("config", "get_property", m.getProperty)
	mux.Handle("config", "set_property", m.setProperty)
}

// view is what the tree of one request is computed from.
type view struct {
	m       *Module
	user    *storage.User
	folders map[string]int64
	caps    []string
	stored  map[string]string
	now     time.Time
}

func (v *view) has(c string) bool {
	for _, x := range v.caps {
		if x == c {
			return true
		}
	}
	return false
}

// absent marks a computed leaf that does not exist for the user.
var absent = &struct{}{}

// leaf is one node of the tree. Stored leaves have a default and a check;
// computed leaves have get; a leaf with check is writable.
type leaf struct {
	path     string
	requires string
	get      func(v *view) any
	def      any
	// check validates a written value and returns what is stored.
	check func(v any) (any, bool)
	// user marks language and timezone, which are columns of users.
	user bool
}

func (l *leaf) value(v *view) any {
	if l.get != nil {
		return l.get(v)
	}
	if raw, ok := v.stored[l.path]; ok {
		if val, err := decode([]byte(raw)); err == nil {
			return val
		}
	}
	return l.def
}

func folder(module string) func(v *view) any {
	return func(v *view) any {
		if id, ok := v.folders[module]; ok {
			return id
		}
		return absent
	}
}

func capFlag(c string) func(v *view) any { return func(v *view) any { return v.has(c) } }

// appModules maps config-tree module names to the capability that enables them.
var appModules = []struct{ name, cap string }{
	{"portal", "portal"}, {"mail", "webmail"}, {"calendar", "calendar"}, {"contacts", "contacts"},
	{"tasks", "tasks"}, {"infostore", "infostore"},
}

var leaves = func() []leaf {
	ls := []leaf{
		{path: "identifier", get: func(v *view) any { return v.user.ID }},
		{path: "context_id", get: func(v *view) any { return v.user.ContextID }},
		{path: "contact_id", get: func(v *view) any { return v.user.ContactID }},
		{path: "language", get: func(v *view) any { return v.user.Locale }, check: checkLocale, user: true},
		{path: "timezone", get: func(v *view) any { return v.user.TimeZone }, check: checkZone, user: true},
		{path: "availableTimeZones", get: func(v *view) any { return availableZones() }},
		{path: "reloadTimes", get: func(v *view) any {
			const min = 60000
			return []int{0, 5 * min, 10 * min, 15 * min, 30 * min}
		}},
		{path: "serverVersion", get: func(v *view) any { return v.m.Cfg.ServerVersion }},
		{path: "currentTime", get: func(v *view) any {
			return protocol.ToTime(v.now.UnixMilli(), protocol.LoadLocation(v.user.TimeZone))
		}},
		{path: "maxUploadIdleTimeout", get: func(v *view) any { return v.m.Cfg.MaxUploadIdleTimeout.Milliseconds() }},
		{path: "minimumSearchCharacters", get: func(v *view) any { return v.m.Cfg.MinimumSearchCharacters }},
		{path: "cookielifetime", get: func(v *view) any { return int64(v.m.Cfg.CookieLifetime.Seconds()) }},
		{path: "gui", def: "", check: anyJSON},
		{path: "fastgui", def: "", check: anyJSON},
		{path: "calendarnotification", requires: "calendar", def: true, check: boolean},
		{path: "tasknotification", requires: "tasks", def: true, check: boolean},
		{path: "folder/tasks", get: folder("tasks")},
		{path: "folder/calendar", get: folder("calendar")},
		{path: "folder/contacts", get: folder("contacts")},
		{path: "folder/infostore", get: folder("infostore")},
		{path: "participants/autoSearch", def: true, check: boolean},
		{path: "participants/maximumNumberParticipants", get: func(v *view) any { return 0 }},
		{path: "participants/showWithoutEmail", def: true, check: boolean},
		{path: "participants/showDialog", def: true, check: boolean},
		{path: "availableModules", get: func(v *view) any {
			out := []string{}
			for _, am := range appModules {
				if v.has(am.cap) {
					out = append(out, am.name)
				}
			}
			return out
		}},
		{path: "modules/calendar/notifyNewModifiedDeleted", requires: "calendar", def: true, check: boolean},
		{path: "modules/calendar/notifyAcceptedDeclinedAsCreator", requires: "calendar", def: true, check: boolean},
		{path: "modules/calendar/notifyAcceptedDeclinedAsParticipant", requires: "calendar", def: true, check: boolean},
		{path: "modules/calendar/defaultStatusPrivate", requires: "calendar", def: 0, check: status},
		{path: "modules/calendar/defaultStatusPublic", requires: "calendar", def: 0, check: status},
		{path: "modules/tasks/notifyNewModifiedDeleted", requires: "tasks", def: true, check: boolean},
		{path: "modules/tasks/notifyAcceptedDeclinedAsCreator", requires: "tasks", def: true, check: boolean},
		{path: "modules/tasks/notifyAcceptedDeclinedAsParticipant", requires: "tasks", def: true, check: boolean},
		{path: "modules/tasks/delegate_tasks", requires: "tasks", get: capFlag("delegate_tasks")},
		{path: "modules/contacts/mailAddressAutoSearch", requires: "contacts", def: true, check: boolean},
		{path: "modules/contacts/singleFolderSearch", requires: "contacts", def: false, check: boolean},
		{path: "modules/contacts/characterSearch", requires: "contacts", def: true, check: boolean},
		{path: "modules/contacts/allFoldersForAutoComplete", requires: "contacts", def: true, check: boolean},
		{path: "modules/folder/public_folders", get: capFlag("edit_public_folders")},
		{path: "modules/folder/read_create_shared_folders", get: capFlag("read_create_shared_folders")},
		{path: "modules/com.openexchange.user.passwordchange/module", get: capFlag("edit_password")},
		// Only an empty password is refused (the spec sets passwords "without any checks").
		{path: "modules/com.openexchange.passwordchange/showStrength", requires: "edit_password", get: func(v *view) any { return false }},
		{path: "modules/com.openexchange.passwordchange/minLength", requires: "edit_password", get: func(v *view) any { return 1 }},
		{path: "modules/com.openexchange.passwordchange/maxLength", requires: "edit_password", get: func(v *view) any { return 0 }},
		{path: "modules/com.openexchange.passwordchange/regexp", requires: "edit_password", get: func(v *view) any { return "" }},
		{path: "modules/com.openexchange.passwordchange/special", requires: "edit_password", get: func(v *view) any { return "" }},
	}
	for _, am := range appModules {
		ls = append(ls, leaf{path: "modules/" + am.name + "/module", get: capFlag(am.cap)})
	}
	return ls
}()

var leafByPath = func() map[string]*leaf {
	m := make(map[string]*leaf, len(leaves))
	for i := range leaves {
		m[leaves[i].path] = &leaves[i]
	}
	return m
}()

func (m *Module) view(req *protocol.Request) (*view, error) {
	ctx, u := req.Ctx, req.User
	user, err := m.DB.UserByID(ctx, u.ContextID, u.ID)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	folders, err := m.DB.DefaultFolderIDs(ctx, u.ContextID, u.ID)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	stored, err := m.DB.UserConfigValues(ctx, u.ContextID, u.ID)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return &view{m: m, user: user, folders: folders, caps: m.Caps.IDs(u), stored: stored, now: m.DB.Now()}, nil
}

// tree assembles the whole tree.
func (v *view) tree() map[string]any {
	root := map[string]any{}
	for i := range leaves {
		l := &leaves[i]
		if l.requires != "" && !v.has(l.requires) {
			continue
		}
		val := l.value(v)
		if val == absent {
			continue
		}
		node := root
		segs := strings.Split(l.path, "/")
		for _, s := range segs[:len(segs)-1] {
			child, ok := node[s].(map[string]any)
			if !ok {
				child = map[string]any{}
				node[s] = child
			}
			node = child
		}
		node[segs[len(segs)-1]] = val
	}
	return root
}

// lookup walks path (segments matched exactly, else case-insensitively:
// the reference server names some leaves in lower case, e.g.
// "reloadtimes") and returns the node and its canonical path.
func lookup(root map[string]any, path string) (node any, canonical string, ok bool) {
	node = root
	var canon []string
	for _, seg := range strings.Split(path, "/") {
		if seg == "" {
			continue
		}
		m, isMap := node.(map[string]any)
		if !isMap {
			return nil, "", false
		}
		next, found := m[seg]
		key := seg
		if !found {
			for k, val := range m {
				if strings.EqualFold(k, seg) {
					next, key, found = val, k, true
					break
				}
			}
		}
		if !found {
			return nil, "", false
		}
		node = next
		canon = append(canon, key)
	}
	return node, strings.Join(canon, "/"), true
}

// isWrite tells reads from writes: a direct PUT, or an item of multiple
// that carries data (items inherit the PUT of the multiple call).
func isWrite(req *protocol.Request) bool {
	if req.HasBody() {
		return true
	}
	return !req.InMultiple && req.HTTP != nil && req.HTTP.Method == http.MethodPut
}

func (m *Module) node(req *protocol.Request) (*protocol.Response, error) {
	if isWrite(req) {
		return m.write(req)
	}
	v, err := m.view(req)
	if err != nil {
		return nil, err
	}
	node, _, ok := lookup(v.tree(), req.PathRest)
	if !ok {
		return nil, ErrUnknownPath.New(req.PathRest)
	}
	return protocol.OK(node), nil
}

func (m *Module) write(req *protocol.Request) (*protocol.Response, error) {
	var body map[string]json.RawMessage
	if err := req.DecodeBody(&body); err != nil {
		return nil, err
	}
	raw, ok := body["data"]
	if !ok {
		return nil, protocol.ErrMissingParameter.New("data")
	}
	value, err := decode(raw)
	if err != nil {
		return nil, protocol.ErrJSON.New("malformed data")
	}
	v, err := m.view(req)
	if err != nil {
		return nil, err
	}
	node, canon, ok := lookup(v.tree(), req.PathRest)
	if !ok {
		return nil, ErrUnknownPath.New(req.PathRest)
	}
	if _, inner := node.(map[string]any); inner {
		return nil, ErrNotLeaf.New(canon)
	}
	l := leafByPath[canon]
	if l == nil || l.check == nil {
		return nil, ErrNoWrite.New(canon)
	}
	clean, ok := l.check(value)
	if !ok {
		return nil, ErrInvalidValue.New(string(bytes.TrimSpace(raw)), canon)
	}
	u := req.User
	err = m.DB.Write(req.Ctx, u.ContextID, func(tx *storage.Tx) error {
		if l.user {
			switch canon {
			case "language":
				return tx.UpdateUserLocaleTZ(u.ID, clean.(string), "")
			case "timezone":
				return tx.UpdateUserLocaleTZ(u.ID, "", clean.(string))
			}
		}
		return tx.SetUserConfigValue(u.ID, canon, string(protocol.Marshal(clean)))
	})
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return protocol.OK(nil), nil
}

// propertyPrefix keeps properties apart from tree paths in user_config.
const propertyPrefix = "property:"

func (m *Module) getProperty(req *protocol.Request) (*protocol.Response, error) {
	name, err := req.Require("name")
	if err != nil {
		return nil, err
	}
	u := req.User
	raw, ok, err := m.DB.UserConfigValue(req.Ctx, u.ContextID, u.ID, propertyPrefix+name)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	var value any
	if ok {
		value, _ = decode([]byte(raw))
	}
	return protocol.OK(map[string]any{"name": name, "value": value}), nil
}

// maxPropertyLen bounds stored property names and values.
const maxPropertyLen = 64 << 10

func (m *Module) setProperty(req *protocol.Request) (*protocol.Response, error) {
	name, err := req.Require("name")
	if err != nil {
		return nil, err
	}
	var body map[string]json.RawMessage
	if err := req.DecodeBody(&body); err != nil {
		return nil, err
	}
	raw, ok := body["value"]
	if !ok {
		return nil, protocol.ErrMissingParameter.New("value")
	}
	var value *string
	if err := json.Unmarshal(raw, &value); err != nil {
		return nil, protocol.ErrJSON.New("field \"value\" must be a string")
	}
	if len(name) > 1024 || (value != nil && len(*value) > maxPropertyLen) {
		return nil, protocol.ErrInvalidValue.New("value", "too long")
	}
	u := req.User
	err = m.DB.Write(req.Ctx, u.ContextID, func(tx *storage.Tx) error {
		if value == nil {
			return tx.DeleteUserConfigValue(u.ID, propertyPrefix+name)
		}
		return tx.SetUserConfigValue(u.ID, propertyPrefix+name, string(protocol.Marshal(*value)))
	})
	if err != nil {
		return nil, protocol.Internal(err)
	}
	var out any
	if value != nil {
		out = *value
	}
	return protocol.OK(map[string]any{"name": name, "value": out}), nil
}

func decode(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data")
	}
	return v, nil
}

var localeRe = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)

// ValidLocale reports whether s is a locale oxlite stores (ll or ll_CC).
func ValidLocale(s string) bool { return localeRe.MatchString(s) }

// ValidZone reports whether s is a time zone a user may choose.
func ValidZone(s string) bool {
	// time.LoadLocation accepts "Local", the server's own zone.
	return s != "Local" && protocol.ValidTimeZone(s)
}

func checkLocale(v any) (any, bool) {
	s, ok := v.(string)
	return s, ok && ValidLocale(s)
}

func checkZone(v any) (any, bool) {
	s, ok := v.(string)
	return s, ok && ValidZone(s)
}

func boolean(v any) (any, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch x {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return nil, false
}

// status accepts a participant confirmation status: 0 none, 1 accepted,
// 2 declined, 3 tentative.
func status(v any) (any, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = x
	default:
		return nil, false
	}
	switch s {
	case "0", "1", "2", "3":
		return int(s[0] - '0'), true
	}
	return nil, false
}

// anyJSON accepts any value up to a bound (gui holds the UI's settings blob).
func anyJSON(v any) (any, bool) {
	return v, len(protocol.Marshal(v)) <= 1<<20
}

func availableZones() map[string]string {
	out := make(map[string]string, len(zoneNames))
	for _, z := range zoneNames {
		out[z] = strings.ReplaceAll(z, "_", " ")
	}
	return out
}
