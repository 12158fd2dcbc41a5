package syncer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"oxlite/core/folders"
	"oxlite/storage"
)

// actionKind is how the push treats a recorded action.
type actionKind int

const (
	// kPlain actions are replayed as they are (settings: last writer wins).
	kPlain actionKind = iota
	// kNew creates an object under a temporary id.
	kNew
	// kUpdate changes an object with optimistic locking.
	kUpdate
	// kDelete deletes an object with optimistic locking.
	kDelete
	// kAttach uploads attachments (temporary attachment ids are mapped).
	kAttach
)

// writeActions are the writing actions of the local modules the recorder
// records ("" is a config PUT).
var writeActions = map[string]map[string]actionKind{
	"contacts":   {"new": kNew, "copy": kNew, "update": kUpdate, "delete": kDelete},
	"tasks":      {"new": kNew, "update": kUpdate, "confirm": kUpdate, "delete": kDelete},
	"calendar":   {"new": kNew, "update": kUpdate, "confirm": kUpdate, "delete": kDelete, actionDeleteOccurrence: kOccurrence},
	"folders":    {"new": kNew, "update": kUpdate, "delete": kDelete, "clear": kPlain},
	"jslob":      {"set": kPlain, "update": kPlain},
	"config":     {"": kPlain, "set_property": kPlain},
	"attachment": {"attach": kAttach, "detach": kPlain},
}

// maxTryAgain bounds the retries of a change the server refuses with a
// TRY_AGAIN error; then it becomes a rejected record.
const maxTryAgain = 5

// tombOf names the tombstone module of a synced module.
var tombOf = map[string]string{"contacts": storage.TombContact, "tasks": storage.TombTask, "folders": storage.TombFolder,
	"calendar": storage.TombCalendar}

// push replays the outbox in order until it is empty or an entry cannot
// be settled now (transport failure, lost session).
func (e *Engine) push(ctx context.Context) error {
	a, err := e.account()
	if err != nil {
		return err
	}
	var after int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		// One at a time: settling an entry rewrites or drops later ones.
		es, err := e.db.Outbox(ctx, a.cid, after, 1)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return nil
		}
		en := es[0]
		after = en.Seq
		if err := e.pushEntry(ctx, a, &en); err != nil {
			if errors.Is(err, errRelogin) || ctx.Err() != nil {
				return err
			}
			if rerr := e.db.OutboxRetry(ctx, a.cid, en.Seq, e.cfg.Now().UnixMilli(), err.Error()); rerr != nil {
				return rerr
			}
			return err
		}
	}
}

func (e *Engine) pushEntry(ctx context.Context, a account, en *storage.OutboxEntry) error {
	rec, err := decodeRecord(en.Record)
	if err != nil {
		// A record that cannot be read cannot be replayed; keep it visible.
		return e.reject(ctx, a, en, &record{}, &APIError{Code: "OXL-0012", Message: err.Error()}, nil)
	}
	kind := writeActions[en.Module][en.Action]
	params := rec.values()
	var body []byte
	if rec.Body != "" {
		body = []byte(rec.Body)
	}
	switch kind {
	case kNew:
		return e.pushNew(ctx, a, en, rec, params, body)
	case kUpdate:
		return e.pushUpdate(ctx, a, en, rec, params, body)
	case kDelete:
		return e.pushDelete(ctx, a, en, rec, params, body)
	case kAttach:
		return e.pushAttach(ctx, a, en, rec, params)
	case kOccurrence:
		return e.pushOccurrence(ctx, a, en, rec, params, body)
	}
	module := en.Module
	if p, ok := rec.Params["_path"]; ok {
		module += "/" + p
		params.Del("_path")
	}
	_, err = e.send(ctx, module, rec, params, body)
	if err != nil {
		if ae := apiError(err); ae != nil && !(ae.TryAgain() && en.Attempts < maxTryAgain) {
			return e.reject(ctx, a, en, rec, ae, nil)
		}
		return err
	}
	return e.write(ctx, func(tx *storage.Tx) error { return tx.DeleteOutbox(en.Seq) })
}

