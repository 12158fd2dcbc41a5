// Package sync implements module `sync` (spec lines 7499–7529):
// `refresh_server` clears the content of folders through the same
// folders.Content hooks the folders module uses.
package sync

import (
	"bytes"
	"encoding/json"
	"strconv"

	"oxlite/core/ajax"
	"oxlite/core/folders"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Module serves `sync`.
type Module struct {
	DB *storage.DB
	// Contents are the per-module content hooks (the map folders.Module
	// uses), looked up when a request runs so later additions count.
	Contents map[string]folders.Content
}

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("sync", "refresh_server", m.refresh)
}

// parseFolderIDs reads the body: an array of folder ids as strings or
// numbers (a single id is accepted too).
func parseFolderIDs(req *protocol.Request) ([]string, error) {
	body := bytes.TrimSpace(req.Body)
	if len(body) == 0 {
		return nil, protocol.ErrJSON.New("missing request body")
	}
	var raw []any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if body[0] == '[' {
		if err := dec.Decode(&raw); err != nil {
			return nil, protocol.ErrJSON.New("the body must be an array of folder ids")
		}
	} else {
		var one any
		if err := dec.Decode(&one); err != nil {
			return nil, protocol.ErrJSON.New("the body must be an array of folder ids")
		}
		raw = []any{one}
	}
	out := make([]string, 0, len(raw))
	for i, x := range raw {
		switch v := x.(type) {
		case string:
			out = append(out, v)
		case json.Number:
			out = append(out, v.String())
		default:
			return nil, protocol.ErrJSON.New("element " + strconv.Itoa(i) + " is not a folder id")
		}
	}
	return out, nil
}

// refresh clears every listed folder in one transaction: the first folder
// that cannot be cleared completely (missing rights, unknown folder)
// aborts the whole request, as the spec warns. Folders of modules without
// clearable content (mail, infostore) are answered as not cleared.
func (m *Module) refresh(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	ids, err := parseFolderIDs(req)
	if err != nil {
		return nil, err
	}
	notCleared := []string{}
	var stamp int64
	err = m.DB.Write(req.Ctx, u.ContextID, func(tx *storage.Tx) error {
		for _, s := range ids {
			id, ok := folders.ParseID(s)
			if !ok {
				return folders.ErrNotFound.New(s, u.ContextID)
			}
			f, p, err := folders.AccessTx(tx, u, id)
			if err != nil {
				return err
			}
			c := m.Contents[f.Module]
			if c == nil {
				notCleared = append(notCleared, s)
				continue
			}
			left, err := c.Clear(tx, id, p, u.ID)
			if err != nil {
				return err
			}
			if left > 0 {
				return folders.ErrNotAllObjects.New(u.ID, id, u.ContextID)
			}
		}
		stamp, err = tx.Stamp()
		return err
	})
	if err != nil {
		if _, ok := err.(*protocol.Error); ok {
			return nil, err
		}
		return nil, protocol.Internal(err)
	}
	return protocol.OKAt(notCleared, stamp), nil
}
