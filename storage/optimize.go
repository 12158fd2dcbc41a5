package storage

import "context"

// Optimize refreshes the query planner's statistics of tables that
// changed enough since they were last gathered. Open does it once; a
// long-running server calls it periodically (SQLite's advice), so that a
// table that grew from empty to large is not planned as if it were empty.
// The analysis limit bounds the cost on large databases.
func (d *DB) Optimize(ctx context.Context) error {
	_, err := d.SQL.ExecContext(ctx, `PRAGMA analysis_limit=400; PRAGMA optimize=0x10002`)
	return err
}
