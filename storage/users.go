package storage

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
)

// ContactRow is one row of table contacts: the searchable fields are
// columns, everything else lives in Fields (the JSON column `fields`, keyed
// by the OX JSON field name). core/contactfields maps OX columns onto it.
type ContactRow struct {
	ID           int64
	FolderID     int64
	UserID       int64
	CreatedBy    int64
	ModifiedBy   int64
	CreationDate int64
	LastModified int64
	PrivateFlag  bool
	DisplayName  string
	FirstName    string
	LastName     string
	Company      string
	Email1       string
	Email2       string
	Email3       string
	UID          string
	// Fields holds the other fields; numbers decode as json.Number.
	Fields map[string]any
}

const contactRowCols = `id, folder_id, user_id, created_by, modified_by, creation_date, last_modified, private_flag,
	display_name, first_name, last_name, company, email1, email2, email3, uid, fields`

func scanContactRow(s interface{ Scan(...any) error }) (*ContactRow, error) {
	var c ContactRow
	var fields string
	err := s.Scan(&c.ID, &c.FolderID, &c.UserID, &c.CreatedBy, &c.ModifiedBy, &c.CreationDate, &c.LastModified, &c.PrivateFlag,
		&c.DisplayName, &c.FirstName, &c.LastName, &c.Company, &c.Email1, &c.Email2, &c.Email3, &c.UID, &fields)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	c.Fields = map[string]any{}
	if fields != "" && fields != "{}" {
		dec := json.NewDecoder(bytes.NewReader([]byte(fields)))
		dec.UseNumber()
		_ = dec.Decode(&c.Fields)
	}
	return &c, nil
}

// UserContactRows loads the global-address-book rows of all users of a
// context, keyed by user id.
func (d *DB) UserContactRows(ctx context.Context, cid int64) (map[int64]*ContactRow, error) {
	rows, err := d.Query(ctx, `SELECT `+contactRowCols+` FROM contacts WHERE cid = ? AND user_id > 0 AND folder_id = 6`, cid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]*ContactRow{}
	for rows.Next() {
		c, err := scanContactRow(rows)
		if err != nil {
			return nil, err
		}
		out[c.UserID] = c
	}
	return out, rows.Err()
}

// UserContactRow loads the global-address-book row of one user.
func (d *DB) UserContactRow(ctx context.Context, cid, uid int64) (*ContactRow, error) {
	return scanContactRow(d.QueryRow(ctx, `SELECT `+contactRowCols+` FROM contacts WHERE cid = ? AND user_id = ? AND folder_id = 6`, cid, uid))
}

// UserForUpdate reads a user and its contact row inside a write
// transaction, so the conflict check and the write see the same state.
func (t *Tx) UserForUpdate(uid int64) (*User, *ContactRow, error) {
	u, err := scanUser(t.QueryRow(userSelect+` WHERE u.cid = ? AND u.id = ?`, t.cid, uid))
	if err != nil {
		return nil, nil, err
	}
	c, err := scanContactRow(t.QueryRow(`SELECT `+contactRowCols+` FROM contacts WHERE cid = ? AND user_id = ? AND folder_id = 6`, t.cid, uid))
	if err != nil {
		return u, nil, err
	}
	return u, c, nil
}

// DisplayNameTaken reports whether another user's contact carries name.
func (t *Tx) DisplayNameTaken(name string, exceptUser int64) (bool, error) {
	var n int
	err := t.QueryRow(`SELECT count(*) FROM contacts WHERE cid = ? AND folder_id = 6 AND user_id > 0 AND user_id <> ? AND display_name = ? COLLATE NOCASE`,
		t.cid, exceptUser, name).Scan(&n)
	return n > 0, err
}

// UpdateContactRow writes every field of c and stamps it with the
// transaction's sequence value (last_modified, modified_by).
func (t *Tx) UpdateContactRow(c *ContactRow, modifiedBy int64) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	fields := "{}"
	if len(c.Fields) > 0 {
		b, err := json.Marshal(c.Fields)
		if err != nil {
			return err
		}
		fields = string(b)
	}
	res, err := t.Exec(`UPDATE contacts SET modified_by = ?, last_modified = ?, private_flag = ?, display_name = ?, first_name = ?,
		last_name = ?, company = ?, email1 = ?, email2 = ?, email3 = ?, uid = ?, fields = ? WHERE cid = ? AND id = ?`,
		modifiedBy, stamp, c.PrivateFlag, c.DisplayName, c.FirstName, c.LastName, c.Company, c.Email1, c.Email2, c.Email3, c.UID,
		fields, t.cid, c.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	c.LastModified, c.ModifiedBy = stamp, modifiedBy
	return nil
}

// UpdateUserSettings changes a user's time zone and locale.
func (t *Tx) UpdateUserSettings(uid int64, timeZone, locale string) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	res, err := t.Exec(`UPDATE users SET timezone = ?, locale = ?, last_modified = ? WHERE cid = ? AND id = ?`, timeZone, locale, stamp, t.cid, uid)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// UserAttribute reads a custom attribute; ok is false when it is unset.
func (d *DB) UserAttribute(ctx context.Context, cid, uid int64, name string) (value string, ok bool, err error) {
	err = d.QueryRow(ctx, `SELECT value FROM user_attributes WHERE cid = ? AND user_id = ? AND name = ?`, cid, uid, name).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return value, err == nil, err
}

// SetUserAttribute stores a custom attribute. With ifAbsent it keeps an
// existing value and reports false.
func (t *Tx) SetUserAttribute(uid int64, name, value string, ifAbsent bool) (bool, error) {
	q := `INSERT INTO user_attributes(cid, user_id, name, value) VALUES(?,?,?,?) ON CONFLICT(cid, user_id, name) DO UPDATE SET value = excluded.value`
	if ifAbsent {
		q = `INSERT INTO user_attributes(cid, user_id, name, value) VALUES(?,?,?,?) ON CONFLICT(cid, user_id, name) DO NOTHING`
	}
	res, err := t.Exec(q, t.cid, uid, name, value)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeleteUserAttribute removes a custom attribute.
func (t *Tx) DeleteUserAttribute(uid int64, name string) error {
	_, err := t.Exec(`DELETE FROM user_attributes WHERE cid = ? AND user_id = ? AND name = ?`, t.cid, uid, name)
	return err
}

// UsersLastCreated is the newest creation stamp of a context's users (the
// change time of the virtual group "all users").
func (d *DB) UsersLastCreated(ctx context.Context, cid int64) (int64, error) {
	var v int64
	err := d.QueryRow(ctx, `SELECT coalesce(max(created), 0) FROM users WHERE cid = ?`, cid).Scan(&v)
	return v, err
}
