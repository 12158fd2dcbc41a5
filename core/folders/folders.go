// Package folders implements module `folders` (spec lines 2651–3024) for
// every non-mail folder: the trees 0 and 1, listing, paths, allVisible,
// creating, renaming, moving, sharing, deleting, clearing and updates. It
// also exports Access, the check every PIM module runs before it touches
// an object in a folder.
package folders

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"oxlite/core/ajax"
	"oxlite/core/perm"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Well-known folder ids (the same as core/provision's; repeated so that
// modules can use them without importing provisioning).
const (
	Root            = 0
	Private         = 1
	Public          = 2
	Shared          = 3
	GAB             = 6
	Infostore       = 9
	UserStore       = 10
	PublicInfostore = 15
	// FirstUserID is the first id of a folder that is not a system folder.
	FirstUserID = 20
)

// Folder types.
const (
	TypePrivate = 1
	TypePublic  = 2
	TypeShared  = 3
	TypeSystem  = 5
)

// Error catalogue (codes and categories of the reference server's
// OXFolderExceptionCode and folderstorage FolderExceptionErrorMessage).
var (
	ErrNotVisible        = protocol.Def{Code: "FLD-0003", Category: protocol.CatPermissionDenied, Message: "Folder \"%v\" is not visible to user %d in context %d"}
	ErrNoCreateSubfolder = protocol.Def{Code: "FLD-0006", Category: protocol.CatPermissionDenied, Message: "User %d has no create-subfolder permission on folder %v in context %d"}
	ErrMissingField      = protocol.Def{Code: "FLD-0007", Category: protocol.CatUserInput, Message: "Missing field %s in folder %v in context %d"}
	ErrNotFound          = protocol.Def{Code: "FLD-0008", Category: protocol.CatError, Message: "Folder %v does not exist in context %d"}
	ErrNoAdmin           = protocol.Def{Code: "FLD-0010", Category: protocol.CatPermissionDenied, Message: "User %d has no admin access to folder %v in context %d"}
	ErrDefaultRename     = protocol.Def{Code: "FLD-0011", Category: protocol.CatPermissionDenied, Message: "Default folder %v cannot be renamed in context %d"}
	ErrInvalidModule     = protocol.Def{Code: "FLD-0014", Category: protocol.CatError, Message: "Parent folder %v does not allow module %s in context %d"}
	ErrOnlyOneAdmin      = protocol.Def{Code: "FLD-0015", Category: protocol.CatError, Message: "Only one admin permission is allowed on a private folder"}
	ErrNoGroupAdmin      = protocol.Def{Code: "FLD-0016", Category: protocol.CatError, Message: "A group must not hold admin permission on a private folder"}
	ErrOnlyOwnerAdmin    = protocol.Def{Code: "FLD-0017", Category: protocol.CatError, Message: "Only folder owner may hold admin permission on a private folder"}
	ErrNoFolderAdmin     = protocol.Def{Code: "FLD-0018", Category: protocol.CatError, Message: "Administration rights required. In the Rights tab add at least one user with administration rights."}
	ErrDefaultMove       = protocol.Def{Code: "FLD-0021", Category: protocol.CatPermissionDenied, Message: "Not allowed to move default folder %v in context %d"}
	ErrSharedMove        = protocol.Def{Code: "FLD-0023", Category: protocol.CatPermissionDenied, Message: "Shared folder %v cannot be moved in context %d"}
	ErrSharedTarget      = protocol.Def{Code: "FLD-0024", Category: protocol.CatPermissionDenied, Message: "Shared folder %v cannot be target of move operation in context %d"}
	ErrSystemMove        = protocol.Def{Code: "FLD-0025", Category: protocol.CatPermissionDenied, Message: "System folder %v cannot be moved in context %d"}
	ErrPrivateToPrivate  = protocol.Def{Code: "FLD-0026", Category: protocol.CatPermissionDenied, Message: "Private folder %v can only be moved to a private folder in context %d"}
	ErrPublicToPublic    = protocol.Def{Code: "FLD-0027", Category: protocol.CatPermissionDenied, Message: "Public folder %v can only be moved to a public folder in context %d"}
	ErrEqualMove         = protocol.Def{Code: "FLD-0028", Category: protocol.CatPermissionDenied, Message: "Target and source folder cannot be equal in context %d"}
	ErrSharedDelete      = protocol.Def{Code: "FLD-0030", Category: protocol.CatPermissionDenied, Message: "User %d is not allowed to delete shared folder %v in context %d"}
	ErrDefaultDelete     = protocol.Def{Code: "FLD-0031", Category: protocol.CatPermissionDenied, Message: "User %d is not allowed to delete default folder %v in context %d"}
	ErrNotAllObjects     = protocol.Def{Code: "FLD-0032", Category: protocol.CatPermissionDenied, Message: "User %d is not allowed to delete all objects in folder %v in context %d"}
	ErrInvalidEntity     = protocol.Def{Code: "FLD-0044", Category: protocol.CatUserInput, Message: "Invalid entity id %d (%s) detected in permissions of folder %v in context %d"}
	ErrSubfolderMove     = protocol.Def{Code: "FLD-0045", Category: protocol.CatError, Message: "Folder %v must not be moved to one of its subfolders in context %d"}
	ErrInvalidPermission = protocol.Def{Code: "FLD-0061", Category: protocol.CatError, Message: "Invalid permission values: %s"}
	ErrTruncated         = protocol.Def{Code: "FLD-0064", Category: protocol.CatTruncated, Message: "The value for attribute %s contains more than the allowed number of %d characters. Current length: %d characters."}
	ErrHiddenSubfolder   = protocol.Def{Code: "FLD-0074", Category: protocol.CatPermissionDenied, Message: "Folder %v in context %d contains a hidden subfolder. User %d has no delete rights for this subfolder and consequently cannot delete its parent folder."}
	ErrInvalidData       = protocol.Def{Code: "FLD-0076", Category: protocol.CatUserInput, Message: "Folder contains invalid data: \"%s\""}
	ErrModuleNotEmpty    = protocol.Def{Code: "FLD-0078", Category: protocol.CatUserInput, Message: "Folder module cannot be updated since folder is not empty"}
	ErrDuplicateUser     = protocol.Def{Code: "FLD-0079", Category: protocol.CatUserInput, Message: "Duplicate permission defined for user %d. Only one permission per user is allowed."}
	ErrDuplicateGroup    = protocol.Def{Code: "FLD-0080", Category: protocol.CatUserInput, Message: "Duplicate permission defined for group %d. Only one permission per group is allowed."}
	ErrDefaultModule     = protocol.Def{Code: "FLD-0085", Category: protocol.CatUserInput, Message: "The module of a default folder must not be changed."}
	ErrEqualName         = protocol.Def{Code: "FLD-1014", Category: protocol.CatPermissionDenied, Message: "A folder named \"%s\" already exists below parent folder \"%s\" in tree \"%d\"."}
	ErrUnknownContent    = protocol.Def{Code: "FLD-1018", Category: protocol.CatError, Message: "Unknown content type: %s."}
	ErrConflict          = protocol.Def{Code: "FLD-1022", Category: protocol.CatConflict, Message: "The object has been changed in the meantime."}
	ErrNotDeletable      = protocol.Def{Code: "FLD-1026", Category: protocol.CatPermissionDenied, Message: "Folder \"%v\" must not be deleted by user \"%d\" in context \"%d\"."}
	ErrTreeNotFound      = protocol.Def{Code: "FLD-1031", Category: protocol.CatPermissionDenied, Message: "No such tree with identifier \"%s\"."}
)

// Module serves `folders`.
type Module struct {
	DB *storage.DB
	// Contents counts and removes the objects of each module's folders
	// (`total`, `clear`, recursive `delete`). Modules other than contacts
	// add theirs when they exist.
	Contents map[string]Content
}

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	if m.Contents == nil {
		m.Contents = map[string]Content{"contacts": ContactsContent{}}
	}
	mux.Handle("folders", "root", m.root)
	mux.Handle("folders", "list", m.list)
	mux.Handle("folders", "path", m.path)
	mux.Handle("folders", "get", m.get)
	mux.Handle("folders", "allVisible", m.allVisible)
	mux.Handle("folders", "shares", m.shares)
	mux.Handle("folders", "updates", m.updates)
	mux.Handle("folders", "new", m.create)
	mux.Handle("folders", "update", m.update)
	mux.Handle("folders", "delete", m.delete)
	mux.Handle("folders", "clear", m.clear)
}

