// Package directory holds the handlers that modules `group` and `resource`
// share: both serve context-wide entries that every user reads and only the
// context admin writes, answered with the same envelopes, the same updates
// (with tombstones) and the same optimistic locking. What differs between
// them (storage, errors, validation, body parsing, rendering) stays in the
// modules and reaches this package through Kind.
package directory

import (
	"errors"
	"regexp"
	"strings"

	"oxlite/core/changes"
	"oxlite/core/protocol"
	"oxlite/core/wildcard"
	"oxlite/storage"
)

// Kind describes one module's entries of type T. Storage hooks return raw
// storage errors: Kind maps storage.ErrNotFound to NotFound and wraps
// everything else as internal, as both modules always did.
type Kind[T any] struct {
	DB *storage.DB
	// Tomb is the tombstone module the entries are deleted under.
	Tomb string
	// LoadAll answers every entry in the module's answer order, with
	// protocol errors.
	LoadAll func(req *protocol.Request) ([]*T, error)
	// ByID reads one entry outside a transaction.
	ByID func(req *protocol.Request, id int64) (*T, error)
	// ForUpdate reads one stored entry inside a write.
	ForUpdate func(tx *storage.Tx, id int64) (*T, error)
	// Remove deletes one stored entry (and leaves its tombstone).
	Remove func(tx *storage.Tx, id int64) error
	// Renderer answers how this request wants entries rendered: resources
	// carry a time in the user's zone, so it may fail on a bad timezone.
	Renderer func(req *protocol.Request) (func(*T) map[string]any, error)
	// ID, Created and Modified read the entry's id and timestamps.
	ID, Created, Modified func(*T) int64
	// Names are the fields a search pattern is matched against.
	Names func(*T) []string
	// Virtual tells the entries that are computed rather than created (the
	// group of all users); they are never "new" in updates. Nil: none.
	Virtual func(id int64) bool
	// NotFound and Conflict are the module's errors for an unknown entry
	// and for a write based on a stale timestamp.
	NotFound func(req *protocol.Request, id int64) error
	Conflict func(id int64) error
}

// Pointers lets modules hand out the entries the storage returns by value.
func Pointers[T any](vs []T) []*T {
	out := make([]*T, len(vs))
	for i := range vs {
		out[i] = &vs[i]
	}
	return out
}

