// Package user implements module `user` (spec lines 7857–8062): the users
// of the context as contact data (their entries in the global address book,
// folder 6) plus the user columns 610–616, the update of one's own data, and
// custom user attributes. `user/me` lives in core/userme.
package user

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"oxlite/core/ajax"
	"oxlite/core/contactfields"
	"oxlite/core/contacts"
	"oxlite/core/protocol"
	"oxlite/core/wildcard"
	"oxlite/storage"
)

// Module serves `user`.
type Module struct {
	DB *storage.DB
	// Contacts stores the pictures of users' entries (an update may upload
	// one); without it uploads are refused.
	Contacts *contacts.Module
}

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("user", "get", m.get)
	mux.Handle("user", "all", m.all)
	mux.Handle("user", "list", m.list)
	mux.Handle("user", "search", m.search)
	mux.Handle("user", "update", m.update)
	mux.Handle("user", "getAttribute", m.getAttribute)
	mux.Handle("user", "setAttribute", m.setAttribute)
}

// Errors of the module (UserExceptionCode of the reference server).
var (
	ErrUserNotFound    = protocol.Def{Code: "USR-0010", Category: protocol.CatError, Message: "Cannot find user with identifier %d in context %d."}
	ErrPermission      = protocol.Def{Code: "USR-0013", Category: protocol.CatPermissionDenied, Message: "No permission to modify user %d in context %d."}
	ErrInvalidLocale   = protocol.Def{Code: "USR-0023", Category: protocol.CatUserInput, Message: "%s is not a valid locale."}
	ErrInvalidTimeZone = protocol.Def{Code: "USR-0024", Category: protocol.CatUserInput, Message: "%s is not a valid timezone."}
)

// The user columns (spec lines 235–239). In this module they win over the
// contact columns 610–615 they collide with.
const (
	colAliases        = 610
	colTimeZone       = 611
	colLocale         = 612
	colGroups         = 613
	colContactID      = 614
	colLoginInfo      = 615
	colGuestCreatedBy = 616
)

// GABFolder is the global address book, where every user's contact lives.
const GABFolder = 6

// view is one user as the API shows it.
type view struct {
	u   *storage.User
	c   *storage.ContactRow
	loc *time.Location
}

func (v *view) lastModified() int64 { return max(v.u.LastModified, v.c.LastModified) }

// imageURL is the user's picture as the image module serves it.
func (v *view) imageURL() any {
	if v.c.ImageKey == "" {
		return nil
	}
	return contactfields.UserImageURL(v.c)
}

func (v *view) aliases() []string {
	if len(v.u.Aliases) > 0 {
		return v.u.Aliases
	}
	if v.c.Email1 != "" {
		return []string{v.c.Email1}
	}
	return []string{}
}

// groups lists the user's groups; everyone is in the virtual group 0.
func (v *view) groups() []int64 {
	g := append([]int64{0}, v.u.Groups...)
	sort.Slice(g, func(i, j int) bool { return g[i] < g[j] })
	return g
}

var columns = buildColumns()

func buildColumns() protocol.ColumnSet[*view] {
	cs := protocol.ColumnSet[*view]{}
	for i := range contactfields.Fields {
		f := &contactfields.Fields[i]
		cs[f.ID] = func(v *view) any { return contactfields.Value(v.c, f, v.loc) }
	}
	cs[contactfields.ColID] = func(v *view) any { return v.u.ID }
	cs[contactfields.ColUserID] = func(v *view) any { return v.u.ID }
	cs[contactfields.ColFolderID] = func(v *view) any { return int64(GABFolder) }
	cs[contactfields.ColLastModified] = func(v *view) any { return protocol.ToTime(v.lastModified(), v.loc) }
	cs[contactfields.ColLastModUTC] = func(v *view) any { return v.lastModified() }
	cs[colAliases] = func(v *view) any { return v.aliases() }
	cs[colTimeZone] = func(v *view) any { return v.u.TimeZone }
	cs[colLocale] = func(v *view) any { return v.u.Locale }
	cs[colGroups] = func(v *view) any { return v.groups() }
	cs[colContactID] = func(v *view) any { return v.u.ContactID }
	cs[colLoginInfo] = func(v *view) any { return v.u.Login }
	cs[contactfields.ColImage1URL] = func(v *view) any { return v.imageURL() }
	cs[contactfields.ColImage1] = func(v *view) any { return v.imageURL() }
	cs[colGuestCreatedBy] = func(v *view) any { return 0 }
	return cs
}

