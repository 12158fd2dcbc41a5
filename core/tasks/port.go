package tasks

import (
	"context"
	"time"

	"oxlite/core/protocol"
)

// CreateTask stores obj (TaskData wire field names, times in UTC as with
// timezone=UTC) as a new task of u in folder, with the checks of `new`.
// Errors are *protocol.Error.
func (m *Module) CreateTask(ctx context.Context, u *protocol.User, folder int64, obj map[string]any) (id, lastModified int64, err error) {
	return m.insert(ctx, u, time.UTC, obj, &folder)
}

// FolderTasks returns every task of folder that u may read as full
// TaskData objects (times in UTC, the user's own alarm included).
func (m *Module) FolderTasks(ctx context.Context, u *protocol.User, folder int64) ([]map[string]any, error) {
	acc, err := taskKind.ReadFolder(ctx, m.DB, u, folder)
	if err != nil {
		return nil, err
	}
	ts, err := m.DB.TasksInFolder(ctx, u.ContextID, folder, 0)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	ts = readable(acc, ts)
	v, err := newView(ctx, m.DB, u, time.UTC, ts, nil)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	out := make([]map[string]any, len(ts))
	for i, t := range ts {
		out[i] = (&row{t: t, folder: folder, v: v}).object()
	}
	return out, nil
}