// send replays a request: an upload as multipart (its json field replaced
// by body when one is given), anything else as JSON.
func (e *Engine) send(ctx context.Context, module string, rec *record, params url.Values, body []byte) (*Answer, error) {
	if len(rec.Parts) == 0 {
		ans, err := e.call(ctx, module, params, body)
		if err == nil && module == "calendar" {
			err = e.calendarAnswer(ctx, rec, params, ans)
		}
		return ans, err
	}
	parts := append([]part(nil), rec.Parts...)
	for i := range parts {
		if parts[i].Name == "json" && !parts[i].File && body != nil {
			parts[i].Value = string(body)
		}
	}
	a, err := e.remote.Upload(ctx, module, params, parts)
	if ae := apiError(err); ae != nil && ae.SessionLost() {
		return nil, fmt.Errorf("%w (%s)", errRelogin, ae.Code)
	}
	return a, err
}

// refused reports an application error that retrying will not cure.
func refused(err error, en *storage.OutboxEntry) *APIError {
	ae := apiError(err)
	if ae == nil || ae.TryAgain() && en.Attempts < maxTryAgain {
		return nil
	}
	return ae
}

func (e *Engine) pushNew(ctx context.Context, a account, en *storage.OutboxEntry, rec *record, params url.Values, body []byte) error {
	if rec.Sent {
		id, ts, ok, err := e.alreadyCreated(ctx, a, en, rec, body)
		if err != nil {
			return err
		}
		if ok {
			return e.created(ctx, en, id, ts)
		}
	} else {
		b, err := e.markSent(ctx, en, rec, body)
		if err != nil {
			return err
		}
		body = b
	}
	ans, err := e.send(ctx, en.Module, rec, params, body)
	if err != nil {
		if ae := refused(err, en); ae != nil {
			return e.reject(ctx, a, en, rec, ae, nil)
		}
		return err
	}
	var id int64
	var ok bool
	if en.Module == "folders" {
		var s any
		if decodeJSON(ans.Data, &s) == nil {
			id, ok = folders.ParseID(s)
		}
	} else {
		var obj map[string]any
		if decodeJSON(ans.Data, &obj) == nil {
			id, ok = toInt(obj["id"])
		}
	}
	if !ok {
		return fmt.Errorf("%s %s answered no id: %s", en.Module, en.Action, ans.Data)
	}
	return e.created(ctx, en, id, ans.Timestamp)
}

// created maps a creation's temporary id to the server's id and settles
// the entry.
func (e *Engine) created(ctx context.Context, en *storage.OutboxEntry, id, ts int64) error {
	temp := en.ObjectID
	var folder int64
	err := e.write(ctx, func(tx *storage.Tx) error {
		f, exists, err := tx.ObjectFolder(en.Module, temp)
		if err != nil {
			return err
		}
		folder = en.FolderID
		if exists {
			folder = f
			if err := remap(tx, en.Module, temp, id); err != nil {
				return err
			}
			// Local `updates` reports the temporary id as deleted and the
			// object under its server id.
			if err := tx.Tombstone(tombOf[en.Module], folder, temp); err != nil {
				return err
			}
		}
		if err := tx.MapID(en.Module, temp, id, e.cfg.Now().UnixMilli()); err != nil {
			return err
		}
		if err := tx.PutSyncObject(en.Module, id, folder, ts); err != nil {
			return err
		}
		if err := rewriteOutbox(tx, en.Module, temp, id); err != nil {
			return err
		}
		if err := rewriteConflicts(tx, en.Module, temp, id); err != nil {
			return err
		}
		return tx.DeleteOutbox(en.Seq)
	})
	if err != nil {
		return err
	}
	e.settle(ctx, en.Module, id, folder)
	return nil
}

// pushAttach uploads attachments and maps their temporary ids to the
// server's (the answer lists the new ids in upload order).
func (e *Engine) pushAttach(ctx context.Context, a account, en *storage.OutboxEntry, rec *record, params url.Values) error {
	ans, err := e.send(ctx, en.Module, rec, params, nil)
	if err != nil {
		if ae := refused(err, en); ae != nil {
			return e.reject(ctx, a, en, rec, ae, nil)
		}
		return err
	}
	var ids []any
	_ = decodeJSON(ans.Data, &ids)
	return e.write(ctx, func(tx *storage.Tx) error {
		for i, temp := range rec.Temps {
			if i >= len(ids) {
				break
			}
			id, ok := toInt(ids[i])
			if !ok {
				continue
			}
			if err := tx.RemapAttachment(temp, id); err != nil {
				return err
			}
			if err := tx.MapID("attachment", temp, id, e.cfg.Now().UnixMilli()); err != nil {
				return err
			}
			if err := rewriteOutbox(tx, "attachment", temp, id); err != nil {
				return err
			}
		}
		return tx.DeleteOutbox(en.Seq)
	})
}

