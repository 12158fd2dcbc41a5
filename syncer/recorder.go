package syncer

import (
	"bytes"
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

	"oxlite/core/ajax"
	"oxlite/core/folders"
	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/core/session"
	"oxlite/storage"
)

// Recorder records the local facade's writes in the outbox. Installed on
// the local core's Mux (it becomes the Mux's interceptor), it
//   - rewrites temporary ids that were mapped to server ids in every
//     request (so the client may keep using the id `new` answered),
//   - reads the base version of the objects a write changes (the local
//     `get` answer) before the write runs, and
//   - appends the outbox entries inside the write's own transaction
//     (storage.WithHook): object, tombstones and entry commit together,
//     and a failed write records nothing.
//
// Items of `multiple` are recorded one by one.
type Recorder struct {
	e   *Engine
	mux *ajax.Mux
	// OnWrite is called after a recorded write committed (outside any
	// lock); the host schedules a debounced sync from it.
	OnWrite func()
}

// NewRecorder installs a recorder on mux (the local core's facade) for
// engine e; it also becomes e's local API.
func NewRecorder(e *Engine, mux *ajax.Mux) *Recorder {
	r := &Recorder{e: e, mux: mux}
	mux.Intercept(r.intercept)
	e.SetLocal(r)
	return r
}

// seqOf is the id sequence of the objects a module creates.
var seqOf = map[string]string{"contacts": storage.SeqContact, "tasks": storage.SeqTask, "folders": storage.SeqFolder,
	"calendar": storage.SeqCalendar}

func (r *Recorder) intercept(req *protocol.Request, next ajax.HandlerFunc) (*protocol.Response, error) {
	if req.User == nil {
		return next(req)
	}
	a, err := r.e.account()
	if err != nil || a.cid != req.User.ContextID {
		return next(req)
	}
	kind, ok := writeActions[req.Module][req.Action]
	if req.Module == "config" && req.Action == "" && (req.InMultiple || req.HTTP == nil || req.HTTP.Method != http.MethodPut) {
		ok = false
	}
	if !ok {
		if err := r.resolveTemp(req, a); err != nil {
			return nil, protocol.Internal(err)
		}
		return next(req)
	}
	var p *plan
	resp, err := func() (*protocol.Response, error) {
		// Under the engine's lock no pulled change or id mapping slips in
		// between reading the base and the write; deferred, so that a
		// panicking handler (the facade recovers it) does not leave it
		// locked.
		r.e.lock()
		defer r.e.unlock()
		if err := r.resolveTemp(req, a); err != nil {
			return nil, protocol.Internal(err)
		}
		var err error
		if p, err = r.plan(req, a, kind); err != nil {
			return nil, err
		}
		if p.bases, err = r.bases(req, a, p); err != nil {
			return nil, err
		}
		req.Ctx = storage.WithHook(req.Ctx, p.hook)
		return next(req)
	}()
	if err == nil && p != nil && p.recorded && r.OnWrite != nil {
		r.OnWrite()
	}
	return resp, err
}

// plan is one write being recorded.
type plan struct {
	r      *Recorder
	module string
	action string
	kind   actionKind
	params map[string]string
	body   string
	// refs are the objects a write changes (id, folder).
	refs  []pim.Ref
	parts []part
	bases map[int64]base
	// done lists the objects recorded (writes may commit in several
	// transactions: folders delete and clear run one per folder).
	done     map[int64]bool
	recorded bool
	now      int64
}

type base struct {
	obj map[string]any
	ts  int64
}

func (r *Recorder) plan(req *protocol.Request, a account, kind actionKind) (*plan, error) {
	p := &plan{r: r, module: req.Module, action: req.Action, kind: kind, params: map[string]string{}, done: map[int64]bool{},
		now: r.e.cfg.Now().UnixMilli()}
	for k, v := range req.Params {
		if k == "session" || k == "timestamp" || len(v) == 0 {
			continue
		}
		p.params[k] = v[0]
	}
	if req.Module == "config" && req.PathRest != "" {
		p.params["_path"] = req.PathRest
	}
	body := req.Body
	if req.Multipart != nil {
		// The object of an upload travels in its json field (the merge
		// works on it); the whole upload is replayed.
		if js := req.Multipart.Value["json"]; len(js) > 0 {
			body = []byte(js[0])
		}
		parts, err := uploadParts(req)
		if err != nil {
			return nil, err
		}
		p.parts = parts
	}
	p.body = string(bytes.TrimSpace(body))
	if req.Module == "calendar" {
		p.body = calendarBody(req.Action, p.body)
	}
	id := func(name string) (int64, bool) {
		s, ok := req.Param(name)
		if !ok {
			return 0, false
		}
		return folders.ParseID(s)
	}
	switch {
	case kind == kUpdate && req.Module == "folders":
		if n, ok := id("id"); ok {
			p.refs = []pim.Ref{{ID: n}}
		}
	case kind == kUpdate:
		n, ok1 := id("id")
		f, ok2 := id("folder")
		if ok1 && ok2 {
			p.refs = []pim.Ref{{ID: n, Folder: f}}
		}
	case kind == kDelete && req.Module == "folders", kind == kPlain && req.Module == "folders":
		var list []any
		if decodeJSON(body, &list) == nil {
			for _, x := range list {
				if o, ok := x.(map[string]any); ok {
					x = o["id"]
				}
				if n, ok := folders.ParseID(x); ok {
					p.refs = append(p.refs, pim.Ref{ID: n})
				}
			}
		}
	case kind == kDelete:
		if refs, err := pim.ParseRefs(req); err == nil {
			p.refs = refs
		}
	}
	return p, nil
}

