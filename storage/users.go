package storage

import (
	"context"
	"database/sql"
	"errors"
)

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
