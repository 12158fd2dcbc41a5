// Package imports is the OX `import` module (spec lines 3504–3676): vCard,
// CSV and Outlook CSV into contact folders, iCalendar tasks into task
// folders. Every upload answers the HTML callback `callback_import` with
// one result per object: {id, folder_id, last_modified} or the error
// fields of the object that could not be stored; one bad object never
// stops the others. A file that cannot be read at all is an error of the
// whole request and stores nothing.
package imports

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/encoding"

	"oxlite/core/ajax"
	"oxlite/core/csvconv"
	"oxlite/core/folders"
	"oxlite/core/icalconv"
	"oxlite/core/perm"
	"oxlite/core/protocol"
	"oxlite/core/textenc"
	"oxlite/core/vcardconv"
	"oxlite/storage"
)

// Contacts stores imported contacts; contacts.Module implements it.
type Contacts interface {
	CreateContact(ctx context.Context, u *protocol.User, folder int64, obj map[string]any) (id, lastModified int64, err error)
}

// Tasks stores imported tasks; tasks.Module implements it.
type Tasks interface {
	CreateTask(ctx context.Context, u *protocol.User, folder int64, obj map[string]any) (id, lastModified int64, err error)
}

// Calendar stores imported appointments; calendar.Module implements it.
type Calendar interface {
	CreateAppointment(ctx context.Context, u *protocol.User, folder int64, obj map[string]any) (id, lastModified int64, err error)
}

// Folders finds a folder with the caller's rights; folders.Access over a
// DB implements it (see DBFolders).
type Folders interface {
	Access(ctx context.Context, u *protocol.User, id int64) (*storage.Folder, perm.Permission, error)
}

// DBFolders is Folders over the database.
type DBFolders struct{ DB *storage.DB }

// Access implements Folders.
func (d DBFolders) Access(ctx context.Context, u *protocol.User, id int64) (*storage.Folder, perm.Permission, error) {
	return folders.Access(ctx, d.DB, u, id)
}

// Module serves `import`.
type Module struct {
	Folders  Folders
	Contacts Contacts
	Tasks    Tasks
	Calendar Calendar
}

// Errors of the module: codes and categories of the reference server's
// ImportExportExceptionCodes (prefix I_E).
var (
	ErrCannotImport   = protocol.Def{Code: "I_E-0500", Category: protocol.CatError, Message: "Cannot import the format %s into folder %d."}
	ErrUnknownFormat  = protocol.Def{Code: "I_E-0605", Category: protocol.CatUserInput, Message: "Could not recognize format of the following data: %s"}
	ErrNoVCard        = protocol.Def{Code: "I_E-0608", Category: protocol.CatUserInput, Message: "No vCard to import found."}
	ErrVCardParsing   = protocol.Def{Code: "I_E-0609", Category: protocol.CatUserInput, Message: "Problem while parsing the vcard. Reason: %s"}
	ErrVCardConvert   = protocol.Def{Code: "I_E-0610", Category: protocol.CatUserInput, Message: "Problem while converting the vcard to a contact. Reason: %s"}
	ErrNoCSVColumns   = protocol.Def{Code: "I_E-0804", Category: protocol.CatUserInput, Message: "Could not translate a single column title. Is this a valid CSV file?"}
	ErrNoNameInLine   = protocol.Def{Code: "I_E-0808", Category: protocol.CatUserInput, Message: "No field was set that might give the contact in line %d a display name: no name, company or E-Mail."}
	ErrEmptyFile      = protocol.Def{Code: "I_E-1303", Category: protocol.CatUserInput, Message: "Empty file uploaded."}
	ErrIgnoredField   = protocol.Def{Code: "I_E-1306", Category: protocol.CatWarning, Message: "Ignoring invalid value for field \"%s\": %s"}
	ErrNoFile         = protocol.Def{Code: "I_E-1309", Category: protocol.CatUserInput, Message: "No file was uploaded"}
	ErrCouldNotCreate = protocol.Def{Code: "I_E-1310", Category: protocol.CatUserInput, Message: "Could not create the following element: %s"}
	ErrCharset        = protocol.Def{Code: "I_E-1318", Category: protocol.CatUserInput, Message: "Unsupported charset: \"%s\""}
)

// Register installs the module's actions. Uploads cannot travel inside
// `multiple`.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("import", "VCARD", m.vcard, ajax.NotInMultiple())
	mux.Handle("import", "CSV", m.csv, ajax.NotInMultiple())
	mux.Handle("import", "OUTLOOK_CSV", m.outlook, ajax.NotInMultiple())
	mux.Handle("import", "ICAL", m.ical, ajax.NotInMultiple())
}

