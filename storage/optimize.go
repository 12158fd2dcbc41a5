package storage

import "context"

// Optimize refreshes the query planner's statistics of tables that
// changed enough since they were last gathered. Open does it once; a
// long-running server calls it periodically (SQLite's advice), so that a
// table that grew from empty to large is not planned as if it were empty.
// SQLite re-analyses only tables without statistics or whose size
// changed many times over, so a call is cheap when nothing grew.
//
// No analysis_limit: a sampled analysis estimates the rows per leading
// index column (the context id, one value in most stores) as the sample
// size, about 400 instead of 100,000, and the planner then walks a whole
// context's contacts in id order rather than a folder's index.
func (d *DB) Optimize(ctx context.Context) error {
	_, err := d.SQL.ExecContext(ctx, `PRAGMA optimize=0x10002`)
	return err
}
