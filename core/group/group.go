// Package group implements module `group` (spec lines 3089–3279): reading
// the groups of the context (with the virtual group 0, all users) and, for
// the context admin only, creating, changing and deleting them.
package group

import (
	"errors"
	"regexp"
	"sort"
	"strings"

	"oxlite/core/ajax"
	"oxlite/core/changes"
	"oxlite/core/protocol"
	"oxlite/core/wildcard"
	"oxlite/storage"
)

// Module serves `group`.
type Module struct {
	DB *storage.DB
}

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("group", "get", m.get)
	mux.Handle("group", "list", m.list)
	mux.Handle("group", "all", m.all)
	mux.Handle("group", "search", m.search)
	mux.Handle("group", "updates", m.updates)
	mux.Handle("group", "new", m.create)
	mux.Handle("group", "update", m.update)
	mux.Handle("group", "delete", m.delete)
}

// Errors of the module (GroupExceptionCodes of the reference server; 0017
// is its "group not found").
var (
	ErrMandatory     = protocol.Def{Code: "GRP-0004", Category: protocol.CatUserInput, Message: "The mandatory field %s is not defined."}
	ErrSimpleName    = protocol.Def{Code: "GRP-0005", Category: protocol.CatUserInput, Message: "The simple name contains invalid characters: \"%s\"."}
	ErrDuplicate     = protocol.Def{Code: "GRP-0006", Category: protocol.CatUserInput, Message: "Another group with the same identifier name exists: %s."}
	ErrNoMember      = protocol.Def{Code: "GRP-0007", Category: protocol.CatUserInput, Message: "Group contains a not existing member %d."}
	ErrInvalidData   = protocol.Def{Code: "GRP-0008", Category: protocol.CatUserInput, Message: "Group contains invalid data: \"%s\"."}
	ErrNoCreate      = protocol.Def{Code: "GRP-0009", Category: protocol.CatPermissionDenied, Message: "You are not allowed to create groups."}
	ErrModified      = protocol.Def{Code: "GRP-0010", Category: protocol.CatConflict, Message: "Edit Conflict. Your change cannot be completed because somebody else has made a conflicting change to the same item. Please refresh or synchronize and try again."}
	ErrNoModify      = protocol.Def{Code: "GRP-0011", Category: protocol.CatPermissionDenied, Message: "You are not allowed to change groups."}
	ErrNoDelete      = protocol.Def{Code: "GRP-0012", Category: protocol.CatPermissionDenied, Message: "You are not allowed to delete groups."}
	ErrVirtualDelete = protocol.Def{Code: "GRP-0013", Category: protocol.CatUserInput, Message: "Group \"%s\" can not be deleted."}
	ErrVirtualUpdate = protocol.Def{Code: "GRP-0014", Category: protocol.CatUserInput, Message: "Group \"%s\" can not be changed."}
	ErrReservedName  = protocol.Def{Code: "GRP-0015", Category: protocol.CatUserInput, Message: "The display name \"%s\" is reserved. Please choose another one."}
	ErrGroupNotFound = protocol.Def{Code: "GRP-0017", Category: protocol.CatError, Message: "Cannot find group with identifier %d in context %d."}
)

// The virtual group every user belongs to.
const (
	AllUsersID          = 0
	AllUsersName        = "users"
	AllUsersDisplayName = "All users"
)

// Group columns as the UI maps them (http.js): 1 id, 700 name,
// 701 display_name, 702 members; plus 6 last_modified_utc.
var columns = protocol.ColumnSet[*storage.Group]{
	1:   func(g *storage.Group) any { return g.ID },
	6:   func(g *storage.Group) any { return g.LastModified },
	700: func(g *storage.Group) any { return g.Name },
	701: func(g *storage.Group) any { return g.DisplayName },
	702: func(g *storage.Group) any { return g.Members },
}

func object(g *storage.Group) map[string]any {
	members := g.Members
	if members == nil {
		members = []int64{}
	}
	return map[string]any{
		"id":                g.ID,
		"name":              g.Name,
		"display_name":      g.DisplayName,
		"members":           members,
		"last_modified_utc": g.LastModified,
	}
}

