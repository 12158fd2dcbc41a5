package storage

import (
	"context"
	"database/sql"
)

// Queries of the tasks module. A task is one row of `tasks` plus its
// participants and its folder mappings (one per user, as in OX): the
// owner of the main folder sees it there, each internal participant in a
// private folder of their own.

// Task participant kinds (the OX participant types).
const (
	ParticipantUser     = 1
	ParticipantExternal = 5
)

// TaskParticipant is an internal user (Kind 1; Group >= 0 when the user
// was added through that group, -1 when added directly) or an external
// address (Kind 5).
type TaskParticipant struct {
	Kind        int
	UserID      int64
	Group       int64
	Mail        string
	DisplayName string
	Confirm     int
	Message     string
}

// TaskFolder maps a task into Folder for User.
type TaskFolder = FolderMapping

// Task is a stored task. Pointer fields are nil when unset.
type Task struct {
	ID             int64
	FolderID       int64
	CreatedBy      int64
	ModifiedBy     int64
	CreationDate   int64
	LastModified   int64
	Private        bool
	UID            string
	Title          *string
	Note           *string
	Categories     *string
	ColorLabel     int
	Start          *int64
	End            *int64
	FullTime       bool
	Status         int
	Percent        int
	Priority       *int64
	DateCompleted  *int64
	ActualCosts    *float64
	TargetCosts    *float64
	ActualDuration *int64
	TargetDuration *int64
	Billing        *string
	Currency       *string
	TripMeter      *string
	Companies      *string
	RecurrenceType int
	Days           *int64
	DayInMonth     *int64
	Month          *int64
	Interval       *int64
	Until          *int64
	Occurrences    *int64

	Participants []TaskParticipant
	Folders      []TaskFolder
}

// FolderOf returns the folder the task appears in for user (0 if none).
func (t *Task) FolderOf(user int64) int64 { return folderOf(t.Folders, user) }

// InFolder reports whether the task appears in folder.
func (t *Task) InFolder(folder int64) bool { return mappedTo(t.Folders, folder) }

const taskCols = `t.id, t.folder_id, t.created_by, t.modified_by, t.creation_date, t.last_modified, t.private_flag, t.uid,
	t.title, t.note, t.categories, t.color_label, t.start_ms, t.end_ms, t.full_time, t.status, t.percent_completed, t.priority,
	t.date_completed, t.actual_costs, t.target_costs, t.actual_duration, t.target_duration, t.billing_information, t.currency,
	t.trip_meter, t.companies, t.recurrence_type, t.days, t.day_in_month, t.month, t.interval, t.until, t.occurrences`

func (t *Task) values() []any {
	return []any{t.FolderID, t.CreatedBy, t.ModifiedBy, t.CreationDate, t.LastModified, t.Private, t.UID,
		t.Title, t.Note, t.Categories, t.ColorLabel, t.Start, t.End, t.FullTime, t.Status, t.Percent, t.Priority,
		t.DateCompleted, t.ActualCosts, t.TargetCosts, t.ActualDuration, t.TargetDuration, t.Billing, t.Currency,
		t.TripMeter, t.Companies, t.RecurrenceType, t.Days, t.DayInMonth, t.Month, t.Interval, t.Until, t.Occurrences}
}

