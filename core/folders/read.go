package folders

import (
	"slices"

	"oxlite/core/changes"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// requireID reads a folder id parameter; an id that is no number names no
// folder (FLD-0008).
func requireID(req *protocol.Request, name string) (int64, error) {
	s, err := req.Require(name)
	if err != nil {
		return 0, err
	}
	id, ok := ParseID(s)
	if !ok {
		return 0, ErrNotFound.New(s, req.User.ContextID)
	}
	return id, nil
}

func (m *Module) root(req *protocol.Request) (*protocol.Response, error) {
	return m.listOf(req, Root)
}

func (m *Module) list(req *protocol.Request) (*protocol.Response, error) {
	parent, err := requireID(req, "parent")
	if err != nil {
		return nil, err
	}
	return m.listOf(req, parent)
}

func (m *Module) listOf(req *protocol.Request, parent int64) (*protocol.Response, error) {
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	v, err := m.newView(req)
	if err != nil {
		return nil, err
	}
	if _, err := v.item(parent); err != nil {
		return nil, err
	}
	its, err := v.children(parent)
	if err != nil {
		return nil, err
	}
	if err := v.fill(its, cols); err != nil {
		return nil, err
	}
	return answer(v.rows(its, cols), maxModified(its)), nil
}

func (m *Module) get(req *protocol.Request) (*protocol.Response, error) {
	id, err := requireID(req, "id")
	if err != nil {
		return nil, err
	}
	cols, err := req.Columns()
	if err != nil {
		return nil, err
	}
	v, err := m.newView(req)
	if err != nil {
		return nil, err
	}
	it, err := v.item(id)
	if err != nil {
		return nil, err
	}
	if err := v.fill([]*item{it}, cols); err != nil {
		return nil, err
	}
	return protocol.OKAt(v.object(it, cols), it.f.LastModified), nil
}

// path answers the folder and its displayed ancestors up to, not
// including, the root.
func (m *Module) path(req *protocol.Request) (*protocol.Response, error) {
	id, err := requireID(req, "id")
	if err != nil {
		return nil, err
	}
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	v, err := m.newView(req)
	if err != nil {
		return nil, err
	}
	var its []*item
	for cur := id; cur != Root && cur >= 0; {
		it, err := v.item(cur)
		if err != nil {
			if len(its) > 0 {
				// An ancestor vanished or became invisible meanwhile: the
				// path ends where the caller's view ends.
				break
			}
			return nil, err
		}
		its = append(its, it)
		if len(its) > 256 {
			return nil, protocol.Internal(errCycle)
		}
		cur = it.parent
	}
	if err := v.fill(its, cols); err != nil {
		return nil, err
	}
	return answer(v.rows(its, cols), maxModified(its)), nil
}

type cycleError struct{}

func (cycleError) Error() string { return "folders: parent chain too long (cycle?)" }

var errCycle = cycleError{}

// requireContentType reads content_type (SVL-0002 when absent, FLD-1018
// when unknown).
func requireContentType(req *protocol.Request) (string, error) {
	s, err := req.Require("content_type")
	if err != nil {
		return "", err
	}
	mod, ok := ContentType(s)
	if !ok {
		return "", ErrUnknownContent.New(s)
	}
	return mod, nil
}

func (m *Module) allVisible(req *protocol.Request) (*protocol.Response, error) {
	mod, err := requireContentType(req)
	if err != nil {
		return nil, err
	}
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	v, err := m.newView(req)
	if err != nil {
		return nil, err
	}
	var fs []*storage.Folder
	if mod != "mail" && mod != "system" {
		if fs, err = m.DB.VisibleFolders(req.Ctx, v.cid, v.uid(), req.User.Groups, mod); err != nil {
			return nil, protocol.Internal(err)
		}
	}
	its, err := v.items(fs)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if err := v.fill(its, cols); err != nil {
		return nil, err
	}
	var priv, pub, shared []*item
	for _, it := range its {
		switch it.typ {
		case TypePrivate:
			priv = append(priv, it)
		case TypePublic:
			pub = append(pub, it)
		case TypeShared:
			shared = append(shared, it)
		}
	}
	sortItems(priv)
	sortItems(pub)
	sortItems(shared)
	data := map[string]any{"private": v.rows(priv, cols), "public": v.rows(pub, cols), "shared": v.rows(shared, cols)}
	return answer(data, maxModified(its)), nil
}

// shares lists the caller's folders that carry permissions for others.
func (m *Module) shares(req *protocol.Request) (*protocol.Response, error) {
	mod, err := requireContentType(req)
	if err != nil {
		return nil, err
	}
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	v, err := m.newView(req)
	if err != nil {
		return nil, err
	}
	fs, err := m.DB.FoldersSharedBy(req.Ctx, v.cid, v.uid(), mod)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	its, err := v.items(fs)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	sortItems(its)
	if err := v.fill(its, cols); err != nil {
		return nil, err
	}
	return answer(v.rows(its, cols), maxModified(its)), nil
}

// updates lists the folders displayed below parent that changed after
// timestamp, followed by the ids of those that left it (deleted, moved
// away or no longer visible) as plain strings.
func (m *Module) updates(req *protocol.Request) (*protocol.Response, error) {
	parent, err := requireID(req, "parent")
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
	v, err := m.newView(req)
	if err != nil {
		return nil, err
	}
	if _, err := v.item(parent); err != nil {
		return nil, err
	}
	kids, err := v.children(parent)
	if err != nil {
		return nil, err
	}
	var changed []*item
	live := map[int64]bool{}
	for _, it := range kids {
		live[it.f.ID] = true
		if it.f.LastModified > since {
			changed = append(changed, it)
		}
	}
	var deleted []int64
	ts := max(since, maxModified(changed))
	if changes.WantDeleted(req, false) {
		ids, maxSeq, err := changes.Deleted(req.Ctx, m.DB, v.cid, storage.TombFolder, parent, since)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if !live[id] && !slices.Contains(deleted, id) {
				deleted = append(deleted, id)
			}
		}
		ts = max(ts, maxSeq)
	}
	if err := v.fill(changed, cols); err != nil {
		return nil, err
	}
	out := make([]any, 0, len(changed)+len(deleted))
	for _, r := range v.rows(changed, cols) {
		out = append(out, r)
	}
	for _, id := range deleted {
		out = append(out, idString(id))
	}
	return answer(out, ts), nil
}
