// Package userme implements `user/me` (spec lines 7834–7856): a plain GET
// without action answering CurrentUserData. It is its own module so the
// `user` module's package stays separate.
package userme

import (
	"oxlite/core/ajax"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Module serves `user/me`.
type Module struct {
	DB *storage.DB
}

// Register installs the module (no action; also usable inside multiple as
// {"module":"user/me"}).
func (m *Module) Register(mux *ajax.Mux) {
	mux.HandleDefault("user/me", m.me)
}

func (m *Module) me(req *protocol.Request) (*protocol.Response, error) {
	if req.PathRest != "" {
		return nil, protocol.ErrUnknownModule.New(req.Module + "/" + req.PathRest)
	}
	u := req.User
	su, err := m.DB.UserByID(req.Ctx, u.ContextID, u.ID)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	c, err := m.DB.ContextByID(req.Ctx, u.ContextID)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return protocol.OK(map[string]any{
		"context_id":    su.ContextID,
		"user_id":       su.ID,
		"context_admin": c.AdminID,
		"login_name":    su.Login,
		"display_name":  su.DisplayName,
	}), nil
}