// target is the checked destination of an import.
type target struct {
	folder *storage.Folder
	user   *protocol.User
	data   []byte
}

// prepare checks the folder (it must hold module objects and let the
// caller create them) and reads the uploaded file.
func (m *Module) prepare(req *protocol.Request, format string, modules ...string) (*target, error) {
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
	if !slices.Contains(modules, f.Module) || p.Folder < perm.CreateObjects {
		return nil, ErrCannotImport.New(format, id)
	}
	data, err := upload(req)
	if err != nil {
		return nil, err
	}
	return &target{folder: f, user: req.User, data: data}, nil
}

func upload(req *protocol.Request) ([]byte, error) {
	if req.Multipart == nil || len(req.Multipart.File["file"]) == 0 {
		return nil, ErrNoFile.New()
	}
	fh := req.Multipart.File["file"][0]
	f, err := fh.Open()
	if err != nil {
		return nil, protocol.Internal(err)
	}
	defer f.Close()
	// The facade bounded the whole body by --max-body already.
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, ErrEmptyFile.New()
	}
	return data, nil
}

// results collects the answer objects.
type results struct {
	t    *target
	list []any
}

func (r *results) ok(id, lastModified int64, warnings []any) {
	item := map[string]any{"id": id, "folder_id": r.t.folder.ID, "last_modified": lastModified}
	if len(warnings) > 0 {
		item["warnings"] = warnings
	}
	r.list = append(r.list, item)
}

func (r *results) fail(err error, warnings []any) {
	var oe *protocol.Error
	if !errors.As(err, &oe) {
		oe = protocol.Internal(err)
	}
	item := oe.Envelope()
	if len(warnings) > 0 {
		item["warnings"] = warnings
	}
	r.list = append(r.list, item)
}

func (r *results) response(warnings []any) *protocol.Response {
	if r.list == nil {
		r.list = []any{}
	}
	resp := protocol.OK(r.list)
	if len(warnings) > 0 {
		// Beside data, not as the envelope's own error fields: the UI
		// must not take the import for failed (spec L3571).
		resp.Extra = map[string]any{"warnings": warnings}
	}
	return resp
}

// prepareObject drops what the folder cannot hold: a private flag in a
// public folder would fail the whole object.
func (t *target) prepareObject(obj map[string]any) map[string]any {
	if t.folder.Type == folders.TypePublic {
		delete(obj, "private_flag")
	}
	return obj
}

func (m *Module) vcard(req *protocol.Request) (*protocol.Response, error) {
	t, err := m.prepare(req, "VCARD", "contacts")
	if err != nil {
		return nil, err
	}
	cards, err := vcardconv.Decode(t.data)
	if err != nil {
		return nil, ErrNoVCard.New()
	}
	r := &results{t: t}
	for _, c := range cards {
		switch {
		case errors.Is(c.Err, vcardconv.ErrEmptyCard):
			r.fail(ErrVCardConvert.New(fmt.Sprintf("the vCard at line %d has no contact data", c.Line)), nil)
		case c.Err != nil:
			r.fail(ErrVCardParsing.New(fmt.Sprintf("line %d: %v", c.Line, c.Err)), nil)
		default:
			id, lm, err := m.Contacts.CreateContact(req.Ctx, t.user, t.folder.ID, t.prepareObject(c.Contact))
			if err != nil {
				r.fail(err, nil)
			} else {
				r.ok(id, lm, nil)
			}
		}
	}
	return r.response(nil), nil
}

func (m *Module) csv(req *protocol.Request) (*protocol.Response, error) {
	return m.csvOf(req, "CSV", csvconv.OX)
}

func (m *Module) outlook(req *protocol.Request) (*protocol.Response, error) {
	return m.csvOf(req, "OUTLOOK_CSV", csvconv.Outlook)
}

