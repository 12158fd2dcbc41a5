// Package account implements module `account` (mail accounts, spec lines
// 466–630) for a server without mail: there are no accounts. The mail
// module replaces this package when it lands.
package account

import (
	"strconv"

	"oxlite/core/ajax"
	"oxlite/core/protocol"
)

// ErrNotFound is the reference server's MailAccountExceptionCodes.NOT_FOUND.
var ErrNotFound = protocol.Def{Code: "ACC-0002", Category: protocol.CatError,
	Message: "Cannot find mail account with identifier %s for user %d in context %d."}

// Module serves `account`.
type Module struct{}

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("account", "all", m.all)
	mux.Handle("account", "get", m.get)
}

// all validates the columns (the UI always sends them) and lists nothing.
func (m *Module) all(req *protocol.Request) (*protocol.Response, error) {
	if _, err := req.Columns(); err != nil {
		return nil, err
	}
	return protocol.OK([]any{}), nil
}

func (m *Module) get(req *protocol.Request) (*protocol.Response, error) {
	id, err := req.RequireInt("id")
	if err != nil {
		return nil, err
	}
	return nil, ErrNotFound.New(strconv.FormatInt(id, 10), req.User.ID, req.User.ContextID)
}
