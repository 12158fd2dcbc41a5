// Package find implements module `find` (spec lines 2538–2650, schemas at
// 9022–9164): faceted search with `autocomplete` and `query`. The module
// parses and checks the requests and renders the facets; a Provider per
// searched module (contacts and tasks here, the calendar later) offers the
// facets and runs the search. Facet ids and filter fields are documented in
// docs/decisions.md ("find").
package find

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"oxlite/core/ajax"
	"oxlite/core/protocol"
)

// Errors of the module (FindExceptionCode of the reference server).
var (
	ErrNoProvider = protocol.Def{Code: "FIND-0001", Category: protocol.CatTryAgain,
		Message: "Did not find a search driver in module %s for user %d in context %d. Available modules: %s."}
	ErrUnsupportedField = protocol.Def{Code: "FIND-0003", Category: protocol.CatError,
		Message: "The filter field \"%s\" is not supported."}
	ErrUnsupportedQuery = protocol.Def{Code: "FIND-0004", Category: protocol.CatError,
		Message: "The filter query \"%s\" is not supported for field \"%s\"."}
	ErrNoFields = protocol.Def{Code: "FIND-0006", Category: protocol.CatUserInput,
		Message: "A search filter did not contain a field to filter on: '%s'."}
	ErrNoQueries = protocol.Def{Code: "FIND-0007", Category: protocol.CatUserInput,
		Message: "A search filter did not contain a query to search for: '%s'."}
	ErrUnsupportedFacet = protocol.Def{Code: "FIND-0008", Category: protocol.CatError,
		Message: "The facet \"%s\" is not supported by module \"%s\"."}
	ErrInvalidFolder = protocol.Def{Code: "FIND-0014", Category: protocol.CatUserInput,
		Message: "The folder id \"%s\" is invalid for module \"%s\"."}
	ErrInvalidFolderType = protocol.Def{Code: "FIND-0015", Category: protocol.CatUserInput,
		Message: "The folder type \"%s\" is not supported."}
	ErrConflict = protocol.Def{Code: "FIND-0016", Category: protocol.CatUserInput,
		Message: "The facet types \"%s\" and \"%s\" conflict with each other and must not be used within one request."}
)

// DefaultLimit is the number of values per facet when `limit` is absent.
const DefaultLimit = 10

// Provider serves find for one module.
type Provider interface {
	// Types describes the facets the provider accepts as active facets.
	Types() map[string]Type
	// Facets lists what an autocomplete offers for q. The module then
	// drops what is already active or conflicts with it and applies the
	// limit.
	Facets(ctx context.Context, q *Query) ([]*Facet, error)
	// Search returns the number of all matches of q and the page
	// [q.Start, q.Start+q.Size) rendered with q.Columns.
	Search(ctx context.Context, q *Query) (total int, page []map[string]any, err error)
	// DefaultColumns are rendered when the request names none.
	DefaultColumns() []int
}

// Type describes one facet id.
type Type struct {
	// Style is simple, default or exclusive.
	Style string
	// Conflicts are the facet ids that must not be active together with
	// this one.
	Conflicts []string
	// ValueOnly facets take their meaning from the active value (the
	// UI's folder facet sends no filter).
	ValueOnly bool
}

// Styles.
const (
	Simple    = "simple"
	Default   = "default"
	Exclusive = "exclusive"
)

// Query is a parsed autocomplete or query request.
type Query struct {
	User *protocol.User
	// Prefix is the user's input (autocomplete) and Tokens its words.
	Prefix string
	Tokens []string
	Active []Active
	// Admin is false when the context admin's contact must be left out.
	Admin bool
	Loc   *time.Location
	// Limit caps the values of data-driven facets (autocomplete).
	Limit int
	// Columns, Start and Size shape the query answer; Size < 0 means all.
	Columns     []int
	Start, Size int
}

// Active is a facet the user selected, as the client sends it back.
type Active struct {
	ID     string
	Value  string
	Filter *Filter
}

// Module serves `find`.
type Module struct {
	// Providers maps a module name (the `module` parameter) to its
	// provider; other modules (the calendar) add theirs before Register.
	Providers map[string]Provider
}

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("find", "autocomplete", m.autocomplete)
	mux.Handle("find", "query", m.query)
}

