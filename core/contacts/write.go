package contacts

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"oxlite/core/contactfields"
	"oxlite/core/folders"
	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// asError keeps OX errors and hides everything else behind a 503.
func asError(err error) error {
	if err == nil {
		return nil
	}
	var oe *protocol.Error
	if errors.As(err, &oe) {
		return oe
	}
	return protocol.Internal(err)
}

// bodyOf returns the JSON object of a write: the body, or the `json` form
// field of an upload (an absent field counts as "{}" for updates).
func bodyOf(req *protocol.Request, jsonRequired bool) (map[string]any, error) {
	var raw map[string]any
	if req.Multipart != nil {
		js := req.Multipart.Value["json"]
		if len(js) == 0 || strings.TrimSpace(js[0]) == "" {
			if jsonRequired {
				return nil, protocol.ErrMissingParameter.New("json")
			}
			return map[string]any{}, nil
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

// edit is a parsed contact body: plain fields, the target folder, the
// members of a distribution list and a picture change.
type edit struct {
	raw        map[string]any
	folder     int64
	hasFolder  bool
	members    []member
	hasMembers bool
	image      *imageEdit
}

// parseEdit reads a body; req (may be nil) supplies an uploaded picture.
func (m *Module) parseEdit(req *protocol.Request, raw map[string]any) (*edit, error) {
	e := &edit{raw: raw}
	if v, ok := raw["folder_id"]; ok && v != nil {
		f, ok := folders.ParseID(v)
		if !ok {
			return nil, protocol.ErrInvalidValue.New("folder_id", describe(v))
		}
		e.folder, e.hasFolder = f, true
	}
	if v, ok := raw["distribution_list"]; ok {
		ms, err := parseMembers(v)
		if err != nil {
			return nil, err
		}
		e.members, e.hasMembers = ms, true
	}
	img, err := m.imageEditOf(req, raw)
	if err != nil {
		return nil, err
	}
	e.image = img
	return e, nil
}

func describe(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 64 {
		b = append(b[:61], "..."...)
	}
	return string(b)
}

// skipped are body keys handled outside the field table.
var skipped = map[string]bool{"folder_id": true, "image1": true, "image1_content_type": true, "distribution_list": true}

// applyFields writes the plain fields of raw into c and reports whether
// anything changed. Unknown and read-only fields are ignored, as the
// reference's JSON mapping does; uid is written only on creation. A
// user's entry follows the user module's rules: its primary address and
// private flag cannot change, an empty display name is dropped and a
// display name must be unique among users.
func applyFields(tx *storage.Tx, c *storage.ContactRow, raw map[string]any, create bool) (bool, error) {
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	changed := false
	user := c.UserID > 0
	for _, k := range keys {
		if skipped[k] {
			continue
		}
		v := raw[k]
		f, ok := contactfields.ByName(k)
		if !ok || !f.Writable || (k == "uid" && !create) {
			continue
		}
		if user {
			switch f.ID {
			case contactfields.ColPrivateFlag:
				if b, _ := v.(bool); b {
					return false, contactfields.ErrPrivateFlagInPublic.New()
				}
				continue
			case contactfields.ColEmail1:
				if s, ok := v.(string); ok && strings.EqualFold(s, c.Email1) {
					continue
				}
				return false, contactfields.ErrNoPrimaryEmailEdit.New()
			case contactfields.ColDisplayName:
				s, ok := v.(string)
				if !ok && v != nil {
					return false, protocol.ErrInvalidValue.New(k, describe(v))
				}
				if strings.TrimSpace(s) == "" || s == c.DisplayName {
					continue
				}
				taken, err := tx.DisplayNameTaken(s, c.UserID)
				if err != nil {
					return false, protocol.Internal(err)
				}
				if taken {
					return false, contactfields.ErrDisplayNameInUse.New()
				}
			case contactfields.ColMarkDistList:
				continue
			}
		}
		before := contactfields.Value(c, f, time.UTC)
		if err := contactfields.Set(c, f, v); err != nil {
			return false, err
		}
		if contactfields.Value(c, f, time.UTC) != before {
			changed = true
		}
	}
	return changed, nil
}

// setMembers stores checked members on c.
func setMembers(tx *storage.Tx, u *protocol.User, c *storage.ContactRow, e *edit) error {
	if !e.hasMembers || c.UserID > 0 {
		return nil
	}
	if len(e.members) == 0 {
		delete(c.Fields, "distribution_list")
		return nil
	}
	list, err := checkMembers(tx, u, e.members)
	if err != nil {
		return err
	}
	if c.Fields == nil {
		c.Fields = map[string]any{}
	}
	c.Fields["distribution_list"] = list
	c.Fields["mark_as_distributionlist"] = true
	return nil
}

// newUID returns a random UUID (version 4) for contacts created without uid.
func newUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// createContact stores a new contact in folder.
func (m *Module) createContact(ctx context.Context, u *protocol.User, e *edit, folder int64) (id, stamp int64, err error) {
	if err := e.image.stage(ctx); err != nil {
		return 0, 0, err
	}
	c := &storage.ContactRow{Fields: map[string]any{}}
	err = m.DB.Write(ctx, u.ContextID, func(tx *storage.Tx) error {
		a, err := folderAccessTx(tx, u, folder)
		if err != nil {
			return err
		}
		if !a.CanCreate() {
			return ErrNoCreate.New(folder, u.ContextID, u.ID)
		}
		if _, err := applyFields(tx, c, e.raw, true); err != nil {
			return err
		}
		if c.PrivateFlag && !a.PrivateAllowed() {
			return contactfields.ErrPrivateFlagInPublic.New()
		}
		if err := setMembers(tx, u, c, e); err != nil {
			return err
		}
		if contactfields.IsDistList(c) && strings.TrimSpace(c.DisplayName) == "" {
			return ErrDisplayNameMandatory.New()
		}
		if c.ID, err = tx.NextID(storage.SeqContact); err != nil {
			return err
		}
		c.FolderID, c.CreatedBy = folder, u.ID
		if c.UID == "" {
			c.UID = newUID()
		}
		if err := e.image.apply(tx, c); err != nil {
			return err
		}
		return tx.InsertContact(c)
	})
	e.image.done(ctx, err == nil)
	if err != nil {
		return 0, 0, asError(err)
	}
	return c.ID, c.LastModified, nil
}

func (m *Module) newContact(req *protocol.Request) (*protocol.Response, error) {
	raw, err := bodyOf(req, true)
	if err != nil {
		return nil, err
	}
	e, err := m.parseEdit(req, raw)
	if err != nil {
		return nil, err
	}
	if !e.hasFolder {
		return nil, protocol.ErrMissingParameter.New("folder_id")
	}
	id, stamp, err := m.createContact(req.Ctx, req.User, e, e.folder)
	if err != nil {
		return nil, err
	}
	m.emptyTrash(req.Ctx)
	return protocol.OKAt(map[string]any{"id": id}, stamp), nil
}

// updateContact changes contact id of folder: fields, picture, members
// and, with folder_id in the body, its folder.
func (m *Module) updateContact(ctx context.Context, u *protocol.User, folder, id, ts int64, hasTS bool, e *edit) (stamp int64, err error) {
	if err := e.image.stage(ctx); err != nil {
		return 0, err
	}
	err = m.DB.Write(ctx, u.ContextID, func(tx *storage.Tx) error {
		a, err := folderAccessTx(tx, u, folder)
		if err != nil {
			return err
		}
		c, err := tx.Contact(id)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && c.FolderID != folder) {
			return ErrNotFound.New(id, u.ContextID)
		}
		if err != nil {
			return err
		}
		orig := *c
		if !a.CanRead(orig.CreatedBy, orig.PrivateFlag) {
			if orig.PrivateFlag && orig.CreatedBy != u.ID {
				return ErrNotFound.New(id, u.ContextID)
			}
			return ErrNoAccess.New(folder, u.ContextID, u.ID)
		}
		user := c.UserID > 0
		if user && c.UserID != u.ID && !u.ContextAdmin {
			return ErrNoChange.New(id, u.ContextID)
		}
		if pim.Stale(c.LastModified, ts, hasTS) {
			return contactfields.ErrObjectChanged.New()
		}
		changed, err := applyFields(tx, c, e.raw, false)
		if err != nil {
			return err
		}
		if e.hasMembers && !user {
			changed = true
		}
		if e.image.changes(c) {
			changed = true
		}
		// A user's entry is governed by the user rules above, not by the
		// folder's "own objects" right.
		if changed && !user && !a.CanWrite(orig.CreatedBy, orig.PrivateFlag) {
			return ErrNoChange.New(id, u.ContextID)
		}
		target := a
		moved := e.hasFolder && e.folder != folder
		if moved {
			if user {
				return ErrNoChange.New(id, u.ContextID)
			}
			if !a.CanDelete(orig.CreatedBy, orig.PrivateFlag) {
				return ErrNoDelete.New(folder, u.ContextID, u.ID)
			}
			if target, err = folderAccessTx(tx, u, e.folder); err != nil {
				return err
			}
			if !target.CanCreate() {
				return ErrNoCreate.New(e.folder, u.ContextID, u.ID)
			}
			c.FolderID = e.folder
			if err := tx.Tombstone(storage.TombContact, folder, id); err != nil {
				return err
			}
			if err := tx.ClearTombstone(storage.TombContact, e.folder, id); err != nil {
				return err
			}
			if err := tx.MoveAttachmentsOf(storage.ModuleContact, id, e.folder); err != nil {
				return err
			}
		}
		if c.PrivateFlag && !target.PrivateAllowed() {
			return contactfields.ErrPrivateFlagInPublic.New()
		}
		if err := setMembers(tx, u, c, e); err != nil {
			return err
		}
		if contactfields.IsDistList(c) && strings.TrimSpace(c.DisplayName) == "" {
			return ErrDisplayNameMandatory.New()
		}
		if !changed && !moved {
			stamp = c.LastModified
			return nil
		}
		if err := e.image.apply(tx, c); err != nil {
			return err
		}
		if err := tx.UpdateContactRow(c, u.ID); err != nil {
			return err
		}
		stamp = c.LastModified
		return nil
	})
	e.image.done(ctx, err == nil)
	return stamp, asError(err)
}

func (m *Module) update(req *protocol.Request) (*protocol.Response, error) {
	folder, err := requireFolder(req, "folder")
	if err != nil {
		return nil, err
	}
	id, err := requireFolder(req, "id")
	if err != nil {
		return nil, err
	}
	ts, err := req.RequireInt("timestamp")
	if err != nil {
		return nil, err
	}
	raw, err := bodyOf(req, false)
	if err != nil {
		return nil, err
	}
	e, err := m.parseEdit(req, raw)
	if err != nil {
		return nil, err
	}
	stamp, err := m.updateContact(req.Ctx, req.User, folder, id, ts, true, e)
	if err != nil {
		return nil, err
	}
	m.emptyTrash(req.Ctx)
	data := map[string]any{}
	if req.Multipart != nil {
		data["id"] = id
	}
	return protocol.OKAt(data, stamp), nil
}

// copyContact duplicates a contact into the folder named by folder_id in
// the body (the UI's copy; not among the seed actions but sent by it).
func (m *Module) copyContact(req *protocol.Request) (*protocol.Response, error) {
	folder, err := requireFolder(req, "folder")
	if err != nil {
		return nil, err
	}
	id, err := requireFolder(req, "id")
	if err != nil {
		return nil, err
	}
	raw, err := bodyOf(req, false)
	if err != nil {
		return nil, err
	}
	target, ok := folders.ParseID(raw["folder_id"])
	if !ok {
		return nil, protocol.ErrMissingParameter.New("folder_id")
	}
	u := req.User
	src, err := m.readContact(req.Ctx, u, folder, id)
	if err != nil {
		return nil, err
	}
	pic, err := m.loadPicture(req.Ctx, src)
	if err != nil {
		return nil, err
	}
	e := &edit{raw: copyFields(src)}
	if pic != nil {
		e.image = &imageEdit{m: m, pic: &picture{data: pic.Data, contentType: pic.ContentType}}
	}
	if contactfields.IsDistList(src) {
		e.members, _ = parseMembers(src.Fields["distribution_list"])
		e.hasMembers = true
	}
	newID, stamp, err := m.createContact(req.Ctx, u, e, target)
	if err != nil {
		return nil, err
	}
	return protocol.OKAt(map[string]any{"id": newID}, stamp), nil
}

// copyFields returns the writable fields of c as a body (uid excluded: a
// copy is a new object).
func copyFields(c *storage.ContactRow) map[string]any {
	raw := map[string]any{}
	for i := range contactfields.Fields {
		f := &contactfields.Fields[i]
		if !f.Writable || f.Name == "uid" {
			continue
		}
		if v := contactfields.Value(c, f, time.UTC); v != nil {
			raw[f.Name] = v
		}
	}
	return raw
}

func (m *Module) delete(req *protocol.Request) (*protocol.Response, error) {
	ts, err := req.RequireInt("timestamp")
	if err != nil {
		return nil, err
	}
	refs, err := pim.ParseRefs(req)
	if err != nil {
		return nil, err
	}
	u := req.User
	notDeleted := []int64{}
	var blobs []string
	stamp := ts
	// One transaction: either every deletable contact goes or, on an
	// error, none does.
	err = m.DB.Write(req.Ctx, u.ContextID, func(tx *storage.Tx) error {
		acc := map[int64]pim.Access{}
		done := map[int64]bool{}
		for _, r := range refs {
			if done[r.ID] {
				continue
			}
			c, err := tx.Contact(r.ID)
			if errors.Is(err, storage.ErrNotFound) || (err == nil && c.FolderID != r.Folder) {
				return ErrNotFound.New(r.ID, u.ContextID)
			}
			if err != nil {
				return err
			}
			a, ok := acc[r.Folder]
			if !ok {
				if a, err = folderAccessTx(tx, u, r.Folder); err != nil {
					return err
				}
				acc[r.Folder] = a
			}
			if !a.CanRead(c.CreatedBy, c.PrivateFlag) && c.PrivateFlag && c.CreatedBy != u.ID {
				return ErrNotFound.New(r.ID, u.ContextID)
			}
			if c.UserID > 0 {
				return ErrUserContactDelete.New()
			}
			if !a.CanDelete(c.CreatedBy, c.PrivateFlag) {
				return ErrNoDelete.New(r.Folder, u.ContextID, u.ID)
			}
			done[r.ID] = true
			if pim.Stale(c.LastModified, ts, true) {
				notDeleted = append(notDeleted, c.ID)
				continue
			}
			if err := tx.DeleteContactRow(c.ID); err != nil {
				return err
			}
			if err := tx.Tombstone(storage.TombContact, c.FolderID, c.ID); err != nil {
				return err
			}
			keys, err := tx.DeleteAttachmentsOf(storage.ModuleContact, c.ID)
			if err != nil {
				return err
			}
			blobs = append(blobs, keys...)
			if c.ImageKey != "" {
				blobs = append(blobs, c.ImageKey)
			}
			if stamp, err = tx.Stamp(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, asError(err)
	}
	m.dropBlobs(req.Ctx, blobs...)
	m.emptyTrash(req.Ctx)
	return protocol.OKAt(notDeleted, stamp), nil
}
