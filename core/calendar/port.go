package calendar

import (
	"context"
	"encoding/json"
	"time"

	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// insert stores a new appointment from a wire body (times as Time in loc)
// in one transaction; conflicts answer with nothing saved.
func (m *Module) insert(ctx context.Context, u *protocol.User, folder int64, b map[string]any, loc *time.Location,
	ignore, imported bool, inTx func(tx *storage.Tx, v *appt) error) (*appt, []map[string]any, error) {
	v := decode(&storage.Appointment{FolderID: folder, CreatedBy: u.ID, ModifiedBy: u.ID, ShownAs: 1, TimeZone: u.TimeZone})
	if v.TimeZone == "" || !protocol.ValidTimeZone(v.TimeZone) {
		v.TimeZone = "UTC"
	}
	if err := applyAs(v, b, loc, u); err != nil {
		return nil, nil, err
	}
	if s, ok := b["uid"].(string); ok && s != "" {
		v.UID = s
	} else {
		v.UID = newUID()
	}
	if err := validate(v); err != nil {
		return nil, nil, err
	}
	var confl []map[string]any
	err := m.DB.Write(ctx, u.ContextID, func(tx *storage.Tx) error {
		acc, err := apptKind.AccessTx(tx, u, folder)
		if err != nil {
			return err
		}
		if !acc.CanCreate() {
			return ErrNoCreatePermission.New(acc.Folder.Title, folder)
		}
		if v.Private && !acc.PrivateAllowed() {
			return ErrPrivateFlag.New(folder)
		}
		if imported {
			if err := importAttendees(tx, v, b["confirmations"]); err != nil {
				return err
			}
		}
		if err := resolve(tx, v, acc, u); err != nil {
			return err
		}
		if confl, err = conflicts(tx, v, ignore, &view{loc: loc, user: u.ID}); err != nil || len(confl) > 0 {
			return err
		}
		v.encode()
		if err := tx.InsertAppointment(v.Appointment); err != nil {
			return err
		}
		if err := syncReminders(tx, v); err != nil {
			return err
		}
		if inTx != nil {
			return inTx(tx, v)
		}
		return nil
	})
	if err != nil {
		return nil, nil, pim.Internal(err)
	}
	return v, confl, nil
}

// CreateAppointment stores an imported appointment (wire field names,
// times in UTC, delete_exceptions as Dates, change exceptions under
// "exceptions" with "recurrence_original"). Soft conflicts are ignored.
func (m *Module) CreateAppointment(ctx context.Context, u *protocol.User, folder int64, obj map[string]any) (id, lastModified int64, err error) {
	excs, _ := obj["exceptions"].([]map[string]any)
	dels := obj["delete_exceptions"]
	b := map[string]any{}
	for k, x := range obj {
		switch k {
		case "exceptions", "delete_exceptions", "folder_id", "id":
			continue
		}
		b[k] = x
	}
	if _, ok := b["timezone"]; ok {
		if s, _ := b["timezone"].(string); !protocol.ValidTimeZone(s) {
			delete(b, "timezone")
		}
	}
	v, confl, err := m.insert(ctx, u, folder, b, time.UTC, true, true, func(tx *storage.Tx, v *appt) error {
		if !v.isMaster() {
			return nil
		}
		if raw, err := json.Marshal(dels); err == nil {
			var ds []int64
			_ = json.Unmarshal(raw, &ds)
			for _, d := range ds {
				v.delExc = append(v.delExc, protocol.ToDate(d))
			}
		}
		for _, x := range excs {
			orig, ok := num(x["recurrence_original"])
			if !ok {
				continue
			}
			var pos int64
			if err := each(v.Appointment, func(s, p int64) bool {
				if s == orig {
					pos = p
				}
				return s < orig
			}); err != nil {
				return err
			}
			if pos == 0 {
				continue
			}
			eb := map[string]any{}
			for k, val := range x {
				switch k {
				case "recurrence_original", "uid", "timezone":
					continue
				}
				eb[k] = val
			}
			var confl []map[string]any
			var out *appt
			if err := m.changeException(tx, v, pos, eb, time.UTC, u, true, &confl, &out); err != nil {
				return err
			}
			if len(confl) > 0 {
				return ErrInvalidData.New("the changed occurrence conflicts with a resource booking")
			}
			// changeException stored the master; keep v current.
			cur, err := tx.Appointment(v.ID)
			if err != nil {
				return err
			}
			dv := decode(cur)
			v.Appointment, v.delExc = dv.Appointment, append(v.delExc[:0:0], v.delExc...)
		}
		v.encode()
		return tx.UpdateAppointment(v.Appointment)
	})
	if err != nil {
		return 0, 0, err
	}
	if len(confl) > 0 {
		return 0, 0, ErrInvalidData.New("the appointment conflicts with a resource booking")
	}
	return v.ID, v.LastModified, nil
}

// FolderAppointments lists the appointments of folder for export: singles
// and series masters (times UTC, users with "confirm"), each series with
// its change exceptions under "exceptions".
func (m *Module) FolderAppointments(ctx context.Context, u *protocol.User, folder int64) ([]map[string]any, error) {
	acc, err := apptKind.ReadFolder(ctx, m.DB, u, folder)
	if err != nil {
		return nil, err
	}
	as, err := m.DB.AppointmentsInFolders(ctx, u.ContextID, []int64{folder}, nil, nil, 0)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	w := &view{loc: time.UTC, user: u.ID, folder: folder}
	obj := func(v *appt) map[string]any {
		o := w.object(v)
		o["start_date"], o["end_date"] = v.Start, v.End
		if d, ok := o["delete_exceptions"].([]int64); ok {
			l := make([]any, len(d))
			for i, x := range d {
				l[i] = x
			}
			o["delete_exceptions"] = l
		}
		var ps, us []any
		for _, p := range v.participants {
			ps = append(ps, map[string]any{"id": p.ID, "type": int64(p.Type), "mail": p.Mail, "display_name": p.DisplayName})
		}
		for _, x := range v.users {
			us = append(us, map[string]any{"id": x.ID, "confirm": int64(x.Confirmation), "confirmation": int64(x.Confirmation)})
		}
		o["participants"], o["users"] = ps, us
		var cs []any
		for _, p := range v.participants {
			if p.Type == 5 {
				cs = append(cs, map[string]any{"mail": p.Mail, "status": int64(p.Confirmation)})
			}
		}
		o["confirmations"] = cs
		return o
	}
	var out []map[string]any
	for _, a := range as {
		if !acc.CanRead(a.CreatedBy, a.Private) || (a.SeriesID != 0 && a.SeriesID != a.ID) {
			continue
		}
		v := decode(a)
		o := obj(v)
		if v.isMaster() {
			exc, err := m.DB.AppointmentExceptions(ctx, u.ContextID, v.ID)
			if err != nil {
				return nil, protocol.Internal(err)
			}
			var xs []map[string]any
			for _, e := range exc {
				ev := decode(e)
				orig, _, err := v.occurrence(e.RecurrencePosition)
				if err != nil {
					return nil, protocol.Internal(err)
				}
				xo := obj(ev)
				xo["recurrence_original"] = orig
				for _, k := range []string{"recurrence_type", "days", "day_in_month", "month", "interval", "until", "occurrences"} {
					delete(xo, k)
				}
				xs = append(xs, xo)
			}
			if len(xs) > 0 {
				o["exceptions"] = xs
			}
		}
		out = append(out, o)
	}
	return out, nil
}
