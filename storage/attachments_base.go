package storage

import (
	"context"
	"strings"
)

// PIM module numbers of attachments and reminders.
const (
	ModuleAppointment = 1
	ModuleTask        = 4
	ModuleContact     = 7
)

// AttachmentStat is what a parent object reports about its attachments
// (columns 104 number_of_attachments and 105
// lastModifiedOfNewestAttachmentUTC).
type AttachmentStat struct {
	Count  int64
	Newest int64
}

// AttachmentStats returns the attachment count and newest creation time of
// each of ids (parents without attachments are absent from the map).
func (d *DB) AttachmentStats(ctx context.Context, cid int64, module int, ids []int64) (map[int64]AttachmentStat, error) {
	out := map[int64]AttachmentStat{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		chunk := ids[:n]
		ids = ids[n:]
		args := make([]any, 0, n+2)
		args = append(args, cid, module)
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := d.Query(ctx, `SELECT attached, count(*), max(creation_date) FROM attachments
			WHERE cid = ? AND module = ? AND attached IN (`+placeholders(n)+`) GROUP BY attached`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var s AttachmentStat
			if err := rows.Scan(&id, &s.Count, &s.Newest); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DeleteAttachmentsOf removes the attachments of a deleted parent and
// returns their blob keys; the caller deletes the blobs after commit.
func (t *Tx) DeleteAttachmentsOf(module int, attached int64) ([]string, error) {
	rows, err := t.Query(`DELETE FROM attachments WHERE cid = ? AND module = ? AND attached = ? RETURNING id, folder_id, blob_key`, t.cid, module, attached)
	if err != nil {
		return nil, err
	}
	type gone struct {
		id, folder int64
	}
	var keys []string
	var dead []gone
	for rows.Next() {
		var g gone
		var key string
		if err := rows.Scan(&g.id, &g.folder, &key); err != nil {
			rows.Close()
			return nil, err
		}
		keys = append(keys, key)
		dead = append(dead, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, g := range dead {
		if err := t.Tombstone(TombAttach, g.folder, g.id); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// MoveAttachmentsOf keeps a moved parent's attachments with it.
func (t *Tx) MoveAttachmentsOf(module int, attached, folder int64) error {
	_, err := t.Exec(`UPDATE attachments SET folder_id = ? WHERE cid = ? AND module = ? AND attached = ?`, folder, t.cid, module, attached)
	return err
}

// placeholders returns "?,?,…" for n parameters.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}
