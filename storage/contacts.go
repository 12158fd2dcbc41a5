package storage

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/ncruces/go-sqlite3"
)

// Queries of the contacts module (and of the users' entries in the global
// address book, which are contact rows with user_id set).

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
	// ImageKey names the picture in the blob store ("" without picture);
	// ImageType is its content type and ImageModified the sequence value
	// of its last change.
	ImageKey      string
	ImageType     string
	ImageModified int64
	// Fields holds the other fields; numbers decode as json.Number.
	Fields map[string]any
}

const contactRowCols = `id, folder_id, user_id, created_by, modified_by, creation_date, last_modified, private_flag,
	display_name, first_name, last_name, company, email1, email2, email3, uid, image_key, image_type, image_modified, fields`

func scanContactRow(s interface{ Scan(...any) error }) (*ContactRow, error) {
	var c ContactRow
	var fields string
	err := s.Scan(&c.ID, &c.FolderID, &c.UserID, &c.CreatedBy, &c.ModifiedBy, &c.CreationDate, &c.LastModified, &c.PrivateFlag,
		&c.DisplayName, &c.FirstName, &c.LastName, &c.Company, &c.Email1, &c.Email2, &c.Email3, &c.UID,
		&c.ImageKey, &c.ImageType, &c.ImageModified, &fields)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	c.Fields = decodeFields(fields)
	return &c, nil
}

// decodeFields decodes the `fields` column, numbers as json.Number. Every
// listed row is decoded, and encoding/json costs about 10 µs a row in the
// service worker's wasm (a fifth of a 50-row list): the flat objects that
// encodeFields writes for most contacts (string, number, boolean and null
// values, no escapes, no spaces) take a direct path that yields exactly
// what encoding/json would; anything else goes through encoding/json.
func decodeFields(fields string) map[string]any {
	if fields == "" || fields == "{}" {
		return map[string]any{}
	}
	if m, ok := decodeFlatFields(fields); ok {
		return m
	}
	m := map[string]any{}
	dec := json.NewDecoder(strings.NewReader(fields))
	dec.UseNumber()
	_ = dec.Decode(&m)
	return m
}

// decodeFlatFields decodes s if it is a compact JSON object of scalars whose
// strings need no unescaping; ok is false for anything else.
func decodeFlatFields(s string) (m map[string]any, ok bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	m = make(map[string]any, 8)
	i, end := 1, len(s)-1
	for i < end {
		key, n, ok := plainString(s[i:end])
		if !ok || i+n >= end || s[i+n] != ':' {
			return nil, false
		}
		i += n + 1
		if i >= end {
			return nil, false
		}
		var v any
		switch c := s[i]; {
		case c == '"':
			str, n, ok := plainString(s[i:end])
			if !ok {
				return nil, false
			}
			v, i = str, i+n
		case c == 't' && strings.HasPrefix(s[i:end], "true"):
			v, i = true, i+4
		case c == 'f' && strings.HasPrefix(s[i:end], "false"):
			v, i = false, i+5
		case c == 'n' && strings.HasPrefix(s[i:end], "null"):
			v, i = nil, i+4
		case c == '-' || c >= '0' && c <= '9':
			n := numberLen(s[i:end])
			if n == 0 {
				return nil, false
			}
			v, i = json.Number(s[i:i+n]), i+n
		default:
			return nil, false
		}
		m[key] = v
		if i < end {
			if s[i] != ',' || i+1 == end {
				return nil, false
			}
			i++
		}
	}
	return m, true
}

// plainString reads the JSON string at the start of s when it holds no
// escapes, control characters or invalid UTF-8 (which encoding/json would
// rewrite); n is its length with the quotes.
func plainString(s string) (v string, n int, ok bool) {
	if len(s) < 2 || s[0] != '"' {
		return "", 0, false
	}
	for j := 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			v = s[1:j]
			return v, j + 1, utf8.ValidString(v)
		case c == '\\' || c < 0x20:
			return "", 0, false
		}
	}
	return "", 0, false
}

// numberLen is the length of the JSON number at the start of s, 0 if
// there is none or it runs into something other than ',' or the end.
func numberLen(s string) int {
	i := 0
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return 0
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return 0
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0
		}
	}
	if i < len(s) && s[i] != ',' {
		return 0
	}
	return i
}

func scanContactRows(rows *sql.Rows, err error) ([]*ContactRow, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ContactRow
	for rows.Next() {
		c, err := scanContactRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func encodeFields(m map[string]any) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return "", err
	}
	return strings.TrimSpace(buf.String()), nil
}

// UserContactRows loads the global-address-book rows of all users of a
// context, keyed by user id.
func (d *DB) UserContactRows(ctx context.Context, cid int64) (map[int64]*ContactRow, error) {
	list, err := scanContactRows(d.Query(ctx, `SELECT `+contactRowCols+` FROM contacts WHERE cid = ? AND user_id > 0 AND folder_id = 6`, cid))
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*ContactRow, len(list))
	for _, c := range list {
		out[c.UserID] = c
	}
	return out, nil
}

