// Package pim holds what the PIM modules (contacts, tasks, calendar) share:
// list/delete body parsing, object-level permission checks against the
// folder, the client timestamp of optimistic locking, the mixed array of
// `updates`, and (kind.go) the folder checks and removal steps of tasks and
// appointments.
package pim

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"

	"oxlite/core/perm"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Ref is one element of a list or delete body: {"id":…, "folder":…}.
type Ref struct {
	ID     int64
	Folder int64
	// RecurrencePosition selects an occurrence (calendar); 0 when absent.
	RecurrencePosition int64
	// RecurrenceDatePosition selects an occurrence by date (calendar).
	RecurrenceDatePosition int64
}

// ParseID reads an object id sent as a JSON number or a numeric string.
func ParseID(v any) (int64, bool) { return protocol.Int64Of(v) }

// ParseRefs reads a body array of {id, folder|folder_id}. A single object
// is accepted too (older clients and the 7.8 calendar UI send one).
func ParseRefs(req *protocol.Request) ([]Ref, error) {
	body := bytes.TrimSpace(req.Body)
	if len(body) == 0 {
		return nil, protocol.ErrJSON.New("missing request body")
	}
	var raw []map[string]any
	if body[0] == '{' {
		var one map[string]any
		if err := decode(body, &one); err != nil {
			return nil, err
		}
		raw = []map[string]any{one}
	} else if err := decode(body, &raw); err != nil {
		return nil, err
	}
	out := make([]Ref, 0, len(raw))
	for i, m := range raw {
		if m == nil {
			return nil, protocol.ErrJSON.New("element " + strconv.Itoa(i) + " is not an object")
		}
		id, ok := ParseID(m["id"])
		if !ok {
			return nil, protocol.ErrJSON.New("element " + strconv.Itoa(i) + " has no valid \"id\"")
		}
		fv, has := m["folder"]
		if !has {
			fv, has = m["folder_id"]
		}
		folder, ok := ParseID(fv)
		if !has || !ok {
			return nil, protocol.ErrJSON.New("element " + strconv.Itoa(i) + " has no valid \"folder\"")
		}
		r := Ref{ID: id, Folder: folder}
		// The 7.8 calendar UI names the occurrence `pos`, the spec
		// `recurrence_position`.
		for _, k := range []string{"recurrence_position", "pos"} {
			if v, ok := m[k]; ok && v != nil {
				if r.RecurrencePosition, ok = ParseID(v); !ok {
					return nil, protocol.ErrJSON.New("element " + strconv.Itoa(i) + " has an invalid \"" + k + "\"")
				}
				break
			}
		}
		if v, ok := m["recurrence_date_position"]; ok && v != nil {
			if r.RecurrenceDatePosition, ok = ParseID(v); !ok {
				return nil, protocol.ErrJSON.New("element " + strconv.Itoa(i) + " has an invalid \"recurrence_date_position\"")
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func decode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return protocol.ErrJSON.New("the body must be an array of {\"id\", \"folder\"} objects")
	}
	return nil
}

// ClientTimestamp returns the `timestamp` parameter of an update or
// delete. Absent means "no check" where the UI sends none.
func ClientTimestamp(req *protocol.Request) (ts int64, given bool, err error) {
	return req.Int("timestamp")
}

// Stale reports whether a stored object changed after the client's view
// (equal is fine; the UI's 2116800000000 is always in the future).
func Stale(stored, client int64, given bool) bool {
	return given && stored > client
}

// Access is a caller's right on one folder, for object checks.
type Access struct {
	Folder *storage.Folder
	Perm   perm.Permission
	User   int64
}

// shared reports whether the folder is another user's private folder.
func (a Access) shared() bool {
	return a.Folder.Type == 1 && a.Folder.Owner != 0 && a.Folder.Owner != a.User
}

// CanRead reports whether the caller may read an object created by
// createdBy. Private objects in a folder shared by someone else are only
// visible to their creator.
func (a Access) CanRead(createdBy int64, private bool) bool {
	if private && createdBy != a.User && a.shared() {
		return false
	}
	return a.Perm.CanReadObject(createdBy == a.User)
}

// CanWrite reports whether the caller may change the object.
func (a Access) CanWrite(createdBy int64, private bool) bool {
	return a.CanRead(createdBy, private) && a.Perm.CanWriteObject(createdBy == a.User)
}

// CanDelete reports whether the caller may delete the object.
func (a Access) CanDelete(createdBy int64, private bool) bool {
	return a.CanRead(createdBy, private) && a.Perm.CanDeleteObject(createdBy == a.User)
}

// CanCreate reports whether the caller may create objects in the folder.
func (a Access) CanCreate() bool { return a.Perm.CanCreateObjects() }

// PrivateAllowed reports whether objects in the folder may carry the
// private flag (not in public folders).
func (a Access) PrivateAllowed() bool { return a.Folder.Type != 2 }

// UpdatesData builds the mixed array of `updates`: rows of changed objects
// followed by the bare ids of deleted ones.
func UpdatesData(rows [][]any, deleted []int64) []any {
	out := make([]any, 0, len(rows)+len(deleted))
	for _, r := range rows {
		out = append(out, r)
	}
	for _, id := range deleted {
		out = append(out, id)
	}
	return out
}

// PulledMappings are the folder mappings of a task or appointment the
// offline store pulled from folder (created by createdBy): it shows there
// for the folder's owner, or in a public folder for its creator, as the
// server maps it. The mappings pulled from other folders stay (alice's own
// calendar and bob's, shared with her); the owner's mapping to another
// folder means the object moved from there (moved lists those folders).
func PulledMappings(tx *storage.Tx, old []storage.FolderMapping, folder, createdBy, me int64) (maps []storage.FolderMapping, moved []int64) {
	owner := me
	if f, err := tx.Folder(folder); err == nil {
		switch {
		case f.Type == 1 && f.Owner != 0:
			owner = f.Owner
		case createdBy != 0:
			owner = createdBy
		}
	}
	maps = []storage.FolderMapping{{User: owner, Folder: folder}}
	for _, m := range old {
		switch {
		case m.Folder == folder:
		case m.User == owner:
			moved = append(moved, m.Folder)
		default:
			maps = append(maps, m)
		}
	}
	return maps, moved
}

// LeftMappings are the mappings left when the server takes an object out
// of folder; none means the object is gone.
func LeftMappings(maps []storage.FolderMapping, folder int64) []storage.FolderMapping {
	return slices.DeleteFunc(slices.Clone(maps), func(m storage.FolderMapping) bool { return m.Folder == folder })
}
