package tasks

import (
	"context"
	"slices"
	"time"

	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Visible returns the tasks u may read in folderIDs (every visible task
// folder when none is given) and the folder each is read through: what a
// search such as the find module filters. A task that appears in several of
// the folders is returned once, through u's own folder when that is one of
// them, as `search` does. A named folder u may not read is an error.
func (m *Module) Visible(ctx context.Context, u *protocol.User, folderIDs []int64) ([]*storage.Task, []int64, error) {
	var scope []pim.Access
	if len(folderIDs) > 0 {
		for _, id := range folderIDs {
			acc, err := taskKind.ReadFolder(ctx, m.DB, u, id)
			if err != nil {
				return nil, nil, err
			}
			scope = append(scope, acc)
		}
	} else {
		fs, err := m.DB.VisibleFolders(ctx, u.ContextID, u.ID, u.Groups, "tasks")
		if err != nil {
			return nil, nil, protocol.Internal(err)
		}
		for _, f := range fs {
			if acc, err := taskKind.ReadFolder(ctx, m.DB, u, f.ID); err == nil {
				scope = append(scope, acc)
			}
		}
	}
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
	seen := map[int64]bool{}
	var ts []*storage.Task
	var folderOf []int64
	for _, acc := range scope {
		all, err := m.DB.TasksInFolder(ctx, u.ContextID, acc.Folder.ID, 0)
		if err != nil {
			return nil, nil, protocol.Internal(err)
		}
		for _, t := range readable(acc, all) {
			if seen[t.ID] {
				continue
			}
			seen[t.ID] = true
			ts = append(ts, t)
			folderOf = append(folderOf, acc.Folder.ID)
		}
	}
	return ts, folderOf, nil
}

// Objects renders tasks, each read through folderOf[i], as objects keyed by
// the JSON names of cols; unknown columns and unset values are left out,
// as in the objects of `get`.
func (m *Module) Objects(ctx context.Context, u *protocol.User, ts []*storage.Task, folderOf []int64, cols []int, loc *time.Location) ([]map[string]any, error) {
	v, err := newView(ctx, m.DB, u, loc, ts, cols)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	byID := make(map[int]field, len(fields))
	for _, f := range fields {
		byID[f.id] = f
	}
	out := make([]map[string]any, len(ts))
	for i, r := range v.rowsIn(ts, folderOf, 0) {
		obj := make(map[string]any, len(cols))
		for _, c := range cols {
			f, ok := byID[c]
			if !ok {
				continue
			}
			if x := f.get(r); x != nil {
				obj[f.name] = x
			}
		}
		out[i] = obj
	}
	return out, nil
}
