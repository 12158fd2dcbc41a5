package calendar

import (
	"encoding/json"
	"time"

	"oxlite/core/protocol"
)

// view renders appointments for one request: times in loc, folder ids
// as the caller sees them.
type view struct {
	loc  *time.Location
	user int64
	// folder overrides the folder_id shown (0: the caller's mapping).
	folder int64
	stats  map[int64][2]int64
}

func (w *view) t(v *appt, ms int64) int64 {
	if v.FullTime {
		return ms
	}
	return protocol.ToTime(ms, w.loc)
}

func (w *view) folderOf(v *appt) int64 {
	if w.folder != 0 {
		return w.folder
	}
	if v.shown != 0 {
		return v.shown
	}
	if f := v.FolderOf(w.user); f != 0 {
		return f
	}
	return v.FolderID
}

func field(name string) func(*view, *appt) any {
	return func(_ *view, v *appt) any { return v.fields[name] }
}

func dates(ds []int64) any {
	if len(ds) == 0 {
		return nil
	}
	return ds
}

func ptr(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func confirmations(v *appt) any {
	out := []map[string]any{}
	for _, p := range v.participants {
		if p.Type == 5 {
			out = append(out, map[string]any{"type": 5, "mail": p.Mail, "display_name": p.DisplayName,
				"status": p.Confirmation, "message": p.Message})
		}
	}
	return out
}

// columns maps column ids and JSON names to accessors.
var columns = []struct {
	id   int
	name string
	get  func(*view, *appt) any
}{
	{1, "id", func(_ *view, v *appt) any { return v.ID }},
	{2, "created_by", func(_ *view, v *appt) any { return v.CreatedBy }},
	{3, "modified_by", func(_ *view, v *appt) any { return v.ModifiedBy }},
	{4, "creation_date", func(w *view, v *appt) any { return protocol.ToTime(v.CreationDate, w.loc) }},
	{5, "last_modified", func(w *view, v *appt) any { return protocol.ToTime(v.LastModified, w.loc) }},
	{6, "last_modified_utc", func(_ *view, v *appt) any { return v.LastModified }},
	{20, "folder_id", func(w *view, v *appt) any { return w.folderOf(v) }},
	{100, "categories", field("categories")},
	{101, "private_flag", func(_ *view, v *appt) any { return v.Private }},
	{102, "color_label", func(_ *view, v *appt) any {
		if c, ok := v.fields["color_label"]; ok {
			return c
		}
		return 0
	}},
	{104, "number_of_attachments", func(w *view, v *appt) any { return w.stats[v.ID][0] }},
	{105, "lastModifiedOfNewestAttachmentUTC", func(w *view, v *appt) any {
		if w.stats[v.ID][1] == 0 {
			return nil
		}
		return w.stats[v.ID][1]
	}},
	{200, "title", field("title")},
	{201, "start_date", func(w *view, v *appt) any { return w.t(v, v.start) }},
	{202, "end_date", func(w *view, v *appt) any { return w.t(v, v.end) }},
	{203, "note", field("note")},
	{204, "alarm", func(w *view, v *appt) any {
		if n, ok := v.alarm(w.user); ok {
			return n
		}
		return nil
	}},
	{206, "recurrence_id", func(_ *view, v *appt) any {
		if v.SeriesID == 0 {
			return nil
		}
		return v.SeriesID
	}},
	{207, "recurrence_position", func(_ *view, v *appt) any {
		if v.pos == 0 {
			return nil
		}
		return v.pos
	}},
	{208, "recurrence_date_position", func(_ *view, v *appt) any {
		if v.pos == 0 {
			return nil
		}
		return protocol.ToDate(v.start)
	}},
	{209, "recurrence_type", func(_ *view, v *appt) any { return v.RecurrenceType }},
	{210, "change_exceptions", func(_ *view, v *appt) any { return dates(v.changeExc) }},
	{211, "delete_exceptions", func(_ *view, v *appt) any { return dates(v.delExc) }},
	{212, "days", func(_ *view, v *appt) any { return ptr(v.Days) }},
	{213, "day_in_month", func(_ *view, v *appt) any { return ptr(v.DayInMonth) }},
	{214, "month", func(_ *view, v *appt) any { return ptr(v.Month) }},
	{215, "interval", func(_ *view, v *appt) any { return ptr(v.Interval) }},
	{216, "until", func(_ *view, v *appt) any { return ptr(v.Until) }},
	{217, "notification", field("notification")},
	{220, "participants", func(_ *view, v *appt) any {
		if v.raw && v.Participants != "" {
			return json.RawMessage(v.Participants)
		}
		return v.participants
	}},
	{221, "users", func(_ *view, v *appt) any {
		if v.raw && v.Users != "" {
			return json.RawMessage(v.Users)
		}
		return v.users
	}},
	{222, "occurrences", func(_ *view, v *appt) any { return ptr(v.Occurrences) }},
	{223, "uid", func(_ *view, v *appt) any { return v.UID }},
	{224, "organizer", field("organizer")},
	{225, "sequence", func(_ *view, v *appt) any {
		if s, ok := v.fields["sequence"]; ok {
			return s
		}
		return 0
	}},
	{226, "confirmations", func(_ *view, v *appt) any { return confirmations(v) }},
	{227, "organizerId", func(_ *view, v *appt) any { return v.CreatedBy }},
	{228, "principal", field("principal")},
	{229, "principalId", func(_ *view, v *appt) any {
		if p, ok := v.fields["principalId"]; ok {
			return p
		}
		return 0
	}},
	{400, "location", field("location")},
	{401, "full_time", func(_ *view, v *appt) any { return v.FullTime }},
	{402, "shown_as", func(_ *view, v *appt) any { return v.ShownAs }},
	{408, "timezone", func(_ *view, v *appt) any { return v.TimeZone }},
	{410, "recurrence_start", func(_ *view, v *appt) any {
		if v.RecurrenceType == 0 {
			return nil
		}
		return protocol.ToDate(v.Start)
	}},
}

var byColumn = func() map[int]func(*view, *appt) any {
	m := map[int]func(*view, *appt) any{}
	for _, c := range columns {
		m[c.id] = c.get
	}
	return m
}()

func (w *view) row(v *appt, cols []int) []any {
	r := make([]any, len(cols))
	for i, c := range cols {
		if f := byColumn[c]; f != nil {
			r[i] = f(w, v)
		}
	}
	return r
}

// object renders the full JSON object (get); null fields are left out.
func (w *view) object(v *appt) map[string]any {
	out := map[string]any{}
	for _, c := range columns {
		if x := c.get(w, v); x != nil {
			out[c.name] = x
		}
	}
	return out
}
