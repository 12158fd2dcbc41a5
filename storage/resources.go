package storage

import (
	"context"
	"database/sql"
	"errors"
)

const resourceSelect = `SELECT id, name, display_name, mail, description, available, created, last_modified FROM resources`

func scanResource(s interface{ Scan(...any) error }) (*Resource, error) {
	var r Resource
	if err := s.Scan(&r.ID, &r.Name, &r.DisplayName, &r.Mail, &r.Description, &r.Available, &r.Created, &r.LastModified); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return &r, nil
}

// Resources lists the resources of a context ordered by id.
func (d *DB) Resources(ctx context.Context, cid int64) ([]Resource, error) {
	rows, err := d.Query(ctx, resourceSelect+` WHERE cid = ? ORDER BY id`, cid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Resource
	for rows.Next() {
		r, err := scanResource(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// ResourceByID loads one resource.
func (d *DB) ResourceByID(ctx context.Context, cid, id int64) (*Resource, error) {
	return scanResource(d.QueryRow(ctx, resourceSelect+` WHERE cid = ? AND id = ?`, cid, id))
}

// ResourceForUpdate loads a resource inside a write transaction.
func (t *Tx) ResourceForUpdate(id int64) (*Resource, error) {
	return scanResource(t.QueryRow(resourceSelect+` WHERE cid = ? AND id = ?`, t.cid, id))
}

// ResourceNameTaken reports whether another resource uses name.
func (t *Tx) ResourceNameTaken(name string, except int64) (bool, error) {
	var n int
	err := t.QueryRow(`SELECT count(*) FROM resources WHERE cid = ? AND name = ? COLLATE NOCASE AND id <> ?`, t.cid, name, except).Scan(&n)
	return n > 0, err
}

// ResourceMailTaken reports whether another resource uses the address.
func (t *Tx) ResourceMailTaken(mail string, except int64) (bool, error) {
	if mail == "" {
		return false, nil
	}
	var n int
	err := t.QueryRow(`SELECT count(*) FROM resources WHERE cid = ? AND mail = ? COLLATE NOCASE AND id <> ?`, t.cid, mail, except).Scan(&n)
	return n > 0, err
}

// UpdateResource writes every field of r and stamps it.
func (t *Tx) UpdateResource(r *Resource) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	res, err := t.Exec(`UPDATE resources SET name = ?, display_name = ?, mail = ?, description = ?, available = ?, last_modified = ?
		WHERE cid = ? AND id = ?`, r.Name, r.DisplayName, r.Mail, r.Description, r.Available, stamp, t.cid, r.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	r.LastModified = stamp
	return nil
}

// DeleteResource removes a resource and leaves a tombstone.
func (t *Tx) DeleteResource(id int64) error {
	res, err := t.Exec(`DELETE FROM resources WHERE cid = ? AND id = ?`, t.cid, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return t.Tombstone(TombResource, 0, id)
}
