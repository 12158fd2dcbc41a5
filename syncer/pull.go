package syncer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"oxlite/core/folders"
	"oxlite/storage"
)

// folderColumns are the folder columns the pull asks for.
var folderColumns = []int{1, 2, 3, 4, 5, 6, 20, 23, 300, 301, 302, 305, 306, 308, 314, 316}

var folderNames = func() []string {
	byID := map[int]string{}
	for _, c := range folders.Columns() {
		byID[c.ID] = c.Name
	}
	out := make([]string, len(folderColumns))
	for i, c := range folderColumns {
		out[i] = byID[c]
	}
	return out
}()

// systemFolders are fetched once: the tree's roots the local views hang
// from (allVisible lists only folders with content).
var systemFolders = []int64{folders.Root, folders.Private, folders.Public, folders.Shared}

// pull applies the server's changes: folders of every synced module, then
// each folder's objects.
func (e *Engine) pull(ctx context.Context) error {
	if err := e.pullSystemFolders(ctx); err != nil {
		return err
	}
	for _, mod := range e.cfg.Modules {
		fs, since, err := e.pullFolders(ctx, mod)
		if err != nil {
			return err
		}
		for _, f := range fs {
			if err := e.pullFolder(ctx, mod, f, since); err != nil {
				if isTransport(err) || errors.Is(err, errRelogin) || ctx.Err() != nil {
					return err
				}
				// One unreadable folder must not stop the others.
				e.log.Warn("pulling a folder failed", "module", mod, "folder", f, "err", err)
			}
		}
	}
	return nil
}

