// Package provision creates contexts, users, groups and resources with
// everything they need (system folders, default folders, the user's entry
// in the global address book). The admin CLI and the group/resource
// modules use it.
package provision

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"oxlite/core/passwd"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// DefaultContext is the name of the context created on an empty data directory.
const DefaultContext = "default"

// Well-known folder ids (per context), as in the reference server.
const (
	FolderRoot            = 0
	FolderPrivate         = 1
	FolderPublic          = 2
	FolderShared          = 3
	FolderGAB             = 6
	FolderInfostore       = 9
	FolderUserStore       = 10
	FolderPublicInfostore = 15
)

// Folder types and module numbers.
const (
	TypePrivate = 1
	TypePublic  = 2
	TypeShared  = 3
	TypeSystem  = 5
	TypeTrash   = 16

	ModTasks     = 1
	ModCalendar  = 2
	ModContacts  = 3
	ModInfostore = 8
)

// Errors of provisioning; the CLI prints them as one line.
var (
	ErrExists  = errors.New("already exists")
	ErrInvalid = errors.New("invalid value")
)

// Service provisions tenants on a store.
type Service struct {
	DB *storage.DB
}

// NewUser describes a user to create.
type NewUser struct {
	Login       string
	Password    string
	DisplayName string
	FirstName   string
	LastName    string
	Email       string
	TimeZone    string
	Locale      string
	IsAdmin     bool
}

var loginRe = regexp.MustCompile(`^[A-Za-z0-9._+\-@]{1,128}$`)
var localeRe = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)
var contextRe = regexp.MustCompile(`^[A-Za-z0-9._\-]{1,64}$`)

// EnsureDefault creates context "default" and its admin on an empty store.
// It returns the generated admin password when it created them.
func (s *Service) EnsureDefault(ctx context.Context) (created bool, password string, err error) {
	if _, err := s.DB.ContextByName(ctx, DefaultContext); err == nil {
		return false, "", nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return false, "", err
	}
	_, _, password, err = s.AddContext(ctx, DefaultContext)
	if errors.Is(err, ErrExists) {
		return false, "", nil
	}
	return err == nil, password, err
}

// AddContext creates a context with its system folders and its admin
// (`admin` in the default context, `admin@NAME` elsewhere).
func (s *Service) AddContext(ctx context.Context, name string) (cid int64, adminLogin, password string, err error) {
	if !contextRe.MatchString(name) {
		return 0, "", "", fmt.Errorf("%w: context name %q", ErrInvalid, name)
	}
	password = passwd.Random(16)
	hash, err := passwd.Hash(password)
	if err != nil {
		return 0, "", "", err
	}
	err = s.DB.Write(ctx, 0, func(tx *storage.Tx) error {
		if _, err := s.DB.ContextByName(ctx, name); err == nil {
			return fmt.Errorf("%w: context %q", ErrExists, name)
		}
		now := s.DB.Now().UnixMilli()
		cid, err = tx.InsertContext(name, now)
		if err != nil {
			return err
		}
		if err := insertSystemFolders(tx); err != nil {
			return err
		}
		admin, err := addUser(tx, NewUser{Login: "admin", DisplayName: "Context Admin", LastName: "Admin", FirstName: "Context",
			TimeZone: "UTC", Locale: "en_US", IsAdmin: true}, hash, 0)
		if err != nil {
			return err
		}
		return tx.SetContextAdmin(cid, admin.ID)
	})
	if err != nil {
		return 0, "", "", err
	}
	adminLogin = "admin"
	if name != DefaultContext {
		adminLogin = "admin@" + name
	}
	return cid, adminLogin, password, nil
}

func everyone(fp, rp, wp, dp int) storage.Permission {
	return storage.Permission{Entity: 0, Group: true, Folder: fp, Read: rp, Write: wp, Delete: dp}
}