// object renders the full user object of `get`: the contact fields plus
// the user fields. `user_id` is the reference server's name of column 524;
// `internal_userid` is the name the UI's column mapping gives it.
func (v *view) object() map[string]any {
	obj := contactfields.Object(v.c, v.loc)
	obj["id"] = v.u.ID
	obj["user_id"] = v.u.ID
	obj["internal_userid"] = v.u.ID
	obj["folder_id"] = GABFolder
	obj["contact_id"] = v.u.ContactID
	obj["aliases"] = v.aliases()
	obj["timezone"] = v.u.TimeZone
	obj["locale"] = v.u.Locale
	obj["groups"] = v.groups()
	obj["login_info"] = v.u.Login
	obj["guest_created_by"] = 0
	if u := v.imageURL(); u != nil {
		obj["image1_url"] = u
	}
	obj["last_modified"] = protocol.ToTime(v.lastModified(), v.loc)
	obj["last_modified_utc"] = v.lastModified()
	for _, k := range []string{"display_name", "first_name", "last_name", "email1"} {
		if _, ok := obj[k]; !ok {
			obj[k] = ""
		}
	}
	return obj
}

func emptyContact(u *storage.User) *storage.ContactRow {
	return &storage.ContactRow{ID: u.ContactID, FolderID: GABFolder, UserID: u.ID, CreatedBy: u.ID, ModifiedBy: u.ID,
		CreationDate: u.Created, LastModified: u.LastModified, DisplayName: u.DisplayName, FirstName: u.FirstName,
		LastName: u.LastName, Email1: u.Email, Fields: map[string]any{}}
}

// loadAll returns every user of the caller's context, ordered by id.
func (m *Module) loadAll(req *protocol.Request, loc *time.Location) ([]*view, error) {
	cid := req.User.ContextID
	users, err := m.DB.Users(req.Ctx, cid)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	contacts, err := m.DB.UserContactRows(req.Ctx, cid)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	out := make([]*view, 0, len(users))
	for i := range users {
		u := &users[i]
		c := contacts[u.ID]
		if c == nil {
			c = emptyContact(u)
		}
		out = append(out, &view{u: u, c: c, loc: loc})
	}
	return out, nil
}

// load returns one user of the caller's context.
func (m *Module) load(req *protocol.Request, id int64, loc *time.Location) (*view, error) {
	cid := req.User.ContextID
	u, err := m.DB.UserByID(req.Ctx, cid, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrUserNotFound.New(id, cid)
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	c, err := m.DB.UserContactRow(req.Ctx, cid, id)
	if errors.Is(err, storage.ErrNotFound) {
		c = emptyContact(u)
	} else if err != nil {
		return nil, protocol.Internal(err)
	}
	return &view{u: u, c: c, loc: loc}, nil
}

// userID reads the `id` parameter; absent or empty means the caller.
func userID(req *protocol.Request, required bool) (int64, error) {
	s, ok := req.Param("id")
	if !ok || strings.TrimSpace(s) == "" {
		if required {
			return 0, protocol.ErrMissingParameter.New("id")
		}
		return req.User.ID, nil
	}
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, protocol.ErrInvalidValue.New("id", s)
	}
	return id, nil
}

func (m *Module) get(req *protocol.Request) (*protocol.Response, error) {
	id, err := userID(req, false)
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	v, err := m.load(req, id, loc)
	if err != nil {
		return nil, err
	}
	return protocol.OKAt(v.object(), v.lastModified()), nil
}

func rows(views []*view, cols []int) ([][]any, int64) {
	var ts int64
	out := make([][]any, len(views))
	for i, v := range views {
		out[i] = columns.Row(v, cols)
		ts = max(ts, v.lastModified())
	}
	return out, ts
}

func (m *Module) all(req *protocol.Request) (*protocol.Response, error) {
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	so, err := req.SortOrder()
	if err != nil {
		return nil, err
	}
	lim, err := req.Limits()
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	views, err := m.loadAll(req, loc)
	if err != nil {
		return nil, err
	}
	protocol.SortBy(views, columns, so)
	data, ts := rows(protocol.Apply(views, lim), cols)
	return protocol.OKAt(data, ts), nil
}

