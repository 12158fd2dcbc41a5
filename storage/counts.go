package storage

import "context"

// folderCounts answers the rows of table (contacts, or the folder
// mappings task_folders and appointment_folders) per folder among ids,
// from the counters triggers keep (migration 1200_folder_counts.sql).
func (d *DB) folderCounts(ctx context.Context, table string, cid int64, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	for _, chunk := range chunks(ids, 500) {
		in, args := inList(chunk)
		rows, err := d.Query(ctx, `SELECT folder_id, n FROM folder_counts WHERE cid = ? AND tbl = ? AND folder_id IN (`+in+`)`,
			append([]any{cid, table}, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var f, n int64
			if err := rows.Scan(&f, &n); err != nil {
				rows.Close()
				return nil, err
			}
			if n != 0 {
				out[f] = n
			}
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
