package storage

import (
	"context"
	"strings"
)

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
func (d *DB) Optimize(ctx context.Context) error { return d.OptimizeYielding(ctx, nil) }

// OptimizeYielding is Optimize one table at a time, calling yield (when
// not nil) between them, so that the service worker answers requests
// between the tables. (One table at a time, not one index: after an
// analysis index by index SQLite still finds the table unanalysed.)
//
// A connection plans with the statistics it loaded when it read the
// schema. Statistics gathered on another connection reach it only when it
// reloads them, and its PRAGMA optimize would gather them all again (each
// of the worker's connections did, seconds each). So the connection that
// optimizes reloads them first, and after an analysis the pool drops its
// idle connections: new ones load the fresh statistics.
func (d *DB) OptimizeYielding(ctx context.Context, yield func()) error {
	c, err := d.SQL.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `ANALYZE sqlite_schema`); err != nil {
		return err
	}
	// Mask 0x10003: what the optimization of every table (0x10000) would
	// analyse (0x2), listed instead of done (0x1).
	rows, err := c.QueryContext(ctx, `PRAGMA optimize=0x10003`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return err
		}
		// `ANALYZE "main"."contacts"`
		if i := strings.LastIndex(line, `."`); strings.HasPrefix(line, "ANALYZE ") && i >= 0 {
			tables = append(tables, strings.Trim(line[i+1:], `"`))
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(tables) == 0 {
		return nil
	}
	for _, t := range tables {
		q := `ANALYZE main."` + strings.ReplaceAll(t, `"`, `""`) + `"`
		d.traced(q, nil)
		if _, err := c.ExecContext(ctx, q); err != nil {
			return err
		}
		if yield != nil {
			yield()
		}
	}
	d.SQL.SetMaxIdleConns(0)
	d.SQL.SetMaxIdleConns(d.maxConns)
	return nil
}
