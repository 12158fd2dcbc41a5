package calendar

import (
	"oxlite/core/protocol"
	"oxlite/core/wildcard"
	"oxlite/storage"
)

func str(v any) string {
	s, _ := v.(string)
	return s
}

// search matches `pattern` (with * and ?, otherwise as a substring) against
// title, location and note of the appointments in the readable calendar
// folders (or `folder` of the body); a series is one row.
func (m *Module) search(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
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
	var b map[string]any
	if err := req.DecodeBody(&b); err != nil {
		return nil, err
	}
	pattern := str(b["pattern"])
	folder, _ := num(b["folder"])
	accs, err := m.readableFolders(req.Ctx, u, folder)
	if err != nil {
		return nil, err
	}
	fids := []int64{}
	for id := range accs {
		fids = append(fids, id)
	}
	as, err := m.DB.AppointmentsInFolders(req.Ctx, u.ContextID, fids, nil, nil, 0)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	vs, _, err := m.expand(req.Ctx, u, accs, as, nil, nil, true, true)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	p := wildcard.Contains(pattern)
	if wildcard.HasWildcards(pattern) {
		p = wildcard.Compile(pattern)
	}
	out := vs[:0]
	for _, v := range vs {
		if pattern == "" || p.Any(str(v.fields["title"]), str(v.fields["location"]), str(v.fields["note"])) {
			out = append(out, v)
		}
	}
	rows, ts, err := m.rows(req.Ctx, u, loc, out, cols, sort, lim)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return protocol.OKAt(rows, ts), nil
}

// newAppointments lists the caller's upcoming appointments in
// [start,end) where they take part and have not declined, earliest
// first, at most `limit`.
func (m *Module) newAppointments(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	start, end, err := rangeParams(req, true)
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	n, hasLimit, err := req.Int("limit")
	if err != nil {
		return nil, err
	}
	accs, err := m.readableFolders(req.Ctx, u, 0)
	if err != nil {
		return nil, err
	}
	fids := []int64{}
	for id, acc := range accs {
		if acc.Folder.Owner == u.ID {
			fids = append(fids, id)
		}
	}
	as, err := m.DB.AppointmentsInFolders(req.Ctx, u.ContextID, fids, start, end, 0)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	vs, _, err := m.expand(req.Ctx, u, accs, as, start, end, false, true)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	out := vs[:0]
	for _, v := range vs {
		if uc := v.user(u.ID); uc != nil && uc.Confirmation != 2 {
			out = append(out, v)
		}
	}
	lim := protocol.NoLimit
	if hasLimit && n >= 0 {
		lim.End = int(n)
	}
	rows, ts, err := m.rows(req.Ctx, u, loc, out, cols, protocol.Sort{Column: 201, Set: true}, lim)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return protocol.OKAt(rows, ts), nil
}

var _ = storage.ErrNotFound