func remap(tx *storage.Tx, mod string, temp, id int64) error {
	if mod == "folders" {
		return tx.RemapFolder(temp, id)
	}
	return pimModules[mod].remap(tx, temp, id)
}

// settle replaces the local object with the server's after a push (the
// server may have normalised values, and the pull skipped it while it was
// pending).
func (e *Engine) settle(ctx context.Context, mod string, id, folder int64) {
	if err := e.refresh(ctx, mod, id, folder); err != nil {
		e.stale(ctx, mod, id, folder, err)
	}
}

// stale notes that the store lacks the server's version of a pushed
// object: its stored server timestamp is cleared (unless more local
// changes wait) so that the next pull fetches it.
func (e *Engine) stale(ctx context.Context, mod string, id, folder int64, why error) {
	if why != nil {
		e.log.Info("refreshing a pushed object failed", "module", mod, "id", id, "err", why)
	}
	_ = e.write(ctx, func(tx *storage.Tx) error {
		if p, err := tx.Pending(mod, id); err != nil || p {
			return err
		}
		return tx.PutSyncObject(mod, id, folder, 0)
	})
}

// serverTS is the timestamp a change of an object is sent with: the
// server last_modified the local store knows for it.
func (e *Engine) serverTS(ctx context.Context, a account, mod string, id int64, rec *record) int64 {
	if so, err := e.db.SyncObject(ctx, a.cid, mod, id); err == nil && so.ServerModified > 0 {
		return so.ServerModified
	}
	return rec.BaseTS
}

// target is the folder an entry's object ends up in (a move names it in
// the body).
func target(en *storage.OutboxEntry, rec *record) int64 {
	if en.Module == "folders" {
		var top map[string]any
		if decodeJSON([]byte(rec.Body), &top) == nil {
			obj := top
			if f, ok := top["folder"].(map[string]any); ok {
				obj = f
			}
			if p, ok := folders.ParseID(obj["folder_id"]); ok {
				return p
			}
		}
		return en.FolderID
	}
	var obj map[string]any
	if decodeJSON([]byte(rec.Body), &obj) == nil {
		if f, ok := toInt(obj["folder_id"]); ok {
			return f
		}
	}
	return en.FolderID
}

func (e *Engine) pushUpdate(ctx context.Context, a account, en *storage.OutboxEntry, rec *record, params url.Values, body []byte) error {
	id := en.ObjectID
	params.Set("timestamp", strconv.FormatInt(e.serverTS(ctx, a, en.Module, id, rec), 10))
	ans, err := e.send(ctx, en.Module, rec, params, body)
	if err == nil {
		return e.settleWrite(ctx, en, id, target(en, rec), ans.Timestamp, nil, nil)
	}
	ae := apiError(err)
	if ae == nil {
		return err
	}
	if ae.Conflict() {
		return e.merge(ctx, a, en, rec, params, body)
	}
	server, _, gerr := e.getObject(ctx, en.Module, id, en.FolderID)
	if gerr != nil {
		if apiError(gerr) != nil {
			return e.deletedOnServer(ctx, a, en, rec)
		}
		return gerr
	}
	if refused(err, en) == nil {
		return err
	}
	return e.reject(ctx, a, en, rec, ae, server)
}

