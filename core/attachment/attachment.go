// Package attachment implements module `attachment` (spec lines 631–861):
// files attached to PIM objects (contacts, tasks, appointments). The parent
// objects are found generically by table (Parents); reading attachments
// needs read access to the parent, attaching and detaching write access,
// and both bump the parent's last_modified so its module's `updates`
// reports the changed attachment count.
package attachment

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"strconv"
	"strings"
	"time"

	"oxlite/core/ajax"
	"oxlite/core/changes"
	"oxlite/core/folders"
	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Parents maps the module numbers of parent objects to their tables. A
// table must have the columns cid, id, folder_id, created_by, modified_by,
// private_flag and last_modified; a table that does not exist yet simply
// has no objects, so a module that lands later needs no change here.
var Parents = map[int]string{
	storage.ModuleAppointment: "appointments",
	storage.ModuleTask:        "tasks",
	storage.ModuleContact:     "contacts",
}

// Errors. ATT-0401/0404/0405/0701 are the reference server's
// (AttachmentExceptionCodes); 0403, 0406 and 0409 are oxlite's, numbered
// in gaps of that table (docs/decisions.md).
var (
	ErrSaveFailed     = protocol.Def{Code: "ATT-0400", Category: protocol.CatServiceDown, Message: "Could not save file to the file store."}
	ErrFileMissing    = protocol.Def{Code: "ATT-0401", Category: protocol.CatUserInput, Message: "Attachments must contain a file (%s is missing)."}
	ErrPermission     = protocol.Def{Code: "ATT-0403", Category: protocol.CatPermissionDenied, Message: "User %d may not %s the attachments of object %d in folder %d."}
	ErrReadFailed     = protocol.Def{Code: "ATT-0404", Category: protocol.CatServiceDown, Message: "Could not retrieve file: %d"}
	ErrNotFound       = protocol.Def{Code: "ATT-0405", Category: protocol.CatUserInput, Message: "The attachment you requested no longer exists. Please refresh the view."}
	ErrParentNotFound = protocol.Def{Code: "ATT-0406", Category: protocol.CatError, Message: "Object %d of module %d does not exist in folder %d."}
	ErrBadModule      = protocol.Def{Code: "ATT-0409", Category: protocol.CatUserInput, Message: "Attachments are not supported for module %d."}
	ErrNotNumber      = protocol.Def{Code: "ATT-0701", Category: protocol.CatUserInput, Message: "Invalid parameter sent in request. Parameter '%s' was '%s' which does not look like a number."}
)

// Module serves `attachment`.
type Module struct {
	DB    *storage.DB
	Blobs storage.Blobs
}

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("attachment", "attach", m.attach, ajax.NotInMultiple())
	mux.Handle("attachment", "get", m.get)
	mux.Handle("attachment", "document", m.document, ajax.NotInMultiple())
	mux.Handle("attachment", "list", m.list)
	mux.Handle("attachment", "all", m.all)
	mux.Handle("attachment", "detach", m.detach)
	mux.Handle("attachment", "updates", m.updates)
}

// parent names the object attachments hang on.
type parent struct {
	module   int
	table    string
	folder   int64
	attached int64
}

func asError(err error) error {
	var oe *protocol.Error
	if errors.As(err, &oe) {
		return oe
	}
	return protocol.Internal(err)
}

func number(name, s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, ErrNotNumber.New(name, s)
	}
	return n, nil
}

func intParam(req *protocol.Request, name string) (int64, error) {
	s, ok := req.Param(name)
	if !ok || strings.TrimSpace(s) == "" {
		return 0, protocol.ErrMissingParameter.New(name)
	}
	return number(name, s)
}

func newParent(module, folder, attached int64) (parent, error) {
	table, ok := Parents[int(module)]
	if !ok || module != int64(int(module)) {
		return parent{}, ErrBadModule.New(module)
	}
	return parent{module: int(module), table: table, folder: folder, attached: attached}, nil
}

