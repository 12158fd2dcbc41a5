package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Attachment is one row of table attachments.
type Attachment struct {
	ID           int64
	Module       int
	FolderID     int64
	Attached     int64
	CreatedBy    int64
	CreationDate int64
	LastModified int64
	Filename     string
	FileSize     int64
	MimeType     string
	RTF          bool
	Comment      string
	BlobKey      string
}

const attachmentCols = `id, module, folder_id, attached, created_by, creation_date, last_modified,
	filename, file_size, mimetype, rtf_flag, comment, blob_key`

func scanAttachment(s interface{ Scan(...any) error }) (*Attachment, error) {
	var a Attachment
	err := s.Scan(&a.ID, &a.Module, &a.FolderID, &a.Attached, &a.CreatedBy, &a.CreationDate, &a.LastModified,
		&a.Filename, &a.FileSize, &a.MimeType, &a.RTF, &a.Comment, &a.BlobKey)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &a, err
}

func scanAttachments(rows *sql.Rows, err error) ([]*Attachment, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Attachment
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AttachmentParent is what the attachment module needs of the object an
// attachment hangs on. Parent tables share the columns cid, id, folder_id,
// created_by, modified_by, private_flag and last_modified (issue 3 contract).
type AttachmentParent struct {
	FolderID  int64
	CreatedBy int64
	Private   bool
}

// validTable guards the table names that are spliced into SQL: they come
// from a fixed registry, never from a request, but a typo must not become
// an injection.
func validTable(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func loadParent(qr func(q string, args ...any) *sql.Row, cid int64, table string, id int64) (*AttachmentParent, error) {
	if !validTable(table) {
		return nil, fmt.Errorf("storage: invalid parent table %q", table)
	}
	var n int
	// A parent module may land later than the attachment module (the
	// calendar's appointments): a missing table means "no such object".
	if err := qr(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, ErrNotFound
	}
	var p AttachmentParent
	err := qr(`SELECT folder_id, created_by, private_flag FROM `+table+` WHERE cid = ? AND id = ?`, cid, id).
		Scan(&p.FolderID, &p.CreatedBy, &p.Private)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// AttachmentParent loads the parent object id from table (ErrNotFound when
// the object or the table does not exist).
func (d *DB) AttachmentParent(ctx context.Context, cid int64, table string, id int64) (*AttachmentParent, error) {
	return loadParent(func(q string, args ...any) *sql.Row { return d.QueryRow(ctx, q, args...) }, cid, table, id)
}

// AttachmentParent is the transaction's view of the parent object.
func (t *Tx) AttachmentParent(table string, id int64) (*AttachmentParent, error) {
	return loadParent(t.QueryRow, t.cid, table, id)
}

// TouchAttachmentParent marks the parent changed by user by at the
// transaction's stamp, so the parent module's `updates` reports the new
// attachment count.
func (t *Tx) TouchAttachmentParent(table string, id, by int64) error {
	if !validTable(table) {
		return fmt.Errorf("storage: invalid parent table %q", table)
	}
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	_, err = t.Exec(`UPDATE `+table+` SET last_modified = ?, modified_by = ? WHERE cid = ? AND id = ?`, stamp, by, t.cid, id)
	return err
}

// InsertAttachment stores a new attachment; ID, CreationDate and
// LastModified are set by the caller.
func (t *Tx) InsertAttachment(a *Attachment) error {
	_, err := t.Exec(`INSERT INTO attachments(cid, id, module, folder_id, attached, created_by, creation_date, last_modified,
		filename, file_size, mimetype, rtf_flag, comment, blob_key) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		t.cid, a.ID, a.Module, a.FolderID, a.Attached, a.CreatedBy, a.CreationDate, a.LastModified,
		a.Filename, a.FileSize, a.MimeType, a.RTF, a.Comment, a.BlobKey)
	return err
}

// Attachments lists the attachments of one parent object, by id.
func (d *DB) Attachments(ctx context.Context, cid int64, module int, attached int64) ([]*Attachment, error) {
	return scanAttachments(d.Query(ctx, `SELECT `+attachmentCols+` FROM attachments
		WHERE cid = ? AND module = ? AND attached = ? ORDER BY id`, cid, module, attached))
}

// AttachmentsSince lists the attachments of a parent changed after since.
func (d *DB) AttachmentsSince(ctx context.Context, cid int64, module int, attached, since int64) ([]*Attachment, error) {
	return scanAttachments(d.Query(ctx, `SELECT `+attachmentCols+` FROM attachments
		WHERE cid = ? AND module = ? AND attached = ? AND last_modified > ? ORDER BY id`, cid, module, attached, since))
}

// Attachment loads one attachment of a parent object.
func (d *DB) Attachment(ctx context.Context, cid int64, module int, attached, id int64) (*Attachment, error) {
	return scanAttachment(d.QueryRow(ctx, `SELECT `+attachmentCols+` FROM attachments
		WHERE cid = ? AND id = ? AND module = ? AND attached = ?`, cid, id, module, attached))
}

// DetachAttachments deletes ids from one parent object, leaving tombstones
// in the folder each was in, and returns their blob keys (the caller
// deletes the blobs after commit). An id that is not an attachment of the
// parent answers ErrNotFound and nothing is deleted (the caller rolls back).
func (t *Tx) DetachAttachments(module int, attached int64, ids []int64) ([]string, error) {
	keys := make([]string, 0, len(ids))
	for _, id := range ids {
		var folder int64
		var key string
		err := t.QueryRow(`DELETE FROM attachments WHERE cid = ? AND id = ? AND module = ? AND attached = ?
			RETURNING folder_id, blob_key`, t.cid, id, module, attached).Scan(&folder, &key)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		if err != nil {
			return nil, err
		}
		if err := t.Tombstone(TombAttach, folder, id); err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// DeletedAttachments lists the attachments of one parent object deleted
// after since, with the newest tombstone's sequence value.
func (d *DB) DeletedAttachments(ctx context.Context, cid int64, module int, attached, since int64) (ids []int64, maxSeq int64, err error) {
	rows, err := d.Query(ctx, `SELECT t.id, t.seq FROM attachment_gone g
		JOIN tombstones t ON t.cid = g.cid AND t.module = ? AND t.folder_id = g.folder_id AND t.id = g.id
		WHERE g.cid = ? AND g.module = ? AND g.attached = ? AND t.seq > ? ORDER BY t.seq, t.id`,
		TombAttach, cid, module, attached, since)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return nil, 0, err
		}
		ids = append(ids, id)
		maxSeq = max(maxSeq, seq)
	}
	return ids, maxSeq, rows.Err()
}