// settleWrite ends an entry whose change the server took: its new
// timestamp, conflict records of the merge, and the server's version, in
// one transaction (one IndexedDB flush a change). Without the server's
// version (the merge did not read it) it is read first; a failed read or
// store only costs freshness: the next pull fetches the object.
func (e *Engine) settleWrite(ctx context.Context, en *storage.OutboxEntry, id, folder, ts int64, cs []storage.Conflict, server map[string]any) error {
	a, err := e.account()
	if err != nil {
		return err
	}
	if server == nil {
		var gerr error
		if server, _, gerr = e.getObject(ctx, en.Module, id, folder); gerr != nil {
			e.log.Info("refreshing a pushed object failed", "module", en.Module, "id", id, "err", gerr)
		}
	}
	end := func(tx *storage.Tx) error {
		for i := range cs {
			if err := tx.AddConflict(&cs[i]); err != nil {
				return err
			}
		}
		if err := tx.PutSyncObject(en.Module, id, folder, ts); err != nil {
			return err
		}
		return tx.DeleteOutbox(en.Seq)
	}
	if server != nil {
		pics := map[int64]string{}
		err := e.write(ctx, func(tx *storage.Tx) error {
			if err := end(tx); err != nil {
				return err
			}
			return e.ingestServer(tx, a, en.Module, server, pics)
		})
		if err == nil {
			if err := e.storeFiles(ctx, en.Module, server, pics); err != nil {
				e.stale(ctx, en.Module, id, folder, err)
			}
			return nil
		}
		e.log.Info("storing a pushed object failed", "module", en.Module, "id", id, "err", err)
	}
	if err := e.write(ctx, end); err != nil {
		return err
	}
	e.stale(ctx, en.Module, id, folder, nil)
	return nil
}

// metaFields are never merged: the server keeps them.
var metaFields = map[string]bool{"id": true, "last_modified": true, "last_modified_utc": true, "creation_date": true,
	"created_by": true, "modified_by": true, "timestamp": true, "own_rights": true}

// threeWay merges the fields of a local change against the server's
// current object. Per field: unchanged locally → the server's value
// stays; unchanged on the server → the local value is sent; the same on
// both sides → nothing to do; otherwise a conflict.
func threeWay(base, local, server map[string]any) (merged map[string]any, conflicts [][4]any) {
	merged = map[string]any{}
	for _, k := range keys(local) {
		if metaFields[k] {
			continue
		}
		lv, bv, sv := local[k], base[k], server[k]
		switch {
		case base != nil && equal(lv, bv):
		case base != nil && equal(sv, bv):
			merged[k] = lv
		case equal(lv, sv):
		default:
			conflicts = append(conflicts, [4]any{k, bv, lv, sv})
		}
	}
	return merged, conflicts
}

// merge settles an update the server refused as a conflict: field-level
// three-way merge against the server's current object, re-sent with its
// timestamp; same-field changes become conflict records and the server's
// values stay.
func (e *Engine) merge(ctx context.Context, a account, en *storage.OutboxEntry, rec *record, params url.Values, body []byte) error {
	id := en.ObjectID
	var top map[string]any
	if err := decodeJSON(body, &top); err != nil {
		return e.reject(ctx, a, en, rec, &APIError{Code: "OXL-0012", Message: "unreadable change"}, nil)
	}
	local, wrapped := top, false
	if f, ok := top["folder"].(map[string]any); ok && en.Module == "folders" {
		local, wrapped = f, true
	}
	for attempt := 0; attempt < 3; attempt++ {
		server, sts, err := e.getObject(ctx, en.Module, id, en.FolderID)
		if err != nil {
			if apiError(err) != nil {
				return e.deletedOnServer(ctx, a, en, rec)
			}
			return err
		}
		merged, diffs := threeWay(rec.Base, local, server)
		cs := e.conflictRecords(en, id, diffs, server)
		if len(merged) == 0 {
			return e.settleWrite(ctx, en, id, en.FolderID, sts, cs, server)
		}
		out := map[string]any(merged)
		if wrapped {
			out = map[string]any{"folder": merged}
		}
		mbody, _ := json.Marshal(out)
		params.Set("timestamp", strconv.FormatInt(sts, 10))
		ans, err := e.send(ctx, en.Module, rec, params, mbody)
		if err == nil {
			f := en.FolderID
			if v, ok := merged["folder_id"]; ok {
				if n, ok := folders.ParseID(v); ok {
					f = n
				}
			}
			return e.settleWrite(ctx, en, id, f, ans.Timestamp, cs, nil)
		}
		ae := apiError(err)
		if ae == nil {
			return err
		}
		if ae.Conflict() {
			// Changed again meanwhile: merge against the newer version.
			continue
		}
		if refused(err, en) == nil {
			return err
		}
		return e.reject(ctx, a, en, rec, ae, server)
	}
	return fmt.Errorf("%s %d: the server kept reporting conflicts", en.Module, id)
}

