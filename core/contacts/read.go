package contacts

import (
	"context"
	"errors"
	"time"

	"oxlite/core/changes"
	"oxlite/core/folders"
	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// requireFolder reads a folder id parameter (number or numeric string).
func requireFolder(req *protocol.Request, name string) (int64, error) {
	s, err := req.Require(name)
	if err != nil {
		return 0, err
	}
	id, ok := folders.ParseID(s)
	if !ok {
		return 0, protocol.ErrInvalidValue.New(name, s)
	}
	return id, nil
}

// readContact loads contact id of folder if the caller may read it.
func (m *Module) readContact(ctx context.Context, u *protocol.User, folder, id int64) (*storage.ContactRow, error) {
	a, err := m.readAccess(ctx, u, folder)
	if err != nil {
		return nil, err
	}
	c, err := m.DB.Contact(ctx, u.ContextID, id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && c.FolderID != folder) {
		return nil, ErrNotFound.New(id, u.ContextID)
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if !a.CanRead(c.CreatedBy, c.PrivateFlag) {
		// Another user's private contact does not exist for the caller.
		if c.PrivateFlag && c.CreatedBy != u.ID {
			return nil, ErrNotFound.New(id, u.ContextID)
		}
		return nil, ErrNoAccess.New(folder, u.ContextID, u.ID)
	}
	return c, nil
}

// userContact loads the entry of user uid in the global address book.
func (m *Module) userContact(ctx context.Context, u *protocol.User, uid int64) (*storage.ContactRow, error) {
	a, err := m.readAccess(ctx, u, GAB)
	if err != nil {
		return nil, err
	}
	c, err := m.DB.UserContactRow(ctx, u.ContextID, uid)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrNotFound.New(uid, u.ContextID)
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if !a.CanRead(c.CreatedBy, c.PrivateFlag) {
		return nil, ErrNoAccess.New(GAB, u.ContextID, u.ID)
	}
	return c, nil
}

func (m *Module) all(req *protocol.Request) (*protocol.Response, error) {
	folder, err := requireFolder(req, "folder")
	if err != nil {
		return nil, err
	}
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	so, err := req.SortOrder()
	if err != nil {
		return nil, err
	}
	lim, err := req.Limits()
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	a, err := m.readAccess(req.Ctx, req.User, folder)
	if err != nil {
		return nil, err
	}
	list, err := m.readable(req.Ctx, req.User, []pim.Access{a})
	if err != nil {
		return nil, err
	}
	if list, err = m.adminFilter(req.Ctx, req.User, list, includeAdmin(req)); err != nil {
		return nil, err
	}
	return m.answer(req.Ctx, req.User, list, cols, so, lim, loc)
}

// answer sorts, cuts and renders rows.
func (m *Module) answer(ctx context.Context, u *protocol.User, list []*storage.ContactRow, cols []int, so protocol.Sort,
	lim protocol.Limit, loc *time.Location) (*protocol.Response, error) {
	// Sorting needs only the row; the extras are loaded for the page.
	vs := make([]*view, len(list))
	for i, c := range list {
		vs[i] = &view{c: c, loc: loc}
	}
	sortViews(vs, so)
	vs = protocol.Apply(vs, lim)
	page := make([]*storage.ContactRow, len(vs))
	for i, v := range vs {
		page[i] = v.c
	}
	full, err := m.views(ctx, u.ContextID, page, cols, loc)
	if err != nil {
		return nil, err
	}
	data, ts := rows(full, cols)
	return protocol.OKAt(data, ts), nil
}

func (m *Module) list(req *protocol.Request) (*protocol.Response, error) {
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	refs, err := pim.ParseRefs(req)
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	u := req.User
	acc := map[int64]pim.Access{}
	ids := make([]int64, 0, len(refs))
	for _, r := range refs {
		if _, ok := acc[r.Folder]; !ok {
			a, err := m.readAccess(req.Ctx, u, r.Folder)
			if err != nil {
				return nil, err
			}
			acc[r.Folder] = a
		}
		ids = append(ids, r.ID)
	}
	found, err := m.DB.ContactsByIDs(req.Ctx, u.ContextID, ids)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	// Rows come in the requested order; unknown, moved and unreadable
	// contacts are left out, as the reference does.
	out := make([]*storage.ContactRow, 0, len(refs))
	seen := map[int64]bool{}
	for _, r := range refs {
		c := found[r.ID]
		if c == nil || c.FolderID != r.Folder || seen[c.ID] || !acc[r.Folder].CanRead(c.CreatedBy, c.PrivateFlag) {
			continue
		}
		seen[c.ID] = true
		out = append(out, c)
	}
	vs, err := m.views(req.Ctx, u.ContextID, out, cols, loc)
	if err != nil {
		return nil, err
	}
	data, ts := rows(vs, cols)
	return protocol.OKAt(data, ts), nil
}

func (m *Module) get(req *protocol.Request) (*protocol.Response, error) {
	id, err := requireFolder(req, "id")
	if err != nil {
		return nil, err
	}
	folder, err := requireFolder(req, "folder")
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	c, err := m.readContact(req.Ctx, req.User, folder, id)
	if err != nil {
		return nil, err
	}
	return m.objectAnswer(req.Ctx, req.User, c, loc)
}

func (m *Module) objectAnswer(ctx context.Context, u *protocol.User, c *storage.ContactRow, loc *time.Location) (*protocol.Response, error) {
	vs, err := m.views(ctx, u.ContextID, []*storage.ContactRow{c}, nil, loc)
	if err != nil {
		return nil, err
	}
	return protocol.OKAt(vs[0].object(), c.LastModified), nil
}

func (m *Module) getUser(req *protocol.Request) (*protocol.Response, error) {
	uid, err := req.RequireInt("id")
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	c, err := m.userContact(req.Ctx, req.User, uid)
	if err != nil {
		return nil, err
	}
	return m.objectAnswer(req.Ctx, req.User, c, loc)
}

func (m *Module) listUser(req *protocol.Request) (*protocol.Response, error) {
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	var raw []any
	if err := req.DecodeBody(&raw); err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	uids := make([]int64, 0, len(raw))
	for _, x := range raw {
		id, ok := pim.ParseID(x)
		if !ok {
			if o, isObj := x.(map[string]any); isObj {
				id, ok = pim.ParseID(o["id"])
			}
		}
		if !ok {
			return nil, protocol.ErrJSON.New("the body must be an array of user ids")
		}
		uids = append(uids, id)
	}
	a, err := m.readAccess(req.Ctx, req.User, GAB)
	if err != nil {
		return nil, err
	}
	found, err := m.DB.UserContactsByUserIDs(req.Ctx, req.User.ContextID, uids)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	out := make([]*storage.ContactRow, 0, len(uids))
	for _, uid := range uids {
		if c := found[uid]; c != nil && a.CanRead(c.CreatedBy, c.PrivateFlag) {
			out = append(out, c)
		}
	}
	vs, err := m.views(req.Ctx, req.User.ContextID, out, cols, loc)
	if err != nil {
		return nil, err
	}
	data, ts := rows(vs, cols)
	return protocol.OKAt(data, ts), nil
}

func (m *Module) updates(req *protocol.Request) (*protocol.Response, error) {
	folder, err := requireFolder(req, "folder")
	if err != nil {
		return nil, err
	}
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	since, err := req.RequireInt("timestamp")
	if err != nil {
		return nil, err
	}
	so, err := req.SortOrder()
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	u := req.User
	a, err := m.readAccess(req.Ctx, u, folder)
	if err != nil {
		return nil, err
	}
	var deleted []int64
	var delSeq int64
	if changes.WantDeleted(req, true) {
		if deleted, delSeq, err = changes.Deleted(req.Ctx, m.DB, u.ContextID, storage.TombContact, folder, since); err != nil {
			return nil, err
		}
	}
	changed, err := m.DB.FolderContactRows(req.Ctx, u.ContextID, folder, max(since, 0))
	if err != nil {
		return nil, protocol.Internal(err)
	}
	list := changed[:0]
	for _, c := range changed {
		if a.CanRead(c.CreatedBy, c.PrivateFlag) {
			list = append(list, c)
		}
	}
	vs, err := m.views(req.Ctx, u.ContextID, list, cols, loc)
	if err != nil {
		return nil, err
	}
	sortViews(vs, so)
	data, ts := rows(vs, cols)
	return protocol.OKAt(pim.UpdatesData(data, deleted), max(ts, delSeq, since)), nil
}
