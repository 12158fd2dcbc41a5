// Package passwordchange implements `passwordchange?action=update` (spec
// lines 6719–6749): the user changes the own password, proving the current one.
package passwordchange

import (
	"errors"

	"oxlite/core/ajax"
	"oxlite/core/passwd"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Errors with the reference server's codes (UserExceptionCode, prefix USR).
var (
	ErrIncorrectPassword = protocol.Def{Code: "USR-0027", Category: protocol.CatUserInput, Message: "The current password is incorrect."}
	ErrMissingCurrent    = protocol.Def{Code: "USR-0028", Category: protocol.CatUserInput, Message: "The current password is missing."}
	ErrMissingNew        = protocol.Def{Code: "USR-0029", Category: protocol.CatUserInput, Message: "The new password is missing."}
)

// Module serves `passwordchange`.
type Module struct {
	DB *storage.DB
}

// Register installs the module's action.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("passwordchange", "update", m.update)
}

type body struct {
	Old *string `json:"old_password"`
	New *string `json:"new_password"`
}

func (m *Module) update(req *protocol.Request) (*protocol.Response, error) {
	var b body
	if err := req.DecodeBody(&b); err != nil {
		return nil, err
	}
	// Guests without password (old null) and removing a password (new
	// null) do not exist in oxlite: every user has one.
	if b.New == nil || *b.New == "" {
		return nil, ErrMissingNew.New()
	}
	if b.Old == nil || *b.Old == "" {
		return nil, ErrMissingCurrent.New()
	}
	u := req.User
	su, err := m.DB.UserByID(req.Ctx, u.ContextID, u.ID)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	if ok, err := passwd.Verify(su.PasswordHash, *b.Old); err != nil || !ok {
		return nil, ErrIncorrectPassword.New()
	}
	hash, err := passwd.Hash(*b.New)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	err = m.DB.Write(req.Ctx, u.ContextID, func(tx *storage.Tx) error { return tx.SetPassword(u.ID, hash) })
	if errors.Is(err, storage.ErrNotFound) {
		return nil, protocol.ErrSessionExpired.New("")
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return protocol.OK(nil), nil
}