func (e *Engine) conflictRecords(en *storage.OutboxEntry, id int64, diffs [][4]any, server map[string]any) []storage.Conflict {
	if len(diffs) == 0 {
		return nil
	}
	by, _ := toInt(server["modified_by"])
	lm, _ := toInt(server["last_modified_utc"])
	now := e.cfg.Now().UnixMilli()
	out := make([]storage.Conflict, len(diffs))
	for i, d := range diffs {
		out[i] = storage.Conflict{Module: en.Module, ObjectID: id, FolderID: en.FolderID, Kind: KindField, Field: d[0].(string),
			Base: encodeValue(d[1]), Local: encodeValue(d[2]), Server: encodeValue(d[3]), ServerModifiedBy: by,
			ServerLastModified: lm, Created: now}
	}
	return out
}

// Conflict kinds.
const (
	// KindField: the same field changed here and on the server.
	KindField = "field"
	// KindDeletedOnServer: changed here, deleted on the server.
	KindDeletedOnServer = "deleted_on_server"
	// KindChangedOnServer: deleted here, changed on the server.
	KindChangedOnServer = "changed_on_server"
	// KindRejected: the server refused the change.
	KindRejected = "rejected"
)

func (e *Engine) pushDelete(ctx context.Context, a account, en *storage.OutboxEntry, rec *record, params url.Values, body []byte) error {
	id := en.ObjectID
	params.Set("timestamp", strconv.FormatInt(e.serverTS(ctx, a, en.Module, id, rec), 10))
	ans, err := e.call(ctx, en.Module, params, body)
	kept := false
	if err == nil {
		var left []any
		_ = decodeJSON(ans.Data, &left)
		for _, x := range left {
			if n, ok := toInt(x); ok && n == id {
				kept = true
			}
		}
		if !kept {
			return e.write(ctx, func(tx *storage.Tx) error {
				if err := tx.DeleteSyncObject(en.Module, id); err != nil {
					return err
				}
				return tx.DeleteOutbox(en.Seq)
			})
		}
	}
	ae := apiError(err)
	if err != nil && ae == nil {
		return err
	}
	server, sts, gerr := e.getObject(ctx, en.Module, id, en.FolderID)
	if gerr != nil {
		if apiError(gerr) == nil {
			return gerr
		}
		// Gone on both sides.
		return e.write(ctx, func(tx *storage.Tx) error {
			if err := tx.DeleteSyncObject(en.Module, id); err != nil {
				return err
			}
			return tx.DeleteOutbox(en.Seq)
		})
	}
	if kept || ae.Conflict() {
		// Deleted here, changed there: the object comes back with the
		// server's version and the person decides.
		by, _ := toInt(server["modified_by"])
		c := storage.Conflict{Module: en.Module, ObjectID: id, FolderID: en.FolderID, Kind: KindChangedOnServer,
			Base: encodeValue(rec.Base), Server: encodeValue(server), ServerModifiedBy: by, ServerLastModified: sts,
			Created: e.cfg.Now().UnixMilli()}
		return e.settleWrite(ctx, en, id, en.FolderID, sts, []storage.Conflict{c}, server)
	}
	if refused(err, en) == nil {
		return err
	}
	return e.reject(ctx, a, en, rec, ae, server)
}

// localObject reads an object from the local core (nil when it is gone).
func (e *Engine) localObject(ctx context.Context, mod string, id, folder int64) map[string]any {
	if e.local == nil {
		return nil
	}
	params := url.Values{"action": {"get"}, "id": {strconv.FormatInt(id, 10)}}
	if mod == "folders" {
		params.Set("tree", "1")
	} else {
		params.Set("folder", strconv.FormatInt(folder, 10))
	}
	data, _, err := e.local.Call(ctx, mod, params, nil)
	if err != nil {
		return nil
	}
	return jsonObject(data)
}

