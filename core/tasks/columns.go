package tasks

import (
	"context"
	"time"

	"oxlite/core/protocol"
	"oxlite/storage"
)

// view holds what rendering needs beyond the task rows: the reader's
// zone and id, their alarms, attachment statistics and display names.
type view struct {
	loc    *time.Location
	user   int64
	alarms map[int64]int64
	stats  map[int64]storage.AttachmentStat
	names  map[int64]string
}

// row is one task as read through folder.
type row struct {
	t      *storage.Task
	folder int64
	v      *view
}

// newView loads the per-reader data of tasks (alarms, attachment counts,
// participant names).
func newView(ctx context.Context, db *storage.DB, u *protocol.User, loc *time.Location, ts []*storage.Task, cols []int) (*view, error) {
	v := &view{loc: loc, user: u.ID, alarms: map[int64]int64{}, stats: map[int64]storage.AttachmentStat{}, names: map[int64]string{}}
	if len(ts) == 0 {
		return v, nil
	}
	all := cols == nil
	want := func(c ...int) bool {
		if all {
			return true
		}
		for _, x := range cols {
			for _, y := range c {
				if x == y {
					return true
				}
			}
		}
		return false
	}
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	var err error
	if want(204) {
		if v.alarms, err = db.ReminderAlarms(ctx, u.ContextID, storage.ModuleTask, u.ID, ids); err != nil {
			return nil, err
		}
	}
	if want(104, 105) {
		if v.stats, err = db.AttachmentStats(ctx, u.ContextID, storage.ModuleTask, ids); err != nil {
			return nil, err
		}
	}
	if want(221) {
		var users []int64
		seen := map[int64]bool{}
		for _, t := range ts {
			for _, p := range t.Participants {
				if p.Kind == storage.ParticipantUser && !seen[p.UserID] {
					seen[p.UserID] = true
					users = append(users, p.UserID)
				}
			}
		}
		if len(users) > 0 {
			if v.names, err = db.UserDisplayNames(ctx, u.ContextID, users); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

func str(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func num(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func flt(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// timeOrDate renders start_time/end_time: a Date for whole-day tasks, a
// Time otherwise.
func (r *row) timeOrDate(p *int64) any {
	if p == nil {
		return nil
	}
	if r.t.FullTime {
		return *p
	}
	return protocol.ToTime(*p, r.v.loc)
}

func (r *row) alarm() any {
	a, ok := r.v.alarms[r.t.ID]
	if !ok {
		return nil
	}
	return protocol.ToTime(a, r.v.loc)
}

func (r *row) attachments() any {
	return r.v.stats[r.t.ID].Count
}

func (r *row) newestAttachment() any {
	s, ok := r.v.stats[r.t.ID]
	if !ok {
		return nil
	}
	return s.Newest
}

// participants renders column 220: users added directly, groups (their
// members collapsed into one entry) and external addresses.
func (r *row) participants() any {
	out := []any{}
	groups := map[int64]bool{}
	for _, p := range r.t.Participants {
		switch {
		case p.Kind == storage.ParticipantExternal:
			e := map[string]any{"type": storage.ParticipantExternal, "mail": p.Mail, "confirmation": p.Confirm}
			if p.DisplayName != "" {
				e["display_name"] = p.DisplayName
			}
			out = append(out, e)
		case p.Group >= 0:
			if !groups[p.Group] {
				groups[p.Group] = true
				out = append(out, map[string]any{"id": p.Group, "type": 2})
			}
		default:
			out = append(out, map[string]any{"id": p.UserID, "type": storage.ParticipantUser, "confirmation": p.Confirm})
		}
	}
	return out
}

// users renders column 221: every internal participant with groups
// resolved, with their confirmation.
func (r *row) users() any {
	out := []any{}
	for _, p := range r.t.Participants {
		if p.Kind != storage.ParticipantUser {
			continue
		}
		u := map[string]any{"id": p.UserID, "confirmation": p.Confirm}
		if n, ok := r.v.names[p.UserID]; ok {
			u["display_name"] = n
		}
		if p.Message != "" {
			u["confirmmessage"] = p.Message
		}
		out = append(out, u)
	}
	return out
}

func (r *row) recurrence(p *int64) any {
	if r.t.RecurrenceType == recNone {
		return nil
	}
	return num(p)
}

// field is one task column: its id, JSON name and value.
type field struct {
	id   int
	name string
	get  func(*row) any
}

var fields = []field{
	{1, "id", func(r *row) any { return r.t.ID }},
	{2, "created_by", func(r *row) any { return r.t.CreatedBy }},
	{3, "modified_by", func(r *row) any { return r.t.ModifiedBy }},
	{4, "creation_date", func(r *row) any { return protocol.ToTime(r.t.CreationDate, r.v.loc) }},
	{5, "last_modified", func(r *row) any { return protocol.ToTime(r.t.LastModified, r.v.loc) }},
	{6, "last_modified_utc", func(r *row) any { return r.t.LastModified }},
	{20, "folder_id", func(r *row) any { return r.folder }},
	{100, "categories", func(r *row) any { return str(r.t.Categories) }},
	{101, "private_flag", func(r *row) any { return r.t.Private }},
	{102, "color_label", func(r *row) any { return r.t.ColorLabel }},
	{104, "number_of_attachments", func(r *row) any { return r.attachments() }},
	{105, "lastModifiedOfNewestAttachmentUTC", func(r *row) any { return r.newestAttachment() }},
	{200, "title", func(r *row) any { return str(r.t.Title) }},
	{201, "start_date", func(r *row) any { return num(r.t.Start) }},
	{202, "end_date", func(r *row) any { return num(r.t.End) }},
	{203, "note", func(r *row) any { return str(r.t.Note) }},
	{204, "alarm", func(r *row) any { return r.alarm() }},
	{209, "recurrence_type", func(r *row) any { return r.t.RecurrenceType }},
	{212, "days", func(r *row) any { return r.recurrence(r.t.Days) }},
	{213, "day_in_month", func(r *row) any { return r.recurrence(r.t.DayInMonth) }},
	{214, "month", func(r *row) any { return r.recurrence(r.t.Month) }},
	{215, "interval", func(r *row) any { return r.recurrence(r.t.Interval) }},
	{216, "until", func(r *row) any { return r.recurrence(r.t.Until) }},
	{220, "participants", func(r *row) any { return r.participants() }},
	{221, "users", func(r *row) any { return r.users() }},
	{222, "occurrences", func(r *row) any { return r.recurrence(r.t.Occurrences) }},
	{223, "uid", func(r *row) any { return r.t.UID }},
	{300, "status", func(r *row) any { return r.t.Status }},
	{301, "percent_completed", func(r *row) any { return r.t.Percent }},
	{302, "actual_costs", func(r *row) any { return flt(r.t.ActualCosts) }},
	{303, "actual_duration", func(r *row) any { return num(r.t.ActualDuration) }},
	{305, "billing_information", func(r *row) any { return str(r.t.Billing) }},
	{307, "target_costs", func(r *row) any { return flt(r.t.TargetCosts) }},
	{308, "target_duration", func(r *row) any { return num(r.t.TargetDuration) }},
	{309, "priority", func(r *row) any { return num(r.t.Priority) }},
	{312, "currency", func(r *row) any { return str(r.t.Currency) }},
	{313, "trip_meter", func(r *row) any { return str(r.t.TripMeter) }},
	{314, "companies", func(r *row) any { return str(r.t.Companies) }},
	{315, "date_completed", func(r *row) any { return num(r.t.DateCompleted) }},
	{316, "start_time", func(r *row) any { return r.timeOrDate(r.t.Start) }},
	{317, "end_time", func(r *row) any { return r.timeOrDate(r.t.End) }},
	{401, "full_time", func(r *row) any { return r.t.FullTime }},
}

// columns is the column set of tasks (unknown ids render null).
var columns = func() protocol.ColumnSet[*row] {
	cs := protocol.ColumnSet[*row]{}
	for _, f := range fields {
		cs[f.id] = f.get
	}
	return cs
}()

// object renders a whole task the way `get` answers it: every field that
// has a value.
func (r *row) object() map[string]any {
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		if v := f.get(r); v != nil {
			out[f.name] = v
		}
	}
	return out
}

// rowsIn pairs each task with the folder it is read through: folderOf[i]
// when given, else folder.
func (v *view) rowsIn(ts []*storage.Task, folderOf []int64, folder int64) []*row {
	out := make([]*row, len(ts))
	for i, t := range ts {
		f := folder
		if folderOf != nil {
			f = folderOf[i]
		}
		out[i] = &row{t: t, folder: f, v: v}
	}
	return out
}

func maxModified(rs []*row) int64 {
	var m int64
	for _, r := range rs {
		m = max(m, r.t.LastModified)
	}
	return m
}