func (m *Module) list(req *protocol.Request) (*protocol.Response, error) {
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	var ids []any
	if err := req.DecodeBody(&ids); err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	views, err := m.loadAll(req, loc)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*view, len(views))
	for _, v := range views {
		byID[v.u.ID] = v
	}
	out := make([]*view, 0, len(ids))
	for _, raw := range ids {
		id := req.User.ID
		if raw != nil {
			n, ok := protocol.IDOf(raw)
			if !ok {
				return nil, protocol.ErrJSON.New("a user id must be a number or a numeric string")
			}
			id = n
		}
		// Unknown ids are left out, as the list actions of the reference
		// server's PIM modules do; the UI re-sorts by id anyway.
		if v := byID[id]; v != nil {
			out = append(out, v)
		}
	}
	data, ts := rows(out, cols)
	return protocol.OKAt(data, ts), nil
}

// searchBody is UserSearchBody (spec line 11714).
type searchBody struct {
	pattern                     *wildcard.Pattern
	startLetter                 string
	fields                      map[string]*wildcard.Pattern
	orSearch, emailAutoComplete bool
}

var searchFields = []string{"display_name", "first_name", "last_name", "email1", "email2", "email3", "company", "email"}

func parseSearch(req *protocol.Request) (*searchBody, error) {
	var raw map[string]any
	if err := req.DecodeBody(&raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, protocol.ErrJSON.New("the search body must be an object")
	}
	b := &searchBody{fields: map[string]*wildcard.Pattern{}}
	str := func(k string) (string, error) {
		switch x := raw[k].(type) {
		case nil:
			return "", nil
		case string:
			return x, nil
		}
		return "", protocol.ErrInvalidValue.New(k, "must be a string")
	}
	boolean := func(k string) (bool, error) {
		switch x := raw[k].(type) {
		case nil:
			return false, nil
		case bool:
			return x, nil
		}
		return false, protocol.ErrInvalidValue.New(k, "must be a boolean")
	}
	pattern, err := str("pattern")
	if err != nil {
		return nil, err
	}
	// The spec types startletter as boolean ("match the pattern against the
	// first letter field"); older clients send the letter itself.
	switch x := raw["startletter"].(type) {
	case bool:
		if x {
			b.startLetter, pattern = pattern, ""
		}
	case string:
		b.startLetter = x
	case nil:
	default:
		return nil, protocol.ErrInvalidValue.New("startletter", "must be a boolean")
	}
	if pattern != "" {
		b.pattern = wildcard.Prefix(pattern)
	}
	for _, k := range searchFields {
		s, err := str(k)
		if err != nil {
			return nil, err
		}
		if s != "" {
			b.fields[k] = wildcard.Prefix(s)
		}
	}
	if b.orSearch, err = boolean("orSearch"); err != nil {
		return nil, err
	}
	if b.emailAutoComplete, err = boolean("emailAutoComplete"); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *searchBody) match(v *view) bool {
	c := v.c
	if b.emailAutoComplete && c.Email1 == "" && c.Email2 == "" && c.Email3 == "" {
		return false
	}
	if b.pattern != nil {
		return b.pattern.Any(c.DisplayName, c.FirstName, c.LastName, c.Email1, c.Email2, c.Email3)
	}
	if b.startLetter != "" {
		name := c.LastName
		if name == "" {
			name = c.DisplayName
		}
		return strings.HasPrefix(strings.ToLower(name), strings.ToLower(b.startLetter))
	}
	if len(b.fields) == 0 {
		return true
	}
	or := b.orSearch || b.emailAutoComplete
	for k, p := range b.fields {
		var ok bool
		switch k {
		case "display_name":
			ok = p.Match(c.DisplayName)
		case "first_name":
			ok = p.Match(c.FirstName)
		case "last_name":
			ok = p.Match(c.LastName)
		case "company":
			ok = p.Match(c.Company)
		case "email1":
			ok = p.Match(c.Email1)
		case "email2":
			ok = p.Match(c.Email2)
		case "email3":
			ok = p.Match(c.Email3)
		case "email":
			ok = p.Any(c.Email1, c.Email2, c.Email3)
		}
		if or && ok {
			return true
		}
		if !or && !ok {
			return false
		}
	}
	return !or
}

