package calendar

import (
	"encoding/json"
	"slices"
	"time"

	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

func body(req *protocol.Request) (map[string]any, error) {
	var b map[string]any
	if err := req.DecodeBody(&b); err != nil {
		return nil, err
	}
	if b == nil {
		return nil, protocol.ErrBadRequest.New("missing body")
	}
	return b, nil
}

func (m *Module) create(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	b, err := body(req)
	if err != nil {
		return nil, err
	}
	folder, ok := num(b["folder_id"])
	if !ok {
		return nil, protocol.ErrMissingParameter.New("folder_id")
	}
	for _, k := range []string{"start_date", "end_date"} {
		if _, ok := b[k]; !ok {
			return nil, protocol.ErrMissingParameter.New(k)
		}
	}
	ignore, _ := b["ignore_conflicts"].(bool)
	v, confl, err := m.insert(req.Ctx, u, folder, b, loc, ignore, false, nil)
	if err != nil {
		return nil, err
	}
	if len(confl) > 0 {
		return protocol.OK(map[string]any{"conflicts": confl}), nil
	}
	return protocol.OKAt(map[string]any{"id": v.ID}, v.LastModified), nil
}

// load reads appointment id through folder with the caller's access.
func loadTx(tx *storage.Tx, u *protocol.User, id, folder int64) (*appt, pim.Access, error) {
	acc, err := apptKind.AccessTx(tx, u, folder)
	if err != nil {
		return nil, acc, err
	}
	a, err := tx.Appointment(id)
	if err == storage.ErrNotFound {
		return nil, acc, ErrNotFound.New(id, u.ContextID)
	}
	if err != nil {
		return nil, acc, err
	}
	if !a.InFolder(folder) && a.FolderID != folder {
		return nil, acc, ErrNotInFolder.New(id, folder)
	}
	return decode(a), acc, nil
}

func (m *Module) update(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	id, err := req.RequireInt("id")
	if err != nil {
		return nil, err
	}
	folder, err := req.RequireInt("folder")
	if err != nil {
		return nil, err
	}
	client, given, err := pim.ClientTimestamp(req)
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	b, err := body(req)
	if err != nil {
		return nil, err
	}
	ignore, _ := b["ignore_conflicts"].(bool)
	var confl []map[string]any
	var out *appt
	err = m.DB.Write(req.Ctx, u.ContextID, func(tx *storage.Tx) error {
		v, acc, err := loadTx(tx, u, id, folder)
		if err != nil {
			return err
		}
		if !acc.CanWrite(v.CreatedBy, v.Private) && v.user(u.ID) == nil {
			return ErrNoWritePermission.New(id)
		}
		if pim.Stale(v.LastModified, client, given) {
			return ErrModified.New()
		}
		if x, ok := b["recurrence_position"]; ok && v.isMaster() {
			pos, ok := num(x)
			if !ok || pos <= 0 {
				return ErrInvalidData.New("recurrence_position")
			}
			return m.changeException(tx, v, pos, b, loc, u, ignore, &confl, &out)
		}
		check := false
		for _, k := range []string{"start_date", "end_date", "participants", "recurrence_type", "shown_as", "days", "interval", "until", "occurrences"} {
			_, c := b[k]
			check = check || c
		}
		if err := apply(v, b, loc); err != nil {
			return err
		}
		if x, ok := b["alarm"]; ok {
			if err := v.setAlarm(u.ID, x); err != nil {
				return err
			}
		}
		if nf, ok := num(b["folder_id"]); ok && nf != folder {
			dst, err := apptKind.AccessTx(tx, u, nf)
			if err != nil {
				return err
			}
			if !dst.CanCreate() {
				return ErrNoCreatePermission.New(dst.Folder.Title, nf)
			}
			if err := tx.Tombstone(storage.TombCalendar, folder, v.ID); err != nil {
				return err
			}
			for i := range v.Folders {
				if v.Folders[i].Folder == folder {
					v.Folders[i].Folder = nf
				}
			}
			if v.FolderID == folder {
				v.FolderID = nf
			}
			acc = dst
		}
		if err := validate(v); err != nil {
			return err
		}
		if _, ok := b["participants"]; ok {
			before := v.Folders
			if err := resolve(tx, v, acc, u); err != nil {
				return err
			}
			// A removed participant's calendar reports the deletion.
			for _, f := range before {
				if !v.InFolder(f.Folder) {
					if err := tx.Tombstone(storage.TombCalendar, f.Folder, v.ID); err != nil {
						return err
					}
				}
			}
		}
		if check {
			if confl, err = conflicts(tx, v, ignore, &view{loc: loc, user: u.ID}); err != nil || len(confl) > 0 {
				return err
			}
		}
		v.ModifiedBy = u.ID
		v.encode()
		if err := tx.UpdateAppointment(v.Appointment); err != nil {
			return err
		}
		out = v
		return syncReminders(tx, v)
	})
	if err != nil {
		return nil, pim.Internal(err)
	}
	if len(confl) > 0 {
		return protocol.OK(map[string]any{"conflicts": confl}), nil
	}
	return protocol.OKAt(map[string]any{"id": out.ID}, out.LastModified), nil
}

// changeException stores occurrence pos of master as its own appointment
// with the body's changes.
func (m *Module) changeException(tx *storage.Tx, master *appt, pos int64, b map[string]any, loc *time.Location, u *protocol.User,
	ignore bool, confl *[]map[string]any, out **appt) error {
	start, ok, err := master.occurrence(pos)
	if err != nil {
		return err
	}
	date := protocol.ToDate(start)
	if !ok || slices.Contains(master.delExc, date) {
		return ErrNoPosition.New(pos, master.ID)
	}
	exc, err := tx.AppointmentExceptions(master.ID)
	if err != nil {
		return err
	}
	for _, e := range exc {
		if e.RecurrencePosition == pos {
			// The occurrence already is an exception: change that one.
			v := decode(e)
			delete(b, "recurrence_position")
			if err := applyAs(v, b, loc, u); err != nil {
				return err
			}
			if err := validate(v); err != nil {
				return err
			}
			if err := reresolve(tx, v, b, u); err != nil {
				return err
			}
			v.ModifiedBy = u.ID
			v.encode()
			*out = v
			if err := tx.UpdateAppointment(v.Appointment); err != nil {
				return err
			}
			return syncReminders(tx, v)
		}
	}
	cp := *master.Appointment
	v := decode(&cp)
	v.ID, v.CreationDate = 0, 0
	v.RecurrencePosition, v.SeriesID = pos, master.ID
	v.Start, v.End = start, start+(master.End-master.Start)
	v.RecurrenceType, v.delExc = 0, nil
	v.fields["recurrence_date_position"] = date
	delete(b, "recurrence_position")
	if err := applyAs(v, b, loc, u); err != nil {
		return err
	}
	v.RecurrenceType = 0
	if err := validate(v); err != nil {
		return err
	}
	if err := reresolve(tx, v, b, u); err != nil {
		return err
	}
	// the stored row keeps recurrence_type 0; the series link is series_id.
	if c, err := conflicts(tx, v, ignore, &view{loc: loc, user: u.ID}); err != nil || len(c) > 0 {
		*confl = c
		return err
	}
	v.CreatedBy, v.ModifiedBy = master.CreatedBy, u.ID
	v.encode()
	if err := tx.InsertAppointment(v.Appointment); err != nil {
		return err
	}
	master.ModifiedBy = u.ID
	master.encode()
	if err := tx.UpdateAppointment(master.Appointment); err != nil {
		return err
	}
	*out = v
	if err := syncReminders(tx, v); err != nil {
		return err
	}
	return syncReminders(tx, master)
}

type deleteRef struct {
	ID       any `json:"id"`
	Folder   any `json:"folder"`
	FolderID any `json:"folder_id"`
	Pos      any `json:"pos"`
	RecPos   any `json:"recurrence_position"`
	RecDate  any `json:"recurrence_date_position"`
}

func (m *Module) delete(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	client, given, err := pim.ClientTimestamp(req)
	if err != nil {
		return nil, err
	}
	var refs []deleteRef
	if err := req.DecodeBody(&refs); err != nil {
		var one deleteRef
		if err2 := req.DecodeBody(&one); err2 != nil {
			return nil, err
		}
		refs = []deleteRef{one}
	}
	var stamp int64
	var keys []string
	err = m.DB.Write(req.Ctx, u.ContextID, func(tx *storage.Tx) error {
		for _, r := range refs {
			id, ok := num(r.ID)
			if !ok {
				return protocol.ErrMissingParameter.New("id")
			}
			fx := r.Folder
			if fx == nil {
				fx = r.FolderID
			}
			folder, ok := num(fx)
			if !ok {
				return protocol.ErrMissingParameter.New("folder")
			}
			px := r.RecPos
			if px == nil {
				px = r.Pos
			}
			pos, _ := num(px)
			v, acc, err := loadTx(tx, u, id, folder)
			if err != nil {
				return err
			}
			if !acc.CanDelete(v.CreatedBy, v.Private) {
				return ErrNoDeletePermission.New(id)
			}
			if pim.Stale(v.LastModified, client, given) {
				return ErrModified.New()
			}
			if pos == 0 && v.FolderID != folder && v.user(acc.Folder.Owner) != nil && v.FolderOf(acc.Folder.Owner) == folder {
				// A participant deleting from their own calendar leaves the
				// appointment; it stays for everybody else.
				owner := acc.Folder.Owner
				v.users = slices.DeleteFunc(v.users, func(x UserConf) bool { return x.ID == owner })
				v.participants = slices.DeleteFunc(v.participants, func(p Participant) bool { return p.Type == 1 && p.ID == owner })
				v.Folders = slices.DeleteFunc(v.Folders, func(f storage.ApptFolder) bool { return f.User == owner })
				_ = v.setAlarm(owner, nil)
				if err := tx.Tombstone(storage.TombCalendar, folder, v.ID); err != nil {
					return err
				}
				if err := tx.RemoveReminder(storage.ModuleAppointment, v.ID, owner); err != nil {
					return err
				}
				v.ModifiedBy = u.ID
				v.encode()
				if err := tx.UpdateAppointment(v.Appointment); err != nil {
					return err
				}
				stamp = v.LastModified
				continue
			}
			if pos > 0 && v.isMaster() {
				start, ok, err := v.occurrence(pos)
				if err != nil {
					return err
				}
				if !ok {
					return ErrNoPosition.New(pos, id)
				}
				exc, err := tx.AppointmentExceptions(v.ID)
				if err != nil {
					return err
				}
				for _, e := range exc {
					if e.RecurrencePosition == pos {
						k, err := removeAppt(tx, e)
						if err != nil {
							return err
						}
						keys = append(keys, k...)
					}
				}
				d := protocol.ToDate(start)
				if !slices.Contains(v.delExc, d) {
					v.delExc = append(v.delExc, d)
				}
				v.ModifiedBy = u.ID
				v.encode()
				if err := tx.UpdateAppointment(v.Appointment); err != nil {
					return err
				}
				if err := syncReminders(tx, v); err != nil {
					return err
				}
				stamp = v.LastModified
				continue
			}
			if v.isMaster() {
				exc, err := tx.AppointmentExceptions(v.ID)
				if err != nil {
					return err
				}
				for _, e := range exc {
					k, err := removeAppt(tx, e)
					if err != nil {
						return err
					}
					keys = append(keys, k...)
				}
			} else if v.SeriesID != 0 && v.RecurrencePosition > 0 {
				// deleting a change exception leaves a delete exception in the series.
				if ma, err := tx.Appointment(v.SeriesID); err == nil {
					mv := decode(ma)
					mv.delExc = append(mv.delExc, excDate(v.Appointment))
					mv.encode()
					if err := tx.UpdateAppointment(mv.Appointment); err != nil {
						return err
					}
					if err := syncReminders(tx, mv); err != nil {
						return err
					}
				}
			}
			k, err := removeAppt(tx, v.Appointment)
			if err != nil {
				return err
			}
			keys = append(keys, k...)
			if stamp, err = tx.Stamp(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, pim.Internal(err)
	}
	if m.Blobs != nil {
		for _, k := range keys {
			_ = m.Blobs.Delete(req.Ctx, k)
		}
	}
	return protocol.OKAt([]any{}, stamp), nil
}

func (m *Module) confirm(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	id, err := req.RequireInt("id")
	if err != nil {
		return nil, err
	}
	folder, err := req.RequireInt("folder")
	if err != nil {
		return nil, err
	}
	var b struct {
		Confirmation *int   `json:"confirmation"`
		Message      string `json:"confirmmessage"`
		ID           *int64 `json:"id"`
		Mail         string `json:"mail"`
	}
	if err := req.DecodeBody(&b); err != nil {
		return nil, err
	}
	if b.Confirmation == nil || *b.Confirmation < 0 || *b.Confirmation > 3 {
		return nil, protocol.ErrMissingParameter.New("confirmation")
	}
	occ, _, err := req.Int("occurrence")
	if err != nil {
		return nil, err
	}
	var stamp int64
	err = m.DB.Write(req.Ctx, u.ContextID, func(tx *storage.Tx) error {
		v, _, err := loadTx(tx, u, id, folder)
		if err != nil {
			return err
		}
		if occ > 0 && v.isMaster() {
			// One occurrence: its change exception carries the answer.
			var confl []map[string]any
			var out *appt
			if err := m.changeException(tx, v, occ, map[string]any{}, time.UTC, u, true, &confl, &out); err != nil {
				return err
			}
			v = out
		}
		who := u.ID
		if b.ID != nil {
			who = *b.ID
		}
		if b.Mail != "" {
			for i := range v.participants {
				if v.participants[i].Type == 5 && v.participants[i].Mail == b.Mail {
					v.participants[i].Confirmation, v.participants[i].Message = *b.Confirmation, b.Message
					v.encode()
					if err := tx.UpdateAppointment(v.Appointment); err != nil {
						return err
					}
					stamp = v.LastModified
					return nil
				}
			}
			return ErrNoParticipant.New(0, id)
		}
		uc := v.user(who)
		if uc == nil {
			return ErrNoParticipant.New(who, id)
		}
		uc.Confirmation, uc.Message = *b.Confirmation, b.Message
		v.encode()
		if err := tx.UpdateAppointment(v.Appointment); err != nil {
			return err
		}
		stamp = v.LastModified
		return nil
	})
	if err != nil {
		return nil, pim.Internal(err)
	}
	return protocol.OKAt(map[string]any{}, stamp), nil
}

var _ = json.Marshal