// bases reads the objects a write changes as the local `get` shows them.
func (r *Recorder) bases(req *protocol.Request, a account, p *plan) (map[int64]base, error) {
	out := map[int64]base{}
	if p.kind != kUpdate && p.kind != kDelete {
		return out, nil
	}
	for _, ref := range p.refs {
		params := url.Values{"action": {"get"}, "id": {strconv.FormatInt(ref.ID, 10)}}
		if p.module == "folders" {
			params.Set("tree", "1")
		} else {
			params.Set("folder", strconv.FormatInt(ref.Folder, 10))
		}
		sub := &protocol.Request{HTTP: req.HTTP, Ctx: storage.WithoutHooks(req.Ctx), Module: p.module, Params: params,
			Session: req.Session, User: req.User, InMultiple: true}
		resp, err := r.mux.Dispatch(sub)
		if err != nil {
			// The write will fail the same way and record nothing.
			continue
		}
		b := base{obj: jsonObject(resp.Data)}
		if so, err := r.e.db.SyncObject(req.Ctx, a.cid, p.module, ref.ID); err == nil {
			b.ts = so.ServerModified
		} else if !errors.Is(err, storage.ErrNotFound) {
			return nil, protocol.Internal(err)
		}
		out[ref.ID] = b
	}
	return out, nil
}

// hook appends the entries of the write inside its transaction. Object
// changes are recorded from the transactions that changed objects (took a
// stamp); settings, which take none, from the first transaction.
func (p *plan) hook(tx *storage.Tx) error {
	if !tx.Stamped() && (p.kind != kPlain || p.module == "folders") {
		return nil
	}
	switch p.kind {
	case kNew:
		var temp int64
		for _, al := range tx.Allocated() {
			if al.Kind == seqOf[p.module] {
				temp = al.ID
				break
			}
		}
		if temp == 0 || p.done[temp] {
			return nil
		}
		folder, _, err := tx.ObjectFolder(p.module, temp)
		if err != nil {
			return err
		}
		return p.add(tx, temp, folder, &record{Params: p.params, Body: p.body, Temp: temp, Parts: p.parts})
	case kUpdate:
		if len(p.refs) == 0 {
			return nil
		}
		ref := p.refs[0]
		folder := ref.Folder
		if p.module == "folders" {
			if f, ok, err := tx.ObjectFolder("folders", ref.ID); err != nil {
				return err
			} else if ok {
				folder = f
			}
		}
		b := p.bases[ref.ID]
		rec := &record{Params: p.params, Body: p.body, Base: b.obj, BaseTS: b.ts, Parts: p.parts}
		if p.module == "calendar" {
			// Changing one occurrence of a series makes a change
			// exception under a temporary id; the server answers its id.
			for _, al := range tx.Allocated() {
				if al.Kind == storage.SeqCalendar {
					rec.Temp = al.ID
				}
			}
		}
		return p.add(tx, ref.ID, folder, rec)
	case kDelete:
		tomb := tombOf[p.module]
		for _, ref := range p.refs {
			if p.module == "calendar" && (ref.RecurrencePosition > 0 || ref.RecurrenceDatePosition != 0) {
				// One occurrence: the series changed (a delete exception).
				b := p.bases[ref.ID]
				rec := &record{Params: p.params, Body: occurrenceRef(ref), Base: b.obj, BaseTS: b.ts}
				if err := p.addAs(tx, actionDeleteOccurrence, ref.ID, ref.Folder, rec); err != nil {
					return err
				}
				continue
			}
			if p.done[ref.ID] || !departed(tx, tomb, ref) {
				continue
			}
			var body []byte
			folder := ref.Folder
			if p.module == "folders" {
				body, _ = json.Marshal([]string{strconv.FormatInt(ref.ID, 10)})
				folder = departedFrom(tx, tomb, ref.ID)
			} else {
				body, _ = json.Marshal([]map[string]int64{{"id": ref.ID, "folder": ref.Folder}})
			}
			b := p.bases[ref.ID]
			if err := p.add(tx, ref.ID, folder, &record{Params: p.params, Body: string(body), Base: b.obj, BaseTS: b.ts}); err != nil {
				return err
			}
		}
		return nil
	}
	if p.module == "folders" {
		// clear: one entry per folder emptied by this transaction.
		for _, ref := range p.refs {
			if p.done[ref.ID] || !emptied(tx, ref.ID) {
				continue
			}
			body, _ := json.Marshal([]string{strconv.FormatInt(ref.ID, 10)})
			if err := p.add(tx, ref.ID, ref.ID, &record{Params: p.params, Body: string(body)}); err != nil {
				return err
			}
		}
		return nil
	}
	if p.recorded {
		return nil
	}
	rec := &record{Params: p.params, Body: p.body, Parts: p.parts}
	if p.kind == kAttach {
		if !tx.Stamped() {
			return nil
		}
		for _, al := range tx.Allocated() {
			if al.Kind == storage.SeqAttach {
				rec.Temps = append(rec.Temps, al.ID)
			}
		}
	}
	return p.add(tx, 0, 0, rec)
}

