// Package image implements the picture downloads of module `image` (spec
// lines 3370–3503) that contacts own: contact/picture and user/picture.
// The UI puts these URLs straight into <img> elements, so they carry no
// session parameter and authenticate by the public-session cookie.
package image

import (
	"errors"
	"net/http"

	"oxlite/core/ajax"
	"oxlite/core/contacts"
	"oxlite/core/folders"
	"oxlite/core/protocol"
)

// Module serves image/contact/picture and image/user/picture.
type Module struct {
	Contacts *contacts.Module
}

// Register installs the endpoints.
func (m *Module) Register(mux *ajax.Mux) {
	mux.HandleDefault("image/contact/picture", m.contactPicture, ajax.WithAuth(ajax.AuthCookie))
	mux.HandleDefault("image/user/picture", m.userPicture, ajax.WithAuth(ajax.AuthCookie))
}

// answer maps the lookup's outcome onto HTTP: the picture, 404 when there
// is none or the caller may not see it, an internal error as usual.
func answer(req *protocol.Request, pic *contacts.Picture, err error) (*protocol.Response, error) {
	if err != nil {
		var oe *protocol.Error
		if errors.As(err, &oe) && oe.Code != protocol.ErrInternal.Code {
			return contacts.StatusResponse(http.StatusNotFound), nil
		}
		return nil, err
	}
	return contacts.PictureResponse(req, pic), nil
}

func (m *Module) contactPicture(req *protocol.Request) (*protocol.Response, error) {
	folder, ok1 := folders.ParseID(req.Get("folder"))
	id, ok2 := folders.ParseID(req.Get("id"))
	if !ok1 || !ok2 {
		// The spec's answer to a request that cannot be handled.
		return contacts.StatusResponse(http.StatusBadRequest), nil
	}
	pic, err := m.Contacts.ContactPicture(req.Ctx, req.User, folder, id)
	return answer(req, pic, err)
}

func (m *Module) userPicture(req *protocol.Request) (*protocol.Response, error) {
	id, ok := folders.ParseID(req.Get("id"))
	if !ok {
		return contacts.StatusResponse(http.StatusBadRequest), nil
	}
	pic, err := m.Contacts.UserPicture(req.Ctx, req.User, id)
	return answer(req, pic, err)
}