// allUsers builds the virtual group 0; it changes when users are added.
func (m *Module) allUsers(req *protocol.Request) (*storage.Group, error) {
	users, err := m.DB.Users(req.Ctx, req.User.ContextID)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	g := &storage.Group{ID: AllUsersID, Name: AllUsersName, DisplayName: AllUsersDisplayName, Members: []int64{}}
	for _, u := range users {
		g.Members = append(g.Members, u.ID)
		g.Created = max(g.Created, u.Created)
	}
	g.LastModified = g.Created
	return g, nil
}

// loadAll returns the virtual group followed by the stored ones.
func (m *Module) loadAll(req *protocol.Request) ([]*storage.Group, error) {
	zero, err := m.allUsers(req)
	if err != nil {
		return nil, err
	}
	stored, err := m.DB.Groups(req.Ctx, req.User.ContextID)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	out := []*storage.Group{zero}
	for i := range stored {
		out = append(out, &stored[i])
	}
	return out, nil
}

func (m *Module) load(req *protocol.Request, id int64) (*storage.Group, error) {
	if id == AllUsersID {
		return m.allUsers(req)
	}
	g, err := m.DB.GroupByID(req.Ctx, req.User.ContextID, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrGroupNotFound.New(id, req.User.ContextID)
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return g, nil
}

func maxModified(gs []*storage.Group) int64 {
	var ts int64
	for _, g := range gs {
		ts = max(ts, g.LastModified)
	}
	return ts
}

func objects(gs []*storage.Group) []map[string]any {
	out := make([]map[string]any, len(gs))
	for i, g := range gs {
		out[i] = object(g)
	}
	return out
}

func (m *Module) get(req *protocol.Request) (*protocol.Response, error) {
	id, err := req.RequireInt("id")
	if err != nil {
		return nil, err
	}
	g, err := m.load(req, id)
	if err != nil {
		return nil, err
	}
	return protocol.OKAt(object(g), g.LastModified), nil
}

func (m *Module) list(req *protocol.Request) (*protocol.Response, error) {
	var raw []any
	if err := req.DecodeBody(&raw); err != nil {
		return nil, err
	}
	all, err := m.loadAll(req)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*storage.Group{}
	for _, g := range all {
		byID[g.ID] = g
	}
	out := make([]*storage.Group, 0, len(raw))
	for _, it := range raw {
		id, ok := protocol.IDOf(it)
		if !ok {
			return nil, protocol.ErrJSON.New("each element needs a numeric id")
		}
		// Unknown ids are left out (see docs/decisions.md).
		if g := byID[id]; g != nil {
			out = append(out, g)
		}
	}
	return protocol.OKAt(objects(out), maxModified(out)), nil
}

// all is not in the spec but in the reference server (and the UI has a
// column mapping for groups): rows of the requested columns.
func (m *Module) all(req *protocol.Request) (*protocol.Response, error) {
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	so, err := req.SortOrder()
	if err != nil {
		return nil, err
	}
	gs, err := m.loadAll(req)
	if err != nil {
		return nil, err
	}
	protocol.SortBy(gs, columns, so)
	return protocol.OKAt(columns.Rows(gs, cols), maxModified(gs)), nil
}

func (m *Module) search(req *protocol.Request) (*protocol.Response, error) {
	var body map[string]any
	if err := req.DecodeBody(&body); err != nil {
		return nil, err
	}
	if body == nil {
		return nil, protocol.ErrJSON.New("the search body must be an object")
	}
	var p *wildcard.Pattern
	switch x := body["pattern"].(type) {
	case nil:
		// The reference answers all groups when the pattern is missing.
		p = wildcard.Compile("*")
	case string:
		p = wildcard.Contains(x)
	default:
		return nil, protocol.ErrInvalidValue.New("pattern", "must be a string")
	}
	all, err := m.loadAll(req)
	if err != nil {
		return nil, err
	}
	var out []*storage.Group
	for _, g := range all {
		if p.Any(g.DisplayName, g.Name) {
			out = append(out, g)
		}
	}
	return protocol.OKAt(objects(out), maxModified(out)), nil
}

func (m *Module) updates(req *protocol.Request) (*protocol.Response, error) {
	since, err := req.RequireInt("timestamp")
	if err != nil {
		return nil, err
	}
	all, err := m.loadAll(req)
	if err != nil {
		return nil, err
	}
	newGroups, modified := []map[string]any{}, []map[string]any{}
	ts := since
	for _, g := range all {
		if g.LastModified <= since {
			continue
		}
		// `modified` carries every changed group, new ones included, as the
		// reference server does; `new` only those created since.
		if g.Created > since && g.ID != AllUsersID {
			newGroups = append(newGroups, object(g))
		}
		modified = append(modified, object(g))
		ts = max(ts, g.LastModified)
	}
	deleted := []map[string]any{}
	if changes.WantDeleted(req, false) {
		ids, seq, err := changes.Deleted(req.Ctx, m.DB, req.User.ContextID, storage.TombGroup, -1, since)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			deleted = append(deleted, map[string]any{"id": id})
		}
		ts = max(ts, seq)
	}
	return protocol.OKAt(map[string]any{"new": newGroups, "modified": modified, "deleted": deleted}, ts), nil
}

