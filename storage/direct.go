package storage

import (
	"context"
	"fmt"
	"sync"

	"github.com/ncruces/go-sqlite3"
	sqlitedriver "github.com/ncruces/go-sqlite3/driver"
)

// queryDirect runs the read q on a pooled connection through SQLite's own
// API and calls row for each result row. database/sql boxes every column
// into a driver.Value and converts it again for Scan; for the rows of a
// list that was a fifth of a request in the service worker's wasm. Only
// for hot list queries: row must copy what it keeps (the statement owns
// the bytes of raw columns).
func (d *DB) queryDirect(ctx context.Context, q string, args []any, row func(*sqlite3.Stmt) error) error {
	d.traced(q, args)
	conn, err := d.SQL.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c := dc.(sqlitedriver.Conn).Raw()
		st, err := d.direct.stmt(c, q)
		if err != nil {
			return err
		}
		old := c.SetInterrupt(ctx)
		defer c.SetInterrupt(old)
		defer st.ClearBindings()
		defer st.Reset()
		for i, a := range args {
			if err := bind(st, i+1, a); err != nil {
				return err
			}
		}
		for st.Step() {
			if err := row(st); err != nil {
				return err
			}
		}
		return st.Err()
	})
}

func bind(st *sqlite3.Stmt, i int, a any) error {
	switch v := a.(type) {
	case int64:
		return st.BindInt64(i, v)
	case int:
		return st.BindInt64(i, int64(v))
	case string:
		return st.BindText(i, v)
	case bool:
		return st.BindBool(i, v)
	case nil:
		return st.BindNull(i)
	}
	return fmt.Errorf("storage: cannot bind %T", a)
}

// directStmts holds the prepared statements of queryDirect per
// connection; they are finalized when the pool closes the connection.
type directStmts struct {
	mu sync.Mutex
	m  map[*sqlite3.Conn]map[string]*sqlite3.Stmt
}

func (s *directStmts) stmt(c *sqlite3.Conn, q string) (*sqlite3.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.m[c][q]; st != nil {
		return st, nil
	}
	st, _, err := c.PrepareFlags(q, sqlite3.PREPARE_PERSISTENT)
	if err != nil {
		return nil, err
	}
	if s.m == nil {
		s.m = map[*sqlite3.Conn]map[string]*sqlite3.Stmt{}
	}
	if s.m[c] == nil {
		s.m[c] = map[string]*sqlite3.Stmt{}
	}
	s.m[c][q] = st
	return st, nil
}

// closed finalizes the statements of a connection the pool closes.
func (s *directStmts) closed(c *sqlite3.Conn) error {
	s.mu.Lock()
	stmts := s.m[c]
	delete(s.m, c)
	s.mu.Unlock()
	for _, st := range stmts {
		st.Close()
	}
	return nil
}