func (m *Module) search(req *protocol.Request) (*protocol.Response, error) {
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	so, err := req.SortOrder()
	if err != nil {
		return nil, err
	}
	b, err := parseSearch(req)
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	views, err := m.loadAll(req, loc)
	if err != nil {
		return nil, err
	}
	hits := views[:0]
	for _, v := range views {
		if b.match(v) {
			hits = append(hits, v)
		}
	}
	protocol.SortBy(hits, columns, so)
	data, ts := rows(hits, cols)
	return protocol.OKAt(data, ts), nil
}

// mayModify: users change only themselves; the context admin anyone.
func mayModify(req *protocol.Request, id int64) error {
	if id == req.User.ID || req.User.ContextAdmin {
		return nil
	}
	return ErrPermission.New(id, req.User.ContextID)
}

var localeRe = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)

// updateBody returns the JSON object of an update: the body, or the `json`
// form field of an upload (the UI uploads the contact image that way).
func updateBody(req *protocol.Request, picturesOK bool) (map[string]any, error) {
	var raw map[string]any
	if req.Multipart != nil {
		if len(req.Multipart.File["file"]) > 0 && !picturesOK {
			return nil, protocol.ErrBadRequest.New("contact images are not supported")
		}
		js := req.Multipart.Value["json"]
		if len(js) == 0 {
			return nil, protocol.ErrMissingParameter.New("json")
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(js[0])))
		dec.UseNumber()
		if err := dec.Decode(&raw); err != nil {
			return nil, protocol.ErrJSON.New("malformed json field")
		}
	} else if err := req.DecodeBody(&raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, protocol.ErrJSON.New("the body must be an object")
	}
	return raw, nil
}

// ignoredOnUpdate are writable contact fields /user never writes (uid is
// set once at creation, 524 is the user id); an update ignores them, as
// the reference ignores everything outside its whitelist.
var ignoredOnUpdate = map[string]bool{"uid": true, "user_id": true, "internal_userid": true}

func (m *Module) update(req *protocol.Request) (*protocol.Response, error) {
	id, err := userID(req, true)
	if err != nil {
		return nil, err
	}
	ts, err := req.RequireInt("timestamp")
	if err != nil {
		return nil, err
	}
	if err := mayModify(req, id); err != nil {
		return nil, err
	}
	body, err := updateBody(req, m.Contacts != nil)
	if err != nil {
		return nil, err
	}
	var picture *contacts.ImageEdit
	if m.Contacts != nil {
		// The picture goes to the blob store before the transaction.
		if picture, err = m.Contacts.UserImageEdit(req.Ctx, req, body); err != nil {
			return nil, err
		}
	}
	var tz, locale *string
	for _, k := range []string{"timezone", "locale"} {
		switch x := body[k].(type) {
		case nil:
		case string:
			if k == "timezone" {
				if !protocol.ValidTimeZone(x) {
					return nil, ErrInvalidTimeZone.New(x)
				}
				tz = &x
			} else {
				if !localeRe.MatchString(x) {
					return nil, ErrInvalidLocale.New(x)
				}
				locale = &x
			}
		default:
			if k == "timezone" {
				return nil, ErrInvalidTimeZone.New(describe(x))
			}
			return nil, ErrInvalidLocale.New(describe(x))
		}
	}
	cid := req.User.ContextID
	var newTS int64
	err = m.DB.Write(req.Ctx, cid, func(tx *storage.Tx) error {
		u, c, err := tx.UserForUpdate(id)
		if errors.Is(err, storage.ErrNotFound) && u == nil {
			return ErrUserNotFound.New(id, cid)
		}
		if errors.Is(err, storage.ErrNotFound) {
			c = emptyContact(u)
		} else if err != nil {
			return protocol.Internal(err)
		}
		cur := max(u.LastModified, c.LastModified)
		if cur > ts {
			return contactfields.ErrObjectChanged.New()
		}
		newTS = cur
		contactChanged := false
		keys := make([]string, 0, len(body))
		for k := range body {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			val := body[k]
			f, ok := contactfields.ByName(k)
			if !ok || !f.Writable || ignoredOnUpdate[k] {
				continue
			}
			switch f.ID {
			case contactfields.ColPrivateFlag:
				if b, _ := val.(bool); b {
					return contactfields.ErrPrivateFlagInPublic.New()
				}
				continue
			case contactfields.ColEmail1:
				if s, ok := val.(string); ok && strings.EqualFold(s, c.Email1) {
					continue
				}
				return contactfields.ErrNoPrimaryEmailEdit.New()
			case contactfields.ColDisplayName:
				s, ok := val.(string)
				if !ok && val != nil {
					return protocol.ErrInvalidValue.New(k, describe(val))
				}
				// An empty display name is dropped, as the reference does.
				if strings.TrimSpace(s) == "" || s == c.DisplayName {
					continue
				}
				taken, err := tx.DisplayNameTaken(s, id)
				if err != nil {
					return protocol.Internal(err)
				}
				if taken {
					return contactfields.ErrDisplayNameInUse.New()
				}
			}
			before := contactfields.Value(c, f, time.UTC)
			if err := contactfields.Set(c, f, val); err != nil {
				return err
			}
			if contactfields.Value(c, f, time.UTC) != before {
				contactChanged = true
			}
		}
		if changed, err := picture.Apply(tx, c); err != nil {
			return err
		} else if changed {
			contactChanged = true
		}
		if contactChanged {
			if c.ID == 0 {
				return protocol.Internal(errors.New("user has no contact"))
			}
			if err := tx.UpdateContactRow(c, req.User.ID); err != nil {
				return protocol.Internal(err)
			}
		}
		if (tz != nil && *tz != u.TimeZone) || (locale != nil && *locale != u.Locale) {
			nt, nl := u.TimeZone, u.Locale
			if tz != nil {
				nt = *tz
			}
			if locale != nil {
				nl = *locale
			}
			if err := tx.UpdateUserSettings(id, nt, nl); err != nil {
				return protocol.Internal(err)
			}
		} else if !contactChanged {
			return nil
		}
		stamp, err := tx.Stamp()
		if err != nil {
			return protocol.Internal(err)
		}
		newTS = stamp
		return nil
	})
	picture.Done(req.Ctx, err == nil)
	if err != nil {
		return nil, err
	}
	return protocol.OKAt(map[string]any{}, newTS), nil
}

