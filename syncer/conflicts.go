package syncer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"oxlite/core/oxlitesync"
	"oxlite/storage"
)

// ConflictView is a conflict record as module oxlite/sync shows it.
type ConflictView struct {
	ID       int64  `json:"id"`
	Module   string `json:"module"`
	ObjectID int64  `json:"object_id"`
	FolderID int64  `json:"folder_id"`
	// Kind is field, deleted_on_server, changed_on_server or rejected.
	Kind string `json:"kind"`
	// Field names the field of a field conflict.
	Field string `json:"field,omitempty"`
	// Base, Local and Server are the field's values (field) or whole
	// objects (the other kinds): before the change, here, on the server.
	Base   any `json:"base"`
	Local  any `json:"local"`
	Server any `json:"server"`
	// ServerModifiedBy and ServerLastModified say who changed the server's
	// version and when (UTC ms).
	ServerModifiedBy   int64 `json:"server_modified_by,omitempty"`
	ServerLastModified int64 `json:"server_last_modified,omitempty"`
	// Error is the server's answer to a rejected change.
	Error string `json:"error,omitempty"`
	// Request is the change as it was recorded (rejected, deleted_on_server).
	Request    map[string]any `json:"request,omitempty"`
	Created    int64          `json:"created"`
	Resolved   int64          `json:"resolved,omitempty"`
	Resolution string         `json:"resolution,omitempty"`
}

func viewOf(c *storage.Conflict) ConflictView {
	v := ConflictView{ID: c.ID, Module: c.Module, ObjectID: c.ObjectID, FolderID: c.FolderID, Kind: c.Kind, Field: c.Field,
		Base: plain(decodeValue(c.Base)), Local: plain(decodeValue(c.Local)), Server: plain(decodeValue(c.Server)),
		ServerModifiedBy: c.ServerModifiedBy, ServerLastModified: c.ServerLastModified, Error: c.Error, Created: c.Created,
		Resolved: c.Resolved, Resolution: c.Resolution}
	if len(c.Request) > 0 {
		if rec, err := decodeRecord(c.Request); err == nil {
			req := map[string]any{"params": rec.Params}
			var body any
			if rec.Body != "" && json.Unmarshal([]byte(rec.Body), &body) == nil {
				req["data"] = body
			}
			v.Request = req
		}
	}
	return v
}

// Conflicts lists the conflict records, open ones only unless all.
func (e *Engine) Conflicts(ctx context.Context, all bool) ([]ConflictView, error) {
	a, err := e.account()
	if err != nil {
		return nil, err
	}
	cs, err := e.db.Conflicts(ctx, a.cid, all)
	if err != nil {
		return nil, err
	}
	out := make([]ConflictView, len(cs))
	for i := range cs {
		out[i] = viewOf(&cs[i])
	}
	return out, nil
}

// Resolution choices.
const (
	UseLocal  = "local"
	UseServer = "server"
	UseMerged = "merged"
)

// ErrNoConflict is returned by Resolve for an unknown or closed record.
var ErrNoConflict = fmt.Errorf("syncer: %w", oxlitesync.NoConflict)

// ErrBadChoice is returned by Resolve for a choice the record does not
// allow.
var ErrBadChoice = fmt.Errorf("syncer: %w", oxlitesync.BadChoice)

// farFuture passes any optimistic-locking check of the local core (the
// App Suite UI sends it too); the push uses the server's timestamp.
const farFuture = "2116800000000"

// Resolve closes a conflict record with the person's choice: server keeps
// the server's version; local re-applies the local version (value, for
// merged, is the value or object to use instead) through the local core,
// so it is recorded and pushed with the current server timestamp like any
// other change.
func (e *Engine) Resolve(ctx context.Context, id int64, use string, value any) error {
	a, err := e.account()
	if err != nil {
		return err
	}
	var c *storage.Conflict
	err = e.db.Write(storage.WithoutHooks(ctx), a.cid, func(tx *storage.Tx) error {
		c, err = tx.Conflict(id)
		return err
	})
	if errors.Is(err, storage.ErrNotFound) || err == nil && c.Resolved != 0 {
		return ErrNoConflict
	}
	if err != nil {
		return err
	}
	switch use {
	case UseServer:
	case UseLocal, UseMerged:
		v := decodeValue(c.Local)
		if use == UseMerged {
			v = value
		} else if c.Kind == KindRejected && c.Local == nil {
			v = nil
		}
		if err := e.apply(ctx, c, v); err != nil {
			return err
		}
	default:
		return ErrBadChoice
	}
	return e.db.Write(storage.WithoutHooks(ctx), a.cid, func(tx *storage.Tx) error {
		return tx.ResolveConflict(id, e.cfg.Now().UnixMilli(), use)
	})
}

