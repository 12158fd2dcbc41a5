// Package contacts implements module `contacts` (spec lines 1484–2020):
// contacts and distribution lists in contact folders, the users' entries in
// the global address book (folder 6), contact pictures in the blob store,
// search in its four forms, and the two methods import/export builds on.
// The image and halo modules read pictures and people through it.
package contacts

import (
	"context"
	"errors"
	"log/slog"

	"oxlite/core/ajax"
	"oxlite/core/folders"
	"oxlite/core/perm"
	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Module serves `contacts`.
type Module struct {
	DB *storage.DB
	// Blobs keeps the pictures.
	Blobs storage.Blobs
	// MaxImageSize bounds a picture in bytes (CON-0172); 0 means 4 MiB,
	// the reference server's default.
	MaxImageSize int64
	// Log receives failures that happen after a commit (blob cleanup).
	Log *slog.Logger
}

// DefaultMaxImageSize is the picture limit when MaxImageSize is 0.
const DefaultMaxImageSize = 4 << 20

// GAB is the global address book.
const GAB = folders.GAB

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("contacts", "all", m.all)
	mux.Handle("contacts", "list", m.list)
	mux.Handle("contacts", "get", m.get)
	mux.Handle("contacts", "getuser", m.getUser)
	mux.Handle("contacts", "listuser", m.listUser)
	mux.Handle("contacts", "updates", m.updates)
	mux.Handle("contacts", "new", m.newContact)
	mux.Handle("contacts", "update", m.update)
	mux.Handle("contacts", "delete", m.delete)
	mux.Handle("contacts", "search", m.search)
	mux.Handle("contacts", "advancedSearch", m.advancedSearch)
	mux.Handle("contacts", "autocomplete", m.autocomplete)
	mux.Handle("contacts", "birthdays", m.birthdays)
	mux.Handle("contacts", "anniversaries", m.anniversaries)
	mux.Handle("contacts", "copy", m.copyContact)
}

// Errors of the module (ContactExceptionCodes of the reference server;
// CON-0100, 0119, 0167, 0171 and 0173 live in core/contactfields because
// the user module raises them too).
var (
	ErrNonContactFolder = protocol.Def{Code: "CON-0103", Category: protocol.CatPermissionDenied,
		Message: "You are not allowed to store this contact in a non-contact folder: folder id %d in context %d with user %d"}
	ErrNoAccess = protocol.Def{Code: "CON-0104", Category: protocol.CatPermissionDenied,
		Message: "You do not have the permission to access objects in the folder %d in the context %d as user %d"}
	ErrNoCreate = protocol.Def{Code: "CON-0112", Category: protocol.CatPermissionDenied,
		Message: "You do not have the permission to create objects in the folder %d in context %d as user %d"}
	ErrNotFound = protocol.Def{Code: "CON-0125", Category: protocol.CatError,
		Message: "Contact %d not found in context %d."}
	ErrNotValidImage = protocol.Def{Code: "CON-0158", Category: protocol.CatUserInput,
		Message: "The image you tried to attach is not a valid picture. It may be broken or is not a valid file."}
	ErrDisplayNameMandatory = protocol.Def{Code: "CON-0166", Category: protocol.CatUserInput,
		Message: "Your display name is mandatory. Please enter it."}
	ErrNoDelete = protocol.Def{Code: "CON-0169", Category: protocol.CatPermissionDenied,
		Message: "You do not have the permission to delete objects from folder %d in context %d as user %d"}
	ErrImageTooLarge = protocol.Def{Code: "CON-0172", Category: protocol.CatUserInput,
		Message: "Image size too large. Image size: %d. Max. size: %d."}
	ErrNoChange = protocol.Def{Code: "CON-0176", Category: protocol.CatPermissionDenied,
		Message: "You are not allowed to modify contact %d in context %d."}
	ErrMemberEmailMandatory = protocol.Def{Code: "CON-0177", Category: protocol.CatUserInput,
		Message: "An E-Mail address is mandatory for external distribution list members. Please add a valid E-Mail address."}
	ErrUserContactDelete = protocol.Def{Code: "CON-0260", Category: protocol.CatPermissionDenied,
		Message: "User contacts can not be deleted."}
)

func (m *Module) log() *slog.Logger {
	if m.Log != nil {
		return m.Log
	}
	return slog.Default()
}

func (m *Module) maxImage() int64 {
	if m.MaxImageSize > 0 {
		return m.MaxImageSize
	}
	return DefaultMaxImageSize
}

