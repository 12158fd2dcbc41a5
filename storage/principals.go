package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
)

// ErrNotFound is returned by single-row lookups that find nothing.
var ErrNotFound = errors.New("storage: not found")

// UseContext binds a transaction opened with cid 0 to a context (used while
// creating one).
func (t *Tx) UseContext(cid int64) { t.cid, t.stamp = cid, 0 }

// Context is a tenant.
type Context struct {
	ID      int64
	Name    string
	Enabled bool
	AdminID int64
	Created int64
}

// InsertContext creates a tenant with its change and id sequences and binds
// the transaction to it.
func (t *Tx) InsertContext(name string, now int64) (int64, error) {
	var id int64
	if err := t.QueryRow(`SELECT coalesce(max(id), 0) + 1 FROM contexts`).Scan(&id); err != nil {
		return 0, err
	}
	if _, err := t.Exec(`INSERT INTO contexts(id, name, created) VALUES(?,?,?)`, id, name, now); err != nil {
		return 0, err
	}
	if _, err := t.Exec(`INSERT INTO ctx_seq(cid, last) VALUES(?, 0)`, id); err != nil {
		return 0, err
	}
	t.UseContext(id)
	return id, nil
}

// SetContextAdmin records the context administrator.
func (t *Tx) SetContextAdmin(cid, uid int64) error {
	_, err := t.Exec(`UPDATE contexts SET admin_id = ? WHERE id = ?`, uid, cid)
	return err
}

const contextCols = `id, name, enabled, admin_id, created`

func scanContext(s interface{ Scan(...any) error }) (*Context, error) {
	var c Context
	if err := s.Scan(&c.ID, &c.Name, &c.Enabled, &c.AdminID, &c.Created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return &c, nil
}

// ContextByName finds a tenant by name.
func (d *DB) ContextByName(ctx context.Context, name string) (*Context, error) {
	return scanContext(d.QueryRow(ctx, `SELECT `+contextCols+` FROM contexts WHERE name = ?`, name))
}

// ContextByID finds a tenant by id.
func (d *DB) ContextByID(ctx context.Context, id int64) (*Context, error) {
	return scanContext(d.QueryRow(ctx, `SELECT `+contextCols+` FROM contexts WHERE id = ?`, id))
}

// Contexts lists all tenants.
func (d *DB) Contexts(ctx context.Context) ([]Context, error) {
	rows, err := d.Query(ctx, `SELECT `+contextCols+` FROM contexts ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Context
	for rows.Next() {
		c, err := scanContext(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

// User is a user account joined with its contact in the global address book.
type User struct {
	ContextID    int64
	ID           int64
	Login        string
	PasswordHash string
	TimeZone     string
	Locale       string
	ContactID    int64
	IsAdmin      bool
	Enabled      bool
	Aliases      []string
	Created      int64
	LastModified int64
	// From the user's contact.
	DisplayName string
	FirstName   string
	LastName    string
	Email       string
	// Groups the user is a member of (group 0, all users, is implicit).
	Groups []int64
}

// InsertUser stores a user row (its contact is inserted separately).
func (t *Tx) InsertUser(u *User) error {
	aliases, _ := json.Marshal(orEmpty(u.Aliases))
	_, err := t.Exec(`INSERT INTO users(cid, id, login, password_hash, timezone, locale, contact_id, is_admin, enabled, aliases, created, last_modified)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?)`, u.ContextID, u.ID, u.Login, u.PasswordHash, u.TimeZone, u.Locale, u.ContactID,
		u.IsAdmin, u.Enabled, string(aliases), u.Created, u.LastModified)
	return err
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const userSelect = `SELECT u.cid, u.id, u.login, u.password_hash, u.timezone, u.locale, u.contact_id, u.is_admin, u.enabled,
	u.aliases, u.created, max(u.last_modified, coalesce(c.last_modified, 0)), coalesce(c.display_name, ''), coalesce(c.first_name, ''),
	coalesce(c.last_name, ''), coalesce(c.email1, ''),
	coalesce((SELECT group_concat(g.group_id) FROM group_members g WHERE g.cid = u.cid AND g.user_id = u.id), '')
	FROM users u LEFT JOIN contacts c ON c.cid = u.cid AND c.id = u.contact_id`

func scanUser(s interface{ Scan(...any) error }) (*User, error) {
	var u User
	var aliases, groups string
	err := s.Scan(&u.ContextID, &u.ID, &u.Login, &u.PasswordHash, &u.TimeZone, &u.Locale, &u.ContactID, &u.IsAdmin, &u.Enabled,
		&aliases, &u.Created, &u.LastModified, &u.DisplayName, &u.FirstName, &u.LastName, &u.Email, &groups)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	_ = json.Unmarshal([]byte(aliases), &u.Aliases)
	if groups != "" {
		for _, g := range strings.Split(groups, ",") {
			if n, err := strconv.ParseInt(g, 10, 64); err == nil {
				u.Groups = append(u.Groups, n)
			}
		}
	}
	return &u, nil
}

// UserByID loads one user.
func (d *DB) UserByID(ctx context.Context, cid, id int64) (*User, error) {
	return Cached(d, userKey{cid, id}, func() (*User, error) {
		return scanUser(d.QueryRow(ctx, userSelect+` WHERE u.cid = ? AND u.id = ?`, cid, id))
	}, (*User).clone)
}

type userKey struct{ cid, id int64 }

func (u *User) clone() *User {
	if u == nil {
		return nil
	}
	c := *u
	c.Aliases = slices.Clone(u.Aliases)
	c.Groups = slices.Clone(u.Groups)
	return &c
}

// UserByLogin loads a user by login name (case-insensitive).
func (d *DB) UserByLogin(ctx context.Context, cid int64, login string) (*User, error) {
	return scanUser(d.QueryRow(ctx, userSelect+` WHERE u.cid = ? AND u.login = ? COLLATE NOCASE`, cid, login))
}

// Users lists the users of a context ordered by id.
func (d *DB) Users(ctx context.Context, cid int64) ([]User, error) {
	rows, err := d.Query(ctx, userSelect+` WHERE u.cid = ? ORDER BY u.id`, cid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// SetPassword replaces a user's password hash.
func (t *Tx) SetPassword(uid int64, hash string) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	res, err := t.Exec(`UPDATE users SET password_hash = ?, last_modified = ? WHERE cid = ? AND id = ?`, hash, stamp, t.cid, uid)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Setting reads a server-wide setting.
func (d *DB) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := d.QueryRow(ctx, `SELECT value FROM server_settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return v, err == nil, err
}

// SetSettingIfAbsent stores a setting unless one exists and returns the
// value in force.
func (d *DB) SetSettingIfAbsent(ctx context.Context, key, value string) (string, error) {
	if _, err := d.Exec(ctx, `INSERT INTO server_settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO NOTHING`, key, value); err != nil {
		return "", err
	}
	v, _, err := d.Setting(ctx, key)
	return v, err
}
