package folders

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"oxlite/core/perm"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Column is one folder column: its number and the name `get` uses.
type Column struct {
	ID   int
	Name string
}

// Columns lists the folder columns this module renders, for clients that
// turn column rows into objects (the offline syncer).
func Columns() []Column {
	out := make([]Column, len(fieldNames))
	for i, f := range fieldNames {
		out[i] = Column{ID: f.col, Name: f.name}
	}
	return out
}

// Ingest stores a folder as a server answered it (an object keyed by
// column names, as `get` renders it, with last_modified_utc) in the
// offline store: id, parent, creator and creation date are the server's.
// me is the store's user, loc the zone the server rendered Time values in.
// A folder the server shows as shared (type 3) is stored as the private
// folder of its owner, below the private folders when its parent is the
// virtual "shared" folder, which the view turns back into the shared
// presentation. It returns the folder and its server last_modified.
func Ingest(tx *storage.Tx, me int64, loc *time.Location, obj map[string]any) (*storage.Folder, int64, error) {
	id, ok := ParseID(obj["id"])
	if !ok {
		return nil, 0, fmt.Errorf("folder without valid id: %v", obj["id"])
	}
	f := &storage.Folder{ID: id, Subscribed: true}
	if v, ok := obj["folder_id"]; ok && v != nil {
		p, ok := ParseID(v)
		if !ok {
			return nil, 0, fmt.Errorf("folder %d: invalid folder_id %v", id, v)
		}
		f.Parent = p
	} else if id == Root {
		f.Parent = -1
	}
	f.Title, _ = obj["title"].(string)
	f.Module, _ = obj["module"].(string)
	typ, _ := numOf(obj["type"])
	f.Type = int(typ)
	f.CreatedBy, _ = numOf(obj["created_by"])
	f.ModifiedBy, _ = numOf(obj["modified_by"])
	if v, ok := numOf(obj["creation_date"]); ok {
		f.CreationDate = protocol.FromTime(v, loc)
	}
	if b, ok := obj["subscribed"].(bool); ok {
		f.Subscribed = b
	}
	if m, ok := obj["meta"]; ok && m != nil {
		if b, err := json.Marshal(m); err == nil && len(b) > 0 && b[0] == '{' {
			f.Meta = string(b)
		}
	}
	if raw, ok := obj["permissions"]; ok && raw != nil {
		b, err := json.Marshal(raw)
		if err != nil {
			return nil, 0, err
		}
		if f.Permissions, err = parsePermissions(b); err != nil {
			return nil, 0, fmt.Errorf("folder %d: %v", id, err)
		}
	}
	// The owner is the user holding the admin flag of a private folder.
	f.Owner = f.CreatedBy
	for _, p := range f.Permissions {
		if p.Admin && !p.Group {
			f.Owner = p.Entity
			break
		}
	}
	switch f.Type {
	case TypeShared:
		f.Type = TypePrivate
		if f.Parent == Shared {
			f.Parent = Private
		}
	case TypePrivate:
		if f.Owner == 0 {
			f.Owner = me
		}
	case TypeSystem:
		f.Owner = 0
	}
	if std, _ := obj["standard_folder"].(bool); std {
		if n, ok := numOf(obj["standard_folder_type"]); ok && n > 0 {
			f.DefaultType = int(n)
		} else {
			f.DefaultType = moduleNumber[f.Module]
		}
	}
	lm, _ := numOf(obj["last_modified_utc"])
	if err := tx.AdvanceStamp(lm); err != nil {
		return nil, 0, err
	}
	if err := tx.PutFolder(f); err != nil {
		return nil, 0, err
	}
	if err := tx.ClearTombstone(storage.TombFolder, f.Parent, f.ID); err != nil {
		return nil, 0, err
	}
	return f, lm, nil
}

// numOf reads an integer from a decoded JSON value (json.Number, numeric
// string or a Go number).
func numOf(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		return int64(x), float64(int64(x)) == x
	}
	return intOf(v)
}

// Remove deletes a folder with its subfolders and their objects from the
// offline store (a deletion pulled from the server), leaving the
// tombstones local `updates` reports. contents clears each module's
// objects.
func Remove(tx *storage.Tx, id int64, contents map[string]Content) error {
	f, err := tx.Folder(id)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		return err
	}
	desc, err := tx.Descendants(id)
	if err != nil {
		return err
	}
	for _, d := range append(desc, f) {
		if c := contents[d.Module]; c != nil {
			if _, err := c.Clear(tx, d.ID, perm.Full, 0); err != nil {
				return err
			}
		}
		if err := tx.DeleteFolder(d.ID); err != nil {
			return err
		}
		if err := leave(tx, d, d.Parent, d.Permissions); err != nil {
			return err
		}
	}
	return nil
}
