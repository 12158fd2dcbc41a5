// Package snippet implements module `snippet` (spec lines 7246–7498):
// text snippets such as mail signatures, with files. Snippets belong to
// their creator; a shared snippet is visible to the whole context but only
// its creator changes it.
package snippet

import (
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"oxlite/core/ajax"
	"oxlite/core/attachment"
	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Errors (SnippetExceptionCodes of the reference server, prefix SNIPPET).
var (
	ErrUnexpected     = protocol.Def{Code: "SNIPPET-0001", Category: protocol.CatError, Message: "An error occurred: %s"}
	ErrNotFound       = protocol.Def{Code: "SNIPPET-0003", Category: protocol.CatError, Message: "No such snippet found for identifier: %s"}
	ErrFileNotFound   = protocol.Def{Code: "SNIPPET-0007", Category: protocol.CatError, Message: "No such snippet attachment found for identifier %s in snippet %s"}
	ErrUpdateDenied   = protocol.Def{Code: "SNIPPET-0011", Category: protocol.CatError, Message: "Snippet %s must not be changed by user %d in context %d"}
	ErrDisplayNameLen = protocol.Def{Code: "SNIPPET-0014", Category: protocol.CatUserInput, Message: "The entered display name is too long. Please use a shorter one."}
	ErrModuleLen      = protocol.Def{Code: "SNIPPET-0016", Category: protocol.CatUserInput, Message: "The entered module identifier is too long. Please use a shorter one."}
	ErrTypeLen        = protocol.Def{Code: "SNIPPET-0017", Category: protocol.CatUserInput, Message: "The entered type identifier is too long. Please use a shorter one."}
)

// maxField bounds display name, type and module (the reference's
// VARCHAR(255) columns).
const maxField = 255

// Module serves `snippet`.
type Module struct {
	DB    *storage.DB
	Blobs storage.Blobs
}

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("snippet", "all", m.all)
	mux.Handle("snippet", "get", m.get)
	mux.Handle("snippet", "list", m.list)
	mux.Handle("snippet", "new", m.create)
	mux.Handle("snippet", "update", m.update)
	mux.Handle("snippet", "delete", m.delete)
	mux.Handle("snippet", "attach", m.attach, ajax.NotInMultiple())
	mux.Handle("snippet", "detach", m.detach)
	// Signature images are <img> sources: the browser sends no session
	// parameter there, so the public-session cookie is accepted too.
	mux.Handle("snippet", "getattachment", m.getAttachment, ajax.NotInMultiple(), ajax.WithAuth(ajax.AuthCookie))
}

func asError(err error) error {
	var oe *protocol.Error
	if errors.As(err, &oe) {
		return oe
	}
	return protocol.Internal(err)
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

// parseID reads a snippet id; ids are strings on the wire, so one that is
// not a number names no snippet.
func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrNotFound.New(s)
	}
	return id, nil
}

func requireID(req *protocol.Request) (int64, string, error) {
	s, err := req.Require("id")
	if err != nil {
		return 0, "", err
	}
	id, err := parseID(s)
	return id, s, err
}

func visible(s *storage.Snippet, uid int64) bool { return s.CreatedBy == uid || s.Shared }

// load returns a snippet the caller sees; write additionally requires
// being its creator.
func load(s *storage.Snippet, err error, req *protocol.Request, raw string, write bool) (*storage.Snippet, error) {
	if errors.Is(err, storage.ErrNotFound) || err == nil && !visible(s, req.User.ID) {
		return nil, ErrNotFound.New(raw)
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if write && s.CreatedBy != req.User.ID {
		return nil, ErrUpdateDenied.New(raw, req.User.ID, req.User.ContextID)
	}
	return s, nil
}

// object renders SnippetData. misc and props go out as the JSON the
// client stored.
func object(s *storage.Snippet) map[string]any {
	files := make([]any, 0, len(s.Files))
	for _, f := range s.Files {
		fo := map[string]any{"id": f.ID, "filename": f.Filename, "mimetype": f.MimeType, "size": f.Size}
		if f.ContentID != "" {
			fo["contentid"] = f.ContentID
		}
		files = append(files, fo)
	}
	obj := map[string]any{
		"id":          idString(s.ID),
		"createdby":   s.CreatedBy,
		"displayname": s.DisplayName,
		"type":        s.Type,
		"content":     s.Content,
		"module":      s.Module,
		"shared":      s.Shared,
		"props":       json.RawMessage("{}"),
		"files":       files,
	}
	if s.AccountID != nil {
		obj["accountid"] = *s.AccountID
	}
	if s.Misc != nil {
		obj["misc"] = json.RawMessage(*s.Misc)
	}
	if s.Props != nil {
		obj["props"] = json.RawMessage(*s.Props)
	}
	return obj
}

func objects(ss []*storage.Snippet) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = object(s)
	}
	return out
}