// Subject is the permission subject of a caller.
func Subject(u *protocol.User) perm.Subject {
	return perm.Subject{User: u.ID, Groups: u.Groups}
}

// ParseID reads a folder id given as a string ("21") or a JSON number.
// Negative ids are well-formed: the offline store numbers folders created
// offline -20, -21, … (storage.Options.NegativeIDs). They only ever name
// an existing folder there; elsewhere the lookup that follows every parse
// answers them as unknown folders, like any id that does not exist.
func ParseID(v any) (int64, bool) {
	switch x := v.(type) {
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	case float64:
		n := int64(x)
		return n, float64(n) == x
	case int64:
		return x, true
	case int:
		return int64(x), true
	}
	return 0, false
}

// IsUserFolder reports whether id names a folder users create (not a
// system folder below FirstUserID): server ids from FirstUserID on and the
// offline store's temporary ids from -FirstUserID down. -1 is the parent
// of the root, never a folder.
func IsUserFolder(id int64) bool { return id >= FirstUserID || id <= -FirstUserID }

// Access loads a folder together with the caller's effective permission on
// it. A missing folder answers FLD-0008, one the caller may not see
// FLD-0003. Other modules call it before reading or writing objects.
func Access(ctx context.Context, db *storage.DB, u *protocol.User, id int64) (*storage.Folder, perm.Permission, error) {
	f, err := db.Folder(ctx, u.ContextID, id)
	return access(f, err, u, id)
}

