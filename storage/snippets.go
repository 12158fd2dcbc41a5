package storage

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// SeqSnippetFile numbers snippet files per context.
const SeqSnippetFile = "snippetfile"

// Snippet is one row of table snippets with its files.
type Snippet struct {
	ID        int64
	CreatedBy int64
	// AccountID is nil when the client sent none.
	AccountID    *int64
	DisplayName  string
	Type         string
	Module       string
	Content      string
	Shared       bool
	Misc         *string // JSON text as sent; nil when absent
	Props        *string // JSON text as sent; nil when absent
	CreationDate int64
	LastModified int64
	Files        []*SnippetFile
}

// SnippetFile is a file attached to a snippet.
type SnippetFile struct {
	ID        string
	Filename  string
	MimeType  string
	ContentID string
	Size      int64
	BlobKey   string
}

const snippetCols = `id, created_by, account_id, display_name, type, module, content, shared, misc, props,
	creation_date, last_modified`

func scanSnippet(s interface{ Scan(...any) error }) (*Snippet, error) {
	var sn Snippet
	var acc sql.NullInt64
	var misc, props sql.NullString
	err := s.Scan(&sn.ID, &sn.CreatedBy, &acc, &sn.DisplayName, &sn.Type, &sn.Module, &sn.Content, &sn.Shared,
		&misc, &props, &sn.CreationDate, &sn.LastModified)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if acc.Valid {
		sn.AccountID = &acc.Int64
	}
	if misc.Valid {
		sn.Misc = &misc.String
	}
	if props.Valid {
		sn.Props = &props.String
	}
	sn.Files = []*SnippetFile{}
	return &sn, nil
}

type rowQuerier interface {
	Query(q string, args ...any) (*sql.Rows, error)
}

type dbQuerier struct {
	d   *DB
	ctx context.Context
}

func (q dbQuerier) Query(s string, args ...any) (*sql.Rows, error) {
	return q.d.Query(q.ctx, s, args...)
}

