package folders

import (
	"errors"
	"fmt"
	"strings"

	"oxlite/core/perm"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// asError keeps OX errors and turns everything else into an internal one.
func asError(err error) error {
	var oe *protocol.Error
	if err == nil || errors.As(err, &oe) {
		return err
	}
	return protocol.Internal(err)
}

// childType is the type of a folder created below parent.
func childType(parent *storage.Folder) (int, bool) {
	switch {
	case parent.ID == Private || parent.Type == TypePrivate:
		return TypePrivate, true
	case parent.ID == Public || parent.ID == PublicInfostore || parent.Type == TypePublic:
		return TypePublic, true
	}
	return 0, false
}

// moduleAllowed applies the reference server's rule: below the private
// and public roots and below PIM folders any PIM module; infostore folders
// only below infostore folders.
func moduleAllowed(parent *storage.Folder, mod string) bool {
	switch {
	case parent.ID == Private || parent.ID == Public:
		return pimModule(mod)
	case parent.ID == PublicInfostore || parent.Module == "infostore":
		return mod == "infostore"
	case pimModule(parent.Module):
		return pimModule(mod)
	}
	return false
}

// siblings are the folders a new name must not collide with: below the
// private root only the owner's own folders count.
func siblings(tx *storage.Tx, parent, owner, self int64) ([]*storage.Folder, error) {
	kids, err := tx.ChildFolders(parent)
	if err != nil {
		return nil, err
	}
	out := kids[:0]
	for _, k := range kids {
		if k.ID == self || (parent == Private && k.Owner != owner) {
			continue
		}
		out = append(out, k)
	}
	return out, nil
}

func nameTaken(sibs []*storage.Folder, title string) bool {
	for _, s := range sibs {
		if strings.EqualFold(strings.TrimSpace(s.Title), title) {
			return true
		}
	}
	return false
}

// uniqueTitle returns title or, with autorename, "title (2)", "title (3)"….
func uniqueTitle(sibs []*storage.Folder, title string, autorename bool, parent *storage.Folder, tree int) (string, error) {
	if !nameTaken(sibs, title) {
		return title, nil
	}
	if autorename {
		for n := 2; n < 10000; n++ {
			cand := fmt.Sprintf("%s (%d)", title, n)
			if !nameTaken(sibs, cand) {
				return cand, nil
			}
		}
	}
	return "", ErrEqualName.New(title, parent.Title, tree)
}

// hasForeign reports whether permissions grant anything to someone other
// than the owner.
func hasForeign(ps []storage.Permission, owner int64) bool {
	for _, p := range ps {
		if p.Group || p.Entity != owner {
			return true
		}
	}
	return false
}

// checkPermissions applies the rules for a folder's permission list:
// one entry per entity, entities that exist, and the admin rules
// (private folders: exactly one admin, the owner; public: at least one).
func checkPermissions(tx *storage.Tx, folderID any, typ int, owner int64, ps []storage.Permission) error {
	users := map[int64]bool{}
	groups := map[int64]bool{}
	var admins []storage.Permission
	for _, p := range ps {
		if p.Group {
			if groups[p.Entity] {
				return ErrDuplicateGroup.New(p.Entity)
			}
			groups[p.Entity] = true
		} else {
			if users[p.Entity] {
				return ErrDuplicateUser.New(p.Entity)
			}
			users[p.Entity] = true
		}
		if p.Admin {
			admins = append(admins, p)
		}
	}
	userOK, err := tx.PrincipalsExist(keys(users), false)
	if err != nil {
		return err
	}
	for id := range users {
		if !userOK[id] {
			return ErrInvalidEntity.New(id, "user", folderID, tx.ContextID())
		}
	}
	var realGroups []int64
	for id := range groups {
		if id > 1 { // 0 all users and 1 guests are virtual
			realGroups = append(realGroups, id)
		}
	}
	groupOK, err := tx.PrincipalsExist(realGroups, true)
	if err != nil {
		return err
	}
	for _, id := range realGroups {
		if !groupOK[id] {
			return ErrInvalidEntity.New(id, "group", folderID, tx.ContextID())
		}
	}
	if typ == TypePrivate {
		for _, a := range admins {
			if a.Group {
				return ErrNoGroupAdmin.New()
			}
		}
		if len(admins) > 1 {
			return ErrOnlyOneAdmin.New()
		}
		if len(admins) == 1 && admins[0].Entity != owner {
			return ErrOnlyOwnerAdmin.New()
		}
	}
	if len(admins) == 0 {
		return ErrNoFolderAdmin.New()
	}
	return nil
}

// touchParent bumps a non-system parent so that its subfolders flag
// reaches clients through updates.
func touchParent(tx *storage.Tx, parent, by int64) error {
	if !IsUserFolder(parent) {
		return nil
	}
	return tx.TouchFolder(parent, by)
}

// leave records that folder f left its displayed places: its parent and,
// for shared private folders, the shared root.
func leave(tx *storage.Tx, f *storage.Folder, parent int64, perms []storage.Permission) error {
	if err := tx.Tombstone(storage.TombFolder, parent, f.ID); err != nil {
		return err
	}
	if f.Type == TypePrivate && hasForeign(perms, f.Owner) {
		return tx.Tombstone(storage.TombFolder, Shared, f.ID)
	}
	return nil
}

func (m *Module) create(req *protocol.Request) (*protocol.Response, error) {
	ps, ok := req.Param("folder_id")
	if !ok || ps == "" {
		if ps, ok = req.Param("folder"); !ok || ps == "" {
			return nil, protocol.ErrMissingParameter.New("folder_id")
		}
	}
	tree, err := parseTree(req)
	if err != nil {
		return nil, err
	}
	pid, ok := ParseID(ps)
	if !ok {
		return nil, ErrNotFound.New(ps, req.User.ContextID)
	}
	in, err := parseInput(req)
	if err != nil {
		return nil, err
	}
	u := req.User
	var f *storage.Folder
	err = m.DB.Write(req.Ctx, u.ContextID, func(tx *storage.Tx) error {
		parent, pp, err := AccessTx(tx, u, pid)
		if err != nil {
			return err
		}
		if !pp.CanCreateSubfolders() {
			return ErrNoCreateSubfolder.New(u.ID, pid, u.ContextID)
		}
		typ, ok := childType(parent)
		if !ok {
			return ErrNoCreateSubfolder.New(u.ID, pid, u.ContextID)
		}
		mod := ""
		if in.Module != nil {
			mod = *in.Module
		} else if IsUserFolder(parent.ID) {
			mod = parent.Module
		}
		if mod == "" {
			return ErrMissingField.New("module", "new", u.ContextID)
		}
		if !moduleAllowed(parent, mod) {
			return ErrInvalidModule.New(pid, mod, u.ContextID)
		}
		if in.Title == nil {
			return ErrMissingField.New("title", "new", u.ContextID)
		}
		title, err := cleanTitle(*in.Title, "new", u.ContextID)
		if err != nil {
			return err
		}
		owner := u.ID
		if typ == TypePrivate && parent.ID != Private {
			owner = parent.Owner
		}
		sibs, err := siblings(tx, pid, owner, -1)
		if err != nil {
			return err
		}
		if title, err = uniqueTitle(sibs, title, req.Bool("autorename"), parent, tree); err != nil {
			return err
		}
		perms := in.Permissions
		if len(perms) == 0 {
			perms = defaultPermissions(parent, typ, owner, u.ID)
		}
		if err := checkPermissions(tx, "new", typ, owner, perms); err != nil {
			return err
		}
		id, err := tx.NextID(storage.SeqFolder)
		if err != nil {
			return err
		}
		f = &storage.Folder{ID: id, Parent: pid, Title: title, Module: mod, Type: typ, Owner: owner, CreatedBy: u.ID,
			ModifiedBy: u.ID, Subscribed: true, Permissions: perms}
		if in.Meta != nil {
			f.Meta = *in.Meta
		}
		if err := tx.InsertFolder(f); err != nil {
			return err
		}
		return touchParent(tx, pid, u.ID)
	})
	if err != nil {
		return nil, asError(err)
	}
	return protocol.OKAt(idString(f.ID), f.LastModified), nil
}

// defaultPermissions are those of a new folder created without any: a
// copy of a real parent's, else the owner (or, for public folders, the
// creator) as the only admin.
func defaultPermissions(parent *storage.Folder, typ int, owner, creator int64) []storage.Permission {
	admin := owner
	if typ == TypePublic {
		admin = creator
	}
	if !IsUserFolder(parent.ID) {
		return []storage.Permission{perm.Full.Entry(admin, false)}
	}
	out := make([]storage.Permission, 0, len(parent.Permissions)+1)
	found := false
	for _, p := range parent.Permissions {
		if !p.Group && p.Entity == admin {
			p = perm.Full.Entry(admin, false)
			found = true
		}
		out = append(out, p)
	}
	if !found && typ == TypePublic {
		out = append(out, perm.Full.Entry(admin, false))
	}
	return out
}

func (m *Module) update(req *protocol.Request) (*protocol.Response, error) {
	id, err := requireID(req, "id")
	if err != nil {
		return nil, err
	}
	tree, err := parseTree(req)
	if err != nil {
		return nil, err
	}
	ts, hasTS, err := req.Int("timestamp")
	if err != nil {
		return nil, err
	}
	cascade := req.Bool("cascadePermissions")
	in, err := parseInput(req)
	if err != nil {
		return nil, err
	}
	u := req.User
	var f *storage.Folder
	err = m.DB.Write(req.Ctx, u.ContextID, func(tx *storage.Tx) error {
		var p perm.Permission
		var err error
		f, p, err = AccessTx(tx, u, id)
		if err != nil {
			return err
		}
		if !p.Admin || !IsUserFolder(id) {
			return ErrNoAdmin.New(u.ID, id, u.ContextID)
		}
		if hasTS && f.LastModified > ts {
			return ErrConflict.New()
		}
		oldParent := f.Parent
		oldPerms := f.Permissions
		isDefault := f.DefaultType != 0
		// The parent as the caller sees it (tree 1 shows the home below 9)
		// is not a move.
		if in.Parent != nil && *in.Parent != f.Parent && !(tree == 1 && *in.Parent == Infostore && isDefault && f.Module == "infostore") {
			if err := m.move(tx, u, f, *in.Parent, tree); err != nil {
				return err
			}
		}
		if in.Title != nil {
			title, err := cleanTitle(*in.Title, id, u.ContextID)
			if err != nil {
				return err
			}
			if title != f.Title {
				if isDefault {
					return ErrDefaultRename.New(id, u.ContextID)
				}
				f.Title = title
			}
		}
		if in.Title != nil || f.Parent != oldParent {
			sibs, err := siblings(tx, f.Parent, f.Owner, f.ID)
			if err != nil {
				return err
			}
			if nameTaken(sibs, f.Title) {
				parent, err := tx.Folder(f.Parent)
				if err != nil {
					return err
				}
				return ErrEqualName.New(f.Title, parent.Title, tree)
			}
		}
		if in.Module != nil && *in.Module != f.Module {
			if isDefault {
				return ErrDefaultModule.New()
			}
			parent, err := tx.Folder(f.Parent)
			if err != nil {
				return err
			}
			if !moduleAllowed(parent, *in.Module) {
				return ErrInvalidModule.New(f.Parent, *in.Module, u.ContextID)
			}
			if c := m.Contents[f.Module]; c != nil {
				// Clearing with no rights deletes nothing and counts.
				if left, err := c.Clear(tx, f.ID, perm.Permission{}, u.ID); err != nil {
					return err
				} else if left > 0 {
					return ErrModuleNotEmpty.New()
				}
			}
			f.Module = *in.Module
		}
		if in.Meta != nil {
			f.Meta = *in.Meta
		}
		f.ModifiedBy = u.ID
		if err := tx.UpdateFolder(f); err != nil {
			return err
		}
		if in.HasPerms {
			if err := checkPermissions(tx, id, f.Type, f.Owner, in.Permissions); err != nil {
				return err
			}
			if err := setPermissions(tx, f, oldPerms, in.Permissions); err != nil {
				return err
			}
			if cascade {
				desc, err := tx.Descendants(f.ID)
				if err != nil {
					return err
				}
				for _, d := range desc {
					if !perm.Effective(d.Permissions, Subject(u)).Admin {
						return ErrNoAdmin.New(u.ID, d.ID, u.ContextID)
					}
					if err := checkPermissions(tx, d.ID, d.Type, d.Owner, in.Permissions); err != nil {
						return err
					}
					d.ModifiedBy = u.ID
					if err := tx.UpdateFolder(d); err != nil {
						return err
					}
					if err := setPermissions(tx, d, d.Permissions, in.Permissions); err != nil {
						return err
					}
				}
			}
		}
		if f.Parent != oldParent {
			if err := leave(tx, f, oldParent, oldPerms); err != nil {
				return err
			}
			if err := tx.ClearTombstone(storage.TombFolder, f.Parent, f.ID); err != nil {
				return err
			}
			if err := touchParent(tx, oldParent, u.ID); err != nil {
				return err
			}
			return touchParent(tx, f.Parent, u.ID)
		}
		return nil
	})
	if err != nil {
		return nil, asError(err)
	}
	return protocol.OKAt(idString(f.ID), f.LastModified), nil
}

// setPermissions replaces a folder's permissions. When entries that
// reached others change, the folder may have vanished from someone's view:
// a tombstone in its displayed places lets their updates report it.
func setPermissions(tx *storage.Tx, f *storage.Folder, old, perms []storage.Permission) error {
	if err := tx.ReplacePermissions(f.ID, perms); err != nil {
		return err
	}
	if hasForeign(old, f.Owner) && !samePermissions(old, perms) {
		if err := leave(tx, f, f.Parent, old); err != nil {
			return err
		}
	}
	f.Permissions = perms
	return nil
}

func samePermissions(a, b []storage.Permission) bool {
	if len(a) != len(b) {
		return false
	}
	set := map[storage.Permission]bool{}
	for _, p := range a {
		set[p] = true
	}
	for _, p := range b {
		if !set[p] {
			return false
		}
	}
	return true
}

// move checks and applies a new parent (the caller is admin of f).
func (m *Module) move(tx *storage.Tx, u *protocol.User, f *storage.Folder, target int64, tree int) error {
	cid := u.ContextID
	switch {
	case f.DefaultType != 0:
		return ErrDefaultMove.New(f.ID, cid)
	case !IsUserFolder(f.ID):
		return ErrSystemMove.New(f.ID, cid)
	case target == f.ID:
		return ErrEqualMove.New(cid)
	case f.Type == TypePrivate && f.Owner != u.ID:
		return ErrSharedMove.New(f.ID, cid)
	}
	t, tp, err := AccessTx(tx, u, target)
	if err != nil {
		return err
	}
	if !tp.CanCreateSubfolders() {
		return ErrNoCreateSubfolder.New(u.ID, target, cid)
	}
	// The target must not lie below the folder itself.
	for cur, depth := t, 0; IsUserFolder(cur.Parent) && depth < 1000; depth++ {
		if cur.Parent == f.ID {
			return ErrSubfolderMove.New(f.ID, cid)
		}
		if cur, err = tx.Folder(cur.Parent); err != nil {
			return err
		}
	}
	typ, ok := childType(t)
	switch {
	case f.Type == TypePrivate && t.Type == TypePrivate && t.Owner != f.Owner:
		return ErrSharedTarget.New(target, cid)
	case f.Type == TypePrivate && (!ok || typ != TypePrivate):
		return ErrPrivateToPrivate.New(f.ID, cid)
	case f.Type == TypePublic && (!ok || typ != TypePublic):
		return ErrPublicToPublic.New(f.ID, cid)
	}
	if !moduleAllowed(t, f.Module) {
		return ErrInvalidModule.New(target, f.Module, cid)
	}
	f.Parent = target
	return nil
}

// outcome collects the ids a delete or clear could not process.
type outcome struct {
	failed   []any
	warnings []*protocol.Error
}

func (o *outcome) add(id string, err error) {
	o.failed = append(o.failed, id)
	var oe *protocol.Error
	if !errors.As(err, &oe) {
		oe = protocol.Internal(err)
	}
	o.warnings = append(o.warnings, oe)
}

// answer returns the ids not processed; with failOnError (what the UI
// sends) the first failure is the answer instead.
func (o *outcome) answer(req *protocol.Request) (*protocol.Response, error) {
	if len(o.warnings) > 0 && req.Bool("failOnError") {
		return nil, o.warnings[0]
	}
	resp := protocol.OK(append([]any{}, o.failed...))
	resp.Warnings = o.warnings
	return resp, nil
}

func (m *Module) delete(req *protocol.Request) (*protocol.Response, error) {
	if _, err := parseTree(req); err != nil {
		return nil, err
	}
	ts, hasTS, err := req.Int("timestamp")
	if err != nil {
		return nil, err
	}
	ids, err := parseIDList(req)
	if err != nil {
		return nil, err
	}
	u := req.User
	var out outcome
	for _, s := range ids {
		id, ok := ParseID(s)
		if !ok {
			out.add(s, ErrNotFound.New(s, u.ContextID))
			continue
		}
		err := m.DB.Write(req.Ctx, u.ContextID, func(tx *storage.Tx) error {
			f, p, err := AccessTx(tx, u, id)
			if err != nil {
				return err
			}
			switch {
			case !IsUserFolder(id):
				return ErrNotDeletable.New(id, u.ID, u.ContextID)
			case f.DefaultType != 0:
				return ErrDefaultDelete.New(u.ID, id, u.ContextID)
			case !p.Admin && f.Type == TypePrivate && f.Owner != u.ID:
				return ErrSharedDelete.New(u.ID, id, u.ContextID)
			case !p.Admin:
				return ErrNoAdmin.New(u.ID, id, u.ContextID)
			case hasTS && f.LastModified > ts:
				return ErrConflict.New()
			}
			desc, err := tx.Descendants(id)
			if err != nil {
				return err
			}
			for _, d := range append(desc, f) {
				dp := perm.Effective(d.Permissions, Subject(u))
				if !dp.Admin {
					return ErrHiddenSubfolder.New(id, u.ContextID, u.ID)
				}
				if c := m.Contents[d.Module]; c != nil {
					left, err := c.Clear(tx, d.ID, dp, u.ID)
					if err != nil {
						return err
					}
					if left > 0 {
						return ErrNotAllObjects.New(u.ID, d.ID, u.ContextID)
					}
				}
				if err := tx.DeleteFolder(d.ID); err != nil {
					return err
				}
				if err := leave(tx, d, d.Parent, d.Permissions); err != nil {
					return err
				}
			}
			return touchParent(tx, f.Parent, u.ID)
		})
		if err != nil {
			out.add(s, err)
		}
	}
	return out.answer(req)
}

// clear deletes the objects of folders (the folders stay).
func (m *Module) clear(req *protocol.Request) (*protocol.Response, error) {
	if _, err := parseTree(req); err != nil {
		return nil, err
	}
	ids, err := parseIDList(req)
	if err != nil {
		return nil, err
	}
	u := req.User
	var out outcome
	for _, s := range ids {
		id, ok := ParseID(s)
		if !ok {
			out.add(s, ErrNotFound.New(s, u.ContextID))
			continue
		}
		err := m.DB.Write(req.Ctx, u.ContextID, func(tx *storage.Tx) error {
			f, p, err := AccessTx(tx, u, id)
			if err != nil {
				return err
			}
			c := m.Contents[f.Module]
			if c == nil {
				return nil
			}
			left, err := c.Clear(tx, id, p, u.ID)
			if err != nil {
				return err
			}
			if left > 0 {
				return ErrNotAllObjects.New(u.ID, id, u.ContextID)
			}
			return nil
		})
		if err != nil {
			out.add(s, err)
		}
	}
	return out.answer(req)
}
