// Package resource implements module `resource` (spec lines 6918–7131):
// bookable resources (rooms, equipment). Everyone reads them; only the
// context admin creates, changes and deletes them.
package resource

import (
	"errors"
	"regexp"
	"strings"
	"time"

	"oxlite/core/ajax"
	"oxlite/core/changes"
	"oxlite/core/contactfields"
	"oxlite/core/protocol"
	"oxlite/core/wildcard"
	"oxlite/storage"
)

// Module serves `resource`.
type Module struct {
	DB *storage.DB
}

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("resource", "get", m.get)
	mux.Handle("resource", "list", m.list)
	mux.Handle("resource", "all", m.all)
	mux.Handle("resource", "search", m.search)
	mux.Handle("resource", "updates", m.updates)
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

func objects(rs []*storage.Resource, loc *time.Location) ([]map[string]any, int64) {
	var ts int64
	out := make([]map[string]any, len(rs))
	for i, r := range rs {
		out[i] = object(r, loc)
		ts = max(ts, r.LastModified)
	}
	return out, ts
}

func (m *Module) loadAll(req *protocol.Request) ([]*storage.Resource, error) {
	rs, err := m.DB.Resources(req.Ctx, req.User.ContextID)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	out := make([]*storage.Resource, len(rs))
	for i := range rs {
		out[i] = &rs[i]
	}
	return out, nil
}

func (m *Module) get(req *protocol.Request) (*protocol.Response, error) {
	id, err := req.RequireInt("id")
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	r, err := m.DB.ResourceByID(req.Ctx, req.User.ContextID, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrNotFound.New(id)
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return protocol.OKAt(object(r, loc), r.LastModified), nil
}

func (m *Module) list(req *protocol.Request) (*protocol.Response, error) {
	var raw []any
	if err := req.DecodeBody(&raw); err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	all, err := m.loadAll(req)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*storage.Resource{}
	for _, r := range all {
		byID[r.ID] = r
	}
	out := make([]*storage.Resource, 0, len(raw))
	for _, it := range raw {
		id, ok := protocol.IDOf(it)
		if !ok {
			return nil, protocol.ErrJSON.New("each element needs a numeric id")
		}
		// Unknown ids are left out (see docs/decisions.md).
		if r := byID[id]; r != nil {
			out = append(out, r)
		}
	}
	data, ts := objects(out, loc)
	return protocol.OKAt(data, ts), nil
}

// all answers the ids only (AllResourcesResponse, spec line 8079).
func (m *Module) all(req *protocol.Request) (*protocol.Response, error) {
	all, err := m.loadAll(req)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(all))
	var ts int64
	for i, r := range all {
		ids[i] = r.ID
		ts = max(ts, r.LastModified)
	}
	return protocol.OKAt(ids, ts), nil
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
		p = wildcard.Compile("*")
	case string:
		p = wildcard.Contains(x)
	default:
		return nil, protocol.ErrInvalidValue.New("pattern", "must be a string")
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	all, err := m.loadAll(req)
	if err != nil {
		return nil, err
	}
	var out []*storage.Resource
	for _, r := range all {
		if p.Any(r.DisplayName, r.Name, r.Mail) {
			out = append(out, r)
		}
	}
	data, ts := objects(out, loc)
	return protocol.OKAt(data, ts), nil
}

func (m *Module) updates(req *protocol.Request) (*protocol.Response, error) {
	since, err := req.RequireInt("timestamp")
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	all, err := m.loadAll(req)
	if err != nil {
		return nil, err
	}
	created, modified := []map[string]any{}, []map[string]any{}
	ts := since
	for _, r := range all {
		if r.LastModified <= since {
			continue
		}
		// As in group: `modified` holds every change, `new` the creations.
		if r.Created > since {
			created = append(created, object(r, loc))
		}
		modified = append(modified, object(r, loc))
		ts = max(ts, r.LastModified)
	}
	deleted := []map[string]any{}
	if changes.WantDeleted(req, false) {
		ids, seq, err := changes.Deleted(req.Ctx, m.DB, req.User.ContextID, storage.TombResource, -1, since)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			deleted = append(deleted, map[string]any{"id": id})
		}
		ts = max(ts, seq)
	}
	return protocol.OKAt(map[string]any{"new": created, "modified": modified, "deleted": deleted}, ts), nil
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

// simpleName derives a valid identifier from a display name when the
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
		r.Name = simpleName(r.DisplayName)
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
	id, err := req.RequireInt("id")
	if err != nil {
		return nil, err
	}
	ts, err := req.RequireInt("timestamp")
	if err != nil {
		return nil, err
	}
	var stamp int64
	err = m.DB.Write(req.Ctx, req.User.ContextID, func(tx *storage.Tx) error {
		r, err := tx.ResourceForUpdate(id)
		if errors.Is(err, storage.ErrNotFound) {
			return ErrNotFound.New(id)
		}
		if err != nil {
			return protocol.Internal(err)
		}
		if r.LastModified > ts {
			return ErrModified.New(id)
		}
		if err := apply(req, r); err != nil {
			return err
		}
		if err := validate(tx, r); err != nil {
			return err
		}
		if err := tx.UpdateResource(r); err != nil {
			return protocol.Internal(err)
		}
		stamp = r.LastModified
		return nil
	})
	if err != nil {
		return nil, err
	}
	return protocol.OKAt(map[string]any{}, stamp), nil
}

func (m *Module) delete(req *protocol.Request) (*protocol.Response, error) {
	if err := m.mustAdmin(req); err != nil {
		return nil, err
	}
	ts, err := req.RequireInt("timestamp")
	if err != nil {
		return nil, err
	}
	ids, multi, err := req.BodyIDs()
	if err != nil {
		return nil, err
	}
	notDeleted := []int64{}
	stamp := ts
	err = m.DB.Write(req.Ctx, req.User.ContextID, func(tx *storage.Tx) error {
		for _, id := range ids {
			r, err := tx.ResourceForUpdate(id)
			if errors.Is(err, storage.ErrNotFound) {
				return ErrNotFound.New(id)
			}
			if err != nil {
				return protocol.Internal(err)
			}
			if r.LastModified > ts {
				// A multi-delete leaves changed resources and reports them
				// (DESIGN.md §3); a single object body fails.
				if !multi {
					return ErrModified.New(id)
				}
				notDeleted = append(notDeleted, id)
				continue
			}
			if err := tx.DeleteResource(id); err != nil {
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