// uploadParts reads the fields and files of a multipart request.
func uploadParts(req *protocol.Request) ([]part, error) {
	var out []part
	for name, vs := range req.Multipart.Value {
		for _, v := range vs {
			out = append(out, part{Name: name, Value: v})
		}
	}
	for name, fhs := range req.Multipart.File {
		for _, fh := range fhs {
			f, err := fh.Open()
			if err != nil {
				return nil, protocol.ErrIO.New("reading " + name)
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return nil, protocol.ErrIO.New("reading " + name)
			}
			out = append(out, part{Name: name, File: true, Filename: fh.Filename, Type: fh.Header.Get("Content-Type"), Data: data})
		}
	}
	// Fields before files, each in name order: what clients send.
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return !out[i].File
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

func (p *plan) add(tx *storage.Tx, id, folder int64, rec *record) error {
	return p.addAs(tx, p.action, id, folder, rec)
}

func (p *plan) addAs(tx *storage.Tx, action string, id, folder int64, rec *record) error {
	b, err := rec.encode()
	if err != nil {
		return err
	}
	e := &storage.OutboxEntry{Module: p.module, Action: action, ObjectID: id, FolderID: folder, Record: b, Created: p.now}
	if err := tx.AppendOutbox(e); err != nil {
		return err
	}
	p.done[id], p.recorded = true, true
	return nil
}

// departed reports whether the transaction deleted ref (a tombstone of it
// in its folder; folders: in any parent).
func departed(tx *storage.Tx, tomb string, ref pim.Ref) bool {
	for _, d := range tx.Departed() {
		if d.Module == tomb && d.ID == ref.ID && (tomb == storage.TombFolder || d.Folder == ref.Folder) {
			return true
		}
	}
	return false
}

func departedFrom(tx *storage.Tx, tomb string, id int64) int64 {
	for _, d := range tx.Departed() {
		if d.Module == tomb && d.ID == id {
			return d.Folder
		}
	}
	return 0
}

// emptied reports whether the transaction removed objects from folder.
func emptied(tx *storage.Tx, folder int64) bool {
	for _, d := range tx.Departed() {
		if d.Folder == folder && d.Module != storage.TombFolder {
			return true
		}
	}
	return false
}

// idModules maps request parameters that carry ids to the module whose
// id_map resolves them; "id" depends on the request's module.
var folderParams = []string{"folder", "folder_id", "parent"}

// resolveTemp rewrites temporary ids that have been mapped to server ids
// in the parameters and body of req.
func (r *Recorder) resolveTemp(req *protocol.Request, a account) error {
	if !hasNegative(req) {
		return nil
	}
	ctx := req.Ctx
	lookup := func(mod string, v int64) (int64, bool, error) {
		if v >= 0 {
			return 0, false, nil
		}
		return r.e.db.MappedID(ctx, a.cid, mod, v)
	}
	idModule := ""
	switch req.Module {
	case "contacts", "tasks", "folders", "calendar":
		idModule = req.Module
	case "image/contact/picture", "halo/contact/picture", "halo/contact":
		idModule = "contacts"
	}
	for k, vs := range req.Params {
		mod := ""
		switch {
		case k == "id":
			mod = idModule
		case k == "attached":
			mod = attachmentModule(req.Params.Get("module"))
		default:
			for _, f := range folderParams {
				if k == f {
					mod = "folders"
				}
			}
		}
		if mod == "" || len(vs) == 0 {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(vs[0]), 10, 64)
		if err != nil {
			continue
		}
		id, ok, err := lookup(mod, n)
		if err != nil {
			return err
		}
		if ok {
			req.Params.Set(k, strconv.FormatInt(id, 10))
		}
	}
	if req.Multipart != nil {
		// Uploads name their objects in JSON fields (json, json_N).
		for name, vs := range req.Multipart.Value {
			if !strings.HasPrefix(name, "json") {
				continue
			}
			for i, v := range vs {
				nv, err := r.resolveJSON(req, []byte(v), idModule, lookup)
				if err != nil {
					return err
				}
				vs[i] = string(nv)
			}
		}
	}
	if len(req.Body) == 0 || !bytes.Contains(req.Body, []byte("-")) {
		return nil
	}
	b, err := r.resolveJSON(req, req.Body, idModule, lookup)
	if err != nil {
		return err
	}
	req.Body = b
	return nil
}

// resolveJSON rewrites mapped temporary ids in a JSON document.
func (r *Recorder) resolveJSON(req *protocol.Request, doc []byte, idModule string,
	lookup func(mod string, v int64) (int64, bool, error)) ([]byte, error) {
	var v any
	if !bytes.Contains(doc, []byte("-")) || decodeJSON(doc, &v) != nil {
		return doc, nil
	}
	var ferr error
	changed := false
	attached := ""
	if o, ok := v.(map[string]any); ok {
		attached = attachmentModule(fmt.Sprint(o["module"]))
	}
	var walk func(v any, key string, top bool) any
	walk = func(v any, key string, top bool) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e, k, false)
			}
			return x
		case []any:
			for i, e := range x {
				k := key
				if top && req.Module == "folders" {
					k = "*folder"
				}
				x[i] = walk(e, k, false)
			}
			return x
		}
		mod := ""
		switch key {
		case "folder", "folder_id", "*folder":
			mod = "folders"
		case "attached":
			mod = attached
		case "id":
			mod = idModule
			if req.Module == "folders" {
				mod = "folders"
			}
		}
		if mod == "" {
			return v
		}
		n, ok := toInt(v)
		if !ok || n >= 0 {
			return v
		}
		id, ok, err := lookup(mod, n)
		if err != nil {
			ferr = err
		}
		if !ok {
			return v
		}
		changed = true
		if _, isStr := v.(string); isStr {
			return strconv.FormatInt(id, 10)
		}
		return json.Number(strconv.FormatInt(id, 10))
	}
	v = walk(v, "", true)
	if ferr != nil || !changed {
		return doc, ferr
	}
	return json.Marshal(v)
}