// parentParams reads attached, folder and module from the query.
func parentParams(req *protocol.Request) (parent, error) {
	attached, err := intParam(req, "attached")
	if err != nil {
		return parent{}, err
	}
	folder, err := intParam(req, "folder")
	if err != nil {
		return parent{}, err
	}
	module, err := intParam(req, "module")
	if err != nil {
		return parent{}, err
	}
	return newParent(module, folder, attached)
}

// check decides whether the caller may read (write=false) or change
// (write=true) the attachments of p, given the folder access and the
// parent row as seen by the caller's read or transaction.
func check(u *protocol.User, p parent, acc pim.Access, row *storage.AttachmentParent, err error, inFolder func() (bool, error), write bool) error {
	if err == nil && row.FolderID != p.folder {
		// Task participants reach a task through their own folder.
		var in bool
		if in, err = inFolder(); err == nil && !in {
			err = storage.ErrNotFound
		}
	}
	if errors.Is(err, storage.ErrNotFound) {
		return ErrParentNotFound.New(p.attached, p.module, p.folder)
	}
	if err != nil {
		return protocol.Internal(err)
	}
	if write {
		if !acc.CanWrite(row.CreatedBy, row.Private) {
			return ErrPermission.New(u.ID, "change", p.attached, p.folder)
		}
	} else if !acc.CanRead(row.CreatedBy, row.Private) {
		return ErrPermission.New(u.ID, "read", p.attached, p.folder)
	}
	return nil
}

// readable checks read access to the parent outside a transaction.
func (m *Module) readable(req *protocol.Request, p parent) error {
	f, perm, err := folders.Access(req.Ctx, m.DB, req.User, p.folder)
	if err != nil {
		return err
	}
	row, err := m.DB.AttachmentParent(req.Ctx, req.User.ContextID, p.table, p.attached)
	inFolder := func() (bool, error) {
		switch p.module {
		case storage.ModuleTask:
			return m.DB.TaskInFolder(req.Ctx, req.User.ContextID, p.attached, p.folder)
		case storage.ModuleAppointment:
			return m.DB.AppointmentInFolder(req.Ctx, req.User.ContextID, p.attached, p.folder)
		}
		return false, nil
	}
	return check(req.User, p, pim.Access{Folder: f, Perm: perm, User: req.User.ID}, row, err, inFolder, false)
}

// writable checks write access to the parent inside the transaction that
// changes its attachments.
func writable(tx *storage.Tx, u *protocol.User, p parent) error {
	f, perm, err := folders.AccessTx(tx, u, p.folder)
	if err != nil {
		return err
	}
	row, err := tx.AttachmentParent(p.table, p.attached)
	inFolder := func() (bool, error) {
		switch p.module {
		case storage.ModuleTask:
			return tx.TaskInFolder(p.attached, p.folder)
		case storage.ModuleAppointment:
			return tx.AppointmentInFolder(p.attached, p.folder)
		}
		return false, nil
	}
	return check(u, p, pim.Access{Folder: f, Perm: perm, User: u.ID}, row, err, inFolder, true)
}

func columns(loc *time.Location) protocol.ColumnSet[*storage.Attachment] {
	return protocol.ColumnSet[*storage.Attachment]{
		1:   func(a *storage.Attachment) any { return a.ID },
		2:   func(a *storage.Attachment) any { return a.CreatedBy },
		3:   func(a *storage.Attachment) any { return a.CreatedBy },
		4:   func(a *storage.Attachment) any { return protocol.ToTime(a.CreationDate, loc) },
		5:   func(a *storage.Attachment) any { return protocol.ToTime(a.LastModified, loc) },
		20:  func(a *storage.Attachment) any { return a.FolderID },
		800: func(a *storage.Attachment) any { return a.FolderID },
		801: func(a *storage.Attachment) any { return a.Attached },
		802: func(a *storage.Attachment) any { return a.Module },
		803: func(a *storage.Attachment) any { return a.Filename },
		804: func(a *storage.Attachment) any { return a.FileSize },
		805: func(a *storage.Attachment) any { return a.MimeType },
		806: func(a *storage.Attachment) any { return a.RTF },
	}
}

