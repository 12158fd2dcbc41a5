// Package group implements module `group` (spec lines 3089–3279): reading
// the groups of the context (with the virtual group 0, all users) and, for
// the context admin only, creating, changing and deleting them.
package group

import (
	"regexp"
	"sort"
	"strings"

	"oxlite/core/ajax"
	"oxlite/core/directory"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Module serves `group`.
type Module struct {
	DB  *storage.DB
	dir *directory.Kind[storage.Group]
}

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	m.dir = m.kind()
	mux.Handle("group", "get", m.dir.Get)
	mux.Handle("group", "list", m.dir.List)
	mux.Handle("group", "all", m.all)
	mux.Handle("group", "search", m.dir.Search)
	mux.Handle("group", "updates", m.dir.Updates)
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

// kind gives the handlers group shares with resource what is group's own.
// Group 0 is computed from the users, so ByID answers it while ForUpdate
// (storage only) never finds it.
func (m *Module) kind() *directory.Kind[storage.Group] {
	return &directory.Kind[storage.Group]{
		DB:      m.DB,
		Tomb:    storage.TombGroup,
		LoadAll: m.loadAll,
		ByID: func(req *protocol.Request, id int64) (*storage.Group, error) {
			if id == AllUsersID {
				return m.allUsers(req)
			}
			return m.DB.GroupByID(req.Ctx, req.User.ContextID, id)
		},
		ForUpdate: (*storage.Tx).GroupForUpdate,
		Remove:    (*storage.Tx).DeleteGroup,
		Renderer: func(*protocol.Request) (func(*storage.Group) map[string]any, error) {
			return object, nil
		},
		ID:       func(g *storage.Group) int64 { return g.ID },
		Created:  func(g *storage.Group) int64 { return g.Created },
		Modified: func(g *storage.Group) int64 { return g.LastModified },
		Names:    func(g *storage.Group) []string { return []string{g.DisplayName, g.Name} },
		Virtual:  func(id int64) bool { return id == AllUsersID },
		NotFound: func(req *protocol.Request, id int64) error {
			return ErrGroupNotFound.New(id, req.User.ContextID)
		},
		Conflict: func(int64) error { return ErrModified.New() },
	}
}

// allUsers builds the virtual group 0; it changes when users are added.
func (m *Module) allUsers(req *protocol.Request) (*storage.Group, error) {
	users, err := m.DB.Users(req.Ctx, req.User.ContextID)
	if err != nil {
		return nil, err
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
		return nil, protocol.Internal(err)
	}
	stored, err := m.DB.Groups(req.Ctx, req.User.ContextID)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return append([]*storage.Group{zero}, directory.Pointers(stored)...), nil
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
	return protocol.OKAt(columns.Rows(gs, cols), m.dir.MaxModified(gs)), nil
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
		g.Name = directory.SimpleName(g.DisplayName, nameRe)
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
	return m.dir.Update(req, func(id int64) (func(*storage.Tx, *storage.Group) error, error) {
		in, err := parseInput(req)
		if err != nil {
			return nil, err
		}
		if id == AllUsersID {
			return nil, ErrVirtualUpdate.New(AllUsersDisplayName)
		}
		return func(tx *storage.Tx, g *storage.Group) error {
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
			return nil
		}, nil
	})
}

func (m *Module) delete(req *protocol.Request) (*protocol.Response, error) {
	if !req.User.ContextAdmin {
		return nil, ErrNoDelete.New()
	}
	return m.dir.Delete(req, func(id int64) error {
		if id == AllUsersID {
			return ErrVirtualDelete.New(AllUsersDisplayName)
		}
		return nil
	})
}