// UserContactRow loads the global-address-book row of one user.
func (d *DB) UserContactRow(ctx context.Context, cid, uid int64) (*ContactRow, error) {
	return scanContactRow(d.QueryRow(ctx, `SELECT `+contactRowCols+` FROM contacts WHERE cid = ? AND user_id = ? AND folder_id = 6`, cid, uid))
}

// Contact loads one contact row.
func (d *DB) Contact(ctx context.Context, cid, id int64) (*ContactRow, error) {
	return scanContactRow(d.QueryRow(ctx, `SELECT `+contactRowCols+` FROM contacts WHERE cid = ? AND id = ?`, cid, id))
}

// Contact loads one contact row inside the transaction.
func (t *Tx) Contact(id int64) (*ContactRow, error) {
	return scanContactRow(t.QueryRow(`SELECT `+contactRowCols+` FROM contacts WHERE cid = ? AND id = ?`, t.cid, id))
}

// ContactsByIDs loads the contacts that exist among ids, keyed by id.
func (d *DB) ContactsByIDs(ctx context.Context, cid int64, ids []int64) (map[int64]*ContactRow, error) {
	out := map[int64]*ContactRow{}
	for _, chunk := range chunks(ids, 500) {
		in, args := inList(chunk)
		list, err := scanContactRows(d.Query(ctx, `SELECT `+contactRowCols+` FROM contacts WHERE cid = ? AND id IN (`+in+`)`,
			append([]any{cid}, args...)...))
		if err != nil {
			return nil, err
		}
		for _, c := range list {
			out[c.ID] = c
		}
	}
	return out, nil
}

// UserContactsByUserIDs loads the global-address-book rows of the users
// among uids, keyed by user id.
func (d *DB) UserContactsByUserIDs(ctx context.Context, cid int64, uids []int64) (map[int64]*ContactRow, error) {
	out := map[int64]*ContactRow{}
	for _, chunk := range chunks(uids, 500) {
		in, args := inList(chunk)
		list, err := scanContactRows(d.Query(ctx, `SELECT `+contactRowCols+` FROM contacts WHERE cid = ? AND folder_id = 6 AND user_id IN (`+in+`)`,
			append([]any{cid}, args...)...))
		if err != nil {
			return nil, err
		}
		for _, c := range list {
			out[c.UserID] = c
		}
	}
	return out, nil
}

// FolderContactRows loads the contacts of one folder ordered by id; with
// since > 0 only those changed after since.
func (d *DB) FolderContactRows(ctx context.Context, cid, folder, since int64) ([]*ContactRow, error) {
	if since > 0 {
		// The range on last_modified, then a sort of the few rows changed:
		// left to itself the planner walks the folder in id order to skip
		// the sort (without range statistics it takes a quarter of the
		// folder to match), reading all 100,000 contacts of a large folder
		// for the 10 changed (0.8 s instead of 1 ms).
		return scanContactRows(d.Query(ctx, `SELECT `+contactRowCols+` FROM contacts INDEXED BY contacts_folder
			WHERE cid = ? AND folder_id = ? AND last_modified > ? ORDER BY id`, cid, folder, since))
	}
	// The folder index, whatever the statistics say: they cannot tell a
	// small folder from a large one under StablePlans, and with PRAGMA
	// optimize's sampled counts the planner walked the whole context's
	// primary key instead (10,000 rows read for a 50-row folder).
	var out []*ContactRow
	err := d.queryDirect(ctx, `SELECT `+contactRowCols+` FROM contacts INDEXED BY contacts_folder_id
	WHERE cid = ? AND folder_id = ? ORDER BY id`, []any{cid, folder}, func(st *sqlite3.Stmt) error {
		out = append(out, contactFromStmt(st))
		return nil
	})
	return out, err
}

// contactTextCols are the text columns of contactRowCols, in order.
var contactTextCols = [...]int{8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19}

// contactFromStmt reads a row of contactRowCols. The row's texts share
// one string: one allocation instead of eleven.
func contactFromStmt(st *sqlite3.Stmt) *ContactRow {
	var buf []byte
	var ends [len(contactTextCols)]int
	for k, col := range contactTextCols {
		buf = append(buf, st.ColumnRawText(col)...)
		ends[k] = len(buf)
	}
	all := string(buf)
	var t [len(contactTextCols)]string
	start := 0
	for k, end := range ends {
		t[k] = all[start:end]
		start = end
	}
	return &ContactRow{
		ID: st.ColumnInt64(0), FolderID: st.ColumnInt64(1), UserID: st.ColumnInt64(2),
		CreatedBy: st.ColumnInt64(3), ModifiedBy: st.ColumnInt64(4), CreationDate: st.ColumnInt64(5),
		LastModified: st.ColumnInt64(6), PrivateFlag: st.ColumnInt64(7) != 0,
		DisplayName: t[0], FirstName: t[1], LastName: t[2], Company: t[3],
		Email1: t[4], Email2: t[5], Email3: t[6], UID: t[7],
		ImageKey: t[8], ImageType: t[9], ImageModified: st.ColumnInt64(18),
		Fields: decodeFields(t[10]),
	}
}