func scanTask(s interface{ Scan(...any) error }) (*Task, error) {
	var t Task
	err := s.Scan(&t.ID, &t.FolderID, &t.CreatedBy, &t.ModifiedBy, &t.CreationDate, &t.LastModified, &t.Private, &t.UID,
		&t.Title, &t.Note, &t.Categories, &t.ColorLabel, &t.Start, &t.End, &t.FullTime, &t.Status, &t.Percent, &t.Priority,
		&t.DateCompleted, &t.ActualCosts, &t.TargetCosts, &t.ActualDuration, &t.TargetDuration, &t.Billing, &t.Currency,
		&t.TripMeter, &t.Companies, &t.RecurrenceType, &t.Days, &t.DayInMonth, &t.Month, &t.Interval, &t.Until, &t.Occurrences)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// loadTasks runs `SELECT taskCols FROM tasks t <rest>` and attaches each
// task's participants and folder mappings.
func loadTasks(q queryFunc, cid int64, rest string, args ...any) ([]*Task, error) {
	rows, err := q(`SELECT `+taskCols+` FROM tasks t `+rest, args...)
	if err != nil {
		return nil, err
	}
	var out []*Task
	byID := map[int64]*Task{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		if byID[t.ID] != nil {
			continue
		}
		byID[t.ID] = t
		out = append(out, t)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, len(out))
	for i, t := range out {
		ids[i] = t.ID
	}
	for _, chunk := range chunks(ids, 500) {
		in, inArgs := inList(chunk)
		frows, err := q(`SELECT task_id, user_id, folder_id FROM task_folders WHERE cid = ? AND task_id IN (`+in+`) ORDER BY task_id, user_id`,
			append([]any{cid}, inArgs...)...)
		if err != nil {
			return nil, err
		}
		for frows.Next() {
			var id int64
			var f TaskFolder
			if err := frows.Scan(&id, &f.User, &f.Folder); err != nil {
				frows.Close()
				return nil, err
			}
			byID[id].Folders = append(byID[id].Folders, f)
		}
		if err := frows.Close(); err != nil {
			return nil, err
		}
		prows, err := q(`SELECT task_id, kind, user_id, group_id, mail, display_name, confirm, message FROM task_participants
			WHERE cid = ? AND task_id IN (`+in+`) ORDER BY task_id, pos`, append([]any{cid}, inArgs...)...)
		if err != nil {
			return nil, err
		}
		for prows.Next() {
			var id int64
			var p TaskParticipant
			if err := prows.Scan(&id, &p.Kind, &p.UserID, &p.Group, &p.Mail, &p.DisplayName, &p.Confirm, &p.Message); err != nil {
				prows.Close()
				return nil, err
			}
			byID[id].Participants = append(byID[id].Participants, p)
		}
		if err := prows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Task loads one task with participants and folders (ErrNotFound).
func (d *DB) Task(ctx context.Context, cid, id int64) (*Task, error) {
	return single(loadTasks(d.reader(ctx), cid, `WHERE t.cid = ? AND t.id = ?`, cid, id))
}

// Task loads one task inside the transaction.
func (t *Tx) Task(id int64) (*Task, error) {
	return single(loadTasks(t.reader(), t.cid, `WHERE t.cid = ? AND t.id = ?`, t.cid, id))
}

// TasksByIDs loads the tasks that exist among ids.
func (d *DB) TasksByIDs(ctx context.Context, cid int64, ids []int64) (map[int64]*Task, error) {
	return byIDs(ids, func(in string, args []any) ([]*Task, error) {
		return loadTasks(d.reader(ctx), cid, `WHERE t.cid = ? AND t.id IN (`+in+`)`, append([]any{cid}, args...)...)
	})
}

// TasksInFolder loads the tasks that appear in folder and changed after
// since (0: all), ordered by id.
func (d *DB) TasksInFolder(ctx context.Context, cid, folder, since int64) ([]*Task, error) {
	q := `JOIN task_folders f ON f.cid = t.cid AND f.task_id = t.id
		WHERE t.cid = ? AND f.folder_id = ? AND t.last_modified > ? ORDER BY t.id`
	if since > 0 {
		// updates: from the few tasks changed since, not through every task
		// of the folder (which the planner prefers, to skip a sort).
		q = `INDEXED BY tasks_modified ` + q
	}
	return loadTasks(d.reader(ctx), cid, q, cid, folder, since)
}

// TasksInFolder loads the tasks of folder inside the transaction.
func (t *Tx) TasksInFolder(folder int64) ([]*Task, error) {
	return loadTasks(t.reader(), t.cid, `JOIN task_folders f ON f.cid = t.cid AND f.task_id = t.id
		WHERE t.cid = ? AND f.folder_id = ? ORDER BY t.id`, t.cid, folder)
}

// TaskCounts counts the tasks appearing in each folder among ids.
func (d *DB) TaskCounts(ctx context.Context, cid int64, ids []int64) (map[int64]int64, error) {
	return d.folderCounts(ctx, "task_folders", cid, ids)
}

// InsertTask stores a new task with its participants and folders, stamped
// with the transaction's sequence value (ID is allocated when 0).
func (t *Tx) InsertTask(task *Task) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	if task.ID == 0 {
		if task.ID, err = t.NextID(SeqTask); err != nil {
			return err
		}
	}
	if task.CreationDate == 0 {
		task.CreationDate = stamp
	}
	task.LastModified = stamp
	args := append([]any{t.cid, task.ID}, task.values()...)
	if _, err := t.Exec(`INSERT INTO tasks(cid, id, folder_id, created_by, modified_by, creation_date, last_modified, private_flag, uid,
		title, note, categories, color_label, start_ms, end_ms, full_time, status, percent_completed, priority, date_completed,
		actual_costs, target_costs, actual_duration, target_duration, billing_information, currency, trip_meter, companies,
		recurrence_type, days, day_in_month, month, interval, until, occurrences)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, args...); err != nil {
		return err
	}
	return t.writeTaskRelations(task)
}

// UpdateTask writes every field of task, its participants and folders,
// stamped with the transaction's sequence value.
func (t *Tx) UpdateTask(task *Task) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	task.LastModified = stamp
	args := append(task.values(), t.cid, task.ID)
	res, err := t.Exec(`UPDATE tasks SET folder_id = ?, created_by = ?, modified_by = ?, creation_date = ?, last_modified = ?,
		private_flag = ?, uid = ?, title = ?, note = ?, categories = ?, color_label = ?, start_ms = ?, end_ms = ?, full_time = ?,
		status = ?, percent_completed = ?, priority = ?, date_completed = ?, actual_costs = ?, target_costs = ?, actual_duration = ?,
		target_duration = ?, billing_information = ?, currency = ?, trip_meter = ?, companies = ?, recurrence_type = ?, days = ?,
		day_in_month = ?, month = ?, interval = ?, until = ?, occurrences = ? WHERE cid = ? AND id = ?`, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if _, err := t.Exec(`DELETE FROM task_folders WHERE cid = ? AND task_id = ?`, t.cid, task.ID); err != nil {
		return err
	}
	if _, err := t.Exec(`DELETE FROM task_participants WHERE cid = ? AND task_id = ?`, t.cid, task.ID); err != nil {
		return err
	}
	return t.writeTaskRelations(task)
}

func (t *Tx) writeTaskRelations(task *Task) error {
	for _, f := range task.Folders {
		if _, err := t.Exec(`INSERT INTO task_folders(cid, task_id, user_id, folder_id) VALUES(?,?,?,?)`,
			t.cid, task.ID, f.User, f.Folder); err != nil {
			return err
		}
	}
	for i, p := range task.Participants {
		if _, err := t.Exec(`INSERT INTO task_participants(cid, task_id, pos, kind, user_id, group_id, mail, display_name, confirm, message)
			VALUES(?,?,?,?,?,?,?,?,?,?)`, t.cid, task.ID, i, p.Kind, p.UserID, p.Group, p.Mail, p.DisplayName, p.Confirm, p.Message); err != nil {
			return err
		}
	}
	return nil
}

// DeleteTask removes a task with its participants and folder mappings
// (tombstones, reminders and attachments are the caller's business).
func (t *Tx) DeleteTask(id int64) error {
	for _, q := range []string{
		`DELETE FROM task_folders WHERE cid = ? AND task_id = ?`,
		`DELETE FROM task_participants WHERE cid = ? AND task_id = ?`,
		`DELETE FROM tasks WHERE cid = ? AND id = ?`,
	} {
		if _, err := t.Exec(q, t.cid, id); err != nil {
			return err
		}
	}
	return nil
}

// DefaultTaskFolder returns user's default task folder inside the
// transaction (ErrNotFound if the user has none).
func (t *Tx) DefaultTaskFolder(user int64) (int64, error) { return t.defaultFolder("tasks", user) }

// GroupMemberIDs returns the members of group (0: every enabled user of the
// context); ErrNotFound when the group does not exist.
func (t *Tx) GroupMemberIDs(group int64) ([]int64, error) {
	var rows *sql.Rows
	var err error
	if group == 0 {
		rows, err = t.Query(`SELECT id FROM users WHERE cid = ? AND enabled <> 0 ORDER BY id`, t.cid)
	} else {
		var n int
		if err := t.QueryRow(`SELECT count(*) FROM groups WHERE cid = ? AND id = ?`, t.cid, group).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, ErrNotFound
		}
		rows, err = t.Query(`SELECT user_id FROM group_members WHERE cid = ? AND group_id = ? ORDER BY user_id`, t.cid, group)
	}
	ids, err := scanIDs(rows, err)
	if ids == nil && err == nil {
		ids = []int64{}
	}
	return ids, err
}

// SimilarTaskExists reports whether folder holds a task with the same
// title, creator and start as the arguments (the duplicate check before a
// recurring task's next occurrence is created).
func (t *Tx) SimilarTaskExists(folder, createdBy int64, title *string, start int64) (bool, error) {
	return exists(t.QueryRow(`SELECT count(*) FROM tasks t JOIN task_folders f ON f.cid = t.cid AND f.task_id = t.id
		WHERE t.cid = ? AND f.folder_id = ? AND t.created_by = ? AND coalesce(t.title, '') = ? AND t.start_ms = ?`,
		t.cid, folder, createdBy, deref(title), start))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TaskInFolder reports whether task id appears in folder: its main folder
// or a participant's folder (the attachment module's parent check for
// module 4, where tasks.folder_id is only the main folder).
func (d *DB) TaskInFolder(ctx context.Context, cid, id, folder int64) (bool, error) {
	return exists(d.QueryRow(ctx, `SELECT count(*) FROM task_folders WHERE cid = ? AND task_id = ? AND folder_id = ?`, cid, id, folder))
}

// TaskInFolder is TaskInFolder inside the transaction.
func (t *Tx) TaskInFolder(id, folder int64) (bool, error) {
	return exists(t.QueryRow(`SELECT count(*) FROM task_folders WHERE cid = ? AND task_id = ? AND folder_id = ?`, t.cid, id, folder))
}
