package calendar

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"oxlite/core/ajax"
	"oxlite/core/pim"
	"oxlite/core/protocol"
)

// RegisterFreeBusy installs module `freebusy` (spec lines 3025–3088).
func (m *Module) RegisterFreeBusy(mux *ajax.Mux) {
	mux.Handle("freebusy", "get", m.fbGet)
	mux.Handle("freebusy", "list", m.fbList)
}

func fbRange(req *protocol.Request) (int64, int64, error) {
	from, err := req.RequireInt("from")
	if err != nil {
		return 0, 0, err
	}
	until, err := req.RequireInt("until")
	if err != nil {
		return 0, 0, err
	}
	return from, until, nil
}

// fbOne answers the data of one participant: a user, group (combined, plus
// each member under its own key) or resource id, or an e-mail address of a
// user (other addresses have no data here).
func (m *Module) fbOne(ctx context.Context, req *protocol.Request, p string, from, until int64, out map[string]any) error {
	u := req.User
	loc, err := req.Location()
	if err != nil {
		return err
	}
	q := func(query string, args ...any) (int64, bool, error) {
		var id int64
		err := m.DB.QueryRow(ctx, query, args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, false, nil
		}
		return id, err == nil, err
	}
	var kind int64
	id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
	if err != nil {
		uid, ok, err := q(`SELECT u.id FROM users u JOIN contacts c ON c.cid = u.cid AND c.id = u.contact_id
			WHERE u.cid = ? AND lower(c.email1) = lower(?)`, u.ContextID, p)
		if err != nil || !ok {
			out[p] = map[string]any{"data": []map[string]any{}}
			return nil
		}
		id, kind = uid, 1
	} else if _, ok, err := q(`SELECT id FROM users WHERE cid = ? AND id = ?`, u.ContextID, id); err != nil {
		return err
	} else if ok {
		kind = 1
	} else if _, ok, err := q(`SELECT id FROM groups WHERE cid = ? AND id = ?`, u.ContextID, id); err != nil {
		return err
	} else if ok {
		kind = 2
	} else if _, ok, err := q(`SELECT id FROM resources WHERE cid = ? AND id = ?`, u.ContextID, id); err != nil {
		return err
	} else if ok {
		kind = 3
	} else {
		return ErrUnknownParticipant.New(p, 0)
	}
	if kind != 2 {
		data, err := m.busy(ctx, u, kind, id, from, until, loc)
		if err != nil {
			return err
		}
		out[p] = map[string]any{"data": data}
		return nil
	}
	rows, err := m.DB.Query(ctx, `SELECT user_id FROM group_members WHERE cid = ? AND group_id = ? ORDER BY user_id`, u.ContextID, id)
	if err != nil {
		return err
	}
	var members []int64
	for rows.Next() {
		var mid int64
		if err := rows.Scan(&mid); err != nil {
			rows.Close()
			return err
		}
		members = append(members, mid)
	}
	rows.Close()
	combined := []map[string]any{}
	for _, mid := range members {
		data, err := m.busy(ctx, u, 1, mid, from, until, loc)
		if err != nil {
			return err
		}
		out[strconv.FormatInt(mid, 10)] = map[string]any{"data": data}
		combined = append(combined, data...)
	}
	out[p] = map[string]any{"data": combined}
	return nil
}

func (m *Module) fbGet(req *protocol.Request) (*protocol.Response, error) {
	p, err := req.Require("participant")
	if err != nil {
		return nil, err
	}
	from, until, err := fbRange(req)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if err := m.fbOne(req.Ctx, req, p, from, until, out); err != nil {
		return nil, pim.Internal(err)
	}
	data := out[p].(map[string]any)["data"]
	if req.Bool("merged") {
		data = merge(data)
	}
	return protocol.OK(data), nil
}

func (m *Module) fbList(req *protocol.Request) (*protocol.Response, error) {
	from, until, err := fbRange(req)
	if err != nil {
		return nil, err
	}
	var ps []any
	if err := req.DecodeBody(&ps); err != nil {
		return nil, err
	}
	out := map[string]any{}
	var all []map[string]any
	for _, p := range ps {
		key := ""
		switch x := p.(type) {
		case string:
			key = x
		default:
			n, ok := num(x)
			if !ok {
				return nil, protocol.ErrInvalidValue.New("body", p)
			}
			key = strconv.FormatInt(n, 10)
		}
		if err := m.fbOne(req.Ctx, req, key, from, until, out); err != nil {
			return nil, pim.Internal(err)
		}
		all = append(all, out[key].(map[string]any)["data"].([]map[string]any)...)
	}
	if req.Bool("merged") {
		out["merged"] = map[string]any{"data": merge(all)}
	}
	return protocol.OK(out), nil
}

// merge sorts intervals and joins overlapping ones (the busier status wins).
func merge(v any) []map[string]any {
	in, _ := v.([]map[string]any)
	type iv struct{ s, e, st int64 }
	var ivs []iv
	for _, x := range in {
		s, _ := num(x["start_date"])
		e, _ := num(x["end_date"])
		st, _ := num(x["shown_as"])
		ivs = append(ivs, iv{s, e, st})
	}
	slices.SortFunc(ivs, func(a, b iv) int { return cmp.Compare(a.s, b.s) })
	out := []map[string]any{}
	for i := 0; i < len(ivs); {
		cur := ivs[i]
		i++
		for i < len(ivs) && ivs[i].s < cur.e {
			cur.e = max(cur.e, ivs[i].e)
			if ivs[i].st != 4 && (cur.st == 4 || ivs[i].st < cur.st) {
				cur.st = ivs[i].st
			}
			i++
		}
		out = append(out, map[string]any{"start_date": cur.s, "end_date": cur.e, "shown_as": cur.st})
	}
	return out
}
