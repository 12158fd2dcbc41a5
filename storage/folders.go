package storage

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
)

// Queries of the folders module. Folders are loaded with their permission
// entries; visibility filters in SQL only narrow the candidates, the
// effective permission is computed by core/perm.

type queryFunc func(q string, args ...any) (*sql.Rows, error)

func (d *DB) reader(ctx context.Context) queryFunc {
	return func(q string, args ...any) (*sql.Rows, error) { return d.Query(ctx, q, args...) }
}

func (t *Tx) reader() queryFunc { return t.Query }

const folderCols = `f.cid, f.id, f.parent, f.title, f.module, f.type, f.owner, f.created_by, f.modified_by,
	f.creation_date, f.last_modified, f.default_type, f.subscribed, f.meta`

// loadFolders runs `SELECT … FROM folders f <rest>` and attaches the
// permission entries of every folder found.
func loadFolders(q queryFunc, cid int64, rest string, args ...any) ([]*Folder, error) {
	rows, err := q(`SELECT `+folderCols+` FROM folders f `+rest, args...)
	if err != nil {
		return nil, err
	}
	var out []*Folder
	byID := map[int64]*Folder{}
	for rows.Next() {
		f := &Folder{}
		if err := rows.Scan(&f.ContextID, &f.ID, &f.Parent, &f.Title, &f.Module, &f.Type, &f.Owner, &f.CreatedBy, &f.ModifiedBy,
			&f.CreationDate, &f.LastModified, &f.DefaultType, &f.Subscribed, &f.Meta); err != nil {
			rows.Close()
			return nil, err
		}
		if byID[f.ID] != nil {
			continue
		}
		f.Permissions = []Permission{}
		byID[f.ID] = f
		out = append(out, f)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, len(out))
	for i, f := range out {
		ids[i] = f.ID
	}
	for _, chunk := range chunks(ids, 500) {
		in, inArgs := inList(chunk)
		prows, err := q(`SELECT folder_id, entity, is_group, fp, rp, wp, dp, admin FROM folder_permissions
			WHERE cid = ? AND folder_id IN (`+in+`) ORDER BY folder_id, is_group, entity`, append([]any{cid}, inArgs...)...)
		if err != nil {
			return nil, err
		}
		for prows.Next() {
			var fid int64
			var p Permission
			if err := prows.Scan(&fid, &p.Entity, &p.Group, &p.Folder, &p.Read, &p.Write, &p.Delete, &p.Admin); err != nil {
				prows.Close()
				return nil, err
			}
			if f := byID[fid]; f != nil {
				f.Permissions = append(f.Permissions, p)
			}
		}
		if err := prows.Close(); err != nil {
			return nil, err
		}
		if err := prows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func chunks(ids []int64, n int) [][]int64 {
	var out [][]int64
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

func inList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?,", len(ids)), ","), args
}

// matchClause selects permission rows (alias p) that apply to user uid:
// the user's own entry, group 0 (all users) and the user's groups.
func matchClause(uid int64, groups []int64) (string, []any) {
	args := []any{uid}
	in := "0"
	for _, g := range groups {
		in += ",?"
		args = append(args, g)
	}
	return `((p.is_group = 0 AND p.entity = ?) OR (p.is_group = 1 AND p.entity IN (` + in + `)))`, args
}

// visibleExists is an EXISTS condition on folder f: some entry that
// applies to the user grants at least "see" or admin.
func visibleExists(uid int64, groups []int64) (string, []any) {
	m, args := matchClause(uid, groups)
	return `EXISTS (SELECT 1 FROM folder_permissions p WHERE p.cid = f.cid AND p.folder_id = f.id AND ` + m +
		` AND (p.fp > 0 OR p.admin <> 0))`, args
}

// visibleIDs is an IN condition on folder f driven by the permission
// index: the folders some entry applying to the user lets the user see.
func visibleIDs(cid, uid int64, groups []int64) (string, []any) {
	m, args := matchClause(uid, groups)
	return `f.id IN (SELECT p.folder_id FROM folder_permissions p WHERE p.cid = ? AND ` + m +
		` AND (p.fp > 0 OR p.admin <> 0))`, append([]any{cid}, args...)
}

func one(fs []*Folder, err error) (*Folder, error) {
	if err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return nil, ErrNotFound
	}
	return fs[0], nil
}

// Folder loads one folder with its permissions (ErrNotFound if absent).
func (d *DB) Folder(ctx context.Context, cid, id int64) (*Folder, error) {
	return Cached(d, folderKey{cid, id}, func() (*Folder, error) {
		return one(loadFolders(d.reader(ctx), cid, `WHERE f.cid = ? AND f.id = ?`, cid, id))
	}, (*Folder).clone)
}

type folderKey struct{ cid, id int64 }

func (f *Folder) clone() *Folder {
	if f == nil {
		return nil
	}
	c := *f
	c.Permissions = slices.Clone(f.Permissions)
	return &c
}

// Folder loads one folder inside the transaction.
func (t *Tx) Folder(id int64) (*Folder, error) {
	return one(loadFolders(t.reader(), t.cid, `WHERE f.cid = ? AND f.id = ?`, t.cid, id))
}

// FoldersByIDs loads the folders that exist among ids, ordered by id.
func (d *DB) FoldersByIDs(ctx context.Context, cid int64, ids []int64) ([]*Folder, error) {
	var out []*Folder
	for _, chunk := range chunks(ids, 500) {
		in, args := inList(chunk)
		fs, err := loadFolders(d.reader(ctx), cid, `WHERE f.cid = ? AND f.id IN (`+in+`) ORDER BY f.id`, append([]any{cid}, args...)...)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

// ChildFolders loads the direct subfolders of parent.
func (d *DB) ChildFolders(ctx context.Context, cid, parent int64) ([]*Folder, error) {
	return loadFolders(d.reader(ctx), cid, `WHERE f.cid = ? AND f.parent = ? ORDER BY f.id`, cid, parent)
}

// ChildFolders loads the direct subfolders of parent inside the transaction.
func (t *Tx) ChildFolders(parent int64) ([]*Folder, error) {
	return loadFolders(t.reader(), t.cid, `WHERE f.cid = ? AND f.parent = ? ORDER BY f.id`, t.cid, parent)
}

// OwnFolders loads the folders below parent that uid owns.
func (d *DB) OwnFolders(ctx context.Context, cid, uid, parent int64) ([]*Folder, error) {
	return loadFolders(d.reader(ctx), cid, `WHERE f.cid = ? AND f.parent = ? AND f.owner = ? ORDER BY f.id`, cid, parent, uid)
}

// SharedFolders loads other users' private folders (type 1) that uid may
// see through a user or group entry; module "" means every module.
func (d *DB) SharedFolders(ctx context.Context, cid, uid int64, groups []int64, module string) ([]*Folder, error) {
	vis, vargs := visibleIDs(cid, uid, groups)
	q := `WHERE f.cid = ? AND f.type = 1 AND f.owner <> ? AND ` + vis
	args := append([]any{cid, uid}, vargs...)
	if module != "" {
		q += ` AND f.module = ?`
		args = append(args, module)
	}
	return loadFolders(d.reader(ctx), cid, q+` ORDER BY f.id`, args...)
}

// VisibleFolders loads every folder of module that some entry applying to
// uid lets the user see.
func (d *DB) VisibleFolders(ctx context.Context, cid, uid int64, groups []int64, module string) ([]*Folder, error) {
	vis, vargs := visibleIDs(cid, uid, groups)
	return loadFolders(d.reader(ctx), cid, `WHERE f.cid = ? AND f.module = ? AND `+vis+` ORDER BY f.id`,
		append([]any{cid, module}, vargs...)...)
}

// FoldersSharedBy loads the folders on which uid holds an admin entry and
// which carry an entry for someone else (another user or any group);
// module "" means every module.
func (d *DB) FoldersSharedBy(ctx context.Context, cid, uid int64, module string) ([]*Folder, error) {
	q := `WHERE f.cid = ? AND (f.id >= 20 OR f.id <= -20)
		AND EXISTS (SELECT 1 FROM folder_permissions p WHERE p.cid = f.cid AND p.folder_id = f.id AND p.is_group = 0 AND p.entity = ? AND p.admin <> 0)
		AND EXISTS (SELECT 1 FROM folder_permissions p WHERE p.cid = f.cid AND p.folder_id = f.id AND (p.is_group <> 0 OR p.entity <> ?))`
	args := []any{cid, uid, uid}
	if module != "" {
		q += ` AND f.module = ?`
		args = append(args, module)
	}
	return loadFolders(d.reader(ctx), cid, q+` ORDER BY f.id`, args...)
}

// ParentsWithVisibleChildren reports which of parents have at least one
// direct subfolder that uid may see.
func (d *DB) ParentsWithVisibleChildren(ctx context.Context, cid, uid int64, groups []int64, parents []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	vis, vargs := visibleExists(uid, groups)
	for _, chunk := range chunks(parents, 500) {
		in, args := inList(chunk)
		rows, err := d.Query(ctx, `SELECT DISTINCT f.parent FROM folders f WHERE f.cid = ? AND f.parent IN (`+in+`) AND `+vis,
			append(append([]any{cid}, args...), vargs...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var p int64
			if err := rows.Scan(&p); err != nil {
				rows.Close()
				return nil, err
			}
			out[p] = true
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DefaultFolder returns the id of uid's default folder of module
// ("contacts", "calendar", "tasks", "infostore").
func (d *DB) DefaultFolder(ctx context.Context, cid, uid int64, module string) (int64, error) {
	var id int64
	err := d.QueryRow(ctx, `SELECT id FROM folders WHERE cid = ? AND owner = ? AND module = ? AND default_type <> 0 AND type = 1
		ORDER BY id LIMIT 1`, cid, uid, module).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return id, err
}

// Descendants returns every folder below id, deepest first, so deleting
// in that order never leaves an orphan.
func (t *Tx) Descendants(id int64) ([]*Folder, error) {
	var out []*Folder
	var walk func(parent int64, depth int) error
	walk = func(parent int64, depth int) error {
		if depth > 1000 {
			return errors.New("storage: folder tree too deep (cycle?)")
		}
		kids, err := t.ChildFolders(parent)
		if err != nil {
			return err
		}
		for _, k := range kids {
			if err := walk(k.ID, depth+1); err != nil {
				return err
			}
			out = append(out, k)
		}
		return nil
	}
	return out, walk(id, 0)
}

// UpdateFolder writes every mutable field of f stamped with the
// transaction's sequence value (permissions are written separately).
func (t *Tx) UpdateFolder(f *Folder) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	f.LastModified = stamp
	res, err := t.Exec(`UPDATE folders SET parent = ?, title = ?, module = ?, type = ?, owner = ?, modified_by = ?, last_modified = ?,
		subscribed = ?, meta = ? WHERE cid = ? AND id = ?`, f.Parent, f.Title, f.Module, f.Type, f.Owner, f.ModifiedBy, stamp,
		f.Subscribed, f.Meta, t.cid, f.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// TouchFolder bumps a folder's last_modified (a subfolder came or went).
func (t *Tx) TouchFolder(id, by int64) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	_, err = t.Exec(`UPDATE folders SET last_modified = ?, modified_by = ? WHERE cid = ? AND id = ?`, stamp, by, t.cid, id)
	return err
}

// DeleteFolder removes a folder row and its permissions (contents and
// tombstones are the caller's business).
func (t *Tx) DeleteFolder(id int64) error {
	if _, err := t.Exec(`DELETE FROM folder_permissions WHERE cid = ? AND folder_id = ?`, t.cid, id); err != nil {
		return err
	}
	_, err := t.Exec(`DELETE FROM folders WHERE cid = ? AND id = ?`, t.cid, id)
	return err
}

// UserDisplayNames maps user ids to their display names.
func (d *DB) UserDisplayNames(ctx context.Context, cid int64, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for _, chunk := range chunks(ids, 500) {
		in, args := inList(chunk)
		rows, err := d.Query(ctx, `SELECT u.id, coalesce(c.display_name, u.login) FROM users u
			LEFT JOIN contacts c ON c.cid = u.cid AND c.id = u.contact_id WHERE u.cid = ? AND u.id IN (`+in+`)`, append([]any{cid}, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = name
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GroupDisplayNames maps group ids to their display names.
func (d *DB) GroupDisplayNames(ctx context.Context, cid int64, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for _, chunk := range chunks(ids, 500) {
		in, args := inList(chunk)
		rows, err := d.Query(ctx, `SELECT id, display_name FROM groups WHERE cid = ? AND id IN (`+in+`)`, append([]any{cid}, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = name
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PrincipalsExist reports which user ids (group=false) or group ids
// (group=true) exist in the transaction's context.
func (t *Tx) PrincipalsExist(ids []int64, group bool) (map[int64]bool, error) {
	out := map[int64]bool{}
	table := "users"
	if group {
		table = "groups"
	}
	for _, chunk := range chunks(ids, 500) {
		in, args := inList(chunk)
		rows, err := t.Query(`SELECT id FROM `+table+` WHERE cid = ? AND id IN (`+in+`)`, append([]any{t.cid}, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = true
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