func insertSystemFolders(tx *storage.Tx) error {
	sys := []storage.Folder{
		{ID: FolderRoot, Parent: -1, Title: "root", Module: "system", Type: TypeSystem, Permissions: []storage.Permission{everyone(1, 0, 0, 0)}},
		{ID: FolderPrivate, Parent: FolderRoot, Title: "Private folders", Module: "system", Type: TypeSystem, Permissions: []storage.Permission{everyone(4, 0, 0, 0)}},
		{ID: FolderPublic, Parent: FolderRoot, Title: "Public folders", Module: "system", Type: TypeSystem, Permissions: []storage.Permission{everyone(4, 0, 0, 0)}},
		{ID: FolderShared, Parent: FolderRoot, Title: "Shared folders", Module: "system", Type: TypeSystem, Permissions: []storage.Permission{everyone(1, 0, 0, 0)}},
		{ID: FolderGAB, Parent: FolderPublic, Title: "Global address book", Module: "contacts", Type: TypePublic, Permissions: []storage.Permission{everyone(1, 2, 1, 0)}},
		{ID: FolderInfostore, Parent: FolderRoot, Title: "Infostore", Module: "infostore", Type: TypeSystem, Permissions: []storage.Permission{everyone(1, 0, 0, 0)}},
		{ID: FolderUserStore, Parent: FolderInfostore, Title: "Userstore", Module: "infostore", Type: TypeSystem, Permissions: []storage.Permission{everyone(1, 0, 0, 0)}},
		{ID: FolderPublicInfostore, Parent: FolderInfostore, Title: "Public infostore", Module: "infostore", Type: TypePublic, Permissions: []storage.Permission{everyone(4, 0, 0, 0)}},
	}
	for i := range sys {
		sys[i].Subscribed = true
		if err := tx.InsertFolder(&sys[i]); err != nil {
			return err
		}
	}
	return nil
}

// AddUser creates a user in context cid with default folders and a contact
// in the global address book.
func (s *Service) AddUser(ctx context.Context, cid int64, u NewUser) (*storage.User, error) {
	if err := validateUser(&u); err != nil {
		return nil, err
	}
	hash, err := passwd.Hash(u.Password)
	if err != nil {
		return nil, err
	}
	var out *storage.User
	err = s.DB.Write(ctx, cid, func(tx *storage.Tx) error {
		out, err = addUser(tx, u, hash, 0)
		return err
	})
	return out, err
}

func validateUser(u *NewUser) error {
	if !loginRe.MatchString(u.Login) {
		return fmt.Errorf("%w: login %q (letters, digits and . _ + - @ only)", ErrInvalid, u.Login)
	}
	if u.Password == "" {
		return fmt.Errorf("%w: empty password", ErrInvalid)
	}
	if u.TimeZone == "" {
		u.TimeZone = "UTC"
	}
	if !protocol.ValidTimeZone(u.TimeZone) {
		return fmt.Errorf("%w: time zone %q", ErrInvalid, u.TimeZone)
	}
	if u.Locale == "" {
		u.Locale = "en_US"
	}
	if !localeRe.MatchString(u.Locale) {
		return fmt.Errorf("%w: locale %q", ErrInvalid, u.Locale)
	}
	if u.Email != "" && !strings.Contains(u.Email, "@") {
		return fmt.Errorf("%w: email %q", ErrInvalid, u.Email)
	}
	return nil
}

