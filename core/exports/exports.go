// Package exports is the OX `export` module (spec lines 2154–2221): a
// contact folder as vCard 3.0 or CSV, a task folder as one iCalendar. The
// answers are raw downloads, not JSON envelopes; errors are envelopes.
package exports

import (
	"context"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"oxlite/core/ajax"
	"oxlite/core/csvconv"
	"oxlite/core/folders"
	"oxlite/core/icalconv"
	"oxlite/core/imports"
	"oxlite/core/perm"
	"oxlite/core/protocol"
	"oxlite/core/vcardconv"
	"oxlite/storage"
)

// Contacts lists a folder's contacts; contacts.Module implements it.
type Contacts interface {
	FolderContacts(ctx context.Context, u *protocol.User, folder int64) ([]map[string]any, error)
}

// Tasks lists a folder's tasks; tasks.Module implements it.
type Tasks interface {
	FolderTasks(ctx context.Context, u *protocol.User, folder int64) ([]map[string]any, error)
}

// Calendar lists a folder's appointments; calendar.Module implements it.
type Calendar interface {
	FolderAppointments(ctx context.Context, u *protocol.User, folder int64) ([]map[string]any, error)
}

// Module serves `export`.
type Module struct {
	Folders  imports.Folders
	Contacts Contacts
	Tasks    Tasks
	Calendar Calendar
}

// Errors of the module (reference ImportExportExceptionCodes).
var (
	ErrCannotExport   = protocol.Def{Code: "I_E-0100", Category: protocol.CatPermissionDenied, Message: "Could not export the folder %d in the format %s."}
	ErrIrregularColum = protocol.Def{Code: "I_E-1314", Category: protocol.CatUserInput, Message: "Columns should be numbers, could not convert %s into number"}
)

// gab is the global address book, whose entries name internal attendees.
const gab = 6

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("export", "VCARD", m.vcard, ajax.NotInMultiple())
	mux.Handle("export", "CSV", m.csv, ajax.NotInMultiple())
	mux.Handle("export", "ICAL", m.ical, ajax.NotInMultiple())
}

// source checks that folder holds module objects the caller may read.
func (m *Module) source(req *protocol.Request, format string, modules ...string) (*storage.Folder, error) {
	raw, err := req.Require("folder")
	if err != nil {
		return nil, err
	}
	id, ok := folders.ParseID(raw)
	if !ok {
		return nil, protocol.ErrInvalidValue.New("folder", raw)
	}
	f, p, err := m.Folders.Access(req.Ctx, req.User, id)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(modules, f.Module) || (p.Read < perm.Own && !p.Admin) {
		return nil, ErrCannotExport.New(id, format)
	}
	return f, nil
}

func download(f *storage.Folder, contentType, ext string, body []byte) *protocol.Response {
	name := strings.Map(func(r rune) rune {
		if r < ' ' || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(f.Title))
	if name == "" {
		name = "export"
	}
	h := http.Header{}
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name + "." + ext}))
	h.Set("Cache-Control", "no-store")
	return &protocol.Response{Raw: &protocol.RawResponse{ContentType: contentType, Header: h, Body: body}}
}

// contacts lists the folder's contacts, distribution lists only with
// export_dlists=true (spec L2166; the same parameter serves VCARD).
func (m *Module) contacts(req *protocol.Request, f *storage.Folder) ([]map[string]any, error) {
	all, err := m.Contacts.FolderContacts(req.Ctx, req.User, f.ID)
	if err != nil {
		return nil, err
	}
	if req.Bool("export_dlists") {
		return all, nil
	}
	out := all[:0]
	for _, c := range all {
		if dl, _ := c["mark_as_distributionlist"].(bool); !dl {
			out = append(out, c)
		}
	}
	return out, nil
}

func (m *Module) vcard(req *protocol.Request) (*protocol.Response, error) {
	f, err := m.source(req, "VCARD", "contacts")
	if err != nil {
		return nil, err
	}
	list, err := m.contacts(req, f)
	if err != nil {
		return nil, err
	}
	body, err := vcardconv.EncodeBytes(list)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return download(f, "text/x-vcard; charset=UTF-8", "vcf", body), nil
}

func (m *Module) csv(req *protocol.Request) (*protocol.Response, error) {
	f, err := m.source(req, "CSV", "contacts")
	if err != nil {
		return nil, err
	}
	var cols []csvconv.Column
	if raw := strings.TrimSpace(req.Get("columns")); raw != "" {
		var ids []int
		for _, s := range strings.Split(raw, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				return nil, ErrIrregularColum.New(s)
			}
			ids = append(ids, n)
		}
		cols = csvconv.ColumnsByID(ids)
	}
	list, err := m.contacts(req, f)
	if err != nil {
		return nil, err
	}
	body, err := csvconv.EncodeBytes(list, cols)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return download(f, "text/csv; charset=UTF-8", "csv", body), nil
}

func (m *Module) ical(req *protocol.Request) (*protocol.Response, error) {
	modules := []string{"tasks"}
	if m.Calendar != nil {
		modules = append(modules, "calendar")
	}
	f, err := m.source(req, "ICAL", modules...)
	if err != nil {
		return nil, err
	}
	if f.Module == "calendar" {
		list, err := m.Calendar.FolderAppointments(req.Ctx, req.User, f.ID)
		if err != nil {
			return nil, err
		}
		body, err := icalconv.EncodeEventsBytes(list, m.people(req, list))
		if err != nil {
			return nil, protocol.Internal(err)
		}
		return download(f, "text/calendar; charset=UTF-8", "ics", body), nil
	}
	list, err := m.Tasks.FolderTasks(req.Ctx, req.User, f.ID)
	if err != nil {
		return nil, err
	}
	body, err := icalconv.EncodeBytes(list, m.people(req, list))
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return download(f, "text/calendar; charset=UTF-8", "ics", body), nil
}

// people names internal participants by their global address book entry
// when the caller may read it; without, they are left out of the file.
func (m *Module) people(req *protocol.Request, tasks []map[string]any) icalconv.Users {
	need := false
	for _, t := range tasks {
		parts, _ := t["participants"].([]any)
		for _, p := range parts {
			if pm, ok := p.(map[string]any); ok {
				if typ, _ := icalconv.Int(pm["type"]); typ == 1 {
					need = true
				}
			}
		}
	}
	if !need {
		return nil
	}
	entries, err := m.Contacts.FolderContacts(req.Ctx, req.User, gab)
	if err != nil {
		return nil
	}
	byUser := map[int64]icalconv.Person{}
	for _, c := range entries {
		id, ok := icalconv.Int(c["user_id"])
		mail, _ := c["email1"].(string)
		if !ok || mail == "" {
			continue
		}
		name, _ := c["display_name"].(string)
		byUser[id] = icalconv.Person{Name: name, Mail: mail}
	}
	return func(id int64) (icalconv.Person, bool) {
		p, ok := byUser[id]
		return p, ok
	}
}
