package tasks

import (
	"errors"
	"slices"

	"oxlite/core/changes"
	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/core/wildcard"
	"oxlite/storage"
)

// readable keeps the tasks acc lets the caller see.
func readable(acc pim.Access, ts []*storage.Task) []*storage.Task {
	out := ts[:0]
	for _, t := range ts {
		if acc.CanRead(t.CreatedBy, t.Private) {
			out = append(out, t)
		}
	}
	return out
}

func (m *Module) all(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	folder, err := req.RequireInt("folder")
	if err != nil {
		return nil, err
	}
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	sort, err := req.SortOrder()
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
	acc, err := taskKind.ReadFolder(req.Ctx, m.DB, u, folder)
	if err != nil {
		return nil, err
	}
	ts, err := m.DB.TasksInFolder(req.Ctx, u.ContextID, folder, 0)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	ts = readable(acc, ts)
	v, err := newView(req.Ctx, m.DB, u, loc, ts, append(cols, sort.Column))
	if err != nil {
		return nil, protocol.Internal(err)
	}
	rows := v.rowsIn(ts, nil, folder)
	protocol.SortBy(rows, columns, sort)
	rows = protocol.Apply(rows, lim)
	return protocol.OKAt(columns.Rows(rows, cols), maxModified(rows)), nil
}

func (m *Module) list(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
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
	accs := map[int64]*pim.Access{}
	var ids []int64
	for _, r := range refs {
		if _, ok := accs[r.Folder]; !ok {
			acc, err := taskKind.ReadFolder(req.Ctx, m.DB, u, r.Folder)
			if err != nil {
				var oe *protocol.Error
				if !errors.As(err, &oe) {
					return nil, err
				}
				accs[r.Folder] = nil
			} else {
				accs[r.Folder] = &acc
			}
		}
		ids = append(ids, r.ID)
	}
	byID, err := m.DB.TasksByIDs(req.Ctx, u.ContextID, ids)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	// Unknown, foreign and unreadable ids are left out, as the reference
	// server does.
	var ts []*storage.Task
	var folderOf []int64
	for _, r := range refs {
		t, acc := byID[r.ID], accs[r.Folder]
		if t == nil || acc == nil || !t.InFolder(r.Folder) || !acc.CanRead(t.CreatedBy, t.Private) {
			continue
		}
		ts = append(ts, t)
		folderOf = append(folderOf, r.Folder)
	}
	v, err := newView(req.Ctx, m.DB, u, loc, ts, cols)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	rows := v.rowsIn(ts, folderOf, 0)
	return protocol.OKAt(columns.Rows(rows, cols), maxModified(rows)), nil
}

func (m *Module) get(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	id, err := req.RequireInt("id")
	if err != nil {
		return nil, err
	}
	folder, err := req.RequireInt("folder")
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	acc, err := taskKind.ReadFolder(req.Ctx, m.DB, u, folder)
	if err != nil {
		return nil, err
	}
	t, err := m.DB.Task(req.Ctx, u.ContextID, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrNotFound.New(id, u.ContextID)
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if !t.InFolder(folder) {
		return nil, ErrNotInFolder.New(id, acc.Folder.Title, folder)
	}
	if !acc.CanRead(t.CreatedBy, t.Private) {
		return nil, ErrNoPermission.New(id, acc.Folder.Title, folder)
	}
	ts := []*storage.Task{t}
	v, err := newView(req.Ctx, m.DB, u, loc, ts, nil)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	r := &row{t: t, folder: folder, v: v}
	return protocol.OKAt(r.object(), t.LastModified), nil
}

func (m *Module) updates(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	folder, err := req.RequireInt("folder")
	if err != nil {
		return nil, err
	}
	since, err := req.RequireInt("timestamp")
	if err != nil {
		return nil, err
	}
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	sort, err := req.SortOrder()
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	acc, err := taskKind.ReadFolder(req.Ctx, m.DB, u, folder)
	if err != nil {
		return nil, err
	}
	ts, err := m.DB.TasksInFolder(req.Ctx, u.ContextID, folder, since)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	ts = readable(acc, ts)
	v, err := newView(req.Ctx, m.DB, u, loc, ts, append(cols, sort.Column))
	if err != nil {
		return nil, protocol.Internal(err)
	}
	rows := v.rowsIn(ts, nil, folder)
	protocol.SortBy(rows, columns, sort)
	stamp := max(since, maxModified(rows))
	var deleted []int64
	if changes.WantDeleted(req, true) {
		ids, maxSeq, err := changes.Deleted(req.Ctx, m.DB, u.ContextID, storage.TombTask, folder, since)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if !slices.ContainsFunc(ts, func(t *storage.Task) bool { return t.ID == id }) {
				deleted = append(deleted, id)
			}
		}
		stamp = max(stamp, maxSeq)
	}
	return protocol.OKAt(pim.UpdatesData(columns.Rows(rows, cols), deleted), stamp), nil
}

