// Package halo implements module `halo/contact` (spec lines 3280–3369):
// the providers list, investigate for the contacts provider and the
// contact picture. A person is identified by the keys picture takes:
// internal_userid/userid/user_id, id (with folder) and email/email1–3.
package halo

import (
	"net/http"
	"strconv"
	"strings"

	"oxlite/core/ajax"
	"oxlite/core/contacts"
	"oxlite/core/folders"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// ProviderContacts is the halo provider of contact data.
const ProviderContacts = "com.openexchange.halo.contacts"

// Errors of the module (HaloExceptionCodes, prefix HALO).
var (
	ErrUnknownProvider = protocol.Def{Code: "HALO-0003", Category: protocol.CatUserInput, Message: "Unknown provider: %s"}
	ErrInvalidContact  = protocol.Def{Code: "HALO-0005", Category: protocol.CatUserInput,
		Message: "Cannot search a contact that is neither an internal user nor has an e-mail address."}
)

// Module serves halo/contact and halo/contact/picture.
type Module struct {
	Contacts *contacts.Module
}

// Register installs the actions.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("halo/contact", "services", m.services)
	mux.Handle("halo/contact", "investigate", m.investigate)
	// The picture is an <img> URL: the session parameter is optional and
	// the public-session cookie stands in for it.
	mux.HandleDefault("halo/contact/picture", m.picture, ajax.WithAuth(ajax.AuthOptional))
}

func (m *Module) services(req *protocol.Request) (*protocol.Response, error) {
	return protocol.OK([]string{ProviderContacts}), nil
}

// person is the identification of a person in a request.
type person struct {
	userID    int64
	contactID int64
	folder    int64
	emails    []string
}

func (p person) empty() bool { return p.userID <= 0 && p.contactID <= 0 && len(p.emails) == 0 }

// parsePerson reads the lookup keys; ok is false when one is malformed.
func parsePerson(req *protocol.Request) (person, bool) {
	p := person{folder: -1}
	for _, k := range []string{"internal_userid", "userid", "user_id"} {
		if s := strings.TrimSpace(req.Get(k)); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return p, false
			}
			p.userID = n
			break
		}
	}
	if s := strings.TrimSpace(req.Get("id")); s != "" {
		n, ok := folders.ParseID(s)
		if !ok {
			return p, false
		}
		p.contactID = n
	}
	if s := strings.TrimSpace(req.Get("folder")); s != "" {
		n, ok := folders.ParseID(s)
		if !ok {
			return p, false
		}
		p.folder = n
	}
	for _, k := range []string{"email", "email1", "email2", "email3"} {
		if s := strings.TrimSpace(req.Get(k)); s != "" {
			p.emails = append(p.emails, s)
		}
	}
	return p, true
}

func (m *Module) find(req *protocol.Request, p person) ([]*storage.ContactRow, error) {
	return m.Contacts.FindPerson(req.Ctx, req.User, p.userID, p.contactID, p.folder, p.emails)
}

func (m *Module) investigate(req *protocol.Request) (*protocol.Response, error) {
	provider, err := req.Require("provider")
	if err != nil {
		return nil, err
	}
	if provider != ProviderContacts {
		return nil, ErrUnknownProvider.New(provider)
	}
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	p, ok := parsePerson(req)
	if !ok {
		return nil, protocol.ErrInvalidParameter.New("the person to investigate")
	}
	if p.empty() {
		return nil, ErrInvalidContact.New()
	}
	found, err := m.find(req, p)
	if err != nil {
		return nil, err
	}
	data, ts, err := m.Contacts.Rows(req.Ctx, req.User, found, cols, loc)
	if err != nil {
		return nil, err
	}
	return protocol.OKAt(data, ts), nil
}

func (m *Module) picture(req *protocol.Request) (*protocol.Response, error) {
	if req.User == nil {
		return contacts.StatusResponse(http.StatusNotFound), nil
	}
	p, ok := parsePerson(req)
	if !ok {
		return contacts.StatusResponse(http.StatusBadRequest), nil
	}
	if p.empty() {
		return contacts.StatusResponse(http.StatusNotFound), nil
	}
	found, err := m.find(req, p)
	if err != nil {
		return nil, err
	}
	for _, c := range found {
		pic, err := m.Contacts.PictureOf(req.Ctx, c)
		if err != nil {
			return nil, err
		}
		if pic != nil {
			return contacts.PictureResponse(req, pic), nil
		}
	}
	return contacts.StatusResponse(http.StatusNotFound), nil
}
