package calendar

import (
	"cmp"
	"context"
	"slices"
	"time"

	"oxlite/core/changes"
	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// rangeParams reads the required start/end (UTC ms as sent).
func rangeParams(req *protocol.Request, required bool) (start, end *int64, err error) {
	s, okS, err := req.Int("start")
	if err != nil {
		return nil, nil, err
	}
	e, okE, err := req.Int("end")
	if err != nil {
		return nil, nil, err
	}
	if !okS || !okE {
		if required {
			if !okS {
				return nil, nil, protocol.ErrMissingParameter.New("start")
			}
			return nil, nil, protocol.ErrMissingParameter.New("end")
		}
		return nil, nil, nil
	}
	return &s, &e, nil
}

// readableFolders answers the folders to read: the given one, or every
// calendar folder the caller can read.
func (m *Module) readableFolders(ctx context.Context, u *protocol.User, folder int64) (map[int64]pim.Access, error) {
	out := map[int64]pim.Access{}
	if folder != 0 {
		acc, err := apptKind.ReadFolder(ctx, m.DB, u, folder)
		if err != nil {
			return nil, err
		}
		out[folder] = acc
		return out, nil
	}
	rows, err := m.DB.Query(ctx, `SELECT id FROM folders WHERE cid = ? AND module = 'calendar'`, u.ContextID)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, protocol.Internal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if acc, err := apptKind.ReadFolder(ctx, m.DB, u, id); err == nil {
			out[id] = acc
		}
	}
	return out, nil
}

// expand decodes the appointments the caller may read in accs and, with a
// range, expands series (unless master) into occurrences in range.
func (m *Module) expand(ctx context.Context, u *protocol.User, accs map[int64]pim.Access, as []*storage.Appointment,
	start, end *int64, master, showPrivate bool) ([]*appt, []int64, error) {
	var out []*appt
	var folderOf []int64
	var masters []int64
	for _, a := range as {
		if a.RecurrenceType != 0 && a.RecurrencePosition == 0 {
			masters = append(masters, a.ID)
		}
	}
	excOf, err := m.DB.AppointmentExceptionDates(ctx, u.ContextID, masters)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range as {
		var acc *pim.Access
		var folder int64
		for _, f := range a.Folders {
			if x, ok := accs[f.Folder]; ok && (f.User == u.ID || acc == nil) {
				x := x
				acc, folder = &x, f.Folder
			}
		}
		if acc == nil {
			continue
		}
		anonymous := false
		if !acc.CanRead(a.CreatedBy, a.Private) {
			// showPrivate reveals the times of the owner's private
			// appointments in a shared folder, nothing else (spec L903).
			if !(a.Private && showPrivate && acc.CanRead(a.CreatedBy, false)) {
				continue
			}
			anonymous = true
		}
		v := decoded(m.DB, u.ContextID, a)
		v.shown = folder
		if anonymous {
			v.fields, v.participants, v.users, v.raw = map[string]any{}, nil, nil, false
		}
		if v.isMaster() {
			v.changeExc = excOf[v.ID]
			if start != nil && !master {
				occ, err := v.occurrencesIn(*start, *end)
				if err != nil {
					return nil, nil, err
				}
				for _, o := range occ {
					out = append(out, o)
					folderOf = append(folderOf, folder)
				}
				continue
			}
			// one row: the first occurrence.
			first := v.Start
			_ = each(v.Appointment, func(s, p int64) bool {
				for _, d := range v.delExc {
					if d == protocol.ToDate(s) {
						return true
					}
				}
				first = s
				return false
			})
			v.start, v.end = first, first+(v.End-v.Start)
			if start != nil && v.RangeEnd != nil && !inRange(v.Start, *v.RangeEnd, *start, *end) {
				continue
			}
		} else if start != nil && !inRange(v.start, v.end, *start, *end) {
			continue
		}
		out = append(out, v)
		folderOf = append(folderOf, folder)
	}
	return out, folderOf, nil
}

