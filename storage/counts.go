package storage

import "context"

// folderCounts counts the rows of table (one with cid and folder_id
// columns: an object table, or the folder mapping of objects that appear
// in several folders) per folder among ids.
func (d *DB) folderCounts(ctx context.Context, table string, cid int64, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	for _, chunk := range chunks(ids, 500) {
		in, args := inList(chunk)
		rows, err := d.Query(ctx, `SELECT folder_id, count(*) FROM `+table+` WHERE cid = ? AND folder_id IN (`+in+`) GROUP BY folder_id`,
			append([]any{cid}, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var f, n int64
			if err := rows.Scan(&f, &n); err != nil {
				rows.Close()
				return nil, err
			}
			out[f] = n
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
