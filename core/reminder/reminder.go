// Package reminder implements module `reminder` (spec lines 6829–6917):
// `range`, `delete` and `remindAgain` over the reminders the PIM modules
// keep in storage (tasks now, appointments later) through
// storage.Tx.SetReminder/RemoveReminder inside their own write
// transactions.
package reminder

import (
	"bytes"
	"errors"
	"time"

	"oxlite/core/ajax"
	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Error catalogue (the reference server's ReminderExceptionCode).
var (
	ErrMissingAlarm = protocol.Def{Code: "REM-0003", Category: protocol.CatError, Message: "Alarm date for the reminder is missing."}
	ErrNotFound     = protocol.Def{Code: "REM-0009", Category: protocol.CatError, Message: "Can not find reminder with identifier %d in context %d."}
)

// Rearm, per module number, moves a dismissed reminder on instead of
// deleting it (a calendar series reminds of its next occurrence); false:
// delete it. Modules register in init.
var Rearm = map[int]func(tx *storage.Tx, r *storage.Reminder) (bool, error){}

// Module serves `reminder`.
type Module struct {
	DB *storage.DB
	// Now is the server clock (server_time); tests may replace it.
	Now func() time.Time
}

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	if m.Now == nil {
		m.Now = time.Now
	}
	mux.Handle("reminder", "range", m.rangeAction)
	mux.Handle("reminder", "delete", m.delete)
	mux.Handle("reminder", "remindAgain", m.remindAgain)
}

// render builds ReminderData: alarm and server_time as Time in loc,
// last_modified as a Timestamp.
func (m *Module) render(r *storage.Reminder, loc *time.Location) map[string]any {
	return map[string]any{
		"id":                  r.ID,
		"target_id":           r.TargetID,
		"folder":              r.Folder,
		"alarm":               protocol.ToTime(r.Alarm, loc),
		"module":              r.Module,
		"server_time":         protocol.ToTime(m.Now().UnixMilli(), loc),
		"user_id":             r.UserID,
		"last_modified":       r.LastModified,
		"recurrence_position": r.RecurrencePosition,
	}
}

// rangeAction answers the caller's reminders due until `end` (UTC ms);
// without `end` every reminder of the caller.
func (m *Module) rangeAction(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	var end *int64
	if v, ok, err := req.Int("end"); err != nil {
		return nil, err
	} else if ok {
		end = &v
	}
	rs, err := m.DB.RemindersUntil(req.Ctx, u.ContextID, u.ID, end)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	out := make([]any, len(rs))
	var ts int64
	for i := range rs {
		out[i] = m.render(&rs[i], loc)
		ts = max(ts, rs[i].LastModified)
	}
	return protocol.OKAt(out, ts), nil
}

// parseIDs reads `[{id}]`, a single `{id}` or plain ids.
func parseIDs(req *protocol.Request) ([]int64, error) {
	ids, _, err := req.BodyIDs()
	return ids, err
}

// delete removes the caller's reminders and answers the ids that were not
// deleted (unknown or someone else's).
func (m *Module) delete(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	ids, err := parseIDs(req)
	if err != nil {
		return nil, err
	}
	left := []int64{}
	var stamp int64
	err = m.DB.Write(req.Ctx, u.ContextID, func(tx *storage.Tx) error {
		for _, id := range ids {
			if r, err := tx.Reminder(id); err == nil && r.UserID == u.ID && Rearm[r.Module] != nil {
				if moved, err := Rearm[r.Module](tx, r); err != nil {
					return err
				} else if moved {
					continue
				}
			}
			ok, err := tx.DeleteReminder(id, u.ID)
			if err != nil {
				return err
			}
			if !ok {
				left = append(left, id)
			}
		}
		stamp, err = tx.Stamp()
		return err
	})
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return protocol.OKAt(left, stamp), nil
}

// remindAgain moves the alarm of one of the caller's reminders (body
// {alarm} as a Time) and answers the updated reminder.
func (m *Module) remindAgain(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	id, err := req.RequireInt("id")
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	var body map[string]any
	if err := req.DecodeBody(&body); err != nil {
		return nil, err
	}
	v, ok := body["alarm"]
	if !ok || v == nil {
		return nil, ErrMissingAlarm.New()
	}
	alarm, ok := pim.ParseID(v)
	if !ok {
		return nil, protocol.ErrInvalidValue.New("alarm", string(bytes.TrimSpace(req.Body)))
	}
	alarm = protocol.FromTime(alarm, loc)
	var r *storage.Reminder
	err = m.DB.Write(req.Ctx, u.ContextID, func(tx *storage.Tx) error {
		cur, err := tx.Reminder(id)
		if errors.Is(err, storage.ErrNotFound) || err == nil && cur.UserID != u.ID {
			return ErrNotFound.New(id, u.ContextID)
		}
		if err != nil {
			return err
		}
		if err := tx.SetReminderAlarm(id, alarm); err != nil {
			return err
		}
		r, err = tx.Reminder(id)
		return err
	})
	if err != nil {
		var oe *protocol.Error
		if errors.As(err, &oe) {
			return nil, err
		}
		return nil, protocol.Internal(err)
	}
	return protocol.OKAt(m.render(r, loc), r.LastModified), nil
}
