package storage

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Queries of the calendar module. An appointment is one row of
// `appointments` plus its per-user folder mappings.

// FolderMapping puts a task or an appointment into Folder for User: the
// object shows in one folder per user (the participants' own calendars or
// task folders, the organiser's folder, shared through its owner).
type FolderMapping struct {
	User   int64
	Folder int64
}

// ApptFolder maps an appointment into Folder for User.
type ApptFolder = FolderMapping

// Appointment is a stored appointment (a single one, a series master or a
// change exception). Participants, Users, DeleteExceptions and Fields are
// JSON text owned by the calendar module.
type Appointment struct {
	ID                 int64
	FolderID           int64
	CreatedBy          int64
	ModifiedBy         int64
	CreationDate       int64
	LastModified       int64
	Private            bool
	UID                string
	SeriesID           int64
	RecurrencePosition int64
	Start              int64
	End                int64
	FullTime           bool
	TimeZone           string
	ShownAs            int
	RecurrenceType     int
	Days               *int64
	DayInMonth         *int64
	Month              *int64
	Interval           *int64
	Until              *int64
	Occurrences        *int64
	DeleteExceptions   string
	RangeEnd           *int64
	Participants       string
	Users              string
	Fields             string

	Folders []ApptFolder
}

// FolderOf returns the folder the appointment appears in for user (0: none).
func (a *Appointment) FolderOf(user int64) int64 { return folderOf(a.Folders, user) }

// InFolder reports whether the appointment appears in folder.
func (a *Appointment) InFolder(folder int64) bool { return mappedTo(a.Folders, folder) }

const apptCols = `a.id, a.folder_id, a.created_by, a.modified_by, a.creation_date, a.last_modified, a.private_flag, a.uid,
	a.series_id, a.recurrence_position, a.start_ms, a.end_ms, a.full_time, a.timezone, a.shown_as, a.recurrence_type,
	a.days, a.day_in_month, a.month, a.interval, a.until, a.occurrences, a.delete_exceptions, a.range_end,
	a.participants, a.users, a.fields`

func (a *Appointment) values() []any {
	return []any{a.FolderID, a.CreatedBy, a.ModifiedBy, a.CreationDate, a.LastModified, a.Private, a.UID,
		a.SeriesID, a.RecurrencePosition, a.Start, a.End, a.FullTime, a.TimeZone, a.ShownAs, a.RecurrenceType,
		a.Days, a.DayInMonth, a.Month, a.Interval, a.Until, a.Occurrences, a.DeleteExceptions, a.RangeEnd,
		a.Participants, a.Users, a.Fields}
}

// apptMapCol renders an appointment's folder mappings in its own row
// ("user:folder,…"), so a listing needs no second query with an id list.
const apptMapCol = `(SELECT group_concat(m.user_id || ':' || m.folder_id) FROM appointment_folders m
	WHERE m.cid = a.cid AND m.appointment_id = a.id)`

func scanAppt(s interface{ Scan(...any) error }) (*Appointment, error) {
	var a Appointment
	var maps sql.NullString
	err := s.Scan(&a.ID, &a.FolderID, &a.CreatedBy, &a.ModifiedBy, &a.CreationDate, &a.LastModified, &a.Private, &a.UID,
		&a.SeriesID, &a.RecurrencePosition, &a.Start, &a.End, &a.FullTime, &a.TimeZone, &a.ShownAs, &a.RecurrenceType,
		&a.Days, &a.DayInMonth, &a.Month, &a.Interval, &a.Until, &a.Occurrences, &a.DeleteExceptions, &a.RangeEnd,
		&a.Participants, &a.Users, &a.Fields, &maps)
	if err != nil {
		return nil, err
	}
	if maps.Valid && maps.String != "" {
		a.Folders = make([]ApptFolder, 0, strings.Count(maps.String, ",")+1)
		for _, p := range strings.Split(maps.String, ",") {
			u, f, _ := strings.Cut(p, ":")
			user, err1 := strconv.ParseInt(u, 10, 64)
			folder, err2 := strconv.ParseInt(f, 10, 64)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("appointment %d: bad folder mapping %q", a.ID, p)
			}
			a.Folders = append(a.Folders, ApptFolder{User: user, Folder: folder})
		}
		slices.SortFunc(a.Folders, func(x, y ApptFolder) int { return cmp.Compare(x.User, y.User) })
	}
	return &a, nil
}