// The reference server's default for group simple names
// (CHECK_GROUP_UID_REGEXP).
var nameRe = regexp.MustCompile(`^[ $@%.+A-Za-z0-9_\-]{1,128}$`)

// groupInput is the writable part of GroupData.
type groupInput struct {
	name, displayName   *string
	members             []int64
	hasMembers, hasName bool
}

func parseInput(req *protocol.Request) (*groupInput, error) {
	var body map[string]any
	if err := req.DecodeBody(&body); err != nil {
		return nil, err
	}
	if body == nil {
		return nil, protocol.ErrJSON.New("the group must be an object")
	}
	in := &groupInput{}
	for _, k := range []string{"name", "display_name"} {
		switch x := body[k].(type) {
		case nil:
		case string:
			s := strings.TrimSpace(x)
			if k == "name" {
				in.name = &s
			} else {
				in.displayName = &s
			}
		default:
			return nil, ErrInvalidData.New(k)
		}
	}
	if v, ok := body["members"]; ok && v != nil {
		arr, ok := v.([]any)
		if !ok {
			return nil, ErrInvalidData.New("members")
		}
		in.hasMembers = true
		in.members = []int64{}
		seen := map[int64]bool{}
		for _, it := range arr {
			id, ok := protocol.IDOf(it)
			if !ok {
				return nil, ErrInvalidData.New("members")
			}
			if !seen[id] {
				seen[id] = true
				in.members = append(in.members, id)
			}
		}
		sort.Slice(in.members, func(i, j int) bool { return in.members[i] < in.members[j] })
	}
	return in, nil
}

// validate checks a group about to be stored.
func validate(tx *storage.Tx, g *storage.Group) error {
	if g.DisplayName == "" {
		return ErrMandatory.New("display_name")
	}
	if strings.EqualFold(g.DisplayName, AllUsersDisplayName) {
		return ErrReservedName.New(g.DisplayName)
	}
	if g.Name == "" {
		return ErrMandatory.New("name")
	}
	if !nameRe.MatchString(g.Name) {
		return ErrSimpleName.New(g.Name)
	}
	taken, err := tx.GroupNameTaken(g.Name, g.ID)
	if err != nil {
		return protocol.Internal(err)
	}
	if taken {
		return ErrDuplicate.New(g.Name)
	}
	missing, err := tx.MissingUsers(g.Members)
	if err != nil {
		return protocol.Internal(err)
	}
	if len(missing) > 0 {
		return ErrNoMember.New(missing[0])
	}
	return nil
}

