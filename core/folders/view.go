package folders

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"oxlite/core/perm"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// view is one caller's picture of the folder tables in one tree: which
// folders are visible, where each one hangs, and how it is reported
// (docs/decisions.md, "Folder trees 0 and 1").
type view struct {
	m        *Module
	ctx      context.Context
	db       *storage.DB
	user     *protocol.User
	cid      int64
	subj     perm.Subject
	tree     int
	altNames bool
	loc      *time.Location
	allowed  map[string]bool // allowed_modules; nil = all
	// filled on demand for the columns that need them
	names      map[int64]string // user display names
	groupNames map[int64]string
	// vis remembers which folders the caller may see.
	vis map[int64]bool
}

// item is a folder as the caller sees it.
type item struct {
	f      *storage.Folder
	eff    perm.Permission
	parent int64 // displayed parent; -1 for the root
	typ    int
	std    bool
	title  string
	subs   bool
	total  int64
}

func (m *Module) newView(req *protocol.Request) (*view, error) {
	tree, err := parseTree(req)
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	v := &view{m: m, ctx: req.Ctx, db: m.DB, user: req.User, cid: req.User.ContextID, subj: Subject(req.User),
		tree: tree, altNames: req.Bool("altNames"), loc: loc, vis: map[int64]bool{}}
	if s := req.Get("allowed_modules"); s != "" {
		v.allowed = map[string]bool{"system": true}
		for _, p := range strings.Split(s, ",") {
			if mod, ok := ContentType(p); ok {
				v.allowed[mod] = true
			}
		}
	}
	return v, nil
}

func parseTree(req *protocol.Request) (int, error) {
	switch t := strings.TrimSpace(req.Get("tree")); t {
	case "", "0":
		return 0, nil
	case "1":
		return 1, nil
	default:
		return 0, ErrTreeNotFound.New(t)
	}
}

func (v *view) uid() int64 { return v.user.ID }

// isOwnHome reports whether f is the caller's infostore home folder.
func (v *view) isOwnHome(f *storage.Folder) bool {
	return f.Module == "infostore" && f.DefaultType != 0 && f.Owner == v.uid() && f.Type == TypePrivate
}

// ownPrivate reports whether f is one of the caller's private folders,
// whose parents are the caller's too and therefore visible.
func (v *view) ownPrivate(f *storage.Folder) bool {
	return f.Type == TypePrivate && f.Owner == v.uid()
}

// foreign reports whether f is a private folder of another user.
func (v *view) foreign(f *storage.Folder) bool {
	return f.Type == TypePrivate && f.Owner != v.uid()
}

// items turns folders into visible items, dropping the invisible ones and
// placing each under its displayed parent.
func (v *view) items(fs []*storage.Folder) ([]*item, error) {
	out := make([]*item, 0, len(fs))
	vis := v.vis
	for _, f := range fs {
		eff := perm.Effective(f.Permissions, v.subj)
		vis[f.ID] = eff.Visible()
		if !eff.Visible() {
			continue
		}
		it := &item{f: f, eff: eff, typ: f.Type, title: f.Title}
		if v.foreign(f) {
			it.typ = TypeShared
		} else if f.DefaultType != 0 && f.Owner == v.uid() {
			it.std = true
		}
		if v.altNames {
			switch {
			case f.ID == Infostore:
				it.title = "Drive"
			case f.ID == UserStore:
				it.title = "Shared files"
			case f.ID == PublicInfostore:
				it.title = "Public files"
			case v.isOwnHome(f):
				it.title = "My files"
			}
		}
		out = append(out, it)
	}
	// The real parent of a folder may be hidden from the caller; such
	// folders hang below a system folder instead.
	var unknown []int64
	for _, it := range out {
		if p := it.f.Parent; IsUserFolder(p) && !v.ownPrivate(it.f) && !slices.Contains(unknown, p) {
			if _, known := vis[p]; known {
				continue
			}
			unknown = append(unknown, p)
		}
	}
	if len(unknown) > 0 {
		ps, err := v.db.FoldersByIDs(v.ctx, v.cid, unknown)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			vis[p.ID] = perm.Effective(p.Permissions, v.subj).Visible()
		}
	}
	for _, it := range out {
		it.parent = v.displayParent(it, vis)
	}
	return out, nil
}