func (m *Module) all(req *protocol.Request) (*protocol.Response, error) {
	var types []string
	for _, t := range strings.Split(req.Get("type"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			types = append(types, t)
		}
	}
	ss, err := m.DB.VisibleSnippets(req.Ctx, req.User.ContextID, req.User.ID, types)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return protocol.OK(objects(ss)), nil
}

func (m *Module) get(req *protocol.Request) (*protocol.Response, error) {
	id, raw, err := requireID(req)
	if err != nil {
		return nil, err
	}
	s, err := m.DB.Snippet(req.Ctx, req.User.ContextID, id)
	if s, err = load(s, err, req, raw, false); err != nil {
		return nil, err
	}
	return protocol.OK(object(s)), nil
}

// bodyIDs reads a body array of snippet ids (strings or numbers).
func bodyIDs(req *protocol.Request) ([]string, error) {
	var raw []any
	dec := json.NewDecoder(bytes.NewReader(req.Body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return nil, protocol.ErrJSON.New("the body must be an array of snippet ids")
	}
	out := make([]string, 0, len(raw))
	for i, v := range raw {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case json.Number:
			out = append(out, x.String())
		default:
			return nil, protocol.ErrJSON.New("element " + strconv.Itoa(i) + " is not a snippet id")
		}
	}
	return out, nil
}

// list answers the requested snippets the caller sees, in body order;
// unknown or invisible ids are left out.
func (m *Module) list(req *protocol.Request) (*protocol.Response, error) {
	if !req.HasBody() {
		return nil, protocol.ErrJSON.New("missing request body")
	}
	raws, err := bodyIDs(req)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, raw := range raws {
		id, err := parseID(raw)
		if err != nil {
			continue
		}
		s, err := m.DB.Snippet(req.Ctx, req.User.ContextID, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, protocol.Internal(err)
		}
		if visible(s, req.User.ID) {
			out = append(out, object(s))
		}
	}
	return protocol.OK(out), nil
}