// AccessTx is Access inside a write transaction, so the check and the
// write see the same state.
func AccessTx(tx *storage.Tx, u *protocol.User, id int64) (*storage.Folder, perm.Permission, error) {
	f, err := tx.Folder(id)
	return access(f, err, u, id)
}

func access(f *storage.Folder, err error, u *protocol.User, id int64) (*storage.Folder, perm.Permission, error) {
	if errors.Is(err, storage.ErrNotFound) {
		return nil, perm.Permission{}, ErrNotFound.New(id, u.ContextID)
	}
	if err != nil {
		return nil, perm.Permission{}, protocol.Internal(err)
	}
	p := perm.Effective(f.Permissions, Subject(u))
	if !p.Visible() {
		return nil, perm.Permission{}, ErrNotVisible.New(id, u.ID, u.ContextID)
	}
	return f, p, nil
}

// moduleNames maps content-type numbers and names to folder modules.
var moduleNames = map[string]string{
	"1": "tasks", "tasks": "tasks", "task": "tasks",
	"2": "calendar", "calendar": "calendar",
	"3": "contacts", "contacts": "contacts", "contact": "contacts",
	"8": "infostore", "infostore": "infostore", "files": "infostore",
	"5": "system", "system": "system",
	"7": "mail", "mail": "mail",
}

// moduleNumber is the module number a default folder reports as
// standard_folder_type.
var moduleNumber = map[string]int{"tasks": 1, "calendar": 2, "contacts": 3, "system": 5, "mail": 7, "infostore": 8}

// ContentType parses a content_type / module value (name or number).
func ContentType(s string) (string, bool) {
	m, ok := moduleNames[strings.ToLower(strings.TrimSpace(s))]
	return m, ok
}

// pimModule reports whether a module's folders live in the private and
// public trees.
func pimModule(m string) bool { return m == "tasks" || m == "calendar" || m == "contacts" }