func (m *Module) search(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	sort, err := req.SortOrder()
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
	body, err := decodeObject(req)
	if err != nil {
		return nil, err
	}
	pv, ok := body["pattern"]
	if !ok || pv == nil {
		return nil, protocol.ErrMissingParameter.New("pattern")
	}
	pattern, ok := pv.(string)
	if !ok {
		return nil, bad("pattern", "a string")
	}
	start, hasStart, err := optInt(body, "start")
	if err != nil {
		return nil, err
	}
	end, _, err := optInt(body, "end")
	if err != nil {
		return nil, err
	}
	if start == nil {
		// The spec: without start the end is ignored.
		hasStart, end = false, nil
	}
	if hasStart && end != nil && *end < *start {
		return nil, ErrWrongDateRange.New(*start, *end)
	}
	var scope []pim.Access
	if fv, ok := body["folder"]; ok && fv != nil && fv != "" {
		id, ok := number(fv)
		if !ok {
			return nil, bad("folder", "a folder id")
		}
		acc, err := taskKind.ReadFolder(req.Ctx, m.DB, u, id)
		if err != nil {
			return nil, err
		}
		scope = append(scope, acc)
	} else {
		fs, err := m.DB.VisibleFolders(req.Ctx, u.ContextID, u.ID, u.Groups, "tasks")
		if err != nil {
			return nil, protocol.Internal(err)
		}
		for _, f := range fs {
			if acc, err := taskKind.ReadFolder(req.Ctx, m.DB, u, f.ID); err == nil {
				scope = append(scope, acc)
			}
		}
		// The user's own mapping comes first, so a task shared into
		// several visible folders is reported through it.
		slices.SortStableFunc(scope, func(a, b pim.Access) int {
			ao, bo := a.Folder.Owner == u.ID, b.Folder.Owner == u.ID
			switch {
			case ao && !bo:
				return -1
			case bo && !ao:
				return 1
			}
			return 0
		})
	}
	p := wildcard.Contains(pattern)
	seen := map[int64]bool{}
	var ts []*storage.Task
	var folderOf []int64
	for _, acc := range scope {
		all, err := m.DB.TasksInFolder(req.Ctx, u.ContextID, acc.Folder.ID, 0)
		if err != nil {
			return nil, protocol.Internal(err)
		}
		for _, t := range readable(acc, all) {
			if seen[t.ID] {
				continue
			}
			if !p.Any(deref(t.Title), deref(t.Note), deref(t.Categories)) {
				continue
			}
			if hasStart {
				if t.End == nil || *t.End < *start || end != nil && *t.End >= *end {
					continue
				}
			}
			seen[t.ID] = true
			ts = append(ts, t)
			folderOf = append(folderOf, acc.Folder.ID)
		}
	}
	v, err := newView(req.Ctx, m.DB, u, loc, ts, append(cols, sort.Column))
	if err != nil {
		return nil, protocol.Internal(err)
	}
	rows := v.rowsIn(ts, folderOf, 0)
	protocol.SortBy(rows, columns, sort)
	rows = protocol.Apply(rows, lim)
	return protocol.OKAt(columns.Rows(rows, cols), maxModified(rows)), nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
