package storage

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
)

// Queries of the offline sync (syncer/, docs/offline.md): the sync tables
// of migration 1000 and the writes that apply pulled server objects and
// rewrite temporary ids.

// --- sync_meta ---

// SyncMeta reads a store-wide sync setting ("" when unset).
func (d *DB) SyncMeta(ctx context.Context, key string) (string, error) {
	var v string
	err := d.QueryRow(ctx, `SELECT value FROM sync_meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SyncMetaAll reads every sync setting.
func (d *DB) SyncMetaAll(ctx context.Context) (map[string]string, error) {
	rows, err := d.Query(ctx, `SELECT key, value FROM sync_meta`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// SetSyncMeta writes sync settings outside a transaction (an empty value
// removes the key).
func (d *DB) SetSyncMeta(ctx context.Context, kv map[string]string) error {
	return d.Write(WithoutHooks(ctx), 0, func(tx *Tx) error { return tx.SetSyncMeta(kv) })
}

// SetSyncMeta writes sync settings (an empty value removes the key).
func (t *Tx) SetSyncMeta(kv map[string]string) error {
	for k, v := range kv {
		var err error
		if v == "" {
			_, err = t.Exec(`DELETE FROM sync_meta WHERE key = ?`, k)
		} else {
			_, err = t.Exec(`INSERT INTO sync_meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, k, v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// --- sync_state ---

// SetSyncFolder stores the pull position of a folder.
func (t *Tx) SetSyncFolder(module string, folder, ts int64) error {
	_, err := t.Exec(`INSERT INTO sync_state(cid, module, folder_id, timestamp) VALUES(?,?,?,?)
		ON CONFLICT(cid, module, folder_id) DO UPDATE SET timestamp = excluded.timestamp`, t.cid, module, folder, ts)
	return err
}

// DeleteSyncFolder forgets the pull position of a folder.
func (t *Tx) DeleteSyncFolder(module string, folder int64) error {
	_, err := t.Exec(`DELETE FROM sync_state WHERE cid = ? AND module = ? AND folder_id = ?`, t.cid, module, folder)
	return err
}

// --- sync_objects ---

// SyncObject is the server's version of a pulled object.
type SyncObject struct {
	Module         string
	ID             int64
	Folder         int64
	ServerModified int64
}

func scanSyncObject(row *sql.Row) (*SyncObject, error) {
	var o SyncObject
	err := row.Scan(&o.Module, &o.ID, &o.Folder, &o.ServerModified)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// SyncObject loads the server version of an object (ErrNotFound).
func (d *DB) SyncObject(ctx context.Context, cid int64, module string, id int64) (*SyncObject, error) {
	return scanSyncObject(d.QueryRow(ctx, `SELECT module, id, folder_id, server_modified FROM sync_objects WHERE cid = ? AND module = ? AND id = ?`,
		cid, module, id))
}

// SyncObject loads the server version of an object inside the transaction.
func (t *Tx) SyncObject(module string, id int64) (*SyncObject, error) {
	return scanSyncObject(t.QueryRow(`SELECT module, id, folder_id, server_modified FROM sync_objects WHERE cid = ? AND module = ? AND id = ?`,
		t.cid, module, id))
}

// SyncObjectsIn maps the ids of a folder's pulled objects to their server
// last_modified.
func (d *DB) SyncObjectsIn(ctx context.Context, cid int64, module string, folder int64) (map[int64]int64, error) {
	rows, err := d.Query(ctx, `SELECT id, server_modified FROM sync_objects WHERE cid = ? AND module = ? AND folder_id = ?`, cid, module, folder)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id, lm int64
		if err := rows.Scan(&id, &lm); err != nil {
			return nil, err
		}
		out[id] = lm
	}
	return out, rows.Err()
}

// PutSyncObject records the server version of an object.
func (t *Tx) PutSyncObject(module string, id, folder, serverModified int64) error {
	_, err := t.Exec(`INSERT INTO sync_objects(cid, module, id, folder_id, server_modified) VALUES(?,?,?,?,?)
		ON CONFLICT(cid, module, id) DO UPDATE SET folder_id = excluded.folder_id, server_modified = excluded.server_modified`,
		t.cid, module, id, folder, serverModified)
	return err
}

// DeleteSyncObject forgets the server version of an object.
func (t *Tx) DeleteSyncObject(module string, id int64) error {
	_, err := t.Exec(`DELETE FROM sync_objects WHERE cid = ? AND module = ? AND id = ?`, t.cid, module, id)
	return err
}

// --- outbox ---

// OutboxEntry is one local write waiting to be pushed. Record is the
// syncer's encoding of the request and its base version.
type OutboxEntry struct {
	Seq       int64
	Module    string
	Action    string
	ObjectID  int64
	FolderID  int64
	Record    []byte
	Created   int64
	Attempts  int
	NextTry   int64
	LastError string
}

const outboxCols = `seq, module, action, object_id, folder_id, record, created, attempts, next_try, last_error`

func scanOutbox(rows *sql.Rows, err error) ([]OutboxEntry, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OutboxEntry
	for rows.Next() {
		var e OutboxEntry
		if err := rows.Scan(&e.Seq, &e.Module, &e.Action, &e.ObjectID, &e.FolderID, &e.Record, &e.Created, &e.Attempts,
			&e.NextTry, &e.LastError); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AppendOutbox adds an entry at the end of the outbox and fills its Seq.
func (t *Tx) AppendOutbox(e *OutboxEntry) error {
	return t.QueryRow(`INSERT INTO outbox(cid, module, action, object_id, folder_id, record, created) VALUES(?,?,?,?,?,?,?) RETURNING seq`,
		t.cid, e.Module, e.Action, e.ObjectID, e.FolderID, e.Record, e.Created).Scan(&e.Seq)
}

// Outbox lists up to limit entries from seq after on, in order.
func (d *DB) Outbox(ctx context.Context, cid, after int64, limit int) ([]OutboxEntry, error) {
	return scanOutbox(d.Query(ctx, `SELECT `+outboxCols+` FROM outbox WHERE cid = ? AND seq > ? ORDER BY seq LIMIT ?`, cid, after, limit))
}

// OutboxAll lists every entry of the transaction's context, in order.
func (t *Tx) OutboxAll() ([]OutboxEntry, error) {
	return scanOutbox(t.Query(`SELECT `+outboxCols+` FROM outbox WHERE cid = ? ORDER BY seq`, t.cid))
}

// OutboxCount counts the pending entries of a context.
func (d *DB) OutboxCount(ctx context.Context, cid int64) (int64, error) {
	var n int64
	err := d.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE cid = ?`, cid).Scan(&n)
	return n, err
}

// Pending reports whether an object has entries in the outbox.
func (t *Tx) Pending(module string, id int64) (bool, error) {
	var n int
	err := t.QueryRow(`SELECT count(*) FROM outbox WHERE cid = ? AND module = ? AND object_id = ?`, t.cid, module, id).Scan(&n)
	return n > 0, err
}

// PendingIn lists the ids of a module with entries in the outbox.
func (d *DB) PendingIn(ctx context.Context, cid int64, module string) (map[int64]bool, error) {
	return idSet(scanIDs(d.Query(ctx, `SELECT DISTINCT object_id FROM outbox WHERE cid = ? AND module = ?`, cid, module)))
}

// DeleteOutbox removes a settled entry.
func (t *Tx) DeleteOutbox(seq int64) error {
	_, err := t.Exec(`DELETE FROM outbox WHERE cid = ? AND seq = ?`, t.cid, seq)
	return err
}

// UpdateOutbox rewrites an entry's object, folder and record (id mapping).
func (t *Tx) UpdateOutbox(e *OutboxEntry) error {
	_, err := t.Exec(`UPDATE outbox SET object_id = ?, folder_id = ?, record = ? WHERE cid = ? AND seq = ?`,
		e.ObjectID, e.FolderID, e.Record, t.cid, e.Seq)
	return err
}

// OutboxRetry records a failed attempt: the entry waits until nextTry.
func (d *DB) OutboxRetry(ctx context.Context, cid, seq, nextTry int64, msg string) error {
	_, err := d.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, next_try = ?, last_error = ? WHERE cid = ? AND seq = ?`,
		nextTry, msg, cid, seq)
	return err
}

// --- id_map ---

// MapID records that temporary id temp of module became server id.
func (t *Tx) MapID(module string, temp, server, now int64) error {
	_, err := t.Exec(`INSERT INTO id_map(cid, module, temp_id, server_id, created) VALUES(?,?,?,?,?)
		ON CONFLICT(cid, module, temp_id) DO UPDATE SET server_id = excluded.server_id`, t.cid, module, temp, server, now)
	return err
}

// MappedID returns the server id of a temporary id (ok false when the id
// was never mapped).
func (d *DB) MappedID(ctx context.Context, cid int64, module string, temp int64) (int64, bool, error) {
	var id int64
	err := d.QueryRow(ctx, `SELECT server_id FROM id_map WHERE cid = ? AND module = ? AND temp_id = ?`, cid, module, temp).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// --- conflicts ---

// Conflict is a record of something the push could not settle alone.
type Conflict struct {
	ID                 int64
	Module             string
	ObjectID           int64
	FolderID           int64
	Kind               string
	Field              string
	Base               []byte
	Local              []byte
	Server             []byte
	ServerModifiedBy   int64
	ServerLastModified int64
	Error              string
	Request            []byte
	Created            int64
	Resolved           int64
	Resolution         string
}

const conflictCols = `id, module, object_id, folder_id, kind, field, base, local, server, server_modified_by, server_last_modified,
	error, request, created, resolved, resolution`

func scanConflicts(rows *sql.Rows, err error) ([]Conflict, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Conflict
	for rows.Next() {
		var c Conflict
		if err := rows.Scan(&c.ID, &c.Module, &c.ObjectID, &c.FolderID, &c.Kind, &c.Field, &c.Base, &c.Local, &c.Server,
			&c.ServerModifiedBy, &c.ServerLastModified, &c.Error, &c.Request, &c.Created, &c.Resolved, &c.Resolution); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// AddConflict stores a conflict record and fills its ID.
func (t *Tx) AddConflict(c *Conflict) error {
	return t.QueryRow(`INSERT INTO conflicts(cid, module, object_id, folder_id, kind, field, base, local, server, server_modified_by,
		server_last_modified, error, request, created) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
		t.cid, c.Module, c.ObjectID, c.FolderID, c.Kind, c.Field, c.Base, c.Local, c.Server, c.ServerModifiedBy,
		c.ServerLastModified, c.Error, c.Request, c.Created).Scan(&c.ID)
}

// Conflicts lists the conflict records of a context, open ones only
// unless all is set, oldest first.
func (d *DB) Conflicts(ctx context.Context, cid int64, all bool) ([]Conflict, error) {
	q := `SELECT ` + conflictCols + ` FROM conflicts WHERE cid = ?`
	if !all {
		q += ` AND resolved = 0`
	}
	return scanConflicts(d.Query(ctx, q+` ORDER BY id`, cid))
}

// ConflictCount counts the open conflicts of a context.
func (d *DB) ConflictCount(ctx context.Context, cid int64) (int64, error) {
	var n int64
	err := d.QueryRow(ctx, `SELECT count(*) FROM conflicts WHERE cid = ? AND resolved = 0`, cid).Scan(&n)
	return n, err
}

// Conflict loads one record inside the transaction (ErrNotFound).
func (t *Tx) Conflict(id int64) (*Conflict, error) {
	cs, err := scanConflicts(t.Query(`SELECT `+conflictCols+` FROM conflicts WHERE cid = ? AND id = ?`, t.cid, id))
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, ErrNotFound
	}
	return &cs[0], nil
}

// ResolveConflict closes a record.
func (t *Tx) ResolveConflict(id, now int64, resolution string) error {
	_, err := t.Exec(`UPDATE conflicts SET resolved = ?, resolution = ? WHERE cid = ? AND id = ?`, now, resolution, t.cid, id)
	return err
}

// --- applying server objects ---

// PutContact writes a pulled contact as the server has it: id, folder,
// creator, modifier and creation date are kept, last_modified takes the
// transaction's stamp. The picture columns are kept from the local row.
func (t *Tx) PutContact(c *ContactRow) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	fields, err := encodeFields(c.Fields)
	if err != nil {
		return err
	}
	c.LastModified = stamp
	_, err = t.Exec(`INSERT INTO contacts(cid, id, folder_id, user_id, created_by, modified_by, creation_date, last_modified, private_flag,
		display_name, first_name, last_name, company, email1, email2, email3, uid, image_key, image_type, image_modified, fields)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT(cid, id) DO UPDATE SET folder_id = excluded.folder_id, user_id = excluded.user_id, created_by = excluded.created_by,
		modified_by = excluded.modified_by, creation_date = excluded.creation_date, last_modified = excluded.last_modified,
		private_flag = excluded.private_flag, display_name = excluded.display_name, first_name = excluded.first_name,
		last_name = excluded.last_name, company = excluded.company, email1 = excluded.email1, email2 = excluded.email2,
		email3 = excluded.email3, uid = excluded.uid, image_key = excluded.image_key, image_type = excluded.image_type,
		image_modified = excluded.image_modified, fields = excluded.fields`,
		t.cid, c.ID, c.FolderID, c.UserID, c.CreatedBy, c.ModifiedBy, c.CreationDate, c.LastModified, c.PrivateFlag,
		c.DisplayName, c.FirstName, c.LastName, c.Company, c.Email1, c.Email2, c.Email3, c.UID, c.ImageKey, c.ImageType, c.ImageModified, fields)
	return err
}

// PutFolder writes a pulled folder with its permissions as the server has
// it; last_modified takes the transaction's stamp.
func (t *Tx) PutFolder(f *Folder) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	f.ContextID, f.LastModified = t.cid, stamp
	if f.CreationDate == 0 {
		f.CreationDate = stamp
	}
	_, err = t.Exec(`INSERT INTO folders(cid, id, parent, title, module, type, owner, created_by, modified_by, creation_date, last_modified,
		default_type, subscribed, meta) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT(cid, id) DO UPDATE SET parent = excluded.parent, title = excluded.title, module = excluded.module, type = excluded.type,
		owner = excluded.owner, created_by = excluded.created_by, modified_by = excluded.modified_by,
		creation_date = excluded.creation_date, last_modified = excluded.last_modified, default_type = excluded.default_type,
		subscribed = excluded.subscribed, meta = excluded.meta`,
		t.cid, f.ID, f.Parent, f.Title, f.Module, f.Type, f.Owner, f.CreatedBy, f.ModifiedBy, f.CreationDate, f.LastModified,
		f.DefaultType, f.Subscribed, f.Meta)
	if err != nil {
		return err
	}
	return t.ReplacePermissions(f.ID, f.Permissions)
}

// PutUser writes a user pulled from the server (its contact in the
// global address book comes with the contacts of folder 6).
func (t *Tx) PutUser(u *User) error {
	aliases := `[]`
	if len(u.Aliases) > 0 {
		b := []byte{'['}
		for i, a := range u.Aliases {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, a)
		}
		aliases = string(append(b, ']'))
	}
	_, err := t.Exec(`INSERT INTO users(cid, id, login, password_hash, timezone, locale, contact_id, is_admin, enabled, aliases, created, last_modified)
		VALUES(?,?,?,'',?,?,?,?,1,?,?,?)
		ON CONFLICT(cid, id) DO UPDATE SET login = excluded.login, timezone = excluded.timezone, locale = excluded.locale,
		contact_id = excluded.contact_id, is_admin = excluded.is_admin, aliases = excluded.aliases, last_modified = excluded.last_modified`,
		t.cid, u.ID, u.Login, u.TimeZone, u.Locale, u.ContactID, u.IsAdmin, aliases, u.Created, u.LastModified)
	if err != nil {
		return err
	}
	if u.Groups == nil {
		return nil
	}
	if _, err := t.Exec(`DELETE FROM group_members WHERE cid = ? AND user_id = ?`, t.cid, u.ID); err != nil {
		return err
	}
	for _, g := range u.Groups {
		if g == 0 {
			continue
		}
		if _, err := t.Exec(`INSERT OR IGNORE INTO group_members(cid, group_id, user_id) VALUES(?,?,?)`, t.cid, g, u.ID); err != nil {
			return err
		}
	}
	return nil
}

// PutGroup writes a group pulled from the server with its members.
func (t *Tx) PutGroup(id int64, name, displayName string, members []int64, lastModified int64) error {
	if _, err := t.Exec(`INSERT INTO groups(cid, id, name, display_name, created, last_modified) VALUES(?,?,?,?,?,?)
		ON CONFLICT(cid, id) DO UPDATE SET name = excluded.name, display_name = excluded.display_name, last_modified = excluded.last_modified`,
		t.cid, id, name, displayName, lastModified, lastModified); err != nil {
		return err
	}
	if _, err := t.Exec(`DELETE FROM group_members WHERE cid = ? AND group_id = ?`, t.cid, id); err != nil {
		return err
	}
	for _, m := range members {
		if _, err := t.Exec(`INSERT OR IGNORE INTO group_members(cid, group_id, user_id) VALUES(?,?,?)`, t.cid, id, m); err != nil {
			return err
		}
	}
	return nil
}

// EnsureContext creates context id (as the server numbers it) with its
// change sequence when the store does not have it yet.
func (t *Tx) EnsureContext(id int64, name string, now int64) error {
	if _, err := t.Exec(`INSERT OR IGNORE INTO contexts(id, name, created) VALUES(?,?,?)`, id, name, now); err != nil {
		return err
	}
	if _, err := t.Exec(`INSERT OR IGNORE INTO ctx_seq(cid, last) VALUES(?, 0)`, id); err != nil {
		return err
	}
	t.UseContext(id)
	return nil
}

// --- temporary ids ---

// RemapContact renames contact temp to id everywhere the store refers to
// it: the row (stamped so that local `updates` lists it under its new
// id), tombstones, attachments and distribution-list members.
func (t *Tx) RemapContact(temp, id int64) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	if _, err := t.Exec(`UPDATE contacts SET id = ?, last_modified = ? WHERE cid = ? AND id = ?`, id, stamp, t.cid, temp); err != nil {
		return err
	}
	if err := t.remapCommon(TombContact, ModuleContact, temp, id); err != nil {
		return err
	}
	// Members are stored as {"id":N,...} in the JSON column fields.
	needle := `"id":` + strconv.FormatInt(temp, 10) + `,`
	rows, err := t.Query(`SELECT `+contactRowCols+` FROM contacts WHERE cid = ? AND instr(fields, ?) > 0`, t.cid, needle)
	lists, err := scanContactRows(rows, err)
	if err != nil {
		return err
	}
	for _, c := range lists {
		ms, _ := c.Fields["distribution_list"].([]any)
		changed := false
		for _, m := range ms {
			o, ok := m.(map[string]any)
			if !ok {
				continue
			}
			if n, ok := o["id"].(interface{ Int64() (int64, error) }); ok {
				if v, err := n.Int64(); err == nil && v == temp {
					o["id"] = id
					changed = true
				}
			}
		}
		if !changed {
			continue
		}
		fields, err := encodeFields(c.Fields)
		if err != nil {
			return err
		}
		if _, err := t.Exec(`UPDATE contacts SET fields = ?, last_modified = ? WHERE cid = ? AND id = ?`, fields, stamp, t.cid, c.ID); err != nil {
			return err
		}
	}
	return nil
}

// RemapTask renames task temp to id: row, relations, reminders,
// attachments and tombstones.
func (t *Tx) RemapTask(temp, id int64) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	for _, q := range []string{
		`UPDATE tasks SET id = ?, last_modified = ` + strconv.FormatInt(stamp, 10) + ` WHERE cid = ? AND id = ?`,
		`UPDATE task_folders SET task_id = ? WHERE cid = ? AND task_id = ?`,
		`UPDATE task_participants SET task_id = ? WHERE cid = ? AND task_id = ?`,
		`UPDATE reminders SET target_id = ? WHERE cid = ? AND target_id = ? AND module = ` + strconv.Itoa(ModuleTask),
	} {
		if _, err := t.Exec(q, id, t.cid, temp); err != nil {
			return err
		}
	}
	return t.remapCommon(TombTask, ModuleTask, temp, id)
}

func (t *Tx) remapCommon(tomb string, attachModule int, temp, id int64) error {
	if _, err := t.Exec(`UPDATE OR REPLACE tombstones SET id = ? WHERE cid = ? AND module = ? AND id = ?`, id, t.cid, tomb, temp); err != nil {
		return err
	}
	_, err := t.Exec(`UPDATE attachments SET attached = ? WHERE cid = ? AND module = ? AND attached = ?`, id, t.cid, attachModule, temp)
	return err
}

// RemapFolder renames folder temp to id: the row, its permissions, its
// subfolders, the objects in it, reminders, attachments, tombstones and
// the pull position.
func (t *Tx) RemapFolder(temp, id int64) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	s := strconv.FormatInt(stamp, 10)
	if _, err := t.Exec(`UPDATE tasks SET last_modified = `+s+` WHERE cid = ? AND id IN
		(SELECT task_id FROM task_folders WHERE cid = ? AND folder_id = ?)`, t.cid, t.cid, temp); err != nil {
		return err
	}
	for _, q := range []string{
		`UPDATE folders SET id = ?, last_modified = ` + s + ` WHERE cid = ? AND id = ?`,
		`UPDATE folders SET parent = ?, last_modified = ` + s + ` WHERE cid = ? AND parent = ?`,
		`UPDATE folder_permissions SET folder_id = ? WHERE cid = ? AND folder_id = ?`,
		`UPDATE contacts SET folder_id = ?, last_modified = ` + s + ` WHERE cid = ? AND folder_id = ?`,
		`UPDATE tasks SET folder_id = ?, last_modified = ` + s + ` WHERE cid = ? AND folder_id = ?`,
		`UPDATE task_folders SET folder_id = ? WHERE cid = ? AND folder_id = ?`,
		`UPDATE reminders SET folder_id = ? WHERE cid = ? AND folder_id = ?`,
		`UPDATE attachments SET folder_id = ? WHERE cid = ? AND folder_id = ?`,
		`UPDATE OR REPLACE tombstones SET folder_id = ? WHERE cid = ? AND folder_id = ?`,
		`UPDATE OR REPLACE tombstones SET id = ? WHERE cid = ? AND module = 'folder' AND id = ?`,
		`UPDATE OR REPLACE sync_state SET folder_id = ? WHERE cid = ? AND folder_id = ?`,
		`UPDATE sync_objects SET folder_id = ? WHERE cid = ? AND folder_id = ?`,
	} {
		if _, err := t.Exec(q, id, t.cid, temp); err != nil {
			return err
		}
	}
	return nil
}

// LocalObjectIDs lists the ids of a PIM module's objects in a folder
// ("contacts" or "tasks").
func (d *DB) LocalObjectIDs(ctx context.Context, cid int64, module string, folder int64) ([]int64, error) {
	var q string
	switch module {
	case "contacts":
		q = `SELECT id FROM contacts WHERE cid = ? AND folder_id = ?`
	case "tasks":
		q = `SELECT task_id FROM task_folders WHERE cid = ? AND folder_id = ?`
	case "calendar":
		q = localAppointmentIDs
	default:
		return nil, errors.New("storage: no local objects of module " + module)
	}
	return scanIDs(d.Query(ctx, q, cid, folder))
}

// ObjectFolder returns the folder a PIM object is in locally (ok false
// when the object does not exist there).
func (t *Tx) ObjectFolder(module string, id int64) (int64, bool, error) {
	var q string
	switch module {
	case "contacts":
		q = `SELECT folder_id FROM contacts WHERE cid = ? AND id = ?`
	case "tasks":
		q = `SELECT folder_id FROM tasks WHERE cid = ? AND id = ?`
	case "calendar":
		q = appointmentFolder
	case "folders":
		q = `SELECT parent FROM folders WHERE cid = ? AND id = ?`
	default:
		return 0, false, errors.New("storage: no local objects of module " + module)
	}
	var f int64
	err := t.QueryRow(q, t.cid, id).Scan(&f)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return f, err == nil, err
}

// ModuleFolderIDs lists the ids of the local folders of a module.
func (d *DB) ModuleFolderIDs(ctx context.Context, cid int64, module string) ([]int64, error) {
	return scanIDs(d.Query(ctx, `SELECT id FROM folders WHERE cid = ? AND module = ? ORDER BY id`, cid, module))
}

// PendingFolders lists the folders the outbox still refers to: folders
// with pending changes of their own or of objects in them.
func (d *DB) PendingFolders(ctx context.Context, cid int64) (map[int64]bool, error) {
	return idSet(scanIDs(d.Query(ctx, `SELECT object_id FROM outbox WHERE cid = ? AND module = 'folders'
		UNION SELECT folder_id FROM outbox WHERE cid = ?`, cid, cid)))
}

// SyncFolderStamp returns the pull position of a folder (0 when unknown).
func (d *DB) SyncFolderStamp(ctx context.Context, cid int64, module string, folder int64) (int64, error) {
	var ts int64
	err := d.QueryRow(ctx, `SELECT timestamp FROM sync_state WHERE cid = ? AND module = ? AND folder_id = ?`, cid, module, folder).Scan(&ts)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return ts, err
}

// LocalTempIDs lists the objects of a folder that still carry temporary
// (negative) ids.
func (d *DB) LocalTempIDs(ctx context.Context, cid int64, module string, folder int64) ([]int64, error) {
	var q string
	switch module {
	case "contacts":
		q = `SELECT id FROM contacts WHERE cid = ? AND folder_id = ? AND id < 0`
	case "tasks":
		q = `SELECT task_id FROM task_folders WHERE cid = ? AND folder_id = ? AND task_id < 0`
	case "calendar":
		q = localAppointmentIDs + ` AND appointment_id < 0`
	default:
		return nil, errors.New("storage: no local objects of module " + module)
	}
	return scanIDs(d.Query(ctx, q, cid, folder))
}

// SyncObjectsByIDs maps those of ids that were pulled to their server
// last_modified.
func (d *DB) SyncObjectsByIDs(ctx context.Context, cid int64, module string, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	for _, chunk := range chunks(ids, 500) {
		in, args := inList(chunk)
		rows, err := d.Query(ctx, `SELECT id, server_modified FROM sync_objects WHERE cid = ? AND module = ? AND id IN (`+in+`)`,
			append([]any{cid, module}, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, lm int64
			if err := rows.Scan(&id, &lm); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = lm
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RemapAttachment renames attachment temp to id.
func (t *Tx) RemapAttachment(temp, id int64) error {
	if _, err := t.Exec(`UPDATE attachments SET id = ? WHERE cid = ? AND id = ?`, id, t.cid, temp); err != nil {
		return err
	}
	_, err := t.Exec(`UPDATE OR REPLACE tombstones SET id = ? WHERE cid = ? AND module = 'attachment' AND id = ?`, id, t.cid, temp)
	return err
}

// SetContactPicture gives a contact without picture the stored blob key
// (a picture pulled from the server); it answers false when the contact is
// gone or has a picture meanwhile.
func (t *Tx) SetContactPicture(id int64, key, contentType string) (bool, error) {
	stamp, err := t.Stamp()
	if err != nil {
		return false, err
	}
	res, err := t.Exec(`UPDATE contacts SET image_key = ?, image_type = ?, image_modified = ?, last_modified = ?
		WHERE cid = ? AND id = ? AND image_key = ''`, key, contentType, stamp, stamp, t.cid, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ForgetServerModified clears the stored server timestamp of an object, so
// that the next pull fetches it again.
func (t *Tx) ForgetServerModified(module string, id int64) error {
	_, err := t.Exec(`UPDATE sync_objects SET server_modified = 0 WHERE cid = ? AND module = ? AND id = ?`, t.cid, module, id)
	return err
}

// idSet turns an id list into a set.
func idSet(ids []int64, err error) (map[int64]bool, error) {
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// scanIDs reads a one-column result of ids.
func scanIDs(rows *sql.Rows, err error) ([]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
