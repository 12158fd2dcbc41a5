// Package quota implements module `quota` (spec lines 6751–6828). oxlite
// enforces no storage quota, so every answer says "unlimited".
package quota

import (
	"net/http"

	"oxlite/core/ajax"
	"oxlite/core/protocol"
)

// ErrUnknownAccount is the reference server's QuotaExceptionCodes.UNKNOWN_ACCOUNT.
var ErrUnknownAccount = protocol.Def{Code: "QUOTA-0004", Category: protocol.CatError, Message: "No account %s exists for module %s."}

// Module serves `quota`.
type Module struct{}

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("quota", "filestore", m.unlimited)
	mux.Handle("quota", "mail", m.unlimited)
	mux.Handle("quota", "get", m.get)
}

// unlimited is QuotaData with quota -1 (spec line 10815).
func (m *Module) unlimited(*protocol.Request) (*protocol.Response, error) {
	return protocol.OK(map[string]any{"quota": -1, "use": 0}), nil
}

// quotaModule is one module of quota?action=get. Its accounts carry no
// quota or use fields: the spec omits them when no limit is defined.
type quotaModule struct {
	id, displayName string
	accounts        []map[string]any
}

// modules are the quota providers: only the file storage of Drive.
var modules = []quotaModule{
	{id: "filestorage", displayName: "Drive", accounts: []map[string]any{{"account_id": "0", "account_name": "Drive"}}},
}

func (m *Module) get(req *protocol.Request) (*protocol.Response, error) {
	modID, hasMod := req.Param("module")
	account, hasAcc := req.Param("account")
	if hasAcc && (!hasMod || modID == "") {
		return nil, protocol.ErrMissingParameter.New("module")
	}
	if !hasMod {
		out := map[string]any{}
		for _, q := range modules {
			out[q.id] = map[string]any{"display_name": q.displayName, "accounts": q.accounts}
		}
		return protocol.OK(out), nil
	}
	for _, q := range modules {
		if q.id != modID {
			continue
		}
		if !hasAcc {
			return protocol.OK(q.accounts), nil
		}
		for _, a := range q.accounts {
			if a["account_id"] == account {
				return protocol.OK([]any{a}), nil
			}
		}
		return nil, ErrUnknownAccount.New(account, modID)
	}
	// The spec answers an unknown module with HTTP 400 (line 6799); the
	// body stays an OX error envelope.
	return nil, protocol.ErrInvalidValue.New("module", modID).WithStatus(http.StatusBadRequest)
}