func loadAppts(q queryFunc, cid int64, rest string, args ...any) ([]*Appointment, error) {
	rows, err := q(`SELECT `+apptCols+`, `+apptMapCol+` FROM appointments a `+rest, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Appointment
	seen := map[int64]bool{}
	for rows.Next() {
		a, err := scanAppt(rows)
		if err != nil {
			return nil, err
		}
		if seen[a.ID] {
			continue
		}
		seen[a.ID] = true
		out = append(out, a)
	}
	return out, rows.Err()
}

// Appointment loads one appointment (ErrNotFound).
func (d *DB) Appointment(ctx context.Context, cid, id int64) (*Appointment, error) {
	return single(loadAppts(d.reader(ctx), cid, `WHERE a.cid = ? AND a.id = ?`, cid, id))
}

// Appointment loads one appointment inside the transaction.
func (t *Tx) Appointment(id int64) (*Appointment, error) {
	return single(loadAppts(t.reader(), t.cid, `WHERE a.cid = ? AND a.id = ?`, t.cid, id))
}

// AppointmentsByIDs loads the appointments that exist among ids.
func (d *DB) AppointmentsByIDs(ctx context.Context, cid int64, ids []int64) (map[int64]*Appointment, error) {
	return byIDs(ids, func(in string, args []any) ([]*Appointment, error) {
		return loadAppts(d.reader(ctx), cid, `WHERE a.cid = ? AND a.id IN (`+in+`)`, append([]any{cid}, args...)...)
	})
}

// AppointmentsInFolders loads the appointments appearing in any of folders
// whose span may touch [start, end) (a candidate filter; the caller
// applies the exact rule per occurrence) and that changed after since.
// start/end nil: no range filter.
func (d *DB) AppointmentsInFolders(ctx context.Context, cid int64, folders []int64, start, end *int64, since int64) ([]*Appointment, error) {
	if len(folders) == 0 {
		return nil, nil
	}
	in, args := inList(folders)
	q := `JOIN appointment_folders f ON f.cid = a.cid AND f.appointment_id = a.id
		WHERE a.cid = ? AND f.folder_id IN (` + in + `) AND a.last_modified > ?`
	if since > 0 {
		// updates: from the few appointments changed since (as tasks).
		q = `INDEXED BY appointments_modified ` + q
	}
	all := append([]any{cid}, args...)
	all = append(all, since)
	if start != nil && end != nil {
		q += ` AND a.start_ms < ? AND (a.range_end IS NULL OR a.range_end >= ?)`
		all = append(all, *end, *start)
	}
	return loadAppts(d.reader(ctx), cid, q+` ORDER BY a.id`, all...)
}

// AppointmentsInRange loads every appointment of the context whose span may
// touch [start, end) (conflict and free/busy candidates).
func (d *DB) AppointmentsInRange(ctx context.Context, cid, start, end int64) ([]*Appointment, error) {
	return loadAppts(d.reader(ctx), cid, `WHERE a.cid = ? AND a.start_ms < ? AND (a.range_end IS NULL OR a.range_end >= ?) ORDER BY a.id`,
		cid, end, start)
}

// AppointmentsInRange inside the transaction.
func (t *Tx) AppointmentsInRange(start, end int64) ([]*Appointment, error) {
	return loadAppts(t.reader(), t.cid, `WHERE a.cid = ? AND a.start_ms < ? AND (a.range_end IS NULL OR a.range_end >= ?) ORDER BY a.id`,
		t.cid, end, start)
}

// AppointmentExceptions loads the change exceptions of series master.
func (d *DB) AppointmentExceptions(ctx context.Context, cid, master int64) ([]*Appointment, error) {
	return loadAppts(d.reader(ctx), cid, `WHERE a.cid = ? AND a.series_id = ? AND a.id <> ? ORDER BY a.recurrence_position`, cid, master, master)
}

// AppointmentExceptions inside the transaction.
func (t *Tx) AppointmentExceptions(master int64) ([]*Appointment, error) {
	return loadAppts(t.reader(), t.cid, `WHERE a.cid = ? AND a.series_id = ? AND a.id <> ? ORDER BY a.recurrence_position`, t.cid, master, master)
}

// AppointmentsInFolder loads every appointment of folder inside the transaction.
func (t *Tx) AppointmentsInFolder(folder int64) ([]*Appointment, error) {
	return loadAppts(t.reader(), t.cid, `JOIN appointment_folders f ON f.cid = a.cid AND f.appointment_id = a.id
		WHERE a.cid = ? AND f.folder_id = ? ORDER BY a.id`, t.cid, folder)
}

// AppointmentsByUID loads the appointments with uid.
func (d *DB) AppointmentsByUID(ctx context.Context, cid int64, uid string) ([]*Appointment, error) {
	return loadAppts(d.reader(ctx), cid, `WHERE a.cid = ? AND a.uid = ? ORDER BY a.recurrence_position, a.id`, cid, uid)
}

// AppointmentCounts counts the appointments appearing in each folder among ids.
func (d *DB) AppointmentCounts(ctx context.Context, cid int64, ids []int64) (map[int64]int64, error) {
	return d.folderCounts(ctx, "appointment_folders", cid, ids)
}

// InsertAppointment stores a new appointment with its folder mappings,
// stamped with the transaction's sequence value (ID allocated when 0; a
// series master without SeriesID gets its own id).
func (t *Tx) InsertAppointment(a *Appointment) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	if a.ID == 0 {
		if a.ID, err = t.NextID(SeqCalendar); err != nil {
			return err
		}
	}
	if a.RecurrenceType != 0 && a.SeriesID == 0 && a.RecurrencePosition == 0 {
		a.SeriesID = a.ID
	}
	if a.CreationDate == 0 {
		a.CreationDate = stamp
	}
	a.LastModified = stamp
	args := append([]any{t.cid, a.ID}, a.values()...)
	if _, err := t.Exec(`INSERT INTO appointments(cid, id, folder_id, created_by, modified_by, creation_date, last_modified, private_flag, uid,
		series_id, recurrence_position, start_ms, end_ms, full_time, timezone, shown_as, recurrence_type, days, day_in_month, month,
		interval, until, occurrences, delete_exceptions, range_end, participants, users, fields)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, args...); err != nil {
		return err
	}
	return t.writeApptFolders(a)
}

// UpdateAppointment writes every field and the folder mappings, stamped
// with the transaction's sequence value.
func (t *Tx) UpdateAppointment(a *Appointment) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	a.LastModified = stamp
	args := append(a.values(), t.cid, a.ID)
	res, err := t.Exec(`UPDATE appointments SET folder_id = ?, created_by = ?, modified_by = ?, creation_date = ?, last_modified = ?,
		private_flag = ?, uid = ?, series_id = ?, recurrence_position = ?, start_ms = ?, end_ms = ?, full_time = ?, timezone = ?,
		shown_as = ?, recurrence_type = ?, days = ?, day_in_month = ?, month = ?, interval = ?, until = ?, occurrences = ?,
		delete_exceptions = ?, range_end = ?, participants = ?, users = ?, fields = ? WHERE cid = ? AND id = ?`, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if _, err := t.Exec(`DELETE FROM appointment_folders WHERE cid = ? AND appointment_id = ?`, t.cid, a.ID); err != nil {
		return err
	}
	return t.writeApptFolders(a)
}

func (t *Tx) writeApptFolders(a *Appointment) error {
	for _, f := range a.Folders {
		if _, err := t.Exec(`INSERT OR REPLACE INTO appointment_folders(cid, appointment_id, user_id, folder_id) VALUES(?,?,?,?)`,
			t.cid, a.ID, f.User, f.Folder); err != nil {
			return err
		}
	}
	return nil
}

// DeleteAppointment removes an appointment row and its folder mappings
// (tombstones, reminders and attachments are the caller's business).
func (t *Tx) DeleteAppointment(id int64) error {
	for _, q := range []string{
		`DELETE FROM appointment_folders WHERE cid = ? AND appointment_id = ?`,
		`DELETE FROM appointments WHERE cid = ? AND id = ?`,
	} {
		if _, err := t.Exec(q, t.cid, id); err != nil {
			return err
		}
	}
	return nil
}

// DefaultCalendarFolder returns user's default calendar folder inside the
// transaction (ErrNotFound if the user has none).
func (t *Tx) DefaultCalendarFolder(user int64) (int64, error) {
	return t.defaultFolder("calendar", user)
}

// AppointmentInFolder reports whether appointment id appears in folder
// (the attachment module's parent check for module 1).
func (d *DB) AppointmentInFolder(ctx context.Context, cid, id, folder int64) (bool, error) {
	return exists(d.QueryRow(ctx, `SELECT count(*) FROM appointment_folders WHERE cid = ? AND appointment_id = ? AND folder_id = ?`, cid, id, folder))
}

// RemapAppointment renames appointment temp to id (offline sync: the
// server assigned the id): the row, its mappings, series links,
// reminders, attachments and tombstones.
func (t *Tx) RemapAppointment(temp, id int64) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	for _, q := range []string{
		`UPDATE appointments SET id = ?, last_modified = ` + itoa(stamp) + ` WHERE cid = ? AND id = ?`,
		`UPDATE appointments SET series_id = ? WHERE cid = ? AND series_id = ?`,
		`UPDATE appointment_folders SET appointment_id = ? WHERE cid = ? AND appointment_id = ?`,
		`UPDATE reminders SET target_id = ? WHERE cid = ? AND target_id = ? AND module = ` + itoa(ModuleAppointment),
	} {
		if _, err := t.Exec(q, id, t.cid, temp); err != nil {
			return err
		}
	}
	return t.remapCommon(TombCalendar, ModuleAppointment, temp, id)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// AppointmentExceptionsOf loads the change exceptions of the masters,
// keyed by master id.
func (d *DB) AppointmentExceptionsOf(ctx context.Context, cid int64, masters []int64) (map[int64][]*Appointment, error) {
	out := map[int64][]*Appointment{}
	for _, chunk := range chunks(masters, 500) {
		in, args := inList(chunk)
		as, err := loadAppts(d.reader(ctx), cid, `WHERE a.cid = ? AND a.series_id IN (`+in+`) AND a.recurrence_position > 0
			ORDER BY a.recurrence_position`, append([]any{cid}, args...)...)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			out[a.SeriesID] = append(out[a.SeriesID], a)
		}
	}
	return out, nil
}

// AppointmentInFolder is AppointmentInFolder inside the transaction.
func (t *Tx) AppointmentInFolder(id, folder int64) (bool, error) {
	return exists(t.QueryRow(`SELECT count(*) FROM appointment_folders WHERE cid = ? AND appointment_id = ? AND folder_id = ?`, t.cid, id, folder))
}

// AppointmentExceptionDates maps each of masters that has change
// exceptions to the Dates of the occurrences they replace (what a listing
// needs to skip them), without loading the exception rows.
func (d *DB) AppointmentExceptionDates(ctx context.Context, cid int64, masters []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(masters) == 0 {
		return out, nil
	}
	ids, _ := json.Marshal(masters)
	rows, err := d.Query(ctx, `SELECT series_id, coalesce(json_extract(fields, '$.recurrence_date_position'), 0) FROM appointments
		WHERE cid = ? AND series_id IN (SELECT value FROM json_each(?)) AND recurrence_position > 0 ORDER BY series_id, recurrence_position`, cid, string(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var date float64
		if err := rows.Scan(&id, &date); err != nil {
			return nil, err
		}
		out[id] = append(out[id], int64(date))
	}
	return out, rows.Err()
}