func addUser(tx *storage.Tx, u NewUser, hash string, createdBy int64) (*storage.User, error) {
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM users WHERE cid = ? AND login = ? COLLATE NOCASE`, tx.ContextID(), u.Login).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, fmt.Errorf("%w: user %q", ErrExists, u.Login)
	}
	stamp, err := tx.Stamp()
	if err != nil {
		return nil, err
	}
	uid, err := tx.NextID(storage.SeqPrincipal)
	if err != nil {
		return nil, err
	}
	contactID, err := tx.NextID(storage.SeqContact)
	if err != nil {
		return nil, err
	}
	if u.DisplayName == "" {
		u.DisplayName = u.Login
	}
	if createdBy == 0 {
		createdBy = uid
	}
	user := &storage.User{ContextID: tx.ContextID(), ID: uid, Login: u.Login, PasswordHash: hash, TimeZone: u.TimeZone,
		Locale: u.Locale, ContactID: contactID, IsAdmin: u.IsAdmin, Enabled: true, Created: stamp, LastModified: stamp,
		DisplayName: u.DisplayName, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email}
	if err := tx.InsertUser(user); err != nil {
		return nil, err
	}
	if err := tx.InsertUserContact(&storage.UserContact{ID: contactID, UserID: uid, DisplayName: u.DisplayName,
		FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, CreatedBy: createdBy}); err != nil {
		return nil, err
	}
	owner := []storage.Permission{{Entity: uid, Folder: 64, Read: 64, Write: 64, Delete: 64, Admin: true}}
	defaults := []struct {
		title, module string
		parent        int64
		defType       int
	}{
		{"Contacts", "contacts", FolderPrivate, ModContacts},
		{"Calendar", "calendar", FolderPrivate, ModCalendar},
		{"Tasks", "tasks", FolderPrivate, ModTasks},
		{u.DisplayName, "infostore", FolderUserStore, ModInfostore},
	}
	for _, d := range defaults {
		id, err := tx.NextID(storage.SeqFolder)
		if err != nil {
			return nil, err
		}
		f := &storage.Folder{ID: id, Parent: d.parent, Title: d.title, Module: d.module, Type: TypePrivate, Owner: uid,
			CreatedBy: uid, ModifiedBy: uid, DefaultType: d.defType, Subscribed: true, Permissions: owner}
		if err := tx.InsertFolder(f); err != nil {
			return nil, err
		}
	}
	return user, nil
}

// SetPassword changes a user's password.
func (s *Service) SetPassword(ctx context.Context, cid int64, login, password string) error {
	if password == "" {
		return fmt.Errorf("%w: empty password", ErrInvalid)
	}
	u, err := s.DB.UserByLogin(ctx, cid, login)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("no user %q", login)
		}
		return err
	}
	hash, err := passwd.Hash(password)
	if err != nil {
		return err
	}
	return s.DB.Write(ctx, cid, func(tx *storage.Tx) error { return tx.SetPassword(u.ID, hash) })
}

// AddGroup creates a group of the users with the given logins.
func (s *Service) AddGroup(ctx context.Context, cid int64, name, displayName string, memberLogins []string) (int64, error) {
	if !contextRe.MatchString(name) {
		return 0, fmt.Errorf("%w: group name %q", ErrInvalid, name)
	}
	if displayName == "" {
		displayName = name
	}
	var members []int64
	for _, l := range memberLogins {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		u, err := s.DB.UserByLogin(ctx, cid, l)
		if err != nil {
			return 0, fmt.Errorf("no user %q", l)
		}
		members = append(members, u.ID)
	}
	var id int64
	err := s.DB.Write(ctx, cid, func(tx *storage.Tx) error {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM groups WHERE cid = ? AND name = ?`, cid, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: group %q", ErrExists, name)
		}
		var err error
		if id, err = tx.NextID(storage.SeqPrincipal); err != nil {
			return err
		}
		return tx.InsertGroup(id, name, displayName, members)
	})
	return id, err
}

// AddResource creates a resource.
func (s *Service) AddResource(ctx context.Context, cid int64, name, displayName, email string) (int64, error) {
	if strings.TrimSpace(name) == "" {
		return 0, fmt.Errorf("%w: empty resource name", ErrInvalid)
	}
	if displayName == "" {
		displayName = name
	}
	var id int64
	err := s.DB.Write(ctx, cid, func(tx *storage.Tx) error {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM resources WHERE cid = ? AND name = ?`, cid, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: resource %q", ErrExists, name)
		}
		var err error
		if id, err = tx.NextID(storage.SeqResource); err != nil {
			return err
		}
		return tx.InsertResource(&storage.Resource{ID: id, Name: name, DisplayName: displayName, Mail: email, Available: true})
	})
	return id, err
}

// SplitLogin resolves "login@context": when the part after the last @
// names an existing context other than the default, that context is used;
// otherwise the whole string is a login of the default context.
func SplitLogin(ctx context.Context, db *storage.DB, full string) (cid int64, login string, err error) {
	if i := strings.LastIndex(full, "@"); i > 0 && i < len(full)-1 {
		if c, err := db.ContextByName(ctx, full[i+1:]); err == nil && c.Name != DefaultContext {
			return c.ID, full[:i], nil
		}
	}
	c, err := db.ContextByName(ctx, DefaultContext)
	if err != nil {
		return 0, "", err
	}
	return c.ID, full, nil
}
