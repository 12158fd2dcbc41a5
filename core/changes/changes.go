// Package changes holds the rules every module's `updates` action shares:
// which deletions to report and when a client must reload everything.
package changes

import (
	"context"
	"strings"

	"oxlite/core/protocol"
	"oxlite/storage"
)

// WantDeleted reads the `ignore` parameter the way the reference server's
// safest reading goes: only the word "deleted" suppresses deletions.
// (Contacts and tasks treat an absent `ignore` as "deleted"; they pass
// absentMeansDeleted.)
func WantDeleted(req *protocol.Request, absentMeansIgnore bool) bool {
	v, ok := req.Param("ignore")
	if !ok || v == "" {
		return !absentMeansIgnore
	}
	for _, p := range strings.Split(v, ",") {
		if strings.TrimSpace(strings.ToLower(p)) == "deleted" {
			return false
		}
	}
	return true
}

// Deleted returns the ids that left folder (folder < 0: any folder) after
// since. since == 0 means "everything live, no deletions" and returns none;
// 0 < since < horizon answers OXL-0001 (reload everything).
func Deleted(ctx context.Context, db *storage.DB, cid int64, module string, folder, since int64) (ids []int64, maxSeq int64, err error) {
	if since <= 0 {
		return nil, 0, nil
	}
	h, err := db.Horizon(ctx, cid)
	if err != nil {
		return nil, 0, protocol.Internal(err)
	}
	if since < h {
		return nil, 0, protocol.ErrReloadRequired.New(since)
	}
	ids, maxSeq, err = db.Tombstones(ctx, cid, module, folder, since)
	if err != nil {
		return nil, 0, protocol.Internal(err)
	}
	return ids, maxSeq, nil
}
