package storage

import (
	"context"
	"database/sql"
	"errors"
)

// JSlobs returns the stored JSlob trees of a user (id → JSON text).
func (d *DB) JSlobs(ctx context.Context, cid, uid int64) (map[string]string, error) {
	rows, err := d.Query(ctx, `SELECT id, tree FROM jslobs WHERE cid = ? AND user_id = ?`, cid, uid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, tree string
		if err := rows.Scan(&id, &tree); err != nil {
			return nil, err
		}
		out[id] = tree
	}
	return out, rows.Err()
}

// JSlob returns one stored tree; ok is false when none is stored.
func (d *DB) JSlob(ctx context.Context, cid, uid int64, id string) (tree string, ok bool, err error) {
	return scanJSlob(d.QueryRow(ctx, `SELECT tree FROM jslobs WHERE cid = ? AND user_id = ? AND id = ?`, cid, uid, id))
}

// JSlob reads a stored tree inside the transaction (read-modify-write of update).
func (t *Tx) JSlob(uid int64, id string) (tree string, ok bool, err error) {
	return scanJSlob(t.QueryRow(`SELECT tree FROM jslobs WHERE cid = ? AND user_id = ? AND id = ?`, t.cid, uid, id))
}

func scanJSlob(row *sql.Row) (string, bool, error) {
	var tree string
	err := row.Scan(&tree)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return tree, err == nil, err
}

// PutJSlob stores (replaces) a tree.
func (t *Tx) PutJSlob(uid int64, id, tree string) error {
	_, err := t.Exec(`INSERT INTO jslobs(cid, user_id, id, tree) VALUES(?,?,?,?)
		ON CONFLICT(cid, user_id, id) DO UPDATE SET tree = excluded.tree`, t.cid, uid, id, tree)
	return err
}

// DeleteJSlob removes a stored tree.
func (t *Tx) DeleteJSlob(uid int64, id string) error {
	_, err := t.Exec(`DELETE FROM jslobs WHERE cid = ? AND user_id = ? AND id = ?`, t.cid, uid, id)
	return err
}