// apply copies the fields present in a SnippetData body onto s. id,
// createdby and files are not the client's to set.
func apply(s *storage.Snippet, body []byte) error {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if len(bytes.TrimSpace(body)) == 0 {
		return protocol.ErrJSON.New("missing request body")
	}
	if err := dec.Decode(&obj); err != nil || obj == nil || dec.More() {
		return protocol.ErrJSON.New("the body must be a snippet object")
	}
	str := func(name string, dst *string, limit int, tooLong protocol.Def) error {
		v, ok := obj[name]
		if !ok {
			return nil
		}
		if string(v) == "null" {
			*dst = ""
			return nil
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return protocol.ErrJSON.New("field \"" + name + "\" must be a string")
		}
		if limit > 0 && utf8.RuneCountInString(*dst) > limit {
			return tooLong.New()
		}
		return nil
	}
	if err := str("displayname", &s.DisplayName, maxField, ErrDisplayNameLen); err != nil {
		return err
	}
	if err := str("type", &s.Type, maxField, ErrTypeLen); err != nil {
		return err
	}
	if err := str("module", &s.Module, maxField, ErrModuleLen); err != nil {
		return err
	}
	if err := str("content", &s.Content, 0, protocol.Def{}); err != nil {
		return err
	}
	if v, ok := obj["shared"]; ok {
		switch strings.ToLower(strings.Trim(string(v), `"`)) {
		case "true", "1":
			s.Shared = true
		case "false", "0", "null":
			s.Shared = false
		default:
			return protocol.ErrJSON.New("field \"shared\" must be a boolean")
		}
	}
	if v, ok := obj["accountid"]; ok {
		if string(v) == "null" {
			s.AccountID = nil
		} else {
			var x any
			d := json.NewDecoder(bytes.NewReader(v))
			d.UseNumber()
			_ = d.Decode(&x)
			n, ok := pim.ParseID(x)
			if !ok {
				return protocol.ErrJSON.New("field \"accountid\" must be a number")
			}
			s.AccountID = &n
		}
	}
	for name, dst := range map[string]**string{"misc": &s.Misc, "props": &s.Props} {
		v, ok := obj[name]
		if !ok {
			continue
		}
		if string(v) == "null" {
			*dst = nil
			continue
		}
		if name == "props" && !bytes.HasPrefix(bytes.TrimSpace(v), []byte("{")) {
			return protocol.ErrJSON.New("field \"props\" must be an object")
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err != nil {
			return protocol.ErrJSON.New("field \"" + name + "\" is not valid JSON")
		}
		text := buf.String()
		*dst = &text
	}
	return nil
}

func (m *Module) create(req *protocol.Request) (*protocol.Response, error) {
	s := &storage.Snippet{CreatedBy: req.User.ID}
	if err := apply(s, req.Body); err != nil {
		return nil, err
	}
	err := m.DB.Write(req.Ctx, req.User.ContextID, func(tx *storage.Tx) error {
		id, err := tx.NextID(storage.SeqSnippet)
		if err != nil {
			return err
		}
		s.ID = id
		return tx.InsertSnippet(s)
	})
	if err != nil {
		return nil, asError(err)
	}
	return protocol.OK(idString(s.ID)), nil
}

func (m *Module) update(req *protocol.Request) (*protocol.Response, error) {
	id, raw, err := requireID(req)
	if err != nil {
		return nil, err
	}
	var out *storage.Snippet
	err = m.DB.Write(req.Ctx, req.User.ContextID, func(tx *storage.Tx) error {
		s, err := tx.Snippet(id)
		if s, err = load(s, err, req, raw, true); err != nil {
			return err
		}
		if err := apply(s, req.Body); err != nil {
			return err
		}
		if err := tx.UpdateSnippet(s); err != nil {
			return err
		}
		out = s
		return nil
	})
	if err != nil {
		return nil, asError(err)
	}
	return protocol.OK(object(out)), nil
}

// delete removes the snippet of the `id` parameter or those of the body
// array, all or none.
func (m *Module) delete(req *protocol.Request) (*protocol.Response, error) {
	var raws []string
	if s, ok := req.Param("id"); ok && strings.TrimSpace(s) != "" {
		raws = []string{s}
	} else if req.HasBody() {
		var err error
		if raws, err = bodyIDs(req); err != nil {
			return nil, err
		}
	} else {
		return nil, protocol.ErrMissingParameter.New("id")
	}
	var keys []string
	err := m.DB.Write(req.Ctx, req.User.ContextID, func(tx *storage.Tx) error {
		for _, raw := range raws {
			id, err := parseID(raw)
			if err != nil {
				return err
			}
			s, err := tx.Snippet(id)
			if _, err = load(s, err, req, raw, true); err != nil {
				return err
			}
			k, err := tx.DeleteSnippet(id)
			if err != nil {
				return err
			}
			keys = append(keys, k...)
		}
		return nil
	})
	if err != nil {
		return nil, asError(err)
	}
	for _, k := range keys {
		_ = m.Blobs.Delete(req.Ctx, k)
	}
	return protocol.OK(map[string]any{}), nil
}

// filters are the upload filters of `attach` (spec line 7285).
var filters = map[string]func(mediaType string) bool{
	"file":        func(string) bool { return true },
	"text":        func(t string) bool { return strings.HasPrefix(t, "text/") },
	"media":       func(t string) bool { return isAny(t, "image/", "audio/", "video/") },
	"image":       func(t string) bool { return strings.HasPrefix(t, "image/") },
	"audio":       func(t string) bool { return strings.HasPrefix(t, "audio/") },
	"video":       func(t string) bool { return strings.HasPrefix(t, "video/") },
	"application": func(t string) bool { return strings.HasPrefix(t, "application/") },
}

func isAny(t string, prefixes ...string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(t, p) })
}

