package folders

import (
	"context"

	"oxlite/core/perm"
	"oxlite/storage"
)

// Content is what the folders module needs to know about the objects of
// one PIM module.
type Content interface {
	// Count returns the number of objects per folder.
	Count(ctx context.Context, db *storage.DB, cid int64, folders []int64) (map[int64]int64, error)
	// Clear deletes the objects of folder that p lets user uid delete,
	// leaving tombstones, and returns how many objects remain.
	Clear(tx *storage.Tx, folder int64, p perm.Permission, uid int64) (remaining int64, err error)
}

// ContactsContent counts and clears rows of the contacts table.
type ContactsContent struct{}

// Count implements Content.
func (ContactsContent) Count(ctx context.Context, db *storage.DB, cid int64, folders []int64) (map[int64]int64, error) {
	return db.ContactCounts(ctx, cid, folders)
}

// Clear implements Content. With "delete all" every contact goes, with
// "delete own" the caller's own; users' entries in the global address book
// always stay. Pictures and attachments of deleted contacts go to the blob
// trash (storage.TrashBlobs).
func (ContactsContent) Clear(tx *storage.Tx, folder int64, p perm.Permission, uid int64) (int64, error) {
	switch {
	case p.CanDeleteAll():
		if _, err := tx.ClearContacts(folder, 0); err != nil {
			return 0, err
		}
	case p.CanDeleteObject(true):
		if _, err := tx.ClearContacts(folder, uid); err != nil {
			return 0, err
		}
	}
	return tx.CountContacts(folder)
}