// SimpleName derives a valid identifier from a display name for a client
// that sends none: valid is the module's pattern for identifiers, checked
// one character at a time; other characters become '_'.
func SimpleName(display string, valid *regexp.Regexp) string {
	var b strings.Builder
	for _, r := range display {
		if r < 128 && valid.MatchString(string(r)) {
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

// MaxModified is the timestamp of an answer made of vs.
func (k *Kind[T]) MaxModified(vs []*T) int64 {
	var ts int64
	for _, v := range vs {
		ts = max(ts, k.Modified(v))
	}
	return ts
}

// found maps a storage read of entry id to the module's errors.
func (k *Kind[T]) found(req *protocol.Request, id int64, v *T, err error) (*T, error) {
	if errors.Is(err, storage.ErrNotFound) {
		return nil, k.NotFound(req, id)
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return v, nil
}

func objects[T any](vs []*T, render func(*T) map[string]any) []map[string]any {
	out := make([]map[string]any, len(vs))
	for i, v := range vs {
		out[i] = render(v)
	}
	return out
}

// loadAll answers every entry and how this request wants them rendered.
func (k *Kind[T]) loadAll(req *protocol.Request) (func(*T) map[string]any, []*T, error) {
	render, err := k.Renderer(req)
	if err != nil {
		return nil, nil, err
	}
	all, err := k.LoadAll(req)
	if err != nil {
		return nil, nil, err
	}
	return render, all, nil
}

// Get answers one entry.
func (k *Kind[T]) Get(req *protocol.Request) (*protocol.Response, error) {
	id, err := req.RequireInt("id")
	if err != nil {
		return nil, err
	}
	render, err := k.Renderer(req)
	if err != nil {
		return nil, err
	}
	v, err := k.ByID(req, id)
	if v, err = k.found(req, id, v, err); err != nil {
		return nil, err
	}
	return protocol.OKAt(render(v), k.Modified(v)), nil
}

// List answers the requested entries in the requested order.
func (k *Kind[T]) List(req *protocol.Request) (*protocol.Response, error) {
	var raw []any
	if err := req.DecodeBody(&raw); err != nil {
		return nil, err
	}
	render, all, err := k.loadAll(req)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*T{}
	for _, v := range all {
		byID[k.ID(v)] = v
	}
	out := make([]*T, 0, len(raw))
	for _, it := range raw {
		id, ok := protocol.IDOf(it)
		if !ok {
			return nil, protocol.ErrJSON.New("each element needs a numeric id")
		}
		// Unknown ids are left out (see docs/decisions.md).
		if v := byID[id]; v != nil {
			out = append(out, v)
		}
	}
	return protocol.OKAt(objects(out, render), k.MaxModified(out)), nil
}

// Search answers the entries whose names match the body's pattern.
func (k *Kind[T]) Search(req *protocol.Request) (*protocol.Response, error) {
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
		// The reference answers all entries when the pattern is missing.
		p = wildcard.Compile("*")
	case string:
		p = wildcard.Contains(x)
	default:
		return nil, protocol.ErrInvalidValue.New("pattern", "must be a string")
	}
	render, all, err := k.loadAll(req)
	if err != nil {
		return nil, err
	}
	var out []*T
	for _, v := range all {
		if p.Any(k.Names(v)...) {
			out = append(out, v)
		}
	}
	return protocol.OKAt(objects(out, render), k.MaxModified(out)), nil
}

// Updates answers what changed since the client's timestamp.
func (k *Kind[T]) Updates(req *protocol.Request) (*protocol.Response, error) {
	since, err := req.RequireInt("timestamp")
	if err != nil {
		return nil, err
	}
	render, all, err := k.loadAll(req)
	if err != nil {
		return nil, err
	}
	created, modified := []map[string]any{}, []map[string]any{}
	ts := since
	for _, v := range all {
		if k.Modified(v) <= since {
			continue
		}
		// `modified` carries every changed entry, new ones included, as the
		// reference server does; `new` only those created since.
		if k.Created(v) > since && (k.Virtual == nil || !k.Virtual(k.ID(v))) {
			created = append(created, render(v))
		}
		modified = append(modified, render(v))
		ts = max(ts, k.Modified(v))
	}
	deleted := []map[string]any{}
	if changes.WantDeleted(req, false) {
		ids, seq, err := changes.Deleted(req.Ctx, k.DB, req.User.ContextID, k.Tomb, -1, since)
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

// Update changes one stored entry under optimistic locking. The caller has
// checked the admin; prepare runs after id and timestamp are read and
// before the write, and returns the change to make on the locked entry (it
// must also store it). The split keeps each module's order of errors: a
// group parses its body before looking at the group, a resource after.
func (k *Kind[T]) Update(req *protocol.Request, prepare func(id int64) (func(tx *storage.Tx, v *T) error, error)) (*protocol.Response, error) {
	id, err := req.RequireInt("id")
	if err != nil {
		return nil, err
	}
	ts, err := req.RequireInt("timestamp")
	if err != nil {
		return nil, err
	}
	change, err := prepare(id)
	if err != nil {
		return nil, err
	}
	var stamp int64
	err = k.DB.Write(req.Ctx, req.User.ContextID, func(tx *storage.Tx) error {
		v, err := k.ForUpdate(tx, id)
		if v, err = k.found(req, id, v, err); err != nil {
			return err
		}
		if k.Modified(v) > ts {
			return k.Conflict(id)
		}
		if err := change(tx, v); err != nil {
			return err
		}
		stamp = k.Modified(v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return protocol.OKAt(map[string]any{}, stamp), nil
}

// Delete deletes the entries of the body in one write. The caller has
// checked the admin; guard, if not nil, refuses an id before it is looked
// up (the group of all users is not stored).
func (k *Kind[T]) Delete(req *protocol.Request, guard func(id int64) error) (*protocol.Response, error) {
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
	err = k.DB.Write(req.Ctx, req.User.ContextID, func(tx *storage.Tx) error {
		for _, id := range ids {
			if guard != nil {
				if err := guard(id); err != nil {
					return err
				}
			}
			v, err := k.ForUpdate(tx, id)
			if v, err = k.found(req, id, v, err); err != nil {
				return err
			}
			if k.Modified(v) > ts {
				// A multi-delete leaves changed entries and reports them
				// (DESIGN.md §3); a single object body fails.
				if !multi {
					return k.Conflict(id)
				}
				notDeleted = append(notDeleted, id)
				continue
			}
			if err := k.Remove(tx, id); err != nil {
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
