package calendar

import (
	"strconv"
	"time"

	"oxlite/core/protocol"
	"oxlite/core/reminder"
	"oxlite/storage"
)

// Alarms are per user, as OX keeps each participant's reminder apart: the
// fields column holds "alarms", user id → minutes before the start. Column
// 204 shows the reader's own alarm.
const alarmsKey = "alarms"

func init() {
	reminder.Rearm[storage.ModuleAppointment] = rearm
}

// alarm answers user's alarm in minutes (ok false: none).
func (v *appt) alarm(user int64) (int64, bool) {
	m, _ := v.fields[alarmsKey].(map[string]any)
	n, ok := num(m[strconv.FormatInt(user, 10)])
	return n, ok && n >= 0
}

// setAlarm sets (x a number ≥ 0) or removes (null, -1) user's alarm.
func (v *appt) setAlarm(user int64, x any) error {
	m, _ := v.fields[alarmsKey].(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	key := strconv.FormatInt(user, 10)
	n, ok := num(x)
	switch {
	case x == nil || ok && n < 0:
		delete(m, key)
	case !ok:
		return ErrInvalidData.New("alarm")
	default:
		m[key] = n
	}
	if len(m) == 0 {
		delete(v.fields, alarmsKey)
	} else {
		v.fields[alarmsKey] = m
	}
	return nil
}

// legacyAlarm moves an alarm stored for the whole appointment (before
// alarms were per user) to its creator.
func (v *appt) legacyAlarm() {
	if x, ok := v.fields["alarm"]; ok {
		delete(v.fields, "alarm")
		if _, has := v.fields[alarmsKey]; !has {
			_ = v.setAlarm(v.CreatedBy, x)
		}
	}
}

// nextOccurrence finds the first occurrence of master v after position
// after that is neither deleted nor changed and whose alarm (minutes
// before) is not past at now.
func nextOccurrence(tx *storage.Tx, v *appt, after, minutes, now int64) (start, pos int64, ok bool, err error) {
	skip := map[int64]bool{}
	for _, d := range v.delExc {
		skip[d] = true
	}
	exc, err := tx.AppointmentExceptions(v.ID)
	if err != nil {
		return 0, 0, false, err
	}
	for _, e := range exc {
		skip[excDate(e)] = true
	}
	err = each(v.Appointment, func(s, p int64) bool {
		if p <= after || skip[protocol.ToDate(s)] || s-minutes*60000 < now {
			return true
		}
		start, pos, ok = s, p, true
		return false
	})
	return
}

// syncReminders makes every participant's reminder follow their alarm:
// the appointment's start (a series: its next occurrence), in the folder
// the user sees it in; users without an alarm or mapping lose theirs.
func syncReminders(tx *storage.Tx, v *appt) error {
	rs, err := tx.RemindersOf(storage.ModuleAppointment, v.ID)
	if err != nil {
		return err
	}
	cur := map[int64]storage.Reminder{}
	for _, r := range rs {
		cur[r.UserID] = r
	}
	keep := map[int64]bool{}
	now := time.Now().UnixMilli()
	for _, f := range v.Folders {
		n, ok := v.alarm(f.User)
		if !ok {
			continue
		}
		start, pos := v.Start, v.RecurrencePosition
		if v.isMaster() {
			s, p, found, err := nextOccurrence(tx, v, 0, n, now)
			if err != nil {
				return err
			}
			if !found {
				continue
			}
			start, pos = s, p
		}
		keep[f.User] = true
		want := storage.Reminder{Module: storage.ModuleAppointment, TargetID: v.ID, Folder: f.Folder, UserID: f.User,
			Alarm: start - n*60000, RecurrencePosition: pos}
		if r, ok := cur[f.User]; ok && r.Folder == want.Folder && r.Alarm == want.Alarm && r.RecurrencePosition == pos {
			continue
		}
		if err := tx.SetReminder(&want); err != nil {
			return err
		}
	}
	for user := range cur {
		if !keep[user] {
			if err := tx.RemoveReminder(storage.ModuleAppointment, v.ID, user); err != nil {
				return err
			}
		}
	}
	return nil
}

// rearm moves a dismissed reminder of a series to the occurrence after
// the one it reminded of (false: nothing follows, delete it).
func rearm(tx *storage.Tx, r *storage.Reminder) (bool, error) {
	a, err := tx.Appointment(r.TargetID)
	if err != nil {
		return false, nil
	}
	v := decode(a)
	n, ok := v.alarm(r.UserID)
	if !v.isMaster() || !ok {
		return false, nil
	}
	start, pos, found, err := nextOccurrence(tx, v, r.RecurrencePosition, n, time.Now().UnixMilli())
	if err != nil || !found {
		return false, err
	}
	next := *r
	next.Alarm, next.RecurrencePosition = start-n*60000, pos
	return true, tx.SetReminder(&next)
}
