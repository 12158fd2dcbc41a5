package syncer

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"oxlite/core/folders"
	"oxlite/storage"
)

// A creation is not idempotent: when the server accepted a `new` but its
// answer never arrived (a timeout, the worker stopped mid-request), a
// blind replay would create the object twice. So before the first send an
// entry is marked as sent, in its own commit, and a PIM creation carries
// a `uid`; a replay of a marked entry first asks the server whether the
// object already exists (by uid for PIM objects, by title under the
// parent for folders) and adopts it instead of sending again.

// uidModules are the modules whose objects carry a client-chosen uid
// (column 223) that the server keeps.
var uidModules = map[string]bool{"contacts": true, "tasks": true, "calendar": true}

// markSent records that en is about to be sent, after giving a PIM
// creation a uid; it returns the body to send.
func (e *Engine) markSent(ctx context.Context, en *storage.OutboxEntry, rec *record, body []byte) ([]byte, error) {
	if uidModules[en.Module] {
		b, err := e.withUID(ctx, en, rec, body)
		if err != nil {
			return nil, err
		}
		body = b
		if len(rec.Parts) == 0 {
			rec.Body = string(body)
		} else {
			for i := range rec.Parts {
				if rec.Parts[i].Name == "json" && !rec.Parts[i].File {
					rec.Parts[i].Value = string(body)
				}
			}
		}
	}
	rec.Sent = true
	raw, err := rec.encode()
	if err != nil {
		return nil, err
	}
	en.Record = raw
	if err := e.write(ctx, func(tx *storage.Tx) error { return tx.UpdateOutbox(en) }); err != nil {
		return nil, err
	}
	return body, nil
}

// createBody is the JSON object of a creation: the body, or the json
// field of an upload.
func createBody(rec *record, body []byte) map[string]any {
	src := body
	if src == nil {
		for _, p := range rec.Parts {
			if p.Name == "json" && !p.File {
				src = []byte(p.Value)
			}
		}
	}
	var obj map[string]any
	if decodeJSON(src, &obj) != nil || obj == nil {
		return nil
	}
	return obj
}

// withUID returns the creation's body with a uid: the one the client
// sent, else the one the local core gave the object, else a new one.
func (e *Engine) withUID(ctx context.Context, en *storage.OutboxEntry, rec *record, body []byte) ([]byte, error) {
	obj := createBody(rec, body)
	if obj == nil {
		return body, nil
	}
	if s, _ := obj["uid"].(string); s != "" {
		return body, nil
	}
	uid := ""
	if local := e.localObject(ctx, en.Module, en.ObjectID, en.FolderID); local != nil {
		uid, _ = local["uid"].(string)
	}
	if uid == "" {
		uid = randomUID()
	}
	obj["uid"] = uid
	return json.Marshal(obj)
}

func randomUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// alreadyCreated looks for the object a marked creation may have made on
// the server: its id and last_modified, ok false when there is none.
func (e *Engine) alreadyCreated(ctx context.Context, a account, en *storage.OutboxEntry, rec *record, body []byte) (id, ts int64, ok bool, err error) {
	obj := createBody(rec, body)
	if obj == nil {
		return 0, 0, false, nil
	}
	if en.Module == "folders" {
		return e.folderByTitle(ctx, rec, obj)
	}
	uid, _ := obj["uid"].(string)
	if uid == "" || !uidModules[en.Module] {
		return 0, 0, false, nil
	}
	folder, fok := toInt(obj["folder_id"])
	if !fok {
		folder = en.FolderID
	}
	if en.Module == "calendar" {
		ans, err := e.call(ctx, "calendar", url.Values{"action": {"resolveuid"}, "uid": {uid}}, nil)
		if err != nil {
			if apiError(err) != nil {
				return 0, 0, false, nil // unknown uid
			}
			return 0, 0, false, err
		}
		var r map[string]any
		if decodeJSON(ans.Data, &r) == nil {
			if id, ok := toInt(r["id"]); ok {
				return id, 0, true, nil
			}
		}
		return 0, 0, false, nil
	}
	// The object appeared after the folder's last pull, so its `updates`
	// lists it; a folder never pulled is read whole.
	since, err := e.db.SyncFolderStamp(ctx, a.cid, en.Module, folder)
	if err != nil {
		return 0, 0, false, err
	}
	p := url.Values{"folder": {strconv.FormatInt(folder, 10)}, "columns": {"1,5,223"}}
	if since > 0 {
		p.Set("action", "updates")
		p.Set("timestamp", strconv.FormatInt(since, 10))
		p.Set("ignore", "deleted")
	} else {
		p.Set("action", "all")
	}
	ans, err := e.call(ctx, en.Module, p, nil)
	if err != nil {
		return 0, 0, false, err
	}
	var rows [][]any
	if err := decodeJSON(ans.Data, &rows); err != nil {
		// updates may mix in bare ids of deletions; only rows count.
		var mixed []any
		if decodeJSON(ans.Data, &mixed) != nil {
			return 0, 0, false, fmt.Errorf("%s %s: %s", en.Module, p.Get("action"), ans.Data)
		}
		for _, x := range mixed {
			if r, ok := x.([]any); ok {
				rows = append(rows, r)
			}
		}
	}
	for _, r := range rows {
		if len(r) < 3 {
			continue
		}
		if s, _ := r[2].(string); s == uid {
			id, _ := toInt(r[0])
			lm, _ := toInt(r[1])
			return id, lm, true, nil
		}
	}
	return 0, 0, false, nil
}

// folderByTitle finds a folder of the creation's title under its parent:
// the server refuses a second one of that name, so one that exists now is
// ours.
func (e *Engine) folderByTitle(ctx context.Context, rec *record, obj map[string]any) (int64, int64, bool, error) {
	title, _ := obj["title"].(string)
	parent := rec.Params["folder_id"]
	if title == "" || parent == "" {
		return 0, 0, false, nil
	}
	p := url.Values{"action": {"list"}, "parent": {parent}, "columns": {"1,5,300"}, "all": {"1"}}
	if t := rec.Params["tree"]; t != "" {
		p.Set("tree", t)
	}
	ans, err := e.call(ctx, "folders", p, nil)
	if err != nil {
		if apiError(err) != nil {
			return 0, 0, false, nil
		}
		return 0, 0, false, err
	}
	var rows [][]any
	if decodeJSON(ans.Data, &rows) != nil {
		return 0, 0, false, nil
	}
	for _, r := range rows {
		if len(r) < 3 || r[2] != title {
			continue
		}
		if id, ok := folders.ParseID(r[0]); ok {
			lm, _ := toInt(r[1])
			return id, lm, true, nil
		}
	}
	return 0, 0, false, nil
}
