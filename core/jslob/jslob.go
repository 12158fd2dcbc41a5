// Package jslob implements module `jslob` (spec lines 4473–4585): the UI's
// settings trees (io.ox/core, io.ox/mail, ...) stored per user in table
// jslobs.
//
// Reading merges the stored tree over defaults, so a fresh user boots: the
// defaults of io.ox/core carry the default folder ids, the language, the
// time zone and an autoStart app that is actually delivered. Those server
// owned values are overlaid after the merge; writing language or timezone
// through io.ox/core changes the user (as the reference server maps these
// paths onto its config tree), and the default folder ids are never stored.
package jslob

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sort"

	"oxlite/core/ajax"
	"oxlite/core/capabilities"
	"oxlite/core/config"
	"oxlite/core/manifests"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// CoreID is the JSlob of the core settings.
const CoreID = "io.ox/core"

// maxTree bounds a stored tree (the UI's trees are a few KB).
const maxTree = 1 << 20

// User is what defaults are computed from.
type User struct {
	*storage.User
	// Folders are the default folder ids by module (tasks, calendar, contacts, infostore).
	Folders map[string]int64
	// Caps are the user's capability ids.
	Caps []string
}

// DefaultsFunc returns the default tree of one JSlob for a user.
type DefaultsFunc func(u *User) map[string]any

// Module serves `jslob`.
type Module struct {
	DB       *storage.DB
	Caps     *capabilities.Set
	defaults map[string]DefaultsFunc
}

// New returns the module with the built-in defaults of io.ox/core and
// io.ox/mail.
func New(db *storage.DB, caps *capabilities.Set) *Module {
	m := &Module{DB: db, Caps: caps, defaults: map[string]DefaultsFunc{}}
	m.SetDefaults(CoreID, coreDefaults)
	m.SetDefaults("io.ox/mail", mailDefaults)
	return m
}

// SetDefaults installs the defaults of a JSlob (a module that lands, such
// as mail, replaces its own). Call it while the app is assembled: the map
// is read without locking while serving.
func (m *Module) SetDefaults(id string, f DefaultsFunc) { m.defaults[id] = f }

// Defaults returns the defaults function of a JSlob (nil when none), so a
// module can extend what is there.
func (m *Module) Defaults(id string) DefaultsFunc { return m.defaults[id] }

// Register installs the module's actions. serviceId is accepted and
// ignored: there is one service.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("jslob", "all", m.all)
	mux.Handle("jslob", "list", m.list)
	mux.Handle("jslob", "get", m.get)
	mux.Handle("jslob", "set", m.set)
	mux.Handle("jslob", "update", m.update)
}

func coreDefaults(u *User) map[string]any {
	folders := map[string]any{}
	for k, v := range u.Folders {
		folders[k] = v
	}
	return map[string]any{
		"folder":          folders,
		"autoStart":       manifests.AutoStart(u.Caps),
		"language":        u.Locale,
		"timezone":        u.TimeZone,
		"refreshInterval": 300000,
	}
}

// mailDefaults keep the mail settings harmless while there is no mail.
func mailDefaults(u *User) map[string]any {
	return map[string]any{
		"folder":           map[string]any{},
		"defaultseparator": "/",
	}
}

// ownedCore are the io.ox/core values the server owns.
func ownedCore(t map[string]any, u *User) {
	folders, _ := t["folder"].(map[string]any)
	if folders == nil {
		folders = map[string]any{}
		t["folder"] = folders
	}
	for k, v := range u.Folders {
		folders[k] = v
	}
	t["language"] = u.Locale
	t["timezone"] = u.TimeZone
}

func (m *Module) user(ctx context.Context, pu *protocol.User) (*User, error) {
	su, err := m.DB.UserByID(ctx, pu.ContextID, pu.ID)
	if err != nil {
		return nil, err
	}
	folders, err := m.DB.DefaultFolderIDs(ctx, pu.ContextID, pu.ID)
	if err != nil {
		return nil, err
	}
	return &User{User: su, Folders: folders, Caps: m.Caps.IDs(pu)}, nil
}

// blob renders one JSlob: stored tree merged over the defaults.
func (m *Module) blob(u *User, id, stored string, hasStored bool) map[string]any {
	tree := map[string]any{}
	if f := m.defaults[id]; f != nil {
		tree = f(u)
	}
	if hasStored {
		if t, err := decodeObject([]byte(stored)); err == nil {
			merge(tree, t)
		}
	}
	if id == CoreID {
		ownedCore(tree, u)
	}
	return map[string]any{"id": id, "tree": tree, "meta": map[string]any{}}
}