// Modules lists the modules find can search (what the io.ox/core JSlob's
// `search.modules` should offer the UI).
func (m *Module) Modules() []string {
	out := make([]string, 0, len(m.Providers))
	for k := range m.Providers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (m *Module) provider(req *protocol.Request) (string, Provider, error) {
	name, err := req.Require("module")
	if err != nil {
		return "", nil, err
	}
	p, ok := m.Providers[name]
	if !ok {
		return "", nil, ErrNoProvider.New(name, req.User.ID, req.User.ContextID, strings.Join(m.Modules(), ", "))
	}
	return name, p, nil
}

func (m *Module) autocomplete(req *protocol.Request) (*protocol.Response, error) {
	name, p, err := m.provider(req)
	if err != nil {
		return nil, err
	}
	limit := DefaultLimit
	if n, ok, err := req.Int("limit"); err != nil {
		return nil, err
	} else if ok {
		if n < 1 {
			return nil, protocol.ErrInvalidValue.New("limit", req.Get("limit"))
		}
		limit = int(min(n, 1000))
	}
	b, err := parseBody(req, true)
	if err != nil {
		return nil, err
	}
	q, err := newQuery(req, b, p, name)
	if err != nil {
		return nil, err
	}
	q.Limit = limit
	facets, err := p.Facets(req.Ctx, q)
	if err != nil {
		return nil, err
	}
	facets = dropActive(facets, q.Active, p.Types())
	out := make([]any, 0, len(facets))
	for _, f := range facets {
		if !f.Fixed && len(f.Values) > limit {
			f.Values = f.Values[:limit]
		}
		out = append(out, f.render())
	}
	return protocol.OK(map[string]any{"facets": out}), nil
}

func (m *Module) query(req *protocol.Request) (*protocol.Response, error) {
	name, p, err := m.provider(req)
	if err != nil {
		return nil, err
	}
	cols, err := req.Columns()
	if err != nil {
		return nil, err
	}
	if cols == nil {
		cols = p.DefaultColumns()
	}
	b, err := parseBody(req, false)
	if err != nil {
		return nil, err
	}
	q, err := newQuery(req, b, p, name)
	if err != nil {
		return nil, err
	}
	q.Columns, q.Start, q.Size = cols, b.start, b.size
	total, page, err := p.Search(req.Ctx, q)
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []map[string]any{}
	}
	return protocol.OK(map[string]any{"num_found": total, "start": q.Start, "size": len(page), "results": page}), nil
}

// newQuery checks the active facets against the provider's types and
// resolves the options.
func newQuery(req *protocol.Request, b *body, p Provider, module string) (*Query, error) {
	if err := checkActive(b.facets, p.Types(), module); err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	if b.timezone != "" {
		if !protocol.ValidTimeZone(b.timezone) {
			return nil, protocol.ErrInvalidValue.New("timezone", b.timezone)
		}
		loc = protocol.LoadLocation(b.timezone)
	}
	return &Query{User: req.User, Prefix: b.prefix, Tokens: strings.Fields(b.prefix), Active: b.facets,
		Admin: b.admin, Loc: loc, Size: -1}, nil
}

// checkActive rejects unknown facets, missing filters, an exclusive facet
// given twice and conflicting facets.
func checkActive(active []Active, types map[string]Type, module string) error {
	seen := map[string]bool{}
	for _, a := range active {
		t, ok := types[a.ID]
		if !ok {
			return ErrUnsupportedFacet.New(a.ID, module)
		}
		if t.Style == Exclusive && seen[a.ID] {
			return ErrConflict.New(a.ID, a.ID)
		}
		seen[a.ID] = true
		if !t.ValueOnly {
			switch {
			case a.Filter == nil || len(a.Filter.Fields) == 0:
				return ErrNoFields.New(a.ID)
			case len(a.Filter.Queries) == 0:
				return ErrNoQueries.New(a.ID)
			}
		}
	}
	for _, a := range active {
		for _, c := range types[a.ID].Conflicts {
			if seen[c] {
				return ErrConflict.New(a.ID, c)
			}
		}
	}
	return nil
}

// dropActive removes from an autocomplete what the active facets make
// pointless: exclusive facets already chosen, chosen values of default
// facets and facets that conflict with an active one.
func dropActive(facets []*Facet, active []Active, types map[string]Type) []*Facet {
	if len(active) == 0 {
		return facets
	}
	chosen := map[string][]string{}
	for _, a := range active {
		chosen[a.ID] = append(chosen[a.ID], a.Value)
	}
	out := facets[:0]
	for _, f := range facets {
		if slices.ContainsFunc(types[f.ID].Conflicts, func(c string) bool { _, ok := chosen[c]; return ok }) {
			continue
		}
		vals, active := chosen[f.ID]
		switch {
		case !active || f.Style == Simple:
		case f.Style == Exclusive:
			continue
		default:
			f.Values = slices.DeleteFunc(f.Values, func(v *Value) bool { return slices.Contains(vals, v.ID) })
			if len(f.Values) == 0 {
				continue
			}
		}
		out = append(out, f)
	}
	return out
}
