// Package oxlitesync implements module `oxlite/sync`, oxlite's extension
// of the OX API for the offline client (docs/oxlite-sync.md): the state of
// the sync (online, pending changes, last sync, last error, relogin), the
// conflict records with both versions, their resolution, and a sync on
// request. The name cannot collide with an OX module: OX modules have no
// "oxlite" prefix. Only the service worker's local core registers it; the
// sync engine comes in through the Syncer interface (syncer.Engine).
package oxlitesync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"oxlite/core/ajax"
	"oxlite/core/protocol"
)

// Name is the module name.
const Name = "oxlite/sync"

// Syncer is what the module needs of the sync engine; syncer.Engine
// implements it. Results are rendered as JSON.
type Syncer interface {
	// Status is the sync state object.
	Status(ctx context.Context) any
	// ConflictList lists the conflict records (open ones unless all).
	ConflictList(ctx context.Context, all bool) (any, error)
	// Resolve closes a record with "local", "server" or "merged" (value).
	Resolve(ctx context.Context, id int64, use string, value any) error
	// SyncNow pushes and pulls; the answer comes when it is done.
	SyncNow(ctx context.Context) error
}

// Errors of the module.
var (
	ErrNoConflict = protocol.Def{Code: "OXL-0020", Category: protocol.CatUserInput, Message: "There is no open conflict %d."}
	ErrBadChoice  = protocol.Def{Code: "OXL-0021", Category: protocol.CatUserInput, Message: "Invalid resolution of conflict %d: %s"}
	ErrNotReady   = protocol.Def{Code: "OXL-0022", Category: protocol.CatTryAgain, Message: "The offline store is not set up yet: %s"}
)

// Sentinels a Syncer returns for the errors above.
var (
	NoConflict = errors.New("no such open conflict")
	BadChoice  = errors.New("invalid resolution")
)

// Module serves oxlite/sync.
type Module struct {
	Sync Syncer
}

// Register installs the module's actions on the local core's facade.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle(Name, "state", m.state)
	mux.Handle(Name, "conflicts", m.conflicts)
	mux.Handle(Name, "resolve", m.resolve)
	mux.Handle(Name, "now", m.now, ajax.NotInMultiple())
}

func (m *Module) state(req *protocol.Request) (*protocol.Response, error) {
	return protocol.OK(m.Sync.Status(req.Ctx)), nil
}

func (m *Module) conflicts(req *protocol.Request) (*protocol.Response, error) {
	list, err := m.Sync.ConflictList(req.Ctx, req.Bool("all"))
	if err != nil {
		return nil, ErrNotReady.New(err.Error())
	}
	return protocol.OK(list), nil
}

// choice is one element of a resolve body.
type choice struct {
	ID    json.Number `json:"id"`
	Use   string      `json:"use"`
	Value any         `json:"value"`
}

// resolve takes {"id", "use", "value"} or an array of them; the answer
// lists the records still open afterwards.
func (m *Module) resolve(req *protocol.Request) (*protocol.Response, error) {
	body := bytes.TrimSpace(req.Body)
	if len(body) == 0 {
		// Parameters work too: resolve&id=3&use=server.
		body, _ = json.Marshal(map[string]any{"id": json.Number(req.Get("id")), "use": req.Get("use")})
	}
	var list []choice
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var err error
	if len(body) > 0 && body[0] == '[' {
		err = dec.Decode(&list)
	} else {
		var one choice
		err = dec.Decode(&one)
		list = []choice{one}
	}
	if err != nil {
		return nil, protocol.ErrJSON.New("the body must be {\"id\", \"use\", \"value\"} or an array of them")
	}
	for _, c := range list {
		id, err := c.ID.Int64()
		if err != nil {
			return nil, protocol.ErrInvalidValue.New("id", c.ID.String())
		}
		switch c.Use {
		case "local", "server", "merged":
		default:
			return nil, ErrBadChoice.New(id, "use must be local, server or merged")
		}
		if err := m.Sync.Resolve(req.Ctx, id, c.Use, c.Value); err != nil {
			switch {
			case errors.Is(err, NoConflict):
				return nil, ErrNoConflict.New(id)
			case errors.Is(err, BadChoice):
				return nil, ErrBadChoice.New(id, err.Error())
			}
			var oe *protocol.Error
			if errors.As(err, &oe) {
				return nil, oe
			}
			return nil, protocol.Internal(err)
		}
	}
	open, err := m.Sync.ConflictList(req.Ctx, false)
	if err != nil {
		return nil, ErrNotReady.New(err.Error())
	}
	return protocol.OK(open), nil
}

// now runs a sync and answers the state when it is done; a failed sync is
// part of the state (online, last_error), not an error of the request.
func (m *Module) now(req *protocol.Request) (*protocol.Response, error) {
	_ = m.Sync.SyncNow(req.Ctx)
	return protocol.OK(m.Sync.Status(req.Ctx)), nil
}