// deletedOnServer settles a change of an object the server no longer
// has: the local version goes into a conflict record, the object and its
// other pending changes leave the store.
func (e *Engine) deletedOnServer(ctx context.Context, a account, en *storage.OutboxEntry, rec *record) error {
	id := en.ObjectID
	local := e.localObject(ctx, en.Module, id, en.FolderID)
	if local == nil {
		local = rec.Base
	}
	c := storage.Conflict{Module: en.Module, ObjectID: id, FolderID: en.FolderID, Kind: KindDeletedOnServer,
		Base: encodeValue(rec.Base), Local: encodeValue(local), Request: en.Record, Created: e.cfg.Now().UnixMilli()}
	return e.write(ctx, func(tx *storage.Tx) error {
		if err := tx.AddConflict(&c); err != nil {
			return err
		}
		if err := dropEntriesOf(tx, en.Module, id); err != nil {
			return err
		}
		if err := e.removeLocal(tx, en.Module, id); err != nil {
			return err
		}
		return tx.DeleteOutbox(en.Seq)
	})
}

func (e *Engine) removeLocal(tx *storage.Tx, mod string, id int64) error {
	if mod == "folders" {
		if err := folders.Remove(tx, id, e.cfg.Contents); err != nil {
			return err
		}
	} else if pm := pimModules[mod]; pm != nil {
		if _, err := pm.remove(tx, id); err != nil {
			return err
		}
	}
	return tx.DeleteSyncObject(mod, id)
}

// dropEntriesOf removes every pending entry of an object.
func dropEntriesOf(tx *storage.Tx, mod string, id int64) error {
	es, err := tx.OutboxAll()
	if err != nil {
		return err
	}
	for _, x := range es {
		if x.Module == mod && x.ObjectID == id {
			if err := tx.DeleteOutbox(x.Seq); err != nil {
				return err
			}
		}
	}
	return nil
}

// reject records a change the server refused: the request, the error and
// the local version stay visible; the local store returns to the server's
// version (a refused creation leaves it).
func (e *Engine) reject(ctx context.Context, a account, en *storage.OutboxEntry, rec *record, ae *APIError, server map[string]any) error {
	kind := writeActions[en.Module][en.Action]
	var local map[string]any
	if kind != kPlain {
		local = e.localObject(ctx, en.Module, en.ObjectID, en.FolderID)
	}
	c := storage.Conflict{Module: en.Module, ObjectID: en.ObjectID, FolderID: en.FolderID, Kind: KindRejected,
		Local: encodeValue(local), Error: ae.Code + ": " + ae.Message, Request: en.Record, Created: e.cfg.Now().UnixMilli()}
	if server != nil {
		c.Server = encodeValue(server)
		c.ServerModifiedBy, _ = toInt(server["modified_by"])
		c.ServerLastModified, _ = toInt(server["last_modified_utc"])
	}
	err := e.write(ctx, func(tx *storage.Tx) error {
		if err := tx.AddConflict(&c); err != nil {
			return err
		}
		if err := tx.DeleteOutbox(en.Seq); err != nil {
			return err
		}
		if kind == kNew {
			// The object never reached the server: its later changes
			// cannot either, and the local copy lives on in the record.
			if err := dropEntriesOf(tx, en.Module, en.ObjectID); err != nil {
				return err
			}
			return e.removeLocal(tx, en.Module, en.ObjectID)
		}
		return nil
	})
	if err != nil || kind == kNew || kind == kPlain {
		return err
	}
	if server != nil {
		return e.store(ctx, en.Module, server)
	}
	return nil
}

// rewriteOutbox replaces temporary id temp of module mod by id in every
// pending entry (its object, folder, parameters, body and base).
func rewriteOutbox(tx *storage.Tx, mod string, temp, id int64) error {
	es, err := tx.OutboxAll()
	if err != nil {
		return err
	}
	for i := range es {
		en := &es[i]
		rec, err := decodeRecord(en.Record)
		if err != nil {
			continue
		}
		if !rewriteEntry(en, rec, mod, temp, id) {
			continue
		}
		if en.Record, err = rec.encode(); err != nil {
			return err
		}
		if err := tx.UpdateOutbox(en); err != nil {
			return err
		}
	}
	return nil
}