func (v *view) displayParent(it *item, vis map[int64]bool) int64 {
	f := it.f
	switch {
	case f.ID == Root:
		return -1
	case v.tree == 1 && f.Parent == UserStore && v.isOwnHome(f):
		return Infostore
	case v.foreign(f) && f.Parent == Private:
		return Shared
	case IsUserFolder(f.Parent) && !v.ownPrivate(f) && !vis[f.Parent]:
		switch {
		case f.Type == TypePrivate:
			return Shared
		case f.Module == "infostore":
			return PublicInfostore
		default:
			return Public
		}
	}
	return f.Parent
}

// item loads one visible folder (FLD-0008, FLD-0003).
func (v *view) item(id int64) (*item, error) {
	f, err := v.db.Folder(v.ctx, v.cid, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrNotFound.New(id, v.cid)
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	its, err := v.items([]*storage.Folder{f})
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if len(its) == 0 {
		return nil, ErrNotVisible.New(id, v.uid(), v.cid)
	}
	return its[0], nil
}

// children lists the folders displayed below parent, sorted.
func (v *view) children(parent int64) ([]*item, error) {
	var fs []*storage.Folder
	var err error
	switch {
	case parent == Private:
		fs, err = v.db.OwnFolders(v.ctx, v.cid, v.uid(), Private)
	case parent == Shared:
		fs, err = v.db.SharedFolders(v.ctx, v.cid, v.uid(), v.user.Groups, "")
	case parent == Infostore && v.tree == 1:
		fs, err = v.db.ChildFolders(v.ctx, v.cid, Infostore)
		if err == nil {
			var own []*storage.Folder
			own, err = v.db.OwnFolders(v.ctx, v.cid, v.uid(), UserStore)
			fs = append(fs, own...)
		}
	default:
		fs, err = v.db.ChildFolders(v.ctx, v.cid, parent)
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	its, err := v.items(fs)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	out := its[:0]
	for _, it := range its {
		if it.parent != parent || it.f.ID == parent {
			continue
		}
		if v.allowed != nil && !v.allowed[it.f.Module] {
			continue
		}
		out = append(out, it)
	}
	sortItems(out)
	return out, nil
}

// sortItems orders the caller's default folders first (by title), then
// system folders (by id), then the rest by title.
func sortItems(its []*item) {
	rank := func(it *item) int {
		switch {
		case it.std:
			return 0
		case !IsUserFolder(it.f.ID):
			return 1
		}
		return 2
	}
	slices.SortStableFunc(its, func(a, b *item) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		if rank(a) == 1 {
			return cmp.Compare(a.f.ID, b.f.ID)
		}
		if c := cmp.Compare(strings.ToLower(a.title), strings.ToLower(b.title)); c != 0 {
			return c
		}
		return cmp.Compare(a.f.ID, b.f.ID)
	})
}

// needs reports whether any of cols is among want.
func needs(cols []int, want ...int) bool {
	if cols == nil {
		return true
	}
	for _, c := range cols {
		if slices.Contains(want, c) {
			return true
		}
	}
	return false
}

// fill computes the expensive fields the requested columns need
// (nil cols: all of them).
func (v *view) fill(its []*item, cols []int) error {
	if len(its) == 0 {
		return nil
	}
	if needs(cols, colSubfolders, colSubscrSubflds) {
		var plain []int64
		for _, it := range its {
			switch {
			case it.f.ID == Root || it.f.ID == Infostore:
				it.subs = true
			case it.f.ID == Private || it.f.ID == Shared || (it.f.ID == UserStore && v.tree == 1):
				kids, err := v.children(it.f.ID)
				if err != nil {
					return err
				}
				it.subs = len(kids) > 0
			default:
				plain = append(plain, it.f.ID)
			}
		}
		if len(plain) > 0 {
			has, err := v.db.ParentsWithVisibleChildren(v.ctx, v.cid, v.uid(), v.user.Groups, plain)
			if err != nil {
				return protocol.Internal(err)
			}
			for _, it := range its {
				if has[it.f.ID] {
					it.subs = true
				}
			}
		}
	}
	if needs(cols, colTotal) {
		byModule := map[string][]int64{}
		for _, it := range its {
			if it.eff.Read > perm.None {
				byModule[it.f.Module] = append(byModule[it.f.Module], it.f.ID)
			}
		}
		for mod, ids := range byModule {
			c := v.m.Contents[mod]
			if c == nil {
				continue
			}
			counts, err := c.Count(v.ctx, v.db, v.cid, ids)
			if err != nil {
				return protocol.Internal(err)
			}
			for _, it := range its {
				if it.f.Module == mod {
					it.total = counts[it.f.ID]
				}
			}
		}
	}
	if needs(cols, colDisplayName, colExtendedPerms) {
		users := map[int64]bool{}
		groups := map[int64]bool{}
		for _, it := range its {
			if it.typ == TypeShared {
				users[it.f.Owner] = true
			}
			if needs(cols, colExtendedPerms) {
				for _, p := range it.f.Permissions {
					if p.Group {
						groups[p.Entity] = true
					} else {
						users[p.Entity] = true
					}
				}
			}
		}
		var err error
		if v.names, err = v.db.UserDisplayNames(v.ctx, v.cid, keys(users)); err != nil {
			return protocol.Internal(err)
		}
		if v.groupNames, err = v.db.GroupDisplayNames(v.ctx, v.cid, keys(groups)); err != nil {
			return protocol.Internal(err)
		}
		v.groupNames[0] = "All users"
		v.groupNames[1] = "Guests"
	}
	return nil
}

func keys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Column ids (spec lines 121–136 and the UI's full list).
const (
	colID            = 1
	colCreatedBy     = 2
	colModifiedBy    = 3
	colCreationDate  = 4
	colLastModified  = 5
	colLastModUTC    = 6
	colFolderID      = 20
	colMeta          = 23
	colTitle         = 300
	colModule        = 301
	colType          = 302
	colSubfolders    = 304
	colOwnRights     = 305
	colPermissions   = 306
	colSummary       = 307
	colStandard      = 308
	colTotal         = 309
	colNew           = 310
	colUnread        = 311
	colDeleted       = 312
	colCapabilities  = 313
	colSubscribed    = 314
	colSubscrSubflds = 315
	colStandardType  = 316
	colSupportedCaps = 317
	colAccountID     = 318
	colPublication   = 3010
	colSubscription  = 3020
	colDisplayName   = 3030
	colExtAccount    = 3050
	colExtendedPerms = 3060
)

// fieldNames are the names `get` uses, in the order it writes them.
var fieldNames = []struct {
	col  int
	name string
}{
	{colID, "id"}, {colCreatedBy, "created_by"}, {colModifiedBy, "modified_by"}, {colCreationDate, "creation_date"},
	{colLastModified, "last_modified"}, {colLastModUTC, "last_modified_utc"}, {colFolderID, "folder_id"}, {colMeta, "meta"},
	{colTitle, "title"}, {colModule, "module"}, {colType, "type"}, {colSubfolders, "subfolders"}, {colOwnRights, "own_rights"},
	{colPermissions, "permissions"}, {colSummary, "summary"}, {colStandard, "standard_folder"}, {colTotal, "total"},
	{colNew, "new"}, {colUnread, "unread"}, {colDeleted, "deleted"}, {colCapabilities, "capabilities"},
	{colSubscribed, "subscribed"}, {colSubscrSubflds, "subscr_subflds"}, {colStandardType, "standard_folder_type"},
	{colSupportedCaps, "supported_capabilities"}, {colAccountID, "account_id"},
	{colPublication, "com.openexchange.publish.publicationFlag"}, {colSubscription, "com.openexchange.subscribe.subscriptionFlag"},
	{colDisplayName, "com.openexchange.folderstorage.displayName"}, {colExtAccount, "com.openexchange.imap.extAccount"},
	{colExtendedPerms, "com.openexchange.share.extendedPermissions"},
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

func nullID(id int64) any {
	if id <= 0 {
		return nil
	}
	return id
}

// value renders one column of an item; nil is JSON null.
func (v *view) value(it *item, col int) any {
	f := it.f
	switch col {
	case colID:
		return idString(f.ID)
	case colCreatedBy:
		return nullID(f.CreatedBy)
	case colModifiedBy:
		return nullID(f.ModifiedBy)
	case colCreationDate:
		return protocol.ToTime(f.CreationDate, v.loc)
	case colLastModified:
		return protocol.ToTime(f.LastModified, v.loc)
	case colLastModUTC:
		return f.LastModified
	case colFolderID:
		if it.f.ID == Root {
			return nil
		}
		return idString(it.parent)
	case colMeta:
		if f.Meta == "" || !json.Valid([]byte(f.Meta)) {
			return nil
		}
		return json.RawMessage(f.Meta)
	case colTitle:
		return it.title
	case colModule:
		return f.Module
	case colType:
		return it.typ
	case colSubfolders, colSubscrSubflds:
		return it.subs
	case colOwnRights:
		return it.eff.Bits()
	case colPermissions:
		ps := make([]map[string]any, len(f.Permissions))
		for i, p := range f.Permissions {
			ps[i] = map[string]any{"bits": perm.Of(p).Bits(), "entity": p.Entity, "group": p.Group}
		}
		return ps
	case colStandard:
		return it.std
	case colTotal:
		return it.total
	case colNew, colUnread, colDeleted:
		return 0
	case colCapabilities:
		// Bit 0: permissions are supported.
		return 1
	case colSubscribed:
		return true
	case colStandardType:
		if !it.std {
			return 0
		}
		return f.DefaultType
	case colSupportedCaps:
		return []string{"permissions"}
	case colPublication, colSubscription:
		return false
	case colDisplayName:
		if it.typ != TypeShared || v.names == nil {
			return nil
		}
		if n, ok := v.names[f.Owner]; ok {
			return n
		}
		return nil
	case colExtendedPerms:
		ps := make([]map[string]any, len(f.Permissions))
		for i, p := range f.Permissions {
			e := map[string]any{"entity": p.Entity, "bits": perm.Of(p).Bits(), "type": "user"}
			name, ok := v.names[p.Entity]
			if p.Group {
				e["type"] = "group"
				name, ok = v.groupNames[p.Entity]
			}
			if ok {
				e["display_name"] = name
			}
			ps[i] = e
		}
		return ps
	}
	return nil
}

func (v *view) rows(its []*item, cols []int) [][]any {
	out := make([][]any, len(its))
	for i, it := range its {
		row := make([]any, len(cols))
		for j, c := range cols {
			row[j] = v.value(it, c)
		}
		out[i] = row
	}
	return out
}

// object renders an item with named fields; null values are left out.
func (v *view) object(it *item, cols []int) map[string]any {
	out := map[string]any{}
	for _, fn := range fieldNames {
		if cols != nil && !slices.Contains(cols, fn.col) {
			continue
		}
		if val := v.value(it, fn.col); val != nil {
			out[fn.name] = val
		}
	}
	return out
}

func maxModified(its []*item) int64 {
	var ts int64
	for _, it := range its {
		ts = max(ts, it.f.LastModified)
	}
	return ts
}

// answer wraps rows with the newest last_modified as timestamp.
func answer(data any, ts int64) *protocol.Response {
	if ts <= 0 {
		return protocol.OK(data)
	}
	return protocol.OKAt(data, ts)
}
