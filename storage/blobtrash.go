package storage

import "context"

// The blob trash holds keys of blobs whose owner rows a transaction
// deleted where nobody can delete the blob after commit (a folder clear
// removes contacts with pictures and attachments). The rows commit or roll
// back with the deletion, so a key is in the trash only when its owner is
// really gone.

// TrashBlobs moves keys to the blob trash inside the transaction.
func (t *Tx) TrashBlobs(keys ...string) error {
	for _, k := range keys {
		if k == "" {
			continue
		}
		if _, err := t.Exec(`INSERT INTO blob_trash(key, since) VALUES(?, ?) ON CONFLICT(key) DO NOTHING`, k, t.db.Now().UnixMilli()); err != nil {
			return err
		}
	}
	return nil
}

// EmptyBlobTrash deletes up to limit trashed blobs from b and then their
// trash rows; it returns how many were removed. A blob that cannot be
// deleted stays in the trash for the next round.
func (d *DB) EmptyBlobTrash(ctx context.Context, b Blobs, limit int) (int, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := d.Query(ctx, `SELECT key FROM blob_trash ORDER BY since LIMIT ?`, limit)
	if err != nil {
		return 0, err
	}
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return 0, err
		}
		keys = append(keys, k)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	n := 0
	for _, k := range keys {
		if err := b.Delete(ctx, k); err != nil {
			continue
		}
		if _, err := d.Exec(ctx, `DELETE FROM blob_trash WHERE key = ?`, k); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