// loadSnippets runs `SELECT … FROM snippets <where>` and attaches files.
func loadSnippets(q rowQuerier, cid int64, where string, args ...any) ([]*Snippet, error) {
	rows, err := q.Query(`SELECT `+snippetCols+` FROM snippets WHERE cid = ? `+where, append([]any{cid}, args...)...)
	if err != nil {
		return nil, err
	}
	var out []*Snippet
	byID := map[int64]*Snippet{}
	for rows.Next() {
		sn, err := scanSnippet(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, sn)
		byID[sn.ID] = sn
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(out))
	for _, sn := range out {
		ids = append(ids, sn.ID)
	}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		chunk := ids[:n]
		ids = ids[n:]
		fargs := []any{cid}
		for _, id := range chunk {
			fargs = append(fargs, id)
		}
		frows, err := q.Query(`SELECT snippet_id, id, filename, mimetype, content_id, size, blob_key FROM snippet_files
			WHERE cid = ? AND snippet_id IN (`+placeholders(n)+`) ORDER BY snippet_id, position`, fargs...)
		if err != nil {
			return nil, err
		}
		for frows.Next() {
			var sid int64
			f := &SnippetFile{}
			if err := frows.Scan(&sid, &f.ID, &f.Filename, &f.MimeType, &f.ContentID, &f.Size, &f.BlobKey); err != nil {
				frows.Close()
				return nil, err
			}
			if sn := byID[sid]; sn != nil {
				sn.Files = append(sn.Files, f)
			}
		}
		if err := frows.Close(); err != nil {
			return nil, err
		}
		if err := frows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// VisibleSnippets lists the snippets user uid sees (own and shared), by
// id, optionally only those of the given types.
func (d *DB) VisibleSnippets(ctx context.Context, cid, uid int64, types []string) ([]*Snippet, error) {
	where := `AND (created_by = ? OR shared <> 0)`
	args := []any{uid}
	if len(types) > 0 {
		where += ` AND type IN (` + placeholders(len(types)) + `)`
		for _, t := range types {
			args = append(args, t)
		}
	}
	return loadSnippets(dbQuerier{d, ctx}, cid, where+` ORDER BY id`, args...)
}

// Snippet loads one snippet with its files (ErrNotFound when absent).
func (d *DB) Snippet(ctx context.Context, cid, id int64) (*Snippet, error) {
	return oneSnippet(loadSnippets(dbQuerier{d, ctx}, cid, `AND id = ?`, id))
}

// Snippet loads one snippet inside the transaction.
func (t *Tx) Snippet(id int64) (*Snippet, error) {
	return oneSnippet(loadSnippets(t, t.cid, `AND id = ?`, id))
}

func oneSnippet(s []*Snippet, err error) (*Snippet, error) {
	if err != nil {
		return nil, err
	}
	if len(s) == 0 {
		return nil, ErrNotFound
	}
	return s[0], nil
}

// InsertSnippet stores a new snippet (without files); the caller sets ID
// and CreatedBy.
func (t *Tx) InsertSnippet(s *Snippet) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	s.CreationDate, s.LastModified = stamp, stamp
	_, err = t.Exec(`INSERT INTO snippets(cid, id, created_by, account_id, display_name, type, module, content, shared,
		misc, props, creation_date, last_modified) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		t.cid, s.ID, s.CreatedBy, s.AccountID, s.DisplayName, s.Type, s.Module, s.Content, s.Shared, s.Misc, s.Props,
		s.CreationDate, s.LastModified)
	return err
}

// UpdateSnippet writes the fields of s back (files are untouched).
func (t *Tx) UpdateSnippet(s *Snippet) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	s.LastModified = stamp
	_, err = t.Exec(`UPDATE snippets SET account_id = ?, display_name = ?, type = ?, module = ?, content = ?, shared = ?,
		misc = ?, props = ?, last_modified = ? WHERE cid = ? AND id = ?`,
		s.AccountID, s.DisplayName, s.Type, s.Module, s.Content, s.Shared, s.Misc, s.Props, s.LastModified, t.cid, s.ID)
	return err
}

// DeleteSnippet removes a snippet and its files and returns the files'
// blob keys (deleted by the caller after commit).
func (t *Tx) DeleteSnippet(id int64) ([]string, error) {
	keys, err := collectKeys(t.Query(`DELETE FROM snippet_files WHERE cid = ? AND snippet_id = ? RETURNING blob_key`, t.cid, id))
	if err != nil {
		return nil, err
	}
	_, err = t.Exec(`DELETE FROM snippets WHERE cid = ? AND id = ?`, t.cid, id)
	return keys, err
}

// AddSnippetFile appends a file to a snippet; the caller sets f.ID.
func (t *Tx) AddSnippetFile(snippetID int64, f *SnippetFile) error {
	_, err := t.Exec(`INSERT INTO snippet_files(cid, snippet_id, id, filename, mimetype, content_id, size, blob_key, position)
		VALUES(?,?,?,?,?,?,?,?, coalesce((SELECT max(position) + 1 FROM snippet_files WHERE cid = ? AND snippet_id = ?), 0))`,
		t.cid, snippetID, f.ID, f.Filename, f.MimeType, f.ContentID, f.Size, f.BlobKey, t.cid, snippetID)
	return err
}

// RemoveSnippetFile deletes one file of a snippet and returns its blob key
// (ErrNotFound when the snippet has no such file).
func (t *Tx) RemoveSnippetFile(snippetID int64, fileID string) (string, error) {
	var key string
	err := t.QueryRow(`DELETE FROM snippet_files WHERE cid = ? AND snippet_id = ? AND id = ? RETURNING blob_key`,
		t.cid, snippetID, fileID).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return key, err
}

// TouchSnippet marks a snippet changed (its files changed).
func (t *Tx) TouchSnippet(id int64) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	_, err = t.Exec(`UPDATE snippets SET last_modified = ? WHERE cid = ? AND id = ?`, stamp, t.cid, id)
	return err
}

// SnippetFileOf finds a file of a snippet (ErrNotFound when absent).
func (d *DB) SnippetFileOf(ctx context.Context, cid, snippetID int64, fileID string) (*SnippetFile, error) {
	f := &SnippetFile{ID: fileID}
	err := d.QueryRow(ctx, `SELECT filename, mimetype, content_id, size, blob_key FROM snippet_files
		WHERE cid = ? AND snippet_id = ? AND id = ?`, cid, snippetID, strings.TrimSpace(fileID)).
		Scan(&f.Filename, &f.MimeType, &f.ContentID, &f.Size, &f.BlobKey)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return f, err
}

func collectKeys(rows *sql.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}
