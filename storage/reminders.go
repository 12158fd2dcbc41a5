package storage

import (
	"context"
	"database/sql"
	"errors"
)

// Reminder is one stored reminder: user UserID is reminded of object
// TargetID of Module (ModuleTask, ModuleAppointment) at Alarm (UTC ms).
// Folder is the folder through which that user reads the target.
type Reminder struct {
	ID                 int64
	Module             int
	TargetID           int64
	Folder             int64
	UserID             int64
	Alarm              int64
	RecurrencePosition int64
	LastModified       int64
}

const reminderCols = `id, module, target_id, folder_id, user_id, alarm, recurrence_position, last_modified`

func scanReminder(s interface{ Scan(...any) error }) (*Reminder, error) {
	var r Reminder
	err := s.Scan(&r.ID, &r.Module, &r.TargetID, &r.Folder, &r.UserID, &r.Alarm, &r.RecurrencePosition, &r.LastModified)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func scanReminders(rows *sql.Rows, err error) ([]Reminder, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Reminder
	for rows.Next() {
		r, err := scanReminder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// SetReminder creates or replaces the reminder of r.UserID for
// (r.Module, r.TargetID) with r's folder, alarm and recurrence position,
// stamped with the transaction's sequence value. It fills r.ID and
// r.LastModified. Modules call it inside the write transaction of the
// object whose alarm changed.
func (t *Tx) SetReminder(r *Reminder) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	var id int64
	err = t.QueryRow(`SELECT id FROM reminders WHERE cid = ? AND module = ? AND target_id = ? AND user_id = ?`,
		t.cid, r.Module, r.TargetID, r.UserID).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if id, err = t.NextID(SeqReminder); err != nil {
			return err
		}
		_, err = t.Exec(`INSERT INTO reminders(cid, id, module, target_id, folder_id, user_id, alarm, recurrence_position, last_modified)
			VALUES(?,?,?,?,?,?,?,?,?)`, t.cid, id, r.Module, r.TargetID, r.Folder, r.UserID, r.Alarm, r.RecurrencePosition, stamp)
	case err == nil:
		_, err = t.Exec(`UPDATE reminders SET folder_id = ?, alarm = ?, recurrence_position = ?, last_modified = ? WHERE cid = ? AND id = ?`,
			r.Folder, r.Alarm, r.RecurrencePosition, stamp, t.cid, id)
	}
	if err != nil {
		return err
	}
	r.ID, r.LastModified = id, stamp
	return nil
}

// RemoveReminder deletes the reminder of user for (module, target), if any.
func (t *Tx) RemoveReminder(module int, target, user int64) error {
	_, err := t.Exec(`DELETE FROM reminders WHERE cid = ? AND module = ? AND target_id = ? AND user_id = ?`, t.cid, module, target, user)
	return err
}

// RemoveReminders deletes every user's reminder for (module, target): the
// target was deleted.
func (t *Tx) RemoveReminders(module int, target int64) error {
	_, err := t.Exec(`DELETE FROM reminders WHERE cid = ? AND module = ? AND target_id = ?`, t.cid, module, target)
	return err
}

// MoveReminder points user's reminder for (module, target) at folder (the
// target moved for that user).
func (t *Tx) MoveReminder(module int, target, user, folder int64) error {
	_, err := t.Exec(`UPDATE reminders SET folder_id = ? WHERE cid = ? AND module = ? AND target_id = ? AND user_id = ? AND folder_id <> ?`,
		folder, t.cid, module, target, user, folder)
	return err
}

// Reminder loads one reminder inside the transaction (ErrNotFound).
func (t *Tx) Reminder(id int64) (*Reminder, error) {
	return scanReminder(t.QueryRow(`SELECT `+reminderCols+` FROM reminders WHERE cid = ? AND id = ?`, t.cid, id))
}

// DeleteReminder removes reminder id if it belongs to user and reports
// whether it did.
func (t *Tx) DeleteReminder(id, user int64) (bool, error) {
	res, err := t.Exec(`DELETE FROM reminders WHERE cid = ? AND id = ? AND user_id = ?`, t.cid, id, user)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// SetReminderAlarm changes the alarm of reminder id (remindAgain).
func (t *Tx) SetReminderAlarm(id, alarm int64) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	_, err = t.Exec(`UPDATE reminders SET alarm = ?, last_modified = ? WHERE cid = ? AND id = ?`, alarm, stamp, t.cid, id)
	return err
}

// RemindersUntil lists user's reminders due at or before end (every one
// when end is nil), ordered by alarm.
func (d *DB) RemindersUntil(ctx context.Context, cid, user int64, end *int64) ([]Reminder, error) {
	q := `SELECT ` + reminderCols + ` FROM reminders WHERE cid = ? AND user_id = ?`
	args := []any{cid, user}
	if end != nil {
		q += ` AND alarm <= ?`
		args = append(args, *end)
	}
	return scanReminders(d.Query(ctx, q+` ORDER BY alarm, id`, args...))
}

// ReminderAlarms maps each of targets that has a reminder of user in
// module to its alarm (the `alarm` field the user reads on the object).
func (d *DB) ReminderAlarms(ctx context.Context, cid int64, module int, user int64, targets []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	for _, chunk := range chunks(targets, 500) {
		in, args := inList(chunk)
		rows, err := d.Query(ctx, `SELECT target_id, alarm FROM reminders WHERE cid = ? AND module = ? AND user_id = ? AND target_id IN (`+in+`)`,
			append([]any{cid, module, user}, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, alarm int64
			if err := rows.Scan(&id, &alarm); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = alarm
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ReminderAlarm returns user's alarm for (module, target) inside the
// transaction; ok is false when there is none.
func (t *Tx) ReminderAlarm(module int, target, user int64) (alarm int64, ok bool, err error) {
	err = t.QueryRow(`SELECT alarm FROM reminders WHERE cid = ? AND module = ? AND target_id = ? AND user_id = ?`,
		t.cid, module, target, user).Scan(&alarm)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return alarm, err == nil, err
}

// RemindersOf lists every user's reminder for (module, target).
func (t *Tx) RemindersOf(module int, target int64) ([]Reminder, error) {
	return scanReminders(t.Query(`SELECT `+reminderCols+` FROM reminders WHERE cid = ? AND module = ? AND target_id = ? ORDER BY id`,
		t.cid, module, target))
}
