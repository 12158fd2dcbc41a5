package storage

import (
	"database/sql"
	"errors"
)

// Helpers shared by the stores of objects that are mapped into one folder
// per user (tasks and appointments).

// single is the one object a by-id query asked for.
func single[T any](xs []*T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	if len(xs) == 0 {
		return nil, ErrNotFound
	}
	return xs[0], nil
}

// keyed is a stored object that knows its id.
type keyed interface{ key() int64 }

func (t *Task) key() int64        { return t.ID }
func (a *Appointment) key() int64 { return a.ID }

// byIDs loads the objects that exist among ids; load reads those of one
// IN list. The ids go in chunks because SQLite limits the variables of one
// statement.
func byIDs[T keyed](ids []int64, load func(in string, args []any) ([]T, error)) (map[int64]T, error) {
	out := map[int64]T{}
	for _, chunk := range chunks(ids, 500) {
		in, args := inList(chunk)
		xs, err := load(in, args)
		if err != nil {
			return nil, err
		}
		for _, x := range xs {
			out[x.key()] = x
		}
	}
	return out, nil
}

// folderOf is the folder maps show an object in for user (0: none).
func folderOf(maps []FolderMapping, user int64) int64 {
	for _, f := range maps {
		if f.User == user {
			return f.Folder
		}
	}
	return 0
}

// mappedTo reports whether maps show an object in folder for anybody.
func mappedTo(maps []FolderMapping, folder int64) bool {
	for _, f := range maps {
		if f.Folder == folder {
			return true
		}
	}
	return false
}

// defaultFolder returns user's default private folder of module
// (ErrNotFound if the user has none).
func (t *Tx) defaultFolder(module string, user int64) (int64, error) {
	var id int64
	err := t.QueryRow(`SELECT id FROM folders WHERE cid = ? AND owner = ? AND module = ? AND default_type <> 0 AND type = 1
		ORDER BY id LIMIT 1`, t.cid, user, module).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return id, err
}

// exists reads the answer of a `SELECT count(*)`.
func exists(row *sql.Row) (bool, error) {
	var n int
	err := row.Scan(&n)
	return n > 0, err
}