// apply re-applies a chosen local version through the local core.
func (e *Engine) apply(ctx context.Context, c *storage.Conflict, v any) error {
	if e.local == nil {
		return errors.New("syncer: no local core")
	}
	id, folder := strconv.FormatInt(c.ObjectID, 10), strconv.FormatInt(c.FolderID, 10)
	switch c.Kind {
	case KindField:
		body := map[string]any{c.Field: plain(v)}
		params := url.Values{"action": {"update"}, "id": {id}, "timestamp": {farFuture}}
		if c.Module != "folders" {
			params.Set("folder", folder)
		}
		return e.localWrite(ctx, c.Module, params, body)
	case KindDeletedOnServer:
		return e.recreate(ctx, c, v)
	case KindChangedOnServer:
		if c.Module == "folders" {
			return e.localWrite(ctx, c.Module, url.Values{"action": {"delete"}, "timestamp": {farFuture}, "tree": {"1"}}, []string{id})
		}
		return e.localWrite(ctx, c.Module, url.Values{"action": {"delete"}, "timestamp": {farFuture}},
			[]map[string]int64{{"id": c.ObjectID, "folder": c.FolderID}})
	case KindRejected:
		rec, err := decodeRecord(c.Request)
		if err != nil {
			return err
		}
		kind := writeActions[c.Module][rec.Params["action"]]
		switch kind {
		case kNew:
			return e.recreate(ctx, c, v)
		case kPlain:
			// Settings and folder clears go back into the outbox as they were.
			return e.write(ctx, func(tx *storage.Tx) error {
				return tx.AppendOutbox(&storage.OutboxEntry{Module: c.Module, Action: rec.Params["action"], ObjectID: c.ObjectID,
					FolderID: c.FolderID, Record: c.Request, Created: e.cfg.Now().UnixMilli()})
			})
		}
		params := rec.values()
		params.Set("timestamp", farFuture)
		var body any
		if rec.Body != "" {
			if err := decodeJSON([]byte(rec.Body), &body); err != nil {
				return err
			}
		}
		if m, ok := v.(map[string]any); ok && kind == kUpdate && c.Module != "folders" {
			// A merged object replaces the recorded change.
			body = m
		}
		return e.localWrite(ctx, c.Module, params, body)
	}
	return ErrBadChoice
}

// recreate creates the object again from its local version (or the given
// object) in its folder, as a new object.
func (e *Engine) recreate(ctx context.Context, c *storage.Conflict, v any) error {
	obj := jsonObject(v)
	if obj == nil {
		return fmt.Errorf("%w: no object to create", ErrBadChoice)
	}
	for k := range obj {
		if metaFields[k] || k == "number_of_attachments" || k == "lastModifiedOfNewestAttachmentUTC" || k == "image1_url" ||
			k == "number_of_images" || k == "image_last_modified" || k == "image1_content_type" || k == "sort_name" ||
			k == "users" || k == "user_id" || k == "uid" || k == "number_of_distribution_list" || k == "subfolders" ||
			k == "subscr_subflds" || k == "standard_folder" || k == "standard_folder_type" || k == "total" || k == "new" ||
			k == "unread" || k == "deleted" || k == "capabilities" || k == "supported_capabilities" || k == "summary" {
			delete(obj, k)
		}
	}
	if c.Module == "folders" {
		parent := obj["folder_id"]
		delete(obj, "folder_id")
		return e.localWrite(ctx, "folders", url.Values{"action": {"new"}, "folder_id": {fmt.Sprint(parent)}, "tree": {"1"}}, obj)
	}
	obj["folder_id"] = c.FolderID
	return e.localWrite(ctx, c.Module, url.Values{"action": {"new"}}, obj)
}

func (e *Engine) localWrite(ctx context.Context, module string, params url.Values, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	_, _, err = e.local.Call(ctx, module, params, b)
	return err
}

// Status implements oxlitesync.Syncer.
func (e *Engine) Status(ctx context.Context) any { return e.State(ctx) }

// ConflictList implements oxlitesync.Syncer.
func (e *Engine) ConflictList(ctx context.Context, all bool) (any, error) {
	cs, err := e.Conflicts(ctx, all)
	if cs == nil {
		cs = []ConflictView{}
	}
	return cs, err
}

// Change is a local change waiting in the outbox.
type Change struct {
	Seq      int64  `json:"seq"`
	Module   string `json:"module"`
	Action   string `json:"action"`
	ObjectID int64  `json:"object_id,omitempty"`
	FolderID int64  `json:"folder_id,omitempty"`
	Created  int64  `json:"created"`
	Attempts int    `json:"attempts,omitempty"`
	// LastError is why the last attempt failed.
	LastError string `json:"last_error,omitempty"`
}

// PendingChanges lists the outbox (the host shows it when a logout would
// lose changes, docs/offline.md §6).
func (e *Engine) PendingChanges(ctx context.Context) ([]Change, error) {
	a, err := e.account()
	if err != nil {
		return nil, err
	}
	out := []Change{}
	var after int64
	for {
		es, err := e.db.Outbox(ctx, a.cid, after, 500)
		if err != nil {
			return nil, err
		}
		for _, x := range es {
			out = append(out, Change{Seq: x.Seq, Module: x.Module, Action: x.Action, ObjectID: x.ObjectID, FolderID: x.FolderID,
				Created: x.Created, Attempts: x.Attempts, LastError: x.LastError})
			after = x.Seq
		}
		if len(es) < 500 {
			return out, nil
		}
	}
}