func describe(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}

func (m *Module) checkAttributeAccess(req *protocol.Request, id int64) error {
	if err := mayModify(req, id); err != nil {
		return err
	}
	if _, err := m.DB.UserByID(req.Ctx, req.User.ContextID, id); errors.Is(err, storage.ErrNotFound) {
		return ErrUserNotFound.New(id, req.User.ContextID)
	} else if err != nil {
		return protocol.Internal(err)
	}
	return nil
}

func (m *Module) getAttribute(req *protocol.Request) (*protocol.Response, error) {
	id, err := userID(req, true)
	if err != nil {
		return nil, err
	}
	name, err := req.Require("name")
	if err != nil {
		return nil, err
	}
	if err := m.checkAttributeAccess(req, id); err != nil {
		return nil, err
	}
	val, ok, err := m.DB.UserAttribute(req.Ctx, req.User.ContextID, id, name)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	out := map[string]any{"name": name, "value": nil}
	if ok {
		out["value"] = val
	}
	return protocol.OK(out), nil
}

const maxAttributeName = 128

func (m *Module) setAttribute(req *protocol.Request) (*protocol.Response, error) {
	id, err := userID(req, true)
	if err != nil {
		return nil, err
	}
	var body map[string]any
	if err := req.DecodeBody(&body); err != nil {
		return nil, err
	}
	if body == nil {
		return nil, protocol.ErrJSON.New("the body must be an object")
	}
	name, ok := body["name"].(string)
	if !ok || strings.TrimSpace(name) == "" {
		if body["name"] != nil && !ok {
			return nil, protocol.ErrInvalidValue.New("name", describe(body["name"]))
		}
		return nil, protocol.ErrMissingParameter.New("name")
	}
	if len(name) > maxAttributeName {
		return nil, protocol.ErrInvalidValue.New("name", "longer than 128 characters")
	}
	if err := m.checkAttributeAccess(req, id); err != nil {
		return nil, err
	}
	ifAbsent := req.Bool("setIfAbsent")
	var set bool
	err = m.DB.Write(req.Ctx, req.User.ContextID, func(tx *storage.Tx) error {
		switch v := body["value"].(type) {
		case nil:
			// A missing or null value removes the attribute (spec line 8016).
			set = true
			return tx.DeleteUserAttribute(id, name)
		case string:
			set, err = tx.SetUserAttribute(id, name, v, ifAbsent)
		default:
			set, err = tx.SetUserAttribute(id, name, describe(v), ifAbsent)
		}
		return err
	})
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return protocol.OK(set), nil
}