// ContactsByEmail loads the contacts with addr in one of the mail fields
// (case-insensitive), newest change first.
func (d *DB) ContactsByEmail(ctx context.Context, cid int64, addr string) ([]*ContactRow, error) {
	return scanContactRows(d.Query(ctx, `SELECT `+contactRowCols+` FROM contacts WHERE cid = ? AND email1 = ? COLLATE NOCASE
		UNION SELECT `+contactRowCols+` FROM contacts WHERE cid = ? AND email2 = ? COLLATE NOCASE
		UNION SELECT `+contactRowCols+` FROM contacts WHERE cid = ? AND email3 = ? COLLATE NOCASE
		ORDER BY last_modified DESC, id`, cid, addr, cid, addr, cid, addr))
}

// InsertContact stores a new contact stamped with the transaction's
// sequence value (ID must be allocated by the caller). CreationDate,
// LastModified and ModifiedBy are set here.
func (t *Tx) InsertContact(c *ContactRow) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	fields, err := encodeFields(c.Fields)
	if err != nil {
		return err
	}
	c.CreationDate, c.LastModified, c.ModifiedBy = stamp, stamp, c.CreatedBy
	_, err = t.Exec(`INSERT INTO contacts(cid, id, folder_id, user_id, created_by, modified_by, creation_date, last_modified, private_flag,
		display_name, first_name, last_name, company, email1, email2, email3, uid, image_key, image_type, image_modified, fields)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		t.cid, c.ID, c.FolderID, c.UserID, c.CreatedBy, c.ModifiedBy, c.CreationDate, c.LastModified, c.PrivateFlag,
		c.DisplayName, c.FirstName, c.LastName, c.Company, c.Email1, c.Email2, c.Email3, c.UID, c.ImageKey, c.ImageType, c.ImageModified, fields)
	return err
}

// UpdateContactRow writes every field of c (folder included) and stamps it
// with the transaction's sequence value (last_modified, modified_by).
func (t *Tx) UpdateContactRow(c *ContactRow, modifiedBy int64) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	fields, err := encodeFields(c.Fields)
	if err != nil {
		return err
	}
	res, err := t.Exec(`UPDATE contacts SET folder_id = ?, modified_by = ?, last_modified = ?, private_flag = ?, display_name = ?, first_name = ?,
		last_name = ?, company = ?, email1 = ?, email2 = ?, email3 = ?, uid = ?, image_key = ?, image_type = ?, image_modified = ?,
		fields = ? WHERE cid = ? AND id = ?`,
		c.FolderID, modifiedBy, stamp, c.PrivateFlag, c.DisplayName, c.FirstName, c.LastName, c.Company, c.Email1, c.Email2, c.Email3, c.UID,
		c.ImageKey, c.ImageType, c.ImageModified, fields, t.cid, c.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	c.LastModified, c.ModifiedBy = stamp, modifiedBy
	return nil
}

// DeleteContactRow removes a contact row; tombstone, attachments and
// picture are the caller's business.
func (t *Tx) DeleteContactRow(id int64) error {
	res, err := t.Exec(`DELETE FROM contacts WHERE cid = ? AND id = ?`, t.cid, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ContactCounts counts the contacts of each folder among ids.
func (d *DB) ContactCounts(ctx context.Context, cid int64, ids []int64) (map[int64]int64, error) {
	return d.folderCounts(ctx, "contacts", cid, ids)
}

// ClearContacts deletes the contacts of folder (only those created by
// createdBy when it is > 0), leaving a tombstone for each and moving their
// pictures and attachments to the blob trash. Users' entries in the global
// address book are never deleted. It returns how many were deleted.
func (t *Tx) ClearContacts(folder, createdBy int64) (int64, error) {
	q := `DELETE FROM contacts WHERE cid = ? AND folder_id = ? AND user_id = 0`
	args := []any{t.cid, folder}
	if createdBy > 0 {
		q += ` AND created_by = ?`
		args = append(args, createdBy)
	}
	rows, err := t.Query(q+` RETURNING id, image_key`, args...)
	if err != nil {
		return 0, err
	}
	var ids []int64
	var keys []string
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
		if key != "" {
			keys = append(keys, key)
		}
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := t.Tombstone(TombContact, folder, id); err != nil {
			return 0, err
		}
		ak, err := t.DeleteAttachmentsOf(ModuleContact, id)
		if err != nil {
			return 0, err
		}
		keys = append(keys, ak...)
	}
	if err := t.TrashBlobs(keys...); err != nil {
		return 0, err
	}
	return int64(len(ids)), nil
}

// CountContacts counts the contacts of one folder inside the transaction.
func (t *Tx) CountContacts(folder int64) (int64, error) {
	var n int64
	err := t.QueryRow(`SELECT count(*) FROM contacts WHERE cid = ? AND folder_id = ?`, t.cid, folder).Scan(&n)
	return n, err
}