func (m *Module) rows(ctx context.Context, u *protocol.User, loc *time.Location, vs []*appt, cols []int, sort protocol.Sort, lim protocol.Limit) ([][]any, int64, error) {
	w := &view{loc: loc, user: u.ID}
	var ts int64
	for _, v := range vs {
		ts = max(ts, v.LastModified)
	}
	if slices.ContainsFunc(cols, func(c int) bool { return c == 104 || c == 105 }) || sort.Column == 104 || sort.Column == 105 {
		ids := make([]int64, 0, len(vs))
		seen := make(map[int64]bool, len(vs))
		for _, v := range vs {
			if !seen[v.ID] {
				seen[v.ID] = true
				ids = append(ids, v.ID)
			}
		}
		stats, err := m.DB.AttachmentStats(ctx, u.ContextID, storage.ModuleAppointment, ids)
		if err != nil {
			return nil, 0, err
		}
		w.stats = map[int64][2]int64{}
		for id, s := range stats {
			w.stats[id] = [2]int64{s.Count, s.Newest}
		}
	}
	if !sort.Set {
		sort = protocol.Sort{Column: 201, Set: true}
	}
	switch sort.Column {
	case 201, 202:
		// Times sort by their UTC instant: no zone conversion per
		// comparison (and local times repeat when clocks go back).
		at := func(v *appt) int64 { return v.start }
		if sort.Column == 202 {
			at = func(v *appt) int64 { return v.end }
		}
		slices.SortStableFunc(vs, func(a, b *appt) int {
			if sort.Desc {
				return cmp.Compare(at(b), at(a))
			}
			return cmp.Compare(at(a), at(b))
		})
	default:
		set := protocol.ColumnSet[*appt]{}
		for _, c := range columns {
			get := c.get
			set[c.id] = func(v *appt) any { return get(w, v) }
		}
		protocol.SortBy(vs, set, sort)
	}
	vs = protocol.Apply(vs, lim)
	getters := make([]func(*view, *appt) any, len(cols))
	for i, c := range cols {
		getters[i] = byColumn[c]
	}
	out := make([][]any, len(vs))
	cells := make([]any, len(vs)*len(cols))
	for i, v := range vs {
		r := cells[i*len(cols) : (i+1)*len(cols) : (i+1)*len(cols)]
		for k, get := range getters {
			if get != nil {
				r[k] = get(w, v)
			}
		}
		out[i] = r
	}
	return out, ts, nil
}

func (m *Module) all(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	start, end, err := rangeParams(req, true)
	if err != nil {
		return nil, err
	}
	folder, _, err := req.Int("folder")
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
	accs, err := m.readableFolders(req.Ctx, u, folder)
	if err != nil {
		return nil, err
	}
	fids := make([]int64, 0, len(accs))
	for id := range accs {
		fids = append(fids, id)
	}
	as, err := m.DB.AppointmentsInFolders(req.Ctx, u.ContextID, fids, start, end, 0)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	vs, _, err := m.expand(req.Ctx, u, accs, as, start, end, req.Bool("recurrence_master"), req.Bool("showPrivate"))
	if err != nil {
		return nil, protocol.Internal(err)
	}
	total := len(vs)
	rows, ts, err := m.rows(req.Ctx, u, loc, vs, cols, sort, lim)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	resp := protocol.OKAt(rows, ts)
	if lim != protocol.NoLimit {
		// The reference's AllAction slices the sorted list and tells the
		// whole count in `more`.
		resp.Extra = map[string]any{"more": total}
	}
	return resp, nil
}