func (m *Module) all(req *protocol.Request) (*protocol.Response, error) {
	u, err := m.user(req.Ctx, req.User)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	stored, err := m.DB.JSlobs(req.Ctx, req.User.ContextID, req.User.ID)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	ids := make([]string, 0, len(stored)+len(m.defaults))
	for id := range stored {
		ids = append(ids, id)
	}
	for id := range m.defaults {
		if _, ok := stored[id]; !ok {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	out := make([]any, len(ids))
	for i, id := range ids {
		s, ok := stored[id]
		out[i] = m.blob(u, id, s, ok)
	}
	return protocol.OK(out), nil
}

// list answers one JSlob per requested id; an unknown id gets an empty
// tree, so the UI can boot with settings nobody stored yet.
func (m *Module) list(req *protocol.Request) (*protocol.Response, error) {
	var ids []string
	if err := req.DecodeBody(&ids); err != nil {
		return nil, protocol.ErrJSON.New("the body must be an array of JSlob ids")
	}
	u, err := m.user(req.Ctx, req.User)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	out := make([]any, len(ids))
	for i, id := range ids {
		s, ok, err := m.DB.JSlob(req.Ctx, req.User.ContextID, req.User.ID, id)
		if err != nil {
			return nil, protocol.Internal(err)
		}
		out[i] = m.blob(u, id, s, ok)
	}
	return protocol.OK(out), nil
}

// get is the reference server's single-id read (not in the spec).
func (m *Module) get(req *protocol.Request) (*protocol.Response, error) {
	id, err := req.Require("id")
	if err != nil {
		return nil, err
	}
	u, err := m.user(req.Ctx, req.User)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	s, ok, err := m.DB.JSlob(req.Ctx, req.User.ContextID, req.User.ID, id)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return protocol.OK(m.blob(u, id, s, ok)), nil
}

// set replaces the stored tree; an empty body deletes it (spec line 4533).
func (m *Module) set(req *protocol.Request) (*protocol.Response, error) {
	id, err := req.Require("id")
	if err != nil {
		return nil, err
	}
	if !req.HasBody() || string(bytes.TrimSpace(req.Body)) == "null" {
		pu := req.User
		if err := m.DB.Write(req.Ctx, pu.ContextID, func(tx *storage.Tx) error { return tx.DeleteJSlob(pu.ID, id) }); err != nil {
			return nil, protocol.Internal(err)
		}
		return protocol.OK(nil), nil
	}
	tree, err := bodyObject(req)
	if err != nil {
		return nil, err
	}
	return m.store(req, id, func(map[string]any) map[string]any { return tree })
}

// update deep-merges the body into the stored tree: members not sent
// survive (spec line 4569).
func (m *Module) update(req *protocol.Request) (*protocol.Response, error) {
	id, err := req.Require("id")
	if err != nil {
		return nil, err
	}
	patch, err := bodyObject(req)
	if err != nil {
		return nil, err
	}
	return m.store(req, id, func(old map[string]any) map[string]any { merge(old, patch); return old })
}

// store applies change to the stored tree in one transaction, moving the
// server-owned io.ox/core values to the user instead of the blob.
func (m *Module) store(req *protocol.Request, id string, change func(old map[string]any) map[string]any) (*protocol.Response, error) {
	pu := req.User
	err := m.DB.Write(req.Ctx, pu.ContextID, func(tx *storage.Tx) error {
		old := map[string]any{}
		if s, ok, err := tx.JSlob(pu.ID, id); err != nil {
			return err
		} else if ok {
			if t, err := decodeObject([]byte(s)); err == nil {
				old = t
			}
		}
		tree := change(old)
		if id == CoreID {
			locale, zone, err := takeOwned(tree, pu)
			if err != nil {
				return err
			}
			if err := tx.UpdateUserLocaleTZ(pu.ID, locale, zone); err != nil {
				return err
			}
		}
		data := protocol.Marshal(tree)
		if len(data) > maxTree {
			return protocol.ErrBadRequest.New("the JSlob exceeds 1 MiB")
		}
		return tx.PutJSlob(pu.ID, id, string(data))
	})
	var oe *protocol.Error
	if errors.As(err, &oe) {
		return nil, oe
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return protocol.OK(nil), nil
}

// coreFolderKeys are the io.ox/core folder entries derived from the folders.
var coreFolderKeys = []string{"tasks", "calendar", "contacts", "infostore"}

// takeOwned removes language, timezone and the default folder ids from a
// tree about to be stored and returns a changed locale and zone ("" when
// unchanged).
func takeOwned(tree map[string]any, pu *protocol.User) (locale, zone string, err error) {
	if folders, ok := tree["folder"].(map[string]any); ok {
		for _, k := range coreFolderKeys {
			delete(folders, k)
		}
	}
	if v, ok := tree["language"]; ok {
		delete(tree, "language")
		s, isStr := v.(string)
		if !isStr || !config.ValidLocale(s) {
			return "", "", config.ErrInvalidValue.New(string(protocol.Marshal(v)), CoreID+"//language")
		}
		if s != pu.Locale {
			locale = s
		}
	}
	if v, ok := tree["timezone"]; ok {
		delete(tree, "timezone")
		s, isStr := v.(string)
		if !isStr || !config.ValidZone(s) {
			return "", "", config.ErrInvalidValue.New(string(protocol.Marshal(v)), CoreID+"//timezone")
		}
		if s != pu.TimeZone {
			zone = s
		}
	}
	return locale, zone, nil
}

func bodyObject(req *protocol.Request) (map[string]any, error) {
	if !req.HasBody() {
		return nil, protocol.ErrJSON.New("missing request body")
	}
	t, err := decodeObject(req.Body)
	if err != nil {
		return nil, protocol.ErrJSON.New("the body must be a JSON object")
	}
	return t, nil
}

func decodeObject(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var t map[string]any
	if err := dec.Decode(&t); err != nil {
		return nil, err
	}
	if t == nil || dec.More() {
		return nil, errors.New("not a single JSON object")
	}
	return t, nil
}

// merge copies src into dst: objects merge recursively, anything else
// replaces.
func merge(dst, src map[string]any) {
	for k, sv := range src {
		if sm, ok := sv.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
			cp := map[string]any{}
			merge(cp, sm)
			dst[k] = cp
			continue
		}
		dst[k] = sv
	}
}