// rewriteConflicts moves open conflict records of a temporary id to the
// server id.
func rewriteConflicts(tx *storage.Tx, mod string, temp, id int64) error {
	_, err := tx.Exec(`UPDATE conflicts SET object_id = ? WHERE cid = ? AND module = ? AND object_id = ?`, id, tx.ContextID(), mod, temp)
	if err != nil || mod != "folders" {
		return err
	}
	_, err = tx.Exec(`UPDATE conflicts SET folder_id = ? WHERE cid = ? AND folder_id = ?`, id, tx.ContextID(), temp)
	return err
}

func rewriteEntry(en *storage.OutboxEntry, rec *record, mod string, temp, id int64) bool {
	changed := false
	sTemp, sID := strconv.FormatInt(temp, 10), strconv.FormatInt(id, 10)
	swap := func(p string) {
		if v, ok := rec.Params[p]; ok && v == sTemp {
			rec.Params[p] = sID
			changed = true
		}
	}
	objectKeys := map[string]bool{}
	if mod == "folders" {
		for _, p := range []string{"folder", "folder_id", "parent"} {
			swap(p)
			objectKeys[p] = true
		}
		if en.FolderID == temp {
			en.FolderID, changed = id, true
		}
	}
	if en.Module == mod {
		swap("id")
		objectKeys["id"] = true
		if en.ObjectID == temp {
			en.ObjectID, changed = id, true
		}
	}
	if en.Module == "attachment" && mod != "folders" {
		swap("attached")
	}
	topArray := mod == "folders" && en.Module == "folders" || mod == "attachment" && en.Module == "attachment"
	// Uploads carry their objects in JSON fields: json (contacts), json_N
	// (attachments: attached names an object of the module numbered
	// "module").
	for i := range rec.Parts {
		pt := &rec.Parts[i]
		if pt.File || !strings.HasPrefix(pt.Name, "json") {
			continue
		}
		var v map[string]any
		if decodeJSON([]byte(pt.Value), &v) != nil || v == nil {
			continue
		}
		keys := map[string]bool{}
		for k := range objectKeys {
			keys[k] = true
		}
		if mod != "folders" && attachmentModule(fmt.Sprint(v["module"])) == mod {
			keys["attached"] = true
		}
		if nv, ok := rewriteValue(v, "", keys, false, temp, id); ok {
			if b, err := json.Marshal(nv); err == nil {
				pt.Value, changed = string(b), true
			}
		}
	}
	if rec.Body != "" {
		var v any
		if decodeJSON([]byte(rec.Body), &v) == nil {
			if nv, ok := rewriteValue(v, "", objectKeys, topArray, temp, id); ok {
				if b, err := json.Marshal(nv); err == nil {
					rec.Body, changed = string(b), true
				}
			}
		}
	}
	if rec.Base != nil {
		if nv, ok := rewriteValue(rec.Base, "", objectKeys, false, temp, id); ok {
			rec.Base, changed = nv.(map[string]any), true
		}
	}
	return changed
}

// rewriteValue replaces temp by id under the given keys (and in a
// top-level array of ids), keeping the value's type (number or string).
func rewriteValue(v any, key string, keys map[string]bool, topArray bool, temp, id int64) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		changed := false
		for k, e := range x {
			if nv, ok := rewriteValue(e, k, keys, false, temp, id); ok {
				x[k], changed = nv, true
			}
		}
		return x, changed
	case []any:
		changed := false
		for i, e := range x {
			k := key
			if topArray {
				k = "*"
			}
			if nv, ok := rewriteValue(e, k, keys, false, temp, id); ok {
				x[i], changed = nv, true
			}
		}
		return x, changed
	}
	if !keys[key] && key != "*" {
		return v, false
	}
	if s, ok := v.(string); ok {
		if s == strconv.FormatInt(temp, 10) {
			return strconv.FormatInt(id, 10), true
		}
		return v, false
	}
	if n, ok := toInt(v); ok && n == temp {
		if _, isNum := v.(json.Number); isNum {
			return json.Number(strconv.FormatInt(id, 10)), true
		}
		return id, true
	}
	return v, false
}