func (m *Module) updates(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	since, err := req.RequireInt("timestamp")
	if err != nil {
		return nil, err
	}
	start, end, err := rangeParams(req, false)
	if err != nil {
		return nil, err
	}
	folder, hasFolder, err := req.Int("folder")
	if err != nil {
		return nil, err
	}
	ign, _ := req.Param("ignore")
	wantDeleted := !containsWord(ign, "deleted")
	if !hasFolder || folder == 0 {
		if wantDeleted {
			return nil, protocol.ErrMissingParameter.New("folder")
		}
		if start == nil {
			return nil, protocol.ErrMissingParameter.New("start")
		}
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	sort, err := req.SortOrder()
	if err != nil {
		return nil, err
	}
	accs, err := m.readableFolders(req.Ctx, u, folder)
	if err != nil {
		return nil, err
	}
	fids := make([]int64, 0, len(accs))
	for id := range accs {
		fids = append(fids, id)
	}
	as, err := m.DB.AppointmentsInFolders(req.Ctx, u.ContextID, fids, start, end, since)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	vs, _, err := m.expand(req.Ctx, u, accs, as, start, end, start == nil || req.Bool("recurrence_master"), true)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	rows, ts, err := m.rows(req.Ctx, u, loc, vs, cols, sort, protocol.NoLimit)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	var deleted []int64
	if wantDeleted && folder != 0 {
		var seq int64
		deleted, seq, err = changes.Deleted(req.Ctx, m.DB, u.ContextID, storage.TombCalendar, folder, since)
		if err != nil {
			return nil, pim.Internal(err)
		}
		ts = max(ts, seq)
	}
	ts = max(ts, since)
	return protocol.OKAt(pim.UpdatesData(rows, deleted), ts), nil
}

func containsWord(s, w string) bool {
	for _, p := range splitComma(s) {
		if p == w {
			return true
		}
	}
	return false
}

func splitComma(s string) []string {
	var out []string
	cur := ""
	for _, r := range s {
		if r == ',' {
			out = append(out, cur)
			cur = ""
			continue
		}
		cur += string(r)
	}
	return append(out, cur)
}

// one reads appointment id in folder (optionally occurrence pos).
func (m *Module) one(req *protocol.Request, id, folder, pos int64) (*appt, error) {
	u := req.User
	acc, err := apptKind.ReadFolder(req.Ctx, m.DB, u, folder)
	if err != nil {
		return nil, err
	}
	a, err := m.DB.Appointment(req.Ctx, u.ContextID, id)
	if err == storage.ErrNotFound {
		return nil, ErrNotFound.New(id, u.ContextID)
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if !a.InFolder(folder) && a.FolderID != folder {
		return nil, ErrNotInFolder.New(id, folder)
	}
	if !acc.CanRead(a.CreatedBy, a.Private) {
		return nil, ErrNoReadPermission.New(acc.Folder.Title, folder)
	}
	vs, _, err := m.expand(req.Ctx, u, map[int64]pim.Access{folder: acc}, []*storage.Appointment{a}, nil, nil, true, true)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if len(vs) == 0 {
		return nil, ErrNotFound.New(id, u.ContextID)
	}
	v := vs[0]
	if pos > 0 && v.isMaster() {
		s, ok, err := v.occurrence(pos)
		if err != nil {
			return nil, protocol.Internal(err)
		}
		if !ok {
			return nil, ErrNoPosition.New(pos, id)
		}
		v.start, v.end, v.pos = s, s+(v.End-v.Start), pos
	}
	return v, nil
}

func (m *Module) get(req *protocol.Request) (*protocol.Response, error) {
	id, err := req.RequireInt("id")
	if err != nil {
		return nil, err
	}
	folder, err := req.RequireInt("folder")
	if err != nil {
		return nil, err
	}
	pos, _, err := req.Int("recurrence_position")
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	v, err := m.one(req, id, folder, pos)
	if err != nil {
		return nil, err
	}
	w := &view{loc: loc, user: req.User.ID, folder: folder}
	stats, err := m.DB.AttachmentStats(req.Ctx, req.User.ContextID, storage.ModuleAppointment, []int64{id})
	if err != nil {
		return nil, protocol.Internal(err)
	}
	w.stats = map[int64][2]int64{id: {stats[id].Count, stats[id].Newest}}
	return protocol.OKAt(w.object(v), v.LastModified), nil
}

func (m *Module) list(req *protocol.Request) (*protocol.Response, error) {
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	var refs []deleteRef
	if err := req.DecodeBody(&refs); err != nil {
		return nil, err
	}
	var vs []*appt
	for _, r := range refs {
		id, ok1 := num(r.ID)
		fx := r.Folder
		if fx == nil {
			fx = r.FolderID
		}
		folder, ok2 := num(fx)
		if !ok1 || !ok2 {
			return nil, protocol.ErrMissingParameter.New("id")
		}
		px := r.RecPos
		if px == nil {
			px = r.Pos
		}
		pos, _ := num(px)
		date, byDate := num(r.RecDate)
		v, err := m.one(req, id, folder, 0)
		if err != nil {
			continue
		}
		if byDate && pos == 0 && v.isMaster() {
			if p, ok, err := v.positionOfDate(protocol.ToDate(date)); err == nil && ok {
				pos = p
			}
		}
		if pos > 0 && v.isMaster() {
			if v, err = m.one(req, id, folder, pos); err != nil {
				continue
			}
		}
		vs = append(vs, v)
	}
	w := &view{loc: loc, user: req.User.ID}
	rows := make([][]any, 0, len(vs))
	var ts int64
	for _, v := range vs {
		rows = append(rows, w.row(v, cols))
		ts = max(ts, v.LastModified)
	}
	return protocol.OKAt(rows, ts), nil
}

func (m *Module) changeExceptions(req *protocol.Request) (*protocol.Response, error) {
	id, err := req.RequireInt("id")
	if err != nil {
		return nil, err
	}
	folder, err := req.RequireInt("folder")
	if err != nil {
		return nil, err
	}
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	if _, err := m.one(req, id, folder, 0); err != nil {
		return nil, err
	}
	exc, err := m.DB.AppointmentExceptions(req.Ctx, req.User.ContextID, id)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	w := &view{loc: loc, user: req.User.ID}
	rows := [][]any{}
	var ts int64
	for _, e := range exc {
		rows = append(rows, w.row(decode(e), cols))
		ts = max(ts, e.LastModified)
	}
	return protocol.OKAt(rows, ts), nil
}

// has answers one boolean per day of [start,end): whether the caller has
// an appointment that day (in UTC days as sent).
func (m *Module) has(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	start, end, err := rangeParams(req, true)
	if err != nil {
		return nil, err
	}
	if *end <= *start {
		return nil, protocol.ErrInvalidValue.New("end", *end)
	}
	accs, err := m.readableFolders(req.Ctx, u, 0)
	if err != nil {
		return nil, err
	}
	fids := []int64{}
	for id := range accs {
		fids = append(fids, id)
	}
	as, err := m.DB.AppointmentsInFolders(req.Ctx, u.ContextID, fids, start, end, 0)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	vs, _, err := m.expand(req.Ctx, u, accs, as, start, end, false, true)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	const day = 86400000
	n := (*end - *start + day - 1) / day
	if n > 3660 {
		return nil, protocol.ErrInvalidValue.New("end", *end)
	}
	out := make([]bool, n)
	for i := range out {
		ds, de := *start+int64(i)*day, *start+int64(i+1)*day
		for _, v := range vs {
			if inRange(v.start, v.end, ds, de) {
				out[i] = true
				break
			}
		}
	}
	return protocol.OK(out), nil
}

// freebusy lists the appointments of a user (type 1) or resource (type 3)
// in [start,end): times and shown_as, details only when readable.
func (m *Module) freebusy(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	id, err := req.RequireInt("id")
	if err != nil {
		return nil, err
	}
	typ, err := req.RequireInt("type")
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
	out, err := m.busy(req.Ctx, u, typ, id, *start, *end, loc)
	if err != nil {
		return nil, pim.Internal(err)
	}
	return protocol.OK(out), nil
}

// busy lists the intervals of user (typ 1) or resource (typ 3) id in
// [start,end); details only for appointments that are not private to
// someone else.
func (m *Module) busy(ctx context.Context, u *protocol.User, typ, id, start, end int64, loc *time.Location) ([]map[string]any, error) {
	as, err := m.DB.AppointmentsInRange(ctx, u.ContextID, start, end)
	if err != nil {
		return nil, err
	}
	w := &view{loc: loc, user: u.ID}
	out := []map[string]any{}
	for _, a := range as {
		v := decode(a)
		hit := false
		if typ == 3 {
			for _, p := range v.participants {
				hit = hit || (p.Type == 3 && p.ID == id)
			}
		} else {
			uc := v.user(id)
			hit = uc != nil && uc.Confirmation != 2
		}
		if !hit {
			continue
		}
		occ := []*appt{v}
		if v.isMaster() {
			exc, err := m.DB.AppointmentExceptions(ctx, u.ContextID, v.ID)
			if err != nil {
				return nil, err
			}
			for _, e := range exc {
				v.changeExc = append(v.changeExc, excDate(e))
			}
			if occ, err = v.occurrencesIn(start, end); err != nil {
				return nil, err
			}
		} else if !inRange(v.start, v.end, start, end) {
			continue
		}
		for _, o := range occ {
			obj := map[string]any{"start_date": w.t(o, o.start), "end_date": w.t(o, o.end), "shown_as": o.ShownAs,
				"full_time": o.FullTime}
			if !o.Private || o.CreatedBy == u.ID {
				obj["id"], obj["title"], obj["location"], obj["folder_id"] = o.ID, o.fields["title"], o.fields["location"], o.FolderOf(u.ID)
			}
			out = append(out, obj)
		}
	}
	return out, nil
}

func (m *Module) resolveUID(req *protocol.Request) (*protocol.Response, error) {
	uid, err := req.Require("uid")
	if err != nil {
		return nil, err
	}
	as, err := m.DB.AppointmentsByUID(req.Ctx, req.User.ContextID, uid)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	for _, a := range as {
		if a.RecurrencePosition == 0 {
			return protocol.OK(map[string]any{"id": a.ID}), nil
		}
	}
	return nil, ErrNotFound.New(0, req.User.ContextID)
}
