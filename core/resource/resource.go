// Package resource implements module `resource` (spec lines 6918–7131):
// bookable resources (rooms, equipment). Everyone reads them; only the
// context admin creates, changes and deletes them.
package resource

import (
	"regexp"
	"strings"
	"time"

	"oxlite/core/ajax"
	"oxlite/core/contactfields"
	"oxlite/core/directory"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Module serves `resource`.
type Module struct {
	DB  *storage.DB
	dir *directory.Kind[storage.Resource]
}

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	m.dir = m.kind()
	mux.Handle("resource", "get", m.dir.Get)
	mux.Handle("resource", "list", m.dir.List)
	mux.Handle("resource", "all", m.all)
	mux.Handle("resource", "search", m.dir.Search)
	mux.Handle("resource", "updates", m.dir.Updates)
	mux.Handle("resource", "new", m.create)
	mux.Handle("resource", "update", m.update)
	mux.Handle("resource", "delete", m.delete)
}

// Errors of the module (ResourceExceptionCode of the reference server).
var (
	ErrNotFound     = protocol.Def{Code: "RES-0005", Category: protocol.CatUserInput, Message: "Cannot find resource with identifier %d."}
	ErrDuplicate    = protocol.Def{Code: "RES-0006", Category: protocol.CatUserInput, Message: "Found resource(s) with same identifier %s."}
	ErrMandatory    = protocol.Def{Code: "RES-0008", Category: protocol.CatUserInput, Message: "Missing mandatory field(s) in given resource: %s."}
	ErrPermission   = protocol.Def{Code: "RES-0009", Category: protocol.CatPermissionDenied, Message: "No permission to modify resources in context %d"}
	ErrMailConflict = protocol.Def{Code: "RES-0010", Category: protocol.CatUserInput, Message: "Found resource(s) with same email address %s."}
	ErrInvalidName  = protocol.Def{Code: "RES-0011", Category: protocol.CatUserInput, Message: "Invalid resource identifier: %s"}
	ErrInvalidMail  = protocol.Def{Code: "RES-0012", Category: protocol.CatUserInput, Message: "Invalid resource E-Mail address: %s"}
	ErrModified     = protocol.Def{Code: "RES-0013", Category: protocol.CatConflict, Message: "The resource has been changed in the meantime: %d"}
)

func object(r *storage.Resource, loc *time.Location) map[string]any {
	return map[string]any{
		"id":                r.ID,
		"name":              r.Name,
		"display_name":      r.DisplayName,
		"mailaddress":       r.Mail,
		"availability":      r.Available,
		"description":       r.Description,
		"last_modified":     protocol.ToTime(r.LastModified, loc),
		"last_modified_utc": r.LastModified,
	}
}

// kind gives the handlers resource shares with group what is resource's
// own: objects carry a time in the user's zone, and search also matches the
// mail address.
func (m *Module) kind() *directory.Kind[storage.Resource] {
	return &directory.Kind[storage.Resource]{
		DB:   m.DB,
		Tomb: storage.TombResource,
		LoadAll: func(req *protocol.Request) ([]*storage.Resource, error) {
			rs, err := m.DB.Resources(req.Ctx, req.User.ContextID)
			if err != nil {
				return nil, protocol.Internal(err)
			}
			return directory.Pointers(rs), nil
		},
		ByID: func(req *protocol.Request, id int64) (*storage.Resource, error) {
			return m.DB.ResourceByID(req.Ctx, req.User.ContextID, id)
		},
		ForUpdate: (*storage.Tx).ResourceForUpdate,
		Remove:    (*storage.Tx).DeleteResource,
		Renderer: func(req *protocol.Request) (func(*storage.Resource) map[string]any, error) {
			loc, err := req.Location()
			if err != nil {
				return nil, err
			}
			return func(r *storage.Resource) map[string]any { return object(r, loc) }, nil
		},
		ID:       func(r *storage.Resource) int64 { return r.ID },
		Created:  func(r *storage.Resource) int64 { return r.Created },
		Modified: func(r *storage.Resource) int64 { return r.LastModified },
		Names:    func(r *storage.Resource) []string { return []string{r.DisplayName, r.Name, r.Mail} },
		NotFound: func(_ *protocol.Request, id int64) error { return ErrNotFound.New(id) },
		Conflict: func(id int64) error { return ErrModified.New(id) },
	}
}