// object renders AttachmentData. The flag goes out as rtf_flag (the
// reference server's and the UI's name) and as rft_flag (the spec's).
func object(a *storage.Attachment, loc *time.Location) map[string]any {
	return map[string]any{
		"id":            a.ID,
		"created_by":    a.CreatedBy,
		"modified_by":   a.CreatedBy,
		"creation_date": protocol.ToTime(a.CreationDate, loc),
		"last_modified": protocol.ToTime(a.LastModified, loc),
		"folder_id":     a.FolderID,
		"folder":        a.FolderID,
		"attached":      a.Attached,
		"module":        a.Module,
		"filename":      a.Filename,
		"file_size":     a.FileSize,
		"file_mimetype": a.MimeType,
		"rtf_flag":      a.RTF,
		"rft_flag":      a.RTF,
	}
}

func maxModified(as []*storage.Attachment) int64 {
	var ts int64
	for _, a := range as {
		ts = max(ts, a.LastModified)
	}
	return ts
}

// upload is one json_N/file_N pair of an attach request.
type upload struct {
	p        parent
	filename string
	mimeType string
	rtf      bool
	data     []byte
	key      string
}

// parseUploads reads json_0/file_0, json_1/file_1, … up to the first
// missing json_N.
func parseUploads(req *protocol.Request) ([]*upload, error) {
	form := req.Multipart
	if form == nil {
		return nil, protocol.ErrMissingParameter.New("json_0")
	}
	var out []*upload
	for i := 0; ; i++ {
		n := strconv.Itoa(i)
		vals, ok := form.Value["json_"+n]
		if !ok || len(vals) == 0 {
			break
		}
		u, err := parseMeta("json_"+n, vals[0])
		if err != nil {
			return nil, err
		}
		files := form.File["file_"+n]
		if len(files) == 0 {
			return nil, ErrFileMissing.New("file_" + n)
		}
		fh := files[0]
		f, err := fh.Open()
		if err != nil {
			return nil, protocol.ErrIO.New("reading file_" + n)
		}
		u.data, err = io.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, protocol.ErrIO.New("reading file_" + n)
		}
		if name := CleanFilename(fh.Filename); name != "" {
			u.filename = name
		}
		if u.filename == "" {
			u.filename = "file"
		}
		if ct := fh.Header.Get("Content-Type"); ct != "" && (u.mimeType == "" || !isGeneric(ct)) {
			u.mimeType = ct
		}
		if _, _, err := mime.ParseMediaType(u.mimeType); err != nil {
			u.mimeType = "application/octet-stream"
		}
		out = append(out, u)
	}
	if len(out) == 0 {
		return nil, protocol.ErrMissingParameter.New("json_0")
	}
	return out, nil
}

func isGeneric(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "application/octet-stream"
}

// parseMeta reads one json_N: folder, attached and module are required;
// filename, file_mimetype and rtf_flag (or the spec's rft_flag) are
// fallbacks for what the file part does not say.
func parseMeta(field, text string) (*upload, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil || dec.More() {
		return nil, protocol.ErrJSON.New(field + " must be a JSON object")
	}
	num := func(names ...string) (int64, error) {
		for _, name := range names {
			v, ok := obj[name]
			if !ok || v == nil {
				continue
			}
			n, ok := pim.ParseID(v)
			if !ok {
				return 0, ErrNotNumber.New(field+"."+name, strings.Trim(string(protocol.Marshal(v)), `"`))
			}
			return n, nil
		}
		return 0, protocol.ErrJSON.New(field + " lacks the field \"" + names[0] + "\"")
	}
	folder, err := num("folder", "folder_id")
	if err != nil {
		return nil, err
	}
	attached, err := num("attached")
	if err != nil {
		return nil, err
	}
	module, err := num("module")
	if err != nil {
		return nil, err
	}
	p, err := newParent(module, folder, attached)
	if err != nil {
		return nil, err
	}
	u := &upload{p: p}
	if s, ok := obj["filename"].(string); ok {
		u.filename = CleanFilename(s)
	}
	if s, ok := obj["file_mimetype"].(string); ok {
		u.mimeType = strings.TrimSpace(s)
	}
	for _, k := range []string{"rtf_flag", "rft_flag"} {
		if b, ok := obj[k].(bool); ok {
			u.rtf = b
		}
	}
	return u, nil
}

