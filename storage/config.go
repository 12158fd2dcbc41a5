package storage

import (
	"context"
	"database/sql"
	"errors"
)

// Default folder types (folders.default_type) by module name, as the
// config tree and the io.ox/core JSlob name them.
var defaultFolderModules = map[int]string{1: "tasks", 2: "calendar", 3: "contacts", 8: "infostore"}

// DefaultFolderIDs returns the user's default folder ids keyed by module
// (tasks, calendar, contacts, infostore) in one query; it agrees with
// DefaultFolder. A module without a default folder is absent.
func (d *DB) DefaultFolderIDs(ctx context.Context, cid, uid int64) (map[string]int64, error) {
	rows, err := d.Query(ctx, `SELECT default_type, min(id) FROM folders
		WHERE cid = ? AND owner = ? AND default_type IN (1, 2, 3, 8) AND type = 1 GROUP BY default_type`, cid, uid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var typ int
		var id int64
		if err := rows.Scan(&typ, &id); err != nil {
			return nil, err
		}
		out[defaultFolderModules[typ]] = id
	}
	return out, rows.Err()
}

// UserConfigValues returns the user's stored config leaves (path → JSON text).
func (d *DB) UserConfigValues(ctx context.Context, cid, uid int64) (map[string]string, error) {
	rows, err := d.Query(ctx, `SELECT path, value FROM user_config WHERE cid = ? AND user_id = ?`, cid, uid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var p, v string
		if err := rows.Scan(&p, &v); err != nil {
			return nil, err
		}
		out[p] = v
	}
	return out, rows.Err()
}

// UserConfigValue returns one stored config leaf; ok is false when unset.
func (d *DB) UserConfigValue(ctx context.Context, cid, uid int64, path string) (value string, ok bool, err error) {
	err = d.QueryRow(ctx, `SELECT value FROM user_config WHERE cid = ? AND user_id = ? AND path = ?`, cid, uid, path).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return value, err == nil, err
}

// SetUserConfigValue stores a config leaf (JSON text) of a user.
func (t *Tx) SetUserConfigValue(uid int64, path, value string) error {
	_, err := t.Exec(`INSERT INTO user_config(cid, user_id, path, value) VALUES(?,?,?,?)
		ON CONFLICT(cid, user_id, path) DO UPDATE SET value = excluded.value`, t.cid, uid, path, value)
	return err
}

// DeleteUserConfigValue removes a config leaf of a user.
func (t *Tx) DeleteUserConfigValue(uid int64, path string) error {
	_, err := t.Exec(`DELETE FROM user_config WHERE cid = ? AND user_id = ? AND path = ?`, t.cid, uid, path)
	return err
}

// UpdateUserLocaleTZ changes a user's locale and/or time zone (an empty
// argument keeps the stored value) and stamps the user as modified, so
// `user?action=updates` reports the change.
func (t *Tx) UpdateUserLocaleTZ(uid int64, locale, timezone string) error {
	if locale == "" && timezone == "" {
		return nil
	}
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	res, err := t.Exec(`UPDATE users SET locale = coalesce(nullif(?, ''), locale), timezone = coalesce(nullif(?, ''), timezone),
		last_modified = ? WHERE cid = ? AND id = ?`, locale, timezone, stamp, t.cid, uid)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