// all answers the ids only (AllResourcesResponse, spec line 8079).
func (m *Module) all(req *protocol.Request) (*protocol.Response, error) {
	all, err := m.dir.LoadAll(req)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(all))
	for i, r := range all {
		ids[i] = r.ID
	}
	return protocol.OKAt(ids, m.dir.MaxModified(all)), nil
}

// The reference server's default for resource identifiers
// (CHECK_RES_UID_REGEXP).
var nameRe = regexp.MustCompile(`^[ $@%.+A-Za-z0-9_\-]{1,128}$`)

// apply copies the fields present in the body onto r.
func apply(req *protocol.Request, r *storage.Resource) error {
	var body map[string]any
	if err := req.DecodeBody(&body); err != nil {
		return err
	}
	if body == nil {
		return protocol.ErrJSON.New("the resource must be an object")
	}
	strField := func(k string, dst *string) error {
		switch x := body[k].(type) {
		case nil:
			if _, present := body[k]; present && (k == "description" || k == "mailaddress") {
				*dst = ""
			}
		case string:
			*dst = strings.TrimSpace(x)
		default:
			return protocol.ErrInvalidValue.New(k, "must be a string")
		}
		return nil
	}
	for k, dst := range map[string]*string{"name": &r.Name, "display_name": &r.DisplayName, "mailaddress": &r.Mail, "description": &r.Description} {
		if err := strField(k, dst); err != nil {
			return err
		}
	}
	switch x := body["availability"].(type) {
	case nil:
	case bool:
		r.Available = x
	default:
		return protocol.ErrInvalidValue.New("availability", "must be a boolean")
	}
	return nil
}

func validate(tx *storage.Tx, r *storage.Resource) error {
	if r.DisplayName == "" {
		return ErrMandatory.New("display_name")
	}
	if r.Name == "" {
		return ErrMandatory.New("name")
	}
	if !nameRe.MatchString(r.Name) {
		return ErrInvalidName.New(r.Name)
	}
	if r.Mail != "" && !contactfields.ValidEmail(r.Mail) {
		return ErrInvalidMail.New(r.Mail)
	}
	taken, err := tx.ResourceNameTaken(r.Name, r.ID)
	if err != nil {
		return protocol.Internal(err)
	}
	if taken {
		return ErrDuplicate.New(r.Name)
	}
	if taken, err = tx.ResourceMailTaken(r.Mail, r.ID); err != nil {
		return protocol.Internal(err)
	}
	if taken {
		return ErrMailConflict.New(r.Mail)
	}
	return nil
}

func (m *Module) mustAdmin(req *protocol.Request) error {
	if !req.User.ContextAdmin {
		return ErrPermission.New(req.User.ContextID)
	}
	return nil
}

func (m *Module) create(req *protocol.Request) (*protocol.Response, error) {
	if err := m.mustAdmin(req); err != nil {
		return nil, err
	}
	r := &storage.Resource{Available: true}
	if err := apply(req, r); err != nil {
		return nil, err
	}
	if r.Name == "" {
		r.Name = directory.SimpleName(r.DisplayName, nameRe)
	}
	var stamp int64
	err := m.DB.Write(req.Ctx, req.User.ContextID, func(tx *storage.Tx) error {
		if err := validate(tx, r); err != nil {
			return err
		}
		id, err := tx.NextID(storage.SeqResource)
		if err != nil {
			return protocol.Internal(err)
		}
		r.ID = id
		if err := tx.InsertResource(r); err != nil {
			return protocol.Internal(err)
		}
		stamp = r.LastModified
		return nil
	})
	if err != nil {
		return nil, err
	}
	return protocol.OKAt(map[string]any{"id": r.ID}, stamp), nil
}

func (m *Module) update(req *protocol.Request) (*protocol.Response, error) {
	if err := m.mustAdmin(req); err != nil {
		return nil, err
	}
	return m.dir.Update(req, func(int64) (func(*storage.Tx, *storage.Resource) error, error) {
		return func(tx *storage.Tx, r *storage.Resource) error {
			if err := apply(req, r); err != nil {
				return err
			}
			if err := validate(tx, r); err != nil {
				return err
			}
			if err := tx.UpdateResource(r); err != nil {
				return protocol.Internal(err)
			}
			return nil
		}, nil
	})
}

func (m *Module) delete(req *protocol.Request) (*protocol.Response, error) {
	if err := m.mustAdmin(req); err != nil {
		return nil, err
	}
	return m.dir.Delete(req, nil)
}
