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

// Clear implements Content. Without "delete all" nothing is deleted: a
// folder is cleared completely or not at all.
func (ContactsContent) Clear(tx *storage.Tx, folder int64, p perm.Permission, uid int64) (int64, error) {
	if p.CanDeleteAll() {
		if _, err := tx.ClearContacts(folder); err != nil {
			return 0, err
		}
	}
	return tx.CountContacts(folder)
}