// checkFolder turns the folder module's answer into the contact view of
// it: a folder of another module is CON-0103.
func checkFolder(f *storage.Folder, p perm.Permission, err error, u *protocol.User) (pim.Access, error) {
	if err != nil {
		return pim.Access{}, err
	}
	if f.Module != "contacts" {
		return pim.Access{}, ErrNonContactFolder.New(f.ID, u.ContextID, u.ID)
	}
	return pim.Access{Folder: f, Perm: p, User: u.ID}, nil
}

// folderAccess loads a contact folder and the caller's rights on it.
func (m *Module) folderAccess(ctx context.Context, u *protocol.User, id int64) (pim.Access, error) {
	f, p, err := folders.Access(ctx, m.DB, u, id)
	return checkFolder(f, p, err, u)
}

// folderAccessTx is folderAccess inside a write transaction.
func folderAccessTx(tx *storage.Tx, u *protocol.User, id int64) (pim.Access, error) {
	f, p, err := folders.AccessTx(tx, u, id)
	return checkFolder(f, p, err, u)
}

// readAccess is folderAccess for reading: a folder whose objects the
// caller may not read at all is CON-0104.
func (m *Module) readAccess(ctx context.Context, u *protocol.User, id int64) (pim.Access, error) {
	a, err := m.folderAccess(ctx, u, id)
	if err != nil {
		return a, err
	}
	if a.Perm.Read < perm.Own && !a.Perm.Admin {
		return a, ErrNoAccess.New(id, u.ContextID, u.ID)
	}
	return a, nil
}

// visibleFolders returns the caller's rights on every contact folder whose
// objects the caller may read, ordered by folder id.
func (m *Module) visibleFolders(ctx context.Context, u *protocol.User) ([]pim.Access, error) {
	fs, err := m.DB.VisibleFolders(ctx, u.ContextID, u.ID, u.Groups, "contacts")
	if err != nil {
		return nil, protocol.Internal(err)
	}
	out := make([]pim.Access, 0, len(fs))
	for _, f := range fs {
		p := perm.Effective(f.Permissions, folders.Subject(u))
		if !p.Visible() || p.Read < perm.Own {
			continue
		}
		out = append(out, pim.Access{Folder: f, Perm: p, User: u.ID})
	}
	return out, nil
}

// readable loads the contacts of the given folders the caller may read.
func (m *Module) readable(ctx context.Context, u *protocol.User, acc []pim.Access) ([]*storage.ContactRow, error) {
	var out []*storage.ContactRow
	for _, a := range acc {
		rows, err := m.DB.FolderContactRows(ctx, u.ContextID, a.Folder.ID, 0)
		if err != nil {
			return nil, protocol.Internal(err)
		}
		for _, c := range rows {
			if a.CanRead(c.CreatedBy, c.PrivateFlag) {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// adminFilter drops the context admin's own contact when the request says
// admin=false (the UI hides it by default).
func (m *Module) adminFilter(ctx context.Context, u *protocol.User, rows []*storage.ContactRow, include bool) ([]*storage.ContactRow, error) {
	if include {
		return rows, nil
	}
	cx, err := m.DB.ContextByID(ctx, u.ContextID)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return rows, nil
		}
		return nil, protocol.Internal(err)
	}
	out := rows[:0:0]
	for _, c := range rows {
		if c.UserID != 0 && c.UserID == cx.AdminID {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// includeAdmin reads the `admin` parameter (default true).
func includeAdmin(req *protocol.Request) bool {
	v, ok := req.Param("admin")
	if !ok || v == "" {
		return true
	}
	return req.Bool("admin")
}

// emptyTrash deletes blobs that folder clears left behind; failures wait
// for the next round.
func (m *Module) emptyTrash(ctx context.Context) {
	if m.Blobs == nil {
		return
	}
	if _, err := m.DB.EmptyBlobTrash(ctx, m.Blobs, 100); err != nil {
		m.log().Warn("emptying the blob trash failed", "err", err)
	}
}

// dropBlobs deletes blobs after a commit.
func (m *Module) dropBlobs(ctx context.Context, keys ...string) {
	for _, k := range keys {
		if k == "" || m.Blobs == nil {
			continue
		}
		if err := m.Blobs.Delete(ctx, k); err != nil {
			m.log().Warn("deleting a blob failed", "key", k, "err", err)
		}
	}
}