func hasNegative(req *protocol.Request) bool {
	for _, vs := range req.Params {
		for _, v := range vs {
			if strings.HasPrefix(strings.TrimSpace(v), "-") {
				return true
			}
		}
	}
	if req.Multipart != nil {
		for name, vs := range req.Multipart.Value {
			for _, v := range vs {
				if strings.HasPrefix(name, "json") && strings.Contains(v, "-") {
					return true
				}
			}
		}
	}
	return bytes.Contains(req.Body, []byte("-"))
}

// attachmentModule maps the attachment module numbers to synced modules.
func attachmentModule(s string) string {
	switch strings.TrimSpace(s) {
	case "7":
		return "contacts"
	case "4":
		return "tasks"
	case "1":
		return "calendar"
	}
	return ""
}

// Call answers an API call from the local core as the attached user (the
// engine's Local). Writes made this way are recorded like any other.
func (r *Recorder) Call(ctx context.Context, module string, params url.Values, body []byte) (any, int64, error) {
	a, err := r.e.account()
	if err != nil {
		return nil, 0, err
	}
	u, err := r.e.db.UserByID(ctx, a.cid, a.uid)
	if err != nil {
		return nil, 0, err
	}
	method := http.MethodGet
	if body != nil {
		method = http.MethodPut
	}
	hreq, err := http.NewRequestWithContext(ctx, method, "/ajax/"+module, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	req := &protocol.Request{HTTP: hreq, Ctx: ctx, Module: module, Params: params, Body: body,
		Session: &protocol.Session{ContextID: a.cid, UserID: a.uid, Login: u.Login, Client: session.DefaultClient},
		User:    session.ToProtocolUser(u), InMultiple: true}
	resp, err := r.mux.Dispatch(req)
	if err != nil {
		return nil, 0, err
	}
	if resp == nil {
		return nil, 0, nil
	}
	return resp.Data, resp.Timestamp, nil
}
