package pim

import (
	"context"
	"errors"
	"slices"

	"oxlite/core/folders"
	"oxlite/core/perm"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Kind describes tasks or appointments to the steps both modules share:
// objects mapped into one folder per user, with reminders and attachments.
type Kind struct {
	// Folders is the module of the folders the objects live in.
	Folders string
	// Tomb is the tombstone module, Module the reminder and attachment one.
	Tomb   string
	Module int
	// The module's own codes for a folder of another module (folder), an
	// invisible folder (folder, user) and one the caller may not read
	// (title, folder).
	WrongFolder, NotVisible, NoRead protocol.Def
}

// Access loads folder with u's rights.
func (k Kind) Access(ctx context.Context, db *storage.DB, u *protocol.User, folder int64) (Access, error) {
	f, p, err := folders.Access(ctx, db, u, folder)
	return k.check(f, p, err, u, folder)
}

// AccessTx loads folder with u's rights inside the transaction.
func (k Kind) AccessTx(tx *storage.Tx, u *protocol.User, folder int64) (Access, error) {
	f, p, err := folders.AccessTx(tx, u, folder)
	return k.check(f, p, err, u, folder)
}

func (k Kind) check(f *storage.Folder, p perm.Permission, err error, u *protocol.User, folder int64) (Access, error) {
	if err != nil {
		if folders.ErrNotVisible.Is(err) {
			return Access{}, k.NotVisible.New(folder, u.ID)
		}
		return Access{}, err
	}
	if f.Module != k.Folders {
		return Access{}, k.WrongFolder.New(folder)
	}
	return Access{Folder: f, Perm: p, User: u.ID}, nil
}

// ReadFolder is Access for a caller who must be allowed to read objects in
// the folder.
func (k Kind) ReadFolder(ctx context.Context, db *storage.DB, u *protocol.User, folder int64) (Access, error) {
	acc, err := k.Access(ctx, db, u, folder)
	if err != nil {
		return acc, err
	}
	if acc.Perm.Read == 0 {
		return acc, k.NoRead.New(acc.Folder.Title, acc.Folder.ID)
	}
	return acc, nil
}

// Remove deletes object id everywhere: every folder it shows in keeps a
// tombstone, and so does its main folder when no mapping shows it there
// (clients of that folder may still list it); del drops its rows, its
// reminders and attachments go. It answers the attachment blob keys to
// delete after commit.
func (k Kind) Remove(tx *storage.Tx, id, main int64, maps []storage.FolderMapping, del func(id int64) error) ([]string, error) {
	for _, f := range maps {
		if err := tx.Tombstone(k.Tomb, f.Folder, id); err != nil {
			return nil, err
		}
	}
	if !shows(maps, main) {
		if err := tx.Tombstone(k.Tomb, main, id); err != nil {
			return nil, err
		}
	}
	if err := del(id); err != nil {
		return nil, err
	}
	if err := tx.RemoveReminders(k.Module, id); err != nil {
		return nil, err
	}
	return tx.DeleteAttachmentsOf(k.Module, id)
}

// MainFolder is the main folder of object id once maps are the mappings
// left of it: main while one of them still shows it there, else the first
// one's folder. The attachments follow, their parent being the main folder.
func (k Kind) MainFolder(tx *storage.Tx, id, main int64, maps []storage.FolderMapping) (int64, error) {
	if shows(maps, main) {
		return main, nil
	}
	return maps[0].Folder, tx.MoveAttachmentsOf(k.Module, id, maps[0].Folder)
}

func shows(maps []storage.FolderMapping, folder int64) bool {
	return slices.ContainsFunc(maps, func(m storage.FolderMapping) bool { return m.Folder == folder })
}

// Delete removes object id from the offline store the way a server-side
// deletion arrives, through the module's remove; false when it did not
// exist.
func Delete[T any](tx *storage.Tx, id int64, load func(id int64) (T, error), remove func(*storage.Tx, T) ([]string, error)) (bool, error) {
	o, err := load(id)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	keys, err := remove(tx, o)
	if err != nil {
		return false, err
	}
	return true, tx.TrashBlobs(keys...)
}

// Clear empties a folder for the folders module: with "delete all"
// objects rights every object goes, with "delete own" those uid created;
// it answers how many remain. The attachment blobs go to the blob trash
// because nobody can delete them after this transaction commits.
func Clear[T any](tx *storage.Tx, objs []T, p perm.Permission, uid int64, createdBy func(T) int64, remove func(*storage.Tx, T) ([]string, error)) (int64, error) {
	var left int64
	for _, o := range objs {
		if !p.CanDeleteAll() && !(p.CanDeleteObject(true) && createdBy(o) == uid) {
			left++
			continue
		}
		keys, err := remove(tx, o)
		if err != nil {
			return 0, err
		}
		if err := tx.TrashBlobs(keys...); err != nil {
			return 0, err
		}
	}
	return left, nil
}

// Internal maps an unexpected error to the generic one, keeping OX errors
// as they are.
func Internal(err error) error {
	var oe *protocol.Error
	if err == nil || errors.As(err, &oe) {
		return err
	}
	return protocol.Internal(err)
}