func (e *Engine) pullSystemFolders(ctx context.Context) error {
	a, err := e.account()
	if err != nil {
		return err
	}
	for _, id := range systemFolders {
		if _, err := e.db.SyncObject(ctx, a.cid, "folders", id); err == nil {
			continue
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		ans, err := e.call(ctx, "folders", url.Values{"action": {"get"}, "id": {strconv.FormatInt(id, 10)}, "tree": {"1"}}, nil)
		if err != nil {
			if apiError(err) != nil {
				continue
			}
			return err
		}
		var obj map[string]any
		if err := decodeJSON(ans.Data, &obj); err != nil {
			return fmt.Errorf("folder %d: %w", id, err)
		}
		if err := e.write(ctx, func(tx *storage.Tx) error { return e.ingestFolder(tx, a, obj) }); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) ingestFolder(tx *storage.Tx, a account, obj map[string]any) error {
	f, lm, err := folders.Ingest(tx, a.uid, a.loc, obj)
	if err != nil {
		return err
	}
	return tx.PutSyncObject("folders", f.ID, f.Parent, lm)
}

// pullFolders brings the folders of module up to date and returns their
// ids together with a server time taken before any object of them was
// read (the Date of the answer, to start reloads from).
func (e *Engine) pullFolders(ctx context.Context, mod string) ([]int64, int64, error) {
	a, err := e.account()
	if err != nil {
		return nil, 0, err
	}
	ans, err := e.call(ctx, "folders", url.Values{"action": {"allVisible"}, "content_type": {mod}, "tree": {"1"},
		"columns": {columnList(folderColumns)}}, nil)
	if err != nil {
		return nil, 0, err
	}
	var groups map[string][][]any
	if err := decodeJSON(ans.Data, &groups); err != nil {
		return nil, 0, fmt.Errorf("folders allVisible: %w", err)
	}
	server := map[int64]map[string]any{}
	for _, rows := range groups {
		for _, row := range rows {
			obj := rowObject(row, folderNames)
			if id, ok := folders.ParseID(obj["id"]); ok {
				server[id] = obj
			}
		}
	}
	pending, err := e.db.PendingFolders(ctx, a.cid)
	if err != nil {
		return nil, 0, err
	}
	var changed []map[string]any
	ids := make([]int64, 0, len(server))
	for id, obj := range server {
		ids = append(ids, id)
		if pending[id] {
			continue
		}
		lm, _ := toInt(obj["last_modified_utc"])
		if so, err := e.db.SyncObject(ctx, a.cid, "folders", id); err == nil && so.ServerModified == lm && lm != 0 {
			continue
		}
		changed = append(changed, obj)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	// Parents first, so that a subfolder never waits for its parent.
	sort.Slice(changed, func(i, j int) bool {
		pi, _ := folders.ParseID(changed[i]["folder_id"])
		pj, _ := folders.ParseID(changed[j]["folder_id"])
		return pi < pj
	})
	for len(changed) > 0 {
		n := min(len(changed), e.cfg.Chunk)
		batch := changed[:n]
		changed = changed[n:]
		if err := e.write(ctx, func(tx *storage.Tx) error {
			for _, obj := range batch {
				if err := e.ingestFolder(tx, a, obj); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return nil, 0, err
		}
		e.cfg.Yield()
	}
	local, err := e.db.ModuleFolderIDs(ctx, a.cid, mod)
	if err != nil {
		return nil, 0, err
	}
	for _, id := range local {
		if server[id] != nil || pending[id] {
			continue
		}
		if err := e.write(ctx, func(tx *storage.Tx) error {
			if err := folders.Remove(tx, id, e.cfg.Contents); err != nil {
				return err
			}
			if err := tx.DeleteSyncFolder(mod, id); err != nil {
				return err
			}
			return tx.DeleteSyncObject("folders", id)
		}); err != nil {
			return nil, 0, err
		}
	}
	var since int64
	if !ans.Date.IsZero() {
		since = ans.Date.UnixMilli() - 1
	}
	return ids, since, nil
}

// pullFolder brings one folder's objects up to date: `updates` since the
// stored timestamp, or a reload when there is none or the server cannot
// tell the changes any more.
func (e *Engine) pullFolder(ctx context.Context, mod string, folder, since int64) error {
	a, err := e.account()
	if err != nil {
		return err
	}
	pm := pimModules[mod]
	if pm == nil {
		return fmt.Errorf("syncer: module %s cannot be synced", mod)
	}
	ts, err := e.db.SyncFolderStamp(ctx, a.cid, mod, folder)
	if err != nil {
		return err
	}
	if ts == 0 {
		return e.reload(ctx, pm, folder, since)
	}
	ans, err := e.call(ctx, mod, url.Values{"action": {"updates"}, "folder": {strconv.FormatInt(folder, 10)},
		"timestamp": {strconv.FormatInt(ts, 10)}, "columns": {"1,6,20,104,105"}, "ignore": {"none"}}, nil)
	if ae := apiError(err); ae != nil && ae.TryAgain() {
		// OXL-0001 and its kind: the deletions since ts are gone.
		e.log.Info("reloading folder", "module", mod, "folder", folder, "reason", ae.Code)
		return e.reload(ctx, pm, folder, since)
	}
	if err != nil {
		return err
	}
	var items []any
	if err := decodeJSON(ans.Data, &items); err != nil {
		return fmt.Errorf("%s updates: %w", mod, err)
	}
	changed := map[int64]int64{}
	stats := attachmentStats{}
	var deleted []int64
	for _, it := range items {
		switch x := it.(type) {
		case []any:
			if len(x) >= 2 {
				id, ok1 := toInt(x[0])
				lm, _ := toInt(x[1])
				if ok1 {
					changed[id] = lm
					stats.add(id, x, 3)
				}
			}
		default:
			if id, ok := toInt(x); ok {
				deleted = append(deleted, id)
			}
		}
	}
	// Objects a local write created besides the one it recorded (the next
	// occurrence of a finished recurring task) never reach the server as
	// such: the server makes its own, which this pull brings.
	orphans, err := e.db.LocalTempIDs(ctx, a.cid, mod, folder)
	if err != nil {
		return err
	}
	if len(orphans) > 0 && mod == "calendar" {
		// A change exception made offline carries a temporary id of its
		// own while the series' update that made it is pending.
		if pending, err := e.db.PendingFolders(ctx, a.cid); err != nil {
			return err
		} else if pending[folder] {
			orphans = nil
		}
	}
	deleted = append(deleted, orphans...)
	if err := e.applyChanges(ctx, pm, folder, changed, deleted, stats); err != nil {
		return err
	}
	next := ts
	if ans.HasTimestamp {
		next = max(ts, ans.Timestamp)
	}
	return e.write(ctx, func(tx *storage.Tx) error { return tx.SetSyncFolder(mod, folder, next) })
}

// reload compares every id of the folder on the server with the local
// rows: changed and new ones are fetched, rows the server no longer has
// are dropped (unless local changes to them are pending).
func (e *Engine) reload(ctx context.Context, pm *pimModule, folder, since int64) error {
	a, err := e.account()
	if err != nil {
		return err
	}
	params := url.Values{"action": {"all"}, "folder": {strconv.FormatInt(folder, 10)},
		"columns": {"1,6,104,105"}, "sort": {"1"}, "order": {"asc"}}
	if pm.name == "calendar" {
		calendarRange(params)
	}
	ans, err := e.call(ctx, pm.name, params, nil)
	if err != nil {
		return err
	}
	var rows [][]any
	if err := decodeJSON(ans.Data, &rows); err != nil {
		return fmt.Errorf("%s all: %w", pm.name, err)
	}
	e.cfg.Yield()
	server := make(map[int64]int64, len(rows))
	stats := attachmentStats{}
	next := since
	if ans.HasTimestamp {
		next = max(next, ans.Timestamp)
	}
	for _, r := range rows {
		if len(r) < 2 {
			continue
		}
		if id, ok := toInt(r[0]); ok {
			lm, _ := toInt(r[1])
			server[id] = lm
			stats.add(id, r, 2)
			next = max(next, lm)
		}
	}
	local, err := e.db.LocalObjectIDs(ctx, a.cid, pm.name, folder)
	if err != nil {
		return err
	}
	var gone []int64
	for _, id := range local {
		if _, ok := server[id]; !ok {
			gone = append(gone, id)
		}
	}
	if err := e.applyChanges(ctx, pm, folder, server, gone, stats); err != nil {
		return err
	}
	return e.write(ctx, func(tx *storage.Tx) error { return tx.SetSyncFolder(pm.name, folder, next) })
}

// applyChanges fetches the objects whose server last_modified differs from
// the stored one and removes the deleted ones, in chunks; objects with
// pending local changes are left for the push to settle.
func (e *Engine) applyChanges(ctx context.Context, pm *pimModule, folder int64, changed map[int64]int64, deleted []int64,
	stats attachmentStats) error {
	a, err := e.account()
	if err != nil {
		return err
	}
	var known map[int64]int64
	if len(changed) > 1000 {
		known, err = e.db.SyncObjectsIn(ctx, a.cid, pm.name, folder)
	} else {
		ids := make([]int64, 0, len(changed))
		for id := range changed {
			ids = append(ids, id)
		}
		known, err = e.db.SyncObjectsByIDs(ctx, a.cid, pm.name, ids)
	}
	if err != nil {
		return err
	}
	pending, err := e.db.PendingIn(ctx, a.cid, pm.name)
	if err != nil {
		return err
	}
	// An appointment shows in several folders (its participants' and a
	// shared one): one already stored from another folder must be fetched
	// again from this one, which it is not yet mapped into.
	var here map[int64]bool
	if pm.leave != nil {
		ids, err := e.db.LocalObjectIDs(ctx, a.cid, pm.name, folder)
		if err != nil {
			return err
		}
		here = make(map[int64]bool, len(ids))
		for _, id := range ids {
			here[id] = true
		}
	}
	var fetch []int64
	for id, lm := range changed {
		if pending[id] {
			continue
		}
		if old, ok := known[id]; ok && old == lm && lm != 0 && (here == nil || here[id]) {
			continue
		}
		fetch = append(fetch, id)
	}
	sort.Slice(fetch, func(i, j int) bool { return fetch[i] < fetch[j] })
	for len(fetch) > 0 {
		n := min(len(fetch), e.cfg.Chunk)
		if err := e.fetchObjects(ctx, pm, folder, fetch[:n], stats); err != nil {
			return err
		}
		fetch = fetch[n:]
		e.cfg.Yield()
	}
	for len(deleted) > 0 {
		n := min(len(deleted), e.cfg.Chunk)
		batch := deleted[:n]
		deleted = deleted[n:]
		if err := e.write(ctx, func(tx *storage.Tx) error {
			for _, id := range batch {
				if err := e.removeFrom(tx, pm, id, folder); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		e.cfg.Yield()
	}
	return nil
}

// removeFrom applies the server's deletion of id from folder: the object
// goes unless it has pending changes or has meanwhile been seen in
// another folder (a move: the target folder brings it).
func (e *Engine) removeFrom(tx *storage.Tx, pm *pimModule, id, folder int64) error {
	if p, err := tx.Pending(pm.name, id); err != nil || p {
		return err
	}
	f, ok, err := tx.ObjectFolder(pm.name, id)
	if err != nil || !ok {
		return err
	}
	if f != folder && pm.name == "contacts" {
		return nil
	}
	switch pm.name {
	case "tasks":
		if in, err := tx.TaskInFolder(id, folder); err != nil || !in {
			return err
		}
	case "calendar":
		// An appointment leaves one calendar (a participant removed)
		// while it stays in others.
		if in, err := tx.AppointmentInFolder(id, folder); err != nil || !in {
			return err
		}
	}
	if pm.leave != nil {
		if stays, err := pm.leave(tx, id, folder); err != nil || stays {
			return err
		}
	} else if _, err := pm.remove(tx, id); err != nil {
		return err
	}
	return tx.DeleteSyncObject(pm.name, id)
}

// fetchObjects reads full rows with `list` and stores them.
func (e *Engine) fetchObjects(ctx context.Context, pm *pimModule, folder int64, ids []int64, stats attachmentStats) error {
	a, err := e.account()
	if err != nil {
		return err
	}
	refs := make([]map[string]int64, len(ids))
	for i, id := range ids {
		refs[i] = map[string]int64{"id": id, "folder": folder}
	}
	body, _ := json.Marshal(refs)
	ans, err := e.call(ctx, pm.name, url.Values{"action": {"list"}, "columns": {columnList(pm.cols)}}, body)
	if err != nil {
		return err
	}
	var rows [][]any
	if err := decodeJSON(ans.Data, &rows); err != nil {
		return fmt.Errorf("%s list: %w", pm.name, err)
	}
	objs := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		obj := rowObject(r, pm.names)
		stats.apply(obj)
		objs = append(objs, obj)
	}
	pics := map[int64]string{}
	err = e.applyTimed(ctx, len(objs), func(tx *storage.Tx, i int) error {
		id, pic, err := e.ingestObject(tx, a, pm, objs[i])
		if pic != "" {
			pics[id] = pic
		}
		return err
	})
	if err != nil {
		return err
	}
	if err := e.fetchPictures(ctx, pics); err != nil {
		return err
	}
	return e.pullAttachments(ctx, pm, objs)
}

// fetchPictures downloads contact pictures the store lacks, so that they
// show offline. A failed download is retried by a later pull (the picture
// stays missing, the object's server timestamp is cleared).
func (e *Engine) fetchPictures(ctx context.Context, pics map[int64]string) error {
	for id, ref := range pics {
		data, ctype, err := e.remote.Fetch(ctx, ref)
		if err != nil {
			e.log.Info("fetching a contact picture failed", "id", id, "err", err)
			if cerr := e.write(ctx, func(tx *storage.Tx) error { return tx.ForgetServerModified("contacts", id) }); cerr != nil {
				return cerr
			}
			if isTransport(err) {
				return err
			}
			continue
		}
		key, err := storage.SQLBlobs{DB: e.db}.Put(ctx, data)
		if err != nil {
			return err
		}
		used := false
		if err := e.write(ctx, func(tx *storage.Tx) error {
			if p, err := tx.Pending("contacts", id); err != nil || p {
				return err
			}
			var err error
			used, err = tx.SetContactPicture(id, key, ctype)
			return err
		}); err != nil {
			return err
		}
		if !used {
			_ = storage.SQLBlobs{DB: e.db}.Delete(ctx, key)
		}
		e.cfg.Yield()
	}
	return nil
}

// sliceBudget bounds one transaction of bulk work: the service worker's
// thread must not be held for long (it also renders nothing while Go
// runs). The budget is wall time, so a slower host (wasm) simply commits
// smaller slices.
const sliceBudget = 20 * time.Millisecond

// applyTimed runs fn for items 0..n-1 in write transactions of at most
// about sliceBudget each, yielding between them.
func (e *Engine) applyTimed(ctx context.Context, n int, fn func(tx *storage.Tx, i int) error) error {
	for i := 0; i < n; {
		err := e.write(ctx, func(tx *storage.Tx) error {
			start := time.Now()
			for first := true; i < n; i, first = i+1, false {
				if !first && time.Since(start) > sliceBudget {
					return nil
				}
				if err := fn(tx, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		e.cfg.Yield()
	}
	return nil
}

// ingestObject stores one server object unless local changes to it are
// pending; it answers the URL of a picture the store lacks.
func (e *Engine) ingestObject(tx *storage.Tx, a account, pm *pimModule, obj map[string]any) (int64, string, error) {
	id, ok := toInt(obj["id"])
	if !ok {
		return 0, "", fmt.Errorf("%s object without id", pm.name)
	}
	if p, err := tx.Pending(pm.name, id); err != nil || p {
		return id, "", err
	}
	id, folder, lm, pic, err := pm.ingest(tx, a, obj)
	if err != nil {
		return id, "", err
	}
	return id, pic, tx.PutSyncObject(pm.name, id, folder, lm)
}

// getObject reads one object from the server with `get`; it answers the
// object and the envelope's timestamp.
func (e *Engine) getObject(ctx context.Context, mod string, id, folder int64) (map[string]any, int64, error) {
	params := url.Values{"action": {"get"}, "id": {strconv.FormatInt(id, 10)}}
	if mod == "folders" {
		params.Set("tree", "1")
	} else {
		params.Set("folder", strconv.FormatInt(folder, 10))
	}
	ans, err := e.call(ctx, mod, params, nil)
	if err != nil {
		return nil, 0, err
	}
	var obj map[string]any
	if err := decodeJSON(ans.Data, &obj); err != nil || obj == nil {
		return nil, 0, fmt.Errorf("%s get: not an object", mod)
	}
	ts := ans.Timestamp
	if lm, ok := toInt(obj["last_modified_utc"]); ok && lm > ts {
		ts = lm
	}
	return obj, ts, nil
}

// refresh reads an object from the server and stores it, unless more
// local changes to it are pending.
func (e *Engine) refresh(ctx context.Context, mod string, id, folder int64) error {
	obj, _, err := e.getObject(ctx, mod, id, folder)
	if err != nil {
		return err
	}
	return e.store(ctx, mod, obj)
}

// store writes a server object (PIM object or folder) to the local store
// unless local changes to it are pending.
func (e *Engine) store(ctx context.Context, mod string, obj map[string]any) error {
	a, err := e.account()
	if err != nil {
		return err
	}
	pics := map[int64]string{}
	if err := e.write(ctx, func(tx *storage.Tx) error { return e.ingestServer(tx, a, mod, obj, pics) }); err != nil {
		return err
	}
	return e.storeFiles(ctx, mod, obj, pics)
}

// ingestServer is store's write: obj in the store unless local changes to
// it are pending; the URL of a picture the store lacks goes to pics.
func (e *Engine) ingestServer(tx *storage.Tx, a account, mod string, obj map[string]any, pics map[int64]string) error {
	if mod == "folders" {
		id, _ := folders.ParseID(obj["id"])
		if p, err := tx.Pending("folders", id); err != nil || p {
			return err
		}
		return e.ingestFolder(tx, a, obj)
	}
	pm := pimModules[mod]
	if pm == nil {
		return nil
	}
	id, pic, err := e.ingestObject(tx, a, pm, obj)
	if pic != "" {
		pics[id] = pic
	}
	return err
}

// storeFiles downloads what a stored object refers to: its picture and
// attachments.
func (e *Engine) storeFiles(ctx context.Context, mod string, obj map[string]any, pics map[int64]string) error {
	if err := e.fetchPictures(ctx, pics); err != nil {
		return err
	}
	if pm := pimModules[mod]; pm != nil {
		return e.pullAttachments(ctx, pm, []map[string]any{obj})
	}
	return nil
}

// pullPrincipals stores the context's users and groups, which local task
// participants and folder permissions refer to. Failures are logged: the
// store works without them.
func (e *Engine) pullPrincipals(ctx context.Context) error {
	ans, err := e.call(ctx, "user", url.Values{"action": {"all"}, "columns": {"1,524,614,611,612,613,615"}}, nil)
	if err != nil {
		if apiError(err) != nil {
			e.log.Warn("pulling users failed", "err", err)
			return nil
		}
		return err
	}
	var rows [][]any
	if err := decodeJSON(ans.Data, &rows); err != nil {
		return fmt.Errorf("user all: %w", err)
	}
	now := e.cfg.Now().UnixMilli()
	users := make([]*storage.User, 0, len(rows))
	for _, r := range rows {
		if len(r) < 7 {
			continue
		}
		uid, ok := toInt(r[1])
		if !ok {
			uid, ok = toInt(r[0])
		}
		if !ok || uid <= 0 {
			continue
		}
		u := &storage.User{ID: uid, TimeZone: "UTC", Locale: "en_US", Created: now, LastModified: now}
		u.ContactID, _ = toInt(r[2])
		if s, ok := r[3].(string); ok && s != "" {
			u.TimeZone = s
		}
		if s, ok := r[4].(string); ok && s != "" {
			u.Locale = s
		}
		if gs, ok := r[5].([]any); ok {
			u.Groups = []int64{}
			for _, g := range gs {
				if n, ok := toInt(g); ok {
					u.Groups = append(u.Groups, n)
				}
			}
		}
		u.Login, _ = r[6].(string)
		if u.Login == "" {
			u.Login = "user" + strconv.FormatInt(uid, 10)
		}
		users = append(users, u)
	}
	err = e.write(ctx, func(tx *storage.Tx) error {
		for _, u := range users {
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := e.pullResources(ctx); err != nil {
		return err
	}
	gans, err := e.call(ctx, "group", url.Values{"action": {"all"}, "columns": {"1,701,700,702"}}, nil)
	if err != nil {
		if apiError(err) != nil {
			e.log.Warn("pulling groups failed", "err", err)
			return nil
		}
		return err
	}
	var grows [][]any
	if err := decodeJSON(gans.Data, &grows); err != nil {
		return fmt.Errorf("group all: %w", err)
	}
	return e.write(ctx, func(tx *storage.Tx) error {
		for _, r := range grows {
			if len(r) < 4 {
				continue
			}
			id, ok := toInt(r[0])
			if !ok || id <= 0 {
				continue
			}
			display, _ := r[1].(string)
			name, _ := r[2].(string)
			if name == "" {
				name = "group" + strconv.FormatInt(id, 10)
			}
			var members []int64
			if ms, ok := r[3].([]any); ok {
				for _, m := range ms {
					if n, ok := toInt(m); ok {
						members = append(members, n)
					}
				}
			}
			if err := tx.PutGroup(id, name, display, members, time.Now().UnixMilli()); err != nil {
				return err
			}
		}
		return nil
	})
}

// attachmentStats are the attachment columns (104, 105) of the rows of
// `updates` and `all`, by object id. They override those of `list`:
// the same server state, and a server may leave them out of `list`
// (oxlite's calendar answers 0 there).
type attachmentStats map[int64][2]any

func (s attachmentStats) add(id int64, row []any, at int) {
	if len(row) >= at+2 {
		s[id] = [2]any{row[at], row[at+1]}
	}
}

func (s attachmentStats) apply(obj map[string]any) {
	id, ok := toInt(obj["id"])
	if !ok {
		return
	}
	if st, ok := s[id]; ok {
		obj["number_of_attachments"], obj["lastModifiedOfNewestAttachmentUTC"] = st[0], st[1]
	}
}

// attachmentColumns are the attachment columns the pull asks for: id,
// created_by, creation_date, folder, attached, module, filename,
// file_size, file_mimetype, rtf_flag.
const attachmentColumns = "1,2,4,800,801,802,803,804,805,806"

// pullAttachments brings the attachments of pulled objects: where the
// server's count or newest attachment (columns 104, 105) differs from the
// local ones, the object's attachment list is compared by id, new ones
// are downloaded into the blob store and those gone from the server are
// removed. Attachment changes made here are pushed first: while any
// waits, nothing is pulled.
func (e *Engine) pullAttachments(ctx context.Context, pm *pimModule, objs []map[string]any) error {
	if pm.attach == 0 || len(objs) == 0 {
		return nil
	}
	a, err := e.account()
	if err != nil {
		return err
	}
	if p, err := e.db.PendingIn(ctx, a.cid, "attachment"); err != nil || len(p) > 0 {
		return err
	}
	pending, err := e.db.PendingIn(ctx, a.cid, pm.name)
	if err != nil {
		return err
	}
	type parent struct{ id, folder, count, newest int64 }
	var ps []parent
	ids := make([]int64, 0, len(objs))
	for _, o := range objs {
		id, ok1 := toInt(o["id"])
		folder, ok2 := toInt(o["folder_id"])
		if !ok1 || !ok2 || pending[id] {
			continue
		}
		p := parent{id: id, folder: folder}
		p.count, _ = toInt(o["number_of_attachments"])
		p.newest, _ = toInt(o["lastModifiedOfNewestAttachmentUTC"])
		ps = append(ps, p)
		ids = append(ids, id)
	}
	stats, err := e.db.AttachmentStats(ctx, a.cid, pm.attach, ids)
	if err != nil {
		return err
	}
	for _, p := range ps {
		s := stats[p.id]
		if s.Count == p.count && (p.count == 0 || s.Newest == p.newest) {
			continue
		}
		if err := e.syncAttachments(ctx, a, pm, p.id, p.folder); err != nil {
			// The next pull fetches the object, and so its attachments,
			// again.
			if ferr := e.write(ctx, func(tx *storage.Tx) error { return tx.ForgetServerModified(pm.name, p.id) }); ferr != nil {
				return ferr
			}
			if isTransport(err) || errors.Is(err, errRelogin) || ctx.Err() != nil {
				return err
			}
			e.log.Info("pulling attachments failed", "module", pm.name, "id", p.id, "err", err)
		}
		e.cfg.Yield()
	}
	return nil
}

// syncAttachments makes the local attachments of one object the server's.
func (e *Engine) syncAttachments(ctx context.Context, a account, pm *pimModule, id, folder int64) error {
	sid, sfolder := strconv.FormatInt(id, 10), strconv.FormatInt(folder, 10)
	smod := strconv.Itoa(pm.attach)
	ans, err := e.call(ctx, "attachment", url.Values{"action": {"all"}, "module": {smod}, "attached": {sid},
		"folder": {sfolder}, "columns": {attachmentColumns}, "timezone": {"UTC"}}, nil)
	if err != nil {
		return err
	}
	var rows [][]any
	if err := decodeJSON(ans.Data, &rows); err != nil {
		return fmt.Errorf("attachment all: %w", err)
	}
	server := map[int64]*storage.Attachment{}
	for _, r := range rows {
		if len(r) < 10 {
			continue
		}
		aid, ok := toInt(r[0])
		if !ok {
			continue
		}
		at := &storage.Attachment{ID: aid, Module: pm.attach, FolderID: folder, Attached: id}
		at.CreatedBy, _ = toInt(r[1])
		at.CreationDate, _ = toInt(r[2])
		at.Filename, _ = r[6].(string)
		at.FileSize, _ = toInt(r[7])
		at.MimeType, _ = r[8].(string)
		at.RTF, _ = r[9].(bool)
		server[aid] = at
	}
	local, err := e.db.Attachments(ctx, a.cid, pm.attach, id)
	if err != nil {
		return err
	}
	have := map[int64]bool{}
	var gone []int64
	var known []*storage.Attachment
	for _, l := range local {
		have[l.ID] = true
		switch s := server[l.ID]; {
		case s != nil:
			if l.CreationDate != s.CreationDate {
				known = append(known, s)
			}
		case l.ID > 0:
			gone = append(gone, l.ID)
		}
	}
	if len(gone) > 0 || len(known) > 0 {
		if err := e.write(ctx, func(tx *storage.Tx) error {
			for _, s := range known {
				if err := tx.SetAttachmentCreated(pm.attach, id, s.ID, s.CreationDate); err != nil {
					return err
				}
			}
			if len(gone) == 0 {
				return nil
			}
			keys, err := tx.DetachAttachments(pm.attach, id, gone)
			if err != nil {
				return err
			}
			return tx.TrashBlobs(keys...)
		}); err != nil {
			return err
		}
	}
	aids := make([]int64, 0, len(server))
	for aid := range server {
		if !have[aid] {
			aids = append(aids, aid)
		}
	}
	sort.Slice(aids, func(i, j int) bool { return aids[i] < aids[j] })
	blobs := storage.SQLBlobs{DB: e.db}
	for _, aid := range aids {
		at := server[aid]
		data, err := e.remote.Document(ctx, "attachment", url.Values{"action": {"document"}, "module": {smod},
			"attached": {sid}, "folder": {sfolder}, "id": {strconv.FormatInt(aid, 10)}})
		if err != nil {
			return err
		}
		key, err := blobs.Put(ctx, data)
		if err != nil {
			return err
		}
		at.BlobKey = key
		if at.FileSize == 0 {
			at.FileSize = int64(len(data))
		}
		used := false
		if err := e.write(ctx, func(tx *storage.Tx) error {
			// The object may have gone or changed here meanwhile.
			if p, err := tx.Pending(pm.name, id); err != nil || p {
				return err
			}
			if _, ok, err := tx.ObjectFolder(pm.name, id); err != nil || !ok {
				return err
			}
			used = true
			return tx.PutPulledAttachment(at)
		}); err != nil {
			return err
		}
		if !used {
			_ = blobs.Delete(ctx, key)
		}
		e.cfg.Yield()
	}
	return nil
}

// Document downloads a file the API answers as it is (attachment
// `document`); an error envelope becomes an *APIError.
func (r *Remote) Document(ctx context.Context, module string, params url.Values) ([]byte, error) {
	q := url.Values{}
	for k, v := range params {
		q[k] = v
	}
	if s := r.Session(); s != "" && q.Get("session") == "" {
		q.Set("session", s)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.Base+"/"+module+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	if r.UserAgent != "" {
		req.Header.Set("User-Agent", r.UserAgent)
	}
	if r.HTTP == nil {
		return nil, &TransportError{Err: errNoClient}
	}
	resp, err := r.HTTP.Do(req)
	if err != nil {
		return nil, &TransportError{Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode >= 500 {
		return nil, &TransportError{Status: resp.StatusCode, Err: fmt.Errorf("reading %s: %v", module, err)}
	}
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK || strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "text/javascript") {
		// OX answers a failed download with an error envelope.
		if _, err := decodeAnswer(resp, data); apiError(err) != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, &TransportError{Status: resp.StatusCode, Err: fmt.Errorf("downloading from %s", module)}
		}
	}
	return data, nil
}

// pullResources stores the context's resources, which appointments made
// offline may book. Failures are logged: the store works without them.
func (e *Engine) pullResources(ctx context.Context) error {
	ans, err := e.call(ctx, "resource", url.Values{"action": {"all"}}, nil)
	if err == nil {
		var ids []any
		if err = decodeJSON(ans.Data, &ids); err == nil && len(ids) > 0 {
			refs := make([]map[string]any, 0, len(ids))
			for _, id := range ids {
				refs = append(refs, map[string]any{"id": id})
			}
			body, _ := json.Marshal(refs)
			ans, err = e.call(ctx, "resource", url.Values{"action": {"list"}}, body)
		}
	}
	if err != nil {
		if apiError(err) != nil {
			e.log.Warn("pulling resources failed", "err", err)
			return nil
		}
		return err
	}
	var objs []map[string]any
	if decodeJSON(ans.Data, &objs) != nil {
		return nil
	}
	return e.write(ctx, func(tx *storage.Tx) error {
		for _, o := range objs {
			id, ok := toInt(o["id"])
			if !ok || id <= 0 {
				continue
			}
			r := &storage.Resource{ID: id, Available: true}
			r.Name, _ = o["name"].(string)
			r.DisplayName, _ = o["display_name"].(string)
			r.Mail, _ = o["mailaddress"].(string)
			r.Description, _ = o["description"].(string)
			if b, ok := o["availability"].(bool); ok {
				r.Available = b
			}
			if r.Name == "" {
				r.Name = "resource" + strconv.FormatInt(id, 10)
			}
			if err := tx.PutPulledResource(r); err != nil {
				// A name clash with a stale local row fails that
				// statement only; the others still count.
				e.log.Warn("storing a resource failed", "id", id, "err", err)
			}
		}
		return nil
	})
}
