package contacts

import (
	"errors"
	"fmt"
	"time"

	"oxlite/core/contactfields"
	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Column is one contact column: its number and JSON name.
type Column struct {
	ID   int
	Name string
}

// Columns lists every contact column, for clients that turn `list` rows
// into objects (the offline syncer asks the server for all of them).
func Columns() []Column {
	out := make([]Column, 0, len(contactfields.Fields))
	for _, f := range contactfields.Fields {
		if f.ID == contactfields.ColImage1 {
			// image1 is the picture itself; image1_url says whether there is one.
			continue
		}
		out = append(out, Column{ID: f.ID, Name: f.Name})
	}
	return out
}

// Ingested is what Ingest stored.
type Ingested struct {
	ID, Folder int64
	// ServerModified is the object's last_modified on the server.
	ServerModified int64
	// PictureWanted is set when the server has a picture the store lacks.
	PictureWanted bool
}

// Ingest stores a contact as the server answered it (an object keyed by
// column names, numbers as json.Number, Time values in loc) in the
// offline store: id, folder, creator, modifier and creation date are the
// server's, last_modified is a local stamp taken after the server's (the
// server's is returned for the sync bookkeeping). Fields the server does
// not send are cleared. A picture is kept while the server still has one.
func Ingest(tx *storage.Tx, loc *time.Location, obj map[string]any) (*Ingested, error) {
	id, ok := pim.ParseID(obj["id"])
	if !ok {
		return nil, fmt.Errorf("contact without valid id: %v", obj["id"])
	}
	folder, ok := pim.ParseID(obj["folder_id"])
	if !ok {
		return nil, fmt.Errorf("contact %d without valid folder_id", id)
	}
	old, err := tx.Contact(id)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	c := &storage.ContactRow{ID: id, FolderID: folder, Fields: map[string]any{}}
	c.UserID, _ = contactfields.ToInt(obj["user_id"])
	c.CreatedBy, _ = contactfields.ToInt(obj["created_by"])
	c.ModifiedBy, _ = contactfields.ToInt(obj["modified_by"])
	if v, ok := contactfields.ToInt(obj["creation_date"]); ok {
		c.CreationDate = protocol.FromTime(v, loc)
	}
	for i := range contactfields.Fields {
		f := &contactfields.Fields[i]
		v, ok := obj[f.Name]
		if !ok || v == nil || f.Kind == contactfields.Special || !f.Writable && f.Name != "useCount" {
			continue
		}
		if err := contactfields.Set(c, f, v); err != nil && f.Column == "" {
			// Keep what the server holds even where our checks are stricter.
			c.Fields[f.Name] = v
		}
	}
	if list, ok := obj["distribution_list"].([]any); ok && len(list) > 0 {
		ms := make([]any, 0, len(list))
		for _, raw := range list {
			o, ok := raw.(map[string]any)
			if !ok {
				continue
			}
			m := map[string]any{"display_name": o["display_name"], "mail": o["mail"], "mail_field": int64(0)}
			if n, ok := contactfields.ToInt(o["mail_field"]); ok {
				m["mail_field"] = n
			}
			if n, ok := pim.ParseID(o["id"]); ok && n != 0 {
				m["id"] = n
				if f, ok := pim.ParseID(o["folder_id"]); ok {
					m["folder_id"] = f
				}
			}
			ms = append(ms, m)
		}
		c.Fields["distribution_list"] = ms
		c.Fields["mark_as_distributionlist"] = true
	}
	out := &Ingested{ID: id, Folder: folder}
	out.ServerModified, _ = contactfields.ToInt(obj["last_modified_utc"])
	hasPicture := obj["image1_url"] != nil && obj["image1_url"] != ""
	if n, ok := contactfields.ToInt(obj["number_of_images"]); ok && n > 0 {
		hasPicture = true
	}
	if old != nil {
		if hasPicture && old.ImageKey != "" {
			c.ImageKey, c.ImageType, c.ImageModified = old.ImageKey, old.ImageType, old.ImageModified
		} else if old.ImageKey != "" {
			if err := tx.TrashBlobs(old.ImageKey); err != nil {
				return nil, err
			}
		}
		if old.FolderID != folder {
			if err := tx.Tombstone(storage.TombContact, old.FolderID, id); err != nil {
				return nil, err
			}
			if err := tx.MoveAttachmentsOf(storage.ModuleContact, id, folder); err != nil {
				return nil, err
			}
		}
	}
	out.PictureWanted = hasPicture && c.ImageKey == ""
	if err := tx.AdvanceStamp(out.ServerModified); err != nil {
		return nil, err
	}
	if err := tx.ClearTombstone(storage.TombContact, folder, id); err != nil {
		return nil, err
	}
	if err := tx.PutContact(c); err != nil {
		return nil, err
	}
	return out, nil
}

// Remove deletes a contact from the offline store the way a server-side
// deletion arrives: row, attachments and picture go, a tombstone stays.
// It answers false when the contact did not exist.
func Remove(tx *storage.Tx, id int64) (bool, error) {
	c, err := tx.Contact(id)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := tx.DeleteContactRow(id); err != nil {
		return false, err
	}
	if err := tx.Tombstone(storage.TombContact, c.FolderID, id); err != nil {
		return false, err
	}
	keys, err := tx.DeleteAttachmentsOf(storage.ModuleContact, id)
	if err != nil {
		return false, err
	}
	if c.ImageKey != "" {
		keys = append(keys, c.ImageKey)
	}
	return true, tx.TrashBlobs(keys...)
}