func (m *Module) csvOf(req *protocol.Request, format string, f csvconv.Format) (*protocol.Response, error) {
	t, err := m.prepare(req, format, "contacts")
	if err != nil {
		return nil, err
	}
	var enc encoding.Encoding // nil: UTF-8 when valid, else CP-1252
	if cs := strings.TrimSpace(req.Get("charset")); cs != "" {
		var ok bool
		if enc, ok = textenc.Lookup(cs); !ok {
			return nil, ErrCharset.New(cs)
		}
	}
	rows, err := csvconv.Decode(t.data, f, enc)
	switch {
	case errors.Is(err, csvconv.ErrNoColumns):
		return nil, ErrNoCSVColumns.New()
	case errors.Is(err, csvconv.ErrEmpty):
		return nil, ErrEmptyFile.New()
	case err != nil:
		return nil, ErrUnknownFormat.New(err.Error())
	}
	r := &results{t: t}
	for _, row := range rows {
		var nn *csvconv.NoNameError
		switch {
		case errors.As(row.Err, &nn):
			r.fail(ErrNoNameInLine.New(nn.Line), nil)
		case row.Err != nil:
			r.fail(ErrCouldNotCreate.New(row.Err.Error()), nil)
		default:
			id, lm, err := m.Contacts.CreateContact(req.Ctx, t.user, t.folder.ID, t.prepareObject(row.Contact))
			if err != nil {
				r.fail(err, nil)
			} else {
				r.ok(id, lm, nil)
			}
		}
	}
	return r.response(nil), nil
}

func warning(text string) any {
	field, reason, ok := strings.Cut(text, ": ")
	if !ok {
		field, reason = "", text
	}
	return ErrIgnoredField.New(field, reason).Envelope()
}

func (m *Module) ical(req *protocol.Request) (*protocol.Response, error) {
	modules := []string{"tasks"}
	if m.Calendar != nil {
		modules = append(modules, "calendar")
	}
	t, err := m.prepare(req, "ICAL", modules...)
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	if t.folder.Module == "calendar" {
		return m.icalEvents(req, t, loc)
	}
	res, err := icalconv.Decode(t.data, loc)
	if err != nil {
		var pe *icalconv.ParseError
		if errors.As(err, &pe) {
			return nil, ErrUnknownFormat.New(pe.Reason)
		}
		return nil, ErrUnknownFormat.New("no VCALENDAR found")
	}
	// "suppressNotification" is accepted: oxlite sends no notifications.
	uids := map[string]string{}
	ignoreUIDs := req.Bool("ignoreUIDs")
	r := &results{t: t}
	var all []any
	for _, w := range res.Warnings {
		all = append(all, warning(w))
	}
	for _, it := range res.Items {
		var ws []any
		for _, w := range it.Warnings {
			ws = append(ws, warning(w))
		}
		if t.folder.Type == folders.TypePublic && it.Task["private_flag"] == true {
			ws = append(ws, warning("CLASS: private tasks cannot be stored in a public folder"))
		}
		obj := t.prepareObject(it.Task)
		if uid, ok := obj["uid"].(string); ok && ignoreUIDs {
			// The same UID keeps the same replacement within the file.
			if _, seen := uids[uid]; !seen {
				uids[uid] = randomUID()
			}
			obj["uid"] = uids[uid]
		}
		id, lm, err := m.Tasks.CreateTask(req.Ctx, t.user, t.folder.ID, obj)
		if err != nil {
			r.fail(err, ws)
		} else {
			r.ok(id, lm, ws)
		}
		all = append(all, ws...)
	}
	return r.response(all), nil
}

// icalEvents imports the VEVENTs of the file into a calendar folder; a
// series travels with its changed occurrences and deleted dates.
func (m *Module) icalEvents(req *protocol.Request, t *target, loc *time.Location) (*protocol.Response, error) {
	res, err := icalconv.DecodeEvents(t.data, loc)
	if err != nil {
		var pe *icalconv.ParseError
		if errors.As(err, &pe) {
			return nil, ErrUnknownFormat.New(pe.Reason)
		}
		return nil, ErrUnknownFormat.New("no VCALENDAR found")
	}
	uids := map[string]string{}
	ignoreUIDs := req.Bool("ignoreUIDs")
	r := &results{t: t}
	var all []any
	for _, w := range res.Warnings {
		all = append(all, warning(w))
	}
	for _, it := range res.Items {
		var ws []any
		for _, w := range it.Warnings {
			ws = append(ws, warning(w))
		}
		obj := t.prepareObject(it.Event)
		if uid, ok := obj["uid"].(string); ok && ignoreUIDs {
			if _, seen := uids[uid]; !seen {
				uids[uid] = randomUID()
			}
			obj["uid"] = uids[uid]
		}
		if _, ok := obj["start_date"]; !ok {
			r.fail(ErrCouldNotCreate.New("a VEVENT without DTSTART"), ws)
			all = append(all, ws...)
			continue
		}
		id, lm, err := m.Calendar.CreateAppointment(req.Ctx, t.user, t.folder.ID, obj)
		if err != nil {
			r.fail(err, ws)
		} else {
			r.ok(id, lm, ws)
		}
		all = append(all, ws...)
	}
	return r.response(all), nil
}

func randomUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