// attach stores every file of the request or none: the blobs are written
// first, the rows in one transaction, and the blobs are removed again if
// the transaction fails.
func (m *Module) attach(req *protocol.Request) (*protocol.Response, error) {
	ups, err := parseUploads(req)
	if err != nil {
		return nil, err
	}
	removeBlobs := func() {
		for _, u := range ups {
			if u.key != "" {
				_ = m.Blobs.Delete(req.Ctx, u.key)
			}
		}
	}
	for _, u := range ups {
		if u.key, err = m.Blobs.Put(req.Ctx, u.data); err != nil {
			u.key = ""
			removeBlobs()
			return nil, ErrSaveFailed.New().WithCause(err)
		}
	}
	ids := make([]int64, 0, len(ups))
	var stamp int64
	err = m.DB.Write(req.Ctx, req.User.ContextID, func(tx *storage.Tx) error {
		var err error
		if stamp, err = tx.Stamp(); err != nil {
			return err
		}
		checked := map[parent]bool{}
		for _, u := range ups {
			if !checked[u.p] {
				if err := writable(tx, req.User, u.p); err != nil {
					return err
				}
				if err := tx.TouchAttachmentParent(u.p.table, u.p.attached, req.User.ID); err != nil {
					return err
				}
				checked[u.p] = true
			}
			id, err := tx.NextID(storage.SeqAttach)
			if err != nil {
				return err
			}
			a := &storage.Attachment{ID: id, Module: u.p.module, FolderID: u.p.folder, Attached: u.p.attached,
				CreatedBy: req.User.ID, CreationDate: stamp, LastModified: stamp, Filename: u.filename,
				FileSize: int64(len(u.data)), MimeType: u.mimeType, RTF: u.rtf, BlobKey: u.key}
			if err := tx.InsertAttachment(a); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		removeBlobs()
		return nil, asError(err)
	}
	return protocol.OKAt(ids, stamp), nil
}

// one loads the attachment named by the `id` parameter after checking read
// access to its parent.
func (m *Module) one(req *protocol.Request) (*storage.Attachment, error) {
	p, err := parentParams(req)
	if err != nil {
		return nil, err
	}
	id, err := intParam(req, "id")
	if err != nil {
		return nil, err
	}
	if err := m.readable(req, p); err != nil {
		return nil, err
	}
	a, err := m.DB.Attachment(req.Ctx, req.User.ContextID, p.module, p.attached, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrNotFound.New()
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return a, nil
}

func (m *Module) get(req *protocol.Request) (*protocol.Response, error) {
	a, err := m.one(req)
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	return protocol.OKAt(object(a, loc), a.LastModified), nil
}

// document answers the raw file, also under /attachment/<name>. The
// `content_type` parameter overrides the stored type; `delivery=view`
// asks for inline display.
func (m *Module) document(req *protocol.Request) (*protocol.Response, error) {
	a, err := m.one(req)
	if err != nil {
		return nil, err
	}
	data, err := m.Blobs.Get(req.Ctx, a.BlobKey)
	if err != nil {
		return nil, ErrReadFailed.New(a.ID).WithCause(err)
	}
	ct := a.MimeType
	if s := strings.TrimSpace(req.Get("content_type")); s != "" {
		if _, _, err := mime.ParseMediaType(s); err != nil {
			return nil, protocol.ErrInvalidValue.New("content_type", s)
		}
		ct = s
	}
	return File(data, ct, a.Filename, strings.EqualFold(req.Get("delivery"), "view")), nil
}

// parseIDs reads a body array of attachment ids (numbers or numeric
// strings).
func parseIDs(req *protocol.Request) ([]int64, error) {
	ids, isArray, err := req.BodyIDs()
	if err == nil && !isArray {
		err = protocol.ErrJSON.New("the body must be an array of attachment ids")
	}
	return ids, err
}

// list answers the requested attachments of one parent in body order;
// ids that are not (or no longer) attachments of it are left out.
func (m *Module) list(req *protocol.Request) (*protocol.Response, error) {
	p, err := parentParams(req)
	if err != nil {
		return nil, err
	}
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	ids, err := parseIDs(req)
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	if err := m.readable(req, p); err != nil {
		return nil, err
	}
	all, err := m.DB.Attachments(req.Ctx, req.User.ContextID, p.module, p.attached)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	byID := make(map[int64]*storage.Attachment, len(all))
	for _, a := range all {
		byID[a.ID] = a
	}
	var out []*storage.Attachment
	for _, id := range ids {
		if a := byID[id]; a != nil {
			out = append(out, a)
		}
	}
	return protocol.OKAt(columns(loc).Rows(out, cols), maxModified(out)), nil
}

func (m *Module) all(req *protocol.Request) (*protocol.Response, error) {
	p, err := parentParams(req)
	if err != nil {
		return nil, err
	}
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	sort, err := req.SortOrder()
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	if err := m.readable(req, p); err != nil {
		return nil, err
	}
	as, err := m.DB.Attachments(req.Ctx, req.User.ContextID, p.module, p.attached)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	cs := columns(loc)
	protocol.SortBy(as, cs, sort)
	return protocol.OKAt(cs.Rows(as, cols), maxModified(as)), nil
}

// detach deletes the attachments in the body from one parent, all or
// none; the blobs go after the commit.
func (m *Module) detach(req *protocol.Request) (*protocol.Response, error) {
	p, err := parentParams(req)
	if err != nil {
		return nil, err
	}
	ids, err := parseIDs(req)
	if err != nil {
		return nil, err
	}
	var keys []string
	var stamp int64
	err = m.DB.Write(req.Ctx, req.User.ContextID, func(tx *storage.Tx) error {
		if err := writable(tx, req.User, p); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		var err error
		if stamp, err = tx.Stamp(); err != nil {
			return err
		}
		keys, err = tx.DetachAttachments(p.module, p.attached, ids)
		if errors.Is(err, storage.ErrNotFound) {
			return ErrNotFound.New()
		}
		if err != nil {
			return err
		}
		return tx.TouchAttachmentParent(p.table, p.attached, req.User.ID)
	})
	if err != nil {
		return nil, asError(err)
	}
	for _, k := range keys {
		_ = m.Blobs.Delete(req.Ctx, k)
	}
	if stamp == 0 {
		return protocol.OK([]any{}), nil
	}
	return protocol.OKAt([]any{}, stamp), nil
}

// updates lists the parent's attachments added after `timestamp` as rows
// and, unless ignore=deleted, the ids of those removed since as bare
// integers. Without timestamp every attachment is new.
func (m *Module) updates(req *protocol.Request) (*protocol.Response, error) {
	p, err := parentParams(req)
	if err != nil {
		return nil, err
	}
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	since, _, err := req.Int("timestamp")
	if err != nil {
		return nil, err
	}
	sort, err := req.SortOrder()
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	if err := m.readable(req, p); err != nil {
		return nil, err
	}
	cid := req.User.ContextID
	as, err := m.DB.AttachmentsSince(req.Ctx, cid, p.module, p.attached, since)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	cs := columns(loc)
	protocol.SortBy(as, cs, sort)
	ts := max(since, maxModified(as))
	var deleted []int64
	if since > 0 && changes.WantDeleted(req, false) {
		h, err := m.DB.Horizon(req.Ctx, cid)
		if err != nil {
			return nil, protocol.Internal(err)
		}
		if since < h {
			return nil, protocol.ErrReloadRequired.New(since)
		}
		ids, maxSeq, err := m.DB.DeletedAttachments(req.Ctx, cid, p.module, p.attached, since)
		if err != nil {
			return nil, protocol.Internal(err)
		}
		deleted, ts = ids, max(ts, maxSeq)
	}
	return protocol.OKAt(pim.UpdatesData(cs.Rows(as, cols), deleted), ts), nil
}