// simpleName derives a valid simple name from a display name when the
// client sends none.
func simpleName(display string) string {
	var b strings.Builder
	for _, r := range display {
		if r < 128 && nameRe.MatchString(string(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if len(s) > 128 {
		s = s[:128]
	}
	return s
}

func (m *Module) create(req *protocol.Request) (*protocol.Response, error) {
	if !req.User.ContextAdmin {
		return nil, ErrNoCreate.New()
	}
	in, err := parseInput(req)
	if err != nil {
		return nil, err
	}
	g := &storage.Group{Members: in.members}
	if in.displayName != nil {
		g.DisplayName = *in.displayName
	}
	if in.name != nil {
		g.Name = *in.name
	} else {
		g.Name = simpleName(g.DisplayName)
	}
	if g.Members == nil {
		g.Members = []int64{}
	}
	var stamp int64
	err = m.DB.Write(req.Ctx, req.User.ContextID, func(tx *storage.Tx) error {
		if err := validate(tx, g); err != nil {
			return err
		}
		id, err := tx.NextID(storage.SeqPrincipal)
		if err != nil {
			return protocol.Internal(err)
		}
		g.ID = id
		if err := tx.InsertGroup(id, g.Name, g.DisplayName, g.Members); err != nil {
			return protocol.Internal(err)
		}
		stamp, err = tx.Stamp()
		return err
	})
	if err != nil {
		return nil, err
	}
	return protocol.OKAt(map[string]any{"id": g.ID}, stamp), nil
}

func (m *Module) update(req *protocol.Request) (*protocol.Response, error) {
	if !req.User.ContextAdmin {
		return nil, ErrNoModify.New()
	}
	id, err := req.RequireInt("id")
	if err != nil {
		return nil, err
	}
	ts, err := req.RequireInt("timestamp")
	if err != nil {
		return nil, err
	}
	in, err := parseInput(req)
	if err != nil {
		return nil, err
	}
	if id == AllUsersID {
		return nil, ErrVirtualUpdate.New(AllUsersDisplayName)
	}
	cid := req.User.ContextID
	var stamp int64
	err = m.DB.Write(req.Ctx, cid, func(tx *storage.Tx) error {
		g, err := tx.GroupForUpdate(id)
		if errors.Is(err, storage.ErrNotFound) {
			return ErrGroupNotFound.New(id, cid)
		}
		if err != nil {
			return protocol.Internal(err)
		}
		if g.LastModified > ts {
			return ErrModified.New()
		}
		if in.displayName != nil {
			g.DisplayName = *in.displayName
		}
		if in.name != nil {
			g.Name = *in.name
		}
		if in.hasMembers {
			g.Members = in.members
		}
		if err := validate(tx, g); err != nil {
			return err
		}
		if err := tx.UpdateGroup(g); err != nil {
			return protocol.Internal(err)
		}
		stamp = g.LastModified
		return nil
	})
	if err != nil {
		return nil, err
	}
	return protocol.OKAt(map[string]any{}, stamp), nil
}

func (m *Module) delete(req *protocol.Request) (*protocol.Response, error) {
	if !req.User.ContextAdmin {
		return nil, ErrNoDelete.New()
	}
	ts, err := req.RequireInt("timestamp")
	if err != nil {
		return nil, err
	}
	ids, multi, err := req.BodyIDs()
	if err != nil {
		return nil, err
	}
	cid := req.User.ContextID
	notDeleted := []int64{}
	stamp := ts
	err = m.DB.Write(req.Ctx, cid, func(tx *storage.Tx) error {
		for _, id := range ids {
			if id == AllUsersID {
				return ErrVirtualDelete.New(AllUsersDisplayName)
			}
			g, err := tx.GroupForUpdate(id)
			if errors.Is(err, storage.ErrNotFound) {
				return ErrGroupNotFound.New(id, cid)
			}
			if err != nil {
				return protocol.Internal(err)
			}
			if g.LastModified > ts {
				// A multi-delete leaves changed groups and reports them
				// (DESIGN.md §3); a single delete fails.
				if !multi {
					return ErrModified.New()
				}
				notDeleted = append(notDeleted, id)
				continue
			}
			if err := tx.DeleteGroup(id); err != nil {
				return protocol.Internal(err)
			}
			if stamp, err = tx.Stamp(); err != nil {
				return protocol.Internal(err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return protocol.OKAt(notDeleted, stamp), nil
}
