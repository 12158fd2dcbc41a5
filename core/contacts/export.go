package contacts

import (
	"context"
	"encoding/base64"
	"sort"
	"strings"
	"time"

	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// CreateContact stores a new contact in folder for import: obj uses the
// wire names of ContactData with Date and Time values in UTC; a picture
// travels as "image1" (base64) and its type is detected from the bytes.
// A distribution list is "distribution_list" with members as on the wire.
// folder wins over a folder_id in obj. The rules and errors are those of
// contacts?action=new (*protocol.Error values).
func (m *Module) CreateContact(ctx context.Context, u *protocol.User, folder int64, obj map[string]any) (id, lastModified int64, err error) {
	raw := make(map[string]any, len(obj))
	for k, v := range obj {
		raw[k] = v
	}
	delete(raw, "folder_id")
	e, err := m.parseEdit(nil, raw)
	if err != nil {
		return 0, 0, err
	}
	id, lastModified, err = m.createContact(ctx, u, e, folder)
	if err != nil {
		return 0, 0, err
	}
	return id, lastModified, nil
}

// FolderContacts returns every contact of folder the caller may read as
// full objects for export (Times in UTC), ordered by id: every stored
// field, distribution lists with their members, and the picture as
// "image1" (standard base64) with "image1_content_type".
func (m *Module) FolderContacts(ctx context.Context, u *protocol.User, folder int64) ([]map[string]any, error) {
	a, err := m.readAccess(ctx, u, folder)
	if err != nil {
		return nil, err
	}
	list, err := m.readable(ctx, u, []pim.Access{a})
	if err != nil {
		return nil, err
	}
	vs, err := m.views(ctx, u.ContextID, list, nil, time.UTC)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(vs))
	for _, v := range vs {
		obj := v.object()
		pic, err := m.loadPicture(ctx, v.c)
		if err != nil {
			return nil, err
		}
		if pic != nil {
			obj["image1"] = base64.StdEncoding.EncodeToString(pic.Data)
			obj["image1_content_type"] = pic.ContentType
		}
		out = append(out, obj)
	}
	return out, nil
}

// FindPerson finds the contacts that stand for one person, as halo's
// picture and investigate identify them: a user id (their entry in the
// global address book), a contact id (with its folder, or any readable
// folder when folder < 0) or mail addresses. Matches come in priority
// order: the user, the contact, then address matches from the global
// address book before others, newest change first. Only contacts the
// caller may read are returned.
func (m *Module) FindPerson(ctx context.Context, u *protocol.User, userID, contactID, folder int64, emails []string) ([]*storage.ContactRow, error) {
	var out []*storage.ContactRow
	seen := map[int64]bool{}
	acc := map[int64]pim.Access{}
	readable := func(c *storage.ContactRow) bool {
		a, ok := acc[c.FolderID]
		if !ok {
			var err error
			if a, err = m.readAccess(ctx, u, c.FolderID); err != nil {
				return false
			}
			acc[c.FolderID] = a
		}
		return a.Folder != nil && a.CanRead(c.CreatedBy, c.PrivateFlag)
	}
	add := func(c *storage.ContactRow) {
		if c != nil && !seen[c.ID] && readable(c) {
			seen[c.ID] = true
			out = append(out, c)
		}
	}
	if userID > 0 {
		c, err := m.DB.UserContactRow(ctx, u.ContextID, userID)
		if err != nil && err != storage.ErrNotFound {
			return nil, protocol.Internal(err)
		}
		add(c)
	}
	if contactID > 0 {
		c, err := m.DB.Contact(ctx, u.ContextID, contactID)
		if err != nil && err != storage.ErrNotFound {
			return nil, protocol.Internal(err)
		}
		if c != nil && (folder < 0 || c.FolderID == folder) {
			add(c)
		}
	}
	var byMail []*storage.ContactRow
	for _, e := range emails {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		found, err := m.DB.ContactsByEmail(ctx, u.ContextID, e)
		if err != nil {
			return nil, protocol.Internal(err)
		}
		byMail = append(byMail, found...)
	}
	sort.SliceStable(byMail, func(i, j int) bool {
		gi, gj := byMail[i].FolderID == GAB, byMail[j].FolderID == GAB
		if gi != gj {
			return gi
		}
		return byMail[i].LastModified > byMail[j].LastModified
	})
	for _, c := range byMail {
		add(c)
	}
	return out, nil
}

// PictureOf returns the stored picture of a contact found by FindPerson
// ((nil, nil) without one).
func (m *Module) PictureOf(ctx context.Context, c *storage.ContactRow) (*Picture, error) {
	return m.loadPicture(ctx, c)
}

// Rows renders contacts as positional rows of cols (as `all` does) and
// returns the newest change among them.
func (m *Module) Rows(ctx context.Context, u *protocol.User, list []*storage.ContactRow, cols []int, loc *time.Location) ([][]any, int64, error) {
	vs, err := m.views(ctx, u.ContextID, list, cols, loc)
	if err != nil {
		return nil, 0, err
	}
	data, ts := rows(vs, cols)
	return data, ts, nil
}