type upload struct {
	f    *storage.SnippetFile
	data []byte
}

// uploads reads every file part of the request (any field name), in a
// stable order: field names sorted, then the order within a field.
func uploads(req *protocol.Request, filter func(string) bool, filterName string) ([]*upload, error) {
	if req.Multipart == nil {
		return nil, protocol.ErrMissingParameter.New("file")
	}
	names := make([]string, 0, len(req.Multipart.File))
	for k := range req.Multipart.File {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []*upload
	for _, name := range names {
		for _, fh := range req.Multipart.File[name] {
			rd, err := fh.Open()
			if err != nil {
				return nil, protocol.ErrIO.New("reading " + name)
			}
			data, err := io.ReadAll(rd)
			rd.Close()
			if err != nil {
				return nil, protocol.ErrIO.New("reading " + name)
			}
			ct := fh.Header.Get("Content-Type")
			mt, _, perr := mime.ParseMediaType(ct)
			if perr != nil || mt == "" || mt == "application/octet-stream" {
				ct = http.DetectContentType(data)
				mt, _, _ = mime.ParseMediaType(ct)
			}
			if !filter(strings.ToLower(mt)) {
				return nil, ErrUnexpected.New("file \"" + fh.Filename + "\" of type " + mt + " is not allowed by filter " + filterName)
			}
			name := attachment.CleanFilename(fh.Filename)
			if name == "" {
				name = "file"
			}
			cid := strings.Trim(strings.TrimSpace(fh.Header.Get("Content-Id")), "<>")
			out = append(out, &upload{f: &storage.SnippetFile{Filename: name, MimeType: ct, ContentID: cid, Size: int64(len(data))}, data: data})
		}
	}
	if len(out) == 0 {
		return nil, protocol.ErrMissingParameter.New("file")
	}
	return out, nil
}

// attach adds the uploaded files to a snippet and answers its id; blobs
// first, rows in one transaction, blobs removed again on failure.
func (m *Module) attach(req *protocol.Request) (*protocol.Response, error) {
	id, raw, err := requireID(req)
	if err != nil {
		return nil, err
	}
	ftype := strings.ToLower(strings.TrimSpace(req.Get("type")))
	if ftype == "" {
		ftype = "file"
	}
	filter, ok := filters[ftype]
	if !ok {
		return nil, protocol.ErrInvalidValue.New("type", req.Get("type"))
	}
	ups, err := uploads(req, filter, ftype)
	if err != nil {
		return nil, err
	}
	// Refuse before writing any blob when the snippet is not the caller's.
	s, err := m.DB.Snippet(req.Ctx, req.User.ContextID, id)
	if _, err = load(s, err, req, raw, true); err != nil {
		return nil, err
	}
	removeBlobs := func() {
		for _, u := range ups {
			if u.f.BlobKey != "" {
				_ = m.Blobs.Delete(req.Ctx, u.f.BlobKey)
			}
		}
	}
	for _, u := range ups {
		key, err := m.Blobs.Put(req.Ctx, u.data)
		if err != nil {
			removeBlobs()
			return nil, ErrUnexpected.New("the file could not be stored").WithCause(err)
		}
		u.f.BlobKey = key
	}
	err = m.DB.Write(req.Ctx, req.User.ContextID, func(tx *storage.Tx) error {
		s, err := tx.Snippet(id)
		if _, err = load(s, err, req, raw, true); err != nil {
			return err
		}
		for _, u := range ups {
			fid, err := tx.NextID(storage.SeqSnippetFile)
			if err != nil {
				return err
			}
			u.f.ID = idString(fid)
			if err := tx.AddSnippetFile(id, u.f); err != nil {
				return err
			}
		}
		return tx.TouchSnippet(id)
	})
	if err != nil {
		removeBlobs()
		return nil, asError(err)
	}
	return protocol.OK(idString(id)), nil
}

// detach removes the files named in the body ([{id}]) from a snippet.
func (m *Module) detach(req *protocol.Request) (*protocol.Response, error) {
	id, raw, err := requireID(req)
	if err != nil {
		return nil, err
	}
	var refs []map[string]any
	dec := json.NewDecoder(bytes.NewReader(req.Body))
	dec.UseNumber()
	if !req.HasBody() {
		return nil, protocol.ErrJSON.New("missing request body")
	}
	if err := dec.Decode(&refs); err != nil || refs == nil {
		return nil, protocol.ErrJSON.New("the body must be an array of {\"id\"} objects")
	}
	fileIDs := make([]string, 0, len(refs))
	for i, r := range refs {
		switch v := r["id"].(type) {
		case string:
			fileIDs = append(fileIDs, v)
		case json.Number:
			fileIDs = append(fileIDs, v.String())
		default:
			return nil, protocol.ErrJSON.New("element " + strconv.Itoa(i) + " has no valid \"id\"")
		}
	}
	var keys []string
	err = m.DB.Write(req.Ctx, req.User.ContextID, func(tx *storage.Tx) error {
		s, err := tx.Snippet(id)
		if _, err = load(s, err, req, raw, true); err != nil {
			return err
		}
		for _, fid := range fileIDs {
			k, err := tx.RemoveSnippetFile(id, fid)
			if errors.Is(err, storage.ErrNotFound) {
				return ErrFileNotFound.New(fid, raw)
			}
			if err != nil {
				return err
			}
			keys = append(keys, k)
		}
		return tx.TouchSnippet(id)
	})
	if err != nil {
		return nil, asError(err)
	}
	for _, k := range keys {
		_ = m.Blobs.Delete(req.Ctx, k)
	}
	return protocol.OK(idString(id)), nil
}

// getAttachment answers the raw file, or on any error an HTML page with
// HTTP 500 (spec line 7407).
func (m *Module) getAttachment(req *protocol.Request) (*protocol.Response, error) {
	resp, err := m.fileOf(req)
	if err == nil {
		return resp, nil
	}
	oe, ok := asError(err).(*protocol.Error)
	if !ok || oe.Code == protocol.ErrInternal.Code {
		// Internal errors keep the facade's logging and 503.
		return nil, err
	}
	page := "<!DOCTYPE html>\n<html><head><meta charset=\"UTF-8\"><title>Error</title></head><body><h1>" +
		html.EscapeString(oe.Code) + "</h1><p>" + html.EscapeString(oe.Message) + "</p></body></html>\n"
	return &protocol.Response{Raw: &protocol.RawResponse{Status: http.StatusInternalServerError,
		ContentType: "text/html; charset=UTF-8", Body: []byte(page)}}, nil
}

func (m *Module) fileOf(req *protocol.Request) (*protocol.Response, error) {
	id, raw, err := requireID(req)
	if err != nil {
		return nil, err
	}
	fid, err := req.Require("attachmentid")
	if err != nil {
		return nil, err
	}
	s, err := m.DB.Snippet(req.Ctx, req.User.ContextID, id)
	if _, err = load(s, err, req, raw, false); err != nil {
		return nil, err
	}
	f, err := m.DB.SnippetFileOf(req.Ctx, req.User.ContextID, id, fid)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrFileNotFound.New(fid, raw)
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	data, err := m.Blobs.Get(req.Ctx, f.BlobKey)
	if err != nil {
		return nil, ErrUnexpected.New("the file could not be read").WithCause(err)
	}
	return attachment.File(data, f.MimeType, f.Filename, !strings.EqualFold(req.Get("delivery"), "download")), nil
}
