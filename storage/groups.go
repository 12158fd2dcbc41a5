package storage

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strconv"
	"strings"
)

// Group is a stored group with its members (user ids, ascending).
type Group struct {
	ID           int64
	Name         string
	DisplayName  string
	Members      []int64
	Created      int64
	LastModified int64
}

const groupSelect = `SELECT g.id, g.name, g.display_name, g.created, g.last_modified,
	coalesce((SELECT group_concat(m.user_id) FROM group_members m WHERE m.cid = g.cid AND m.group_id = g.id), '')
	FROM groups g`

func scanGroup(s interface{ Scan(...any) error }) (*Group, error) {
	var g Group
	var members string
	if err := s.Scan(&g.ID, &g.Name, &g.DisplayName, &g.Created, &g.LastModified, &members); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	g.Members = parseMemberIDs(members)
	return &g, nil
}

func parseMemberIDs(s string) []int64 {
	out := []int64{}
	if s == "" {
		return out
	}
	for _, p := range strings.Split(s, ",") {
		if n, err := strconv.ParseInt(p, 10, 64); err == nil {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Groups lists the stored groups of a context ordered by id (the virtual
// group 0 is not stored).
func (d *DB) Groups(ctx context.Context, cid int64) ([]Group, error) {
	rows, err := d.Query(ctx, groupSelect+` WHERE g.cid = ? ORDER BY g.id`, cid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *g)
	}
	return out, rows.Err()
}

// GroupByID loads one stored group.
func (d *DB) GroupByID(ctx context.Context, cid, id int64) (*Group, error) {
	return scanGroup(d.QueryRow(ctx, groupSelect+` WHERE g.cid = ? AND g.id = ?`, cid, id))
}

// GroupForUpdate loads a group inside a write transaction.
func (t *Tx) GroupForUpdate(id int64) (*Group, error) {
	return scanGroup(t.QueryRow(groupSelect+` WHERE g.cid = ? AND g.id = ?`, t.cid, id))
}

// GroupNameTaken reports whether another group uses name.
func (t *Tx) GroupNameTaken(name string, except int64) (bool, error) {
	var n int
	err := t.QueryRow(`SELECT count(*) FROM groups WHERE cid = ? AND name = ? COLLATE NOCASE AND id <> ?`, t.cid, name, except).Scan(&n)
	return n > 0, err
}

// MissingUsers returns the ids among ids that are no user of the context.
func (t *Tx) MissingUsers(ids []int64) ([]int64, error) {
	var missing []int64
	for _, id := range ids {
		var n int
		if err := t.QueryRow(`SELECT count(*) FROM users WHERE cid = ? AND id = ?`, t.cid, id).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

// UpdateGroup writes name, display name and members and stamps the group.
func (t *Tx) UpdateGroup(g *Group) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	res, err := t.Exec(`UPDATE groups SET name = ?, display_name = ?, last_modified = ? WHERE cid = ? AND id = ?`,
		g.Name, g.DisplayName, stamp, t.cid, g.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	g.LastModified = stamp
	return t.SetGroupMembers(g.ID, g.Members)
}

// DeleteGroup removes a group, its memberships and the folder permissions
// granted to it (those folders change), and leaves a tombstone.
func (t *Tx) DeleteGroup(id int64) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	res, err := t.Exec(`DELETE FROM groups WHERE cid = ? AND id = ?`, t.cid, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if _, err := t.Exec(`DELETE FROM group_members WHERE cid = ? AND group_id = ?`, t.cid, id); err != nil {
		return err
	}
	if _, err := t.Exec(`UPDATE folders SET last_modified = ? WHERE cid = ? AND id IN
		(SELECT folder_id FROM folder_permissions WHERE cid = ? AND entity = ? AND is_group = 1)`, stamp, t.cid, t.cid, id); err != nil {
		return err
	}
	if _, err := t.Exec(`DELETE FROM folder_permissions WHERE cid = ? AND entity = ? AND is_group = 1`, t.cid, id); err != nil {
		return err
	}
	return t.Tombstone(TombGroup, 0, id)
}
