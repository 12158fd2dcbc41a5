package contacts

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"

	"oxlite/core/contactfields"
	"oxlite/core/folders"
	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/core/wildcard"
	"oxlite/storage"
)

// scope returns the folders a search looks at: the named ones (each must
// be readable) or every readable contact folder.
func (m *Module) scope(req *protocol.Request, named []int64) ([]pim.Access, error) {
	return m.scopeOf(req.Ctx, req.User, named)
}

func (m *Module) scopeOf(ctx context.Context, u *protocol.User, named []int64) ([]pim.Access, error) {
	if len(named) == 0 {
		return m.visibleFolders(ctx, u)
	}
	out := make([]pim.Access, 0, len(named))
	seen := map[int64]bool{}
	for _, f := range named {
		if seen[f] {
			continue
		}
		seen[f] = true
		a, err := m.readAccess(ctx, u, f)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Visible returns the contacts the caller may read in the given folders
// (every readable contact folder when none is given), ordered by folder
// and id: what a search (e.g. the find module) filters. A named folder
// that is missing or unreadable is an error.
func (m *Module) Visible(ctx context.Context, u *protocol.User, folderIDs []int64) ([]*storage.ContactRow, error) {
	acc, err := m.scopeOf(ctx, u, folderIDs)
	if err != nil {
		return nil, err
	}
	return m.readable(ctx, u, acc)
}

// folderParam reads the optional `folder` parameter.
func folderParam(req *protocol.Request) ([]int64, error) {
	s, ok := req.Param("folder")
	if !ok || strings.TrimSpace(s) == "" {
		return nil, nil
	}
	id, ok := folders.ParseID(s)
	if !ok {
		return nil, protocol.ErrInvalidValue.New("folder", s)
	}
	return []int64{id}, nil
}

// searchBody is ContactSearchBody (spec line 8733).
type searchBody struct {
	pattern     string
	startLetter string
	folders     []int64
	fields      map[*contactfields.Field]string
	orSearch    bool
	emailAuto   bool
	exact       bool
	admin       bool
}

func parseSearchBody(req *protocol.Request) (*searchBody, error) {
	var raw map[string]any
	if err := req.DecodeBody(&raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, protocol.ErrJSON.New("the search body must be an object")
	}
	b := &searchBody{fields: map[*contactfields.Field]string{}, admin: includeAdmin(req)}
	str := func(k string, v any) (string, error) {
		switch x := v.(type) {
		case nil:
			return "", nil
		case string:
			return x, nil
		}
		return "", protocol.ErrInvalidValue.New(k, describe(v))
	}
	boolean := func(k string, v any) (bool, error) {
		switch x := v.(type) {
		case nil:
			return false, nil
		case bool:
			return x, nil
		case string:
			return x == "true", nil
		}
		return false, protocol.ErrInvalidValue.New(k, describe(v))
	}
	var err error
	for k, v := range raw {
		switch k {
		case "pattern":
			if b.pattern, err = str(k, v); err != nil {
				return nil, err
			}
		case "startletter":
			// Typed boolean in the spec (match the pattern against the
			// first-letter field); older clients send the letter.
			switch x := v.(type) {
			case bool:
				if x {
					b.startLetter = "\x00"
				}
			case string:
				b.startLetter = x
			case nil:
			default:
				return nil, protocol.ErrInvalidValue.New(k, describe(v))
			}
		case "folder":
			switch x := v.(type) {
			case nil:
			case []any:
				for _, y := range x {
					id, ok := folders.ParseID(y)
					if !ok {
						return nil, protocol.ErrInvalidValue.New(k, describe(v))
					}
					b.folders = append(b.folders, id)
				}
			default:
				id, ok := folders.ParseID(x)
				if !ok {
					return nil, protocol.ErrInvalidValue.New(k, describe(v))
				}
				b.folders = []int64{id}
			}
		case "orSearch":
			if b.orSearch, err = boolean(k, v); err != nil {
				return nil, err
			}
		case "emailAutoComplete":
			if b.emailAuto, err = boolean(k, v); err != nil {
				return nil, err
			}
		case "exactMatch":
			if b.exact, err = boolean(k, v); err != nil {
				return nil, err
			}
		case "admin":
			if v != nil {
				if b.admin, err = boolean(k, v); err != nil {
					return nil, err
				}
			}
		default:
			f, ok := contactfields.ByName(k)
			if !ok || (f.Kind != contactfields.String && f.Kind != contactfields.Email) {
				continue
			}
			s, err := str(k, v)
			if err != nil {
				return nil, err
			}
			if s != "" {
				b.fields[f] = s
			}
		}
	}
	if b.startLetter == "\x00" {
		b.startLetter, b.pattern = b.pattern, ""
	}
	return b, nil
}

// matcher turns the body into a predicate.
func (b *searchBody) matcher() func(c *storage.ContactRow) bool {
	or := b.orSearch || b.emailAuto
	compile := func(p string) *wildcard.Pattern {
		switch {
		case b.exact:
			return wildcard.Compile(p)
		case or:
			return wildcard.Prefix(p)
		}
		return wildcard.Contains(p)
	}
	var pattern *wildcard.Pattern
	if b.pattern != "" && strings.Trim(b.pattern, "*") != "" {
		pattern = wildcard.Contains(b.pattern)
	}
	type fp struct {
		f *contactfields.Field
		p *wildcard.Pattern
	}
	var fps []fp
	for f, s := range b.fields {
		fps = append(fps, fp{f, compile(s)})
	}
	letter := strings.ToLower(b.startLetter)
	return func(c *storage.ContactRow) bool {
		if b.emailAuto && c.Email1 == "" && c.Email2 == "" && c.Email3 == "" && !contactfields.IsDistList(c) {
			return false
		}
		if pattern != nil && !pattern.Match(c.DisplayName) {
			return false
		}
		if letter != "" && letter != "*" {
			name := c.LastName
			if name == "" {
				name = c.DisplayName
			}
			if !strings.HasPrefix(strings.ToLower(name), letter) {
				return false
			}
		}
		if len(fps) == 0 {
			return true
		}
		for _, x := range fps {
			s, _ := contactfields.Value(c, x.f, time.UTC).(string)
			ok := s != "" && x.p.Match(s)
			if or && ok {
				return true
			}
			if !or && !ok {
				return false
			}
		}
		return !or
	}
}

func (m *Module) search(req *protocol.Request) (*protocol.Response, error) {
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	so, err := req.SortOrder()
	if err != nil {
		return nil, err
	}
	lim, err := req.Limits()
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	b, err := parseSearchBody(req)
	if err != nil {
		return nil, err
	}
	acc, err := m.scope(req, b.folders)
	if err != nil {
		return nil, err
	}
	all, err := m.readable(req.Ctx, req.User, acc)
	if err != nil {
		return nil, err
	}
	match := b.matcher()
	hits := all[:0]
	for _, c := range all {
		if match(c) {
			hits = append(hits, c)
		}
	}
	if hits, err = m.adminFilter(req.Ctx, req.User, hits, b.admin); err != nil {
		return nil, err
	}
	return m.answer(req.Ctx, req.User, hits, cols, so, lim, loc)
}

func (m *Module) advancedSearch(req *protocol.Request) (*protocol.Response, error) {
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	so, err := req.SortOrder()
	if err != nil {
		return nil, err
	}
	lim, err := req.Limits()
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := req.DecodeBody(&raw); err != nil {
		return nil, err
	}
	ft, has := raw["filter"]
	if raw == nil || !has {
		return nil, protocol.ErrMissingParameter.New("filter")
	}
	term, err := parseFilter(ft)
	if err != nil {
		return nil, err
	}
	named, err := folderParam(req)
	if err != nil {
		return nil, err
	}
	acc, err := m.scope(req, named)
	if err != nil {
		return nil, err
	}
	all, err := m.readable(req.Ctx, req.User, acc)
	if err != nil {
		return nil, err
	}
	hits := all[:0]
	for _, c := range all {
		if term.eval(c) {
			hits = append(hits, c)
		}
	}
	if hits, err = m.adminFilter(req.Ctx, req.User, hits, includeAdmin(req)); err != nil {
		return nil, err
	}
	return m.answer(req.Ctx, req.User, hits, cols, so, lim, loc)
}

// words splits a field into the words autocomplete matches prefixes of
// (names at blanks and hyphens, addresses at every non-alphanumeric).
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func (m *Module) autocomplete(req *protocol.Request) (*protocol.Response, error) {
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	query, err := req.Require("query")
	if err != nil {
		return nil, err
	}
	so, err := req.SortOrder()
	if err != nil {
		return nil, err
	}
	lim, err := req.Limits()
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	requireEmail := true
	if v, ok := req.Param("email"); ok && v != "" {
		requireEmail = req.Bool("email")
	}
	named, err := folderParam(req)
	if err != nil {
		return nil, err
	}
	acc, err := m.scope(req, named)
	if err != nil {
		return nil, err
	}
	all, err := m.readable(req.Ctx, req.User, acc)
	if err != nil {
		return nil, err
	}
	tokens := words(query)
	hits := all[:0]
	for _, c := range all {
		if requireEmail && c.Email1 == "" && c.Email2 == "" && c.Email3 == "" && !contactfields.IsDistList(c) {
			continue
		}
		var ws []string
		for _, s := range []string{c.DisplayName, c.FirstName, c.LastName, c.Company, c.Email1, c.Email2, c.Email3} {
			ws = append(ws, words(s)...)
		}
		ok := true
		for _, t := range tokens {
			if !slices.ContainsFunc(ws, func(w string) bool { return strings.HasPrefix(w, t) }) {
				ok = false
				break
			}
		}
		if ok {
			hits = append(hits, c)
		}
	}
	if hits, err = m.adminFilter(req.Ctx, req.User, hits, includeAdmin(req)); err != nil {
		return nil, err
	}
	if !so.Set {
		// Use count (none kept yet), then folder, then display name.
		slices.SortStableFunc(hits, func(a, b *storage.ContactRow) int {
			if a.FolderID != b.FolderID {
				if a.FolderID < b.FolderID {
					return -1
				}
				return 1
			}
			return strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
		})
	}
	return m.answer(req.Ctx, req.User, hits, cols, so, lim, loc)
}

func (m *Module) birthdays(req *protocol.Request) (*protocol.Response, error) {
	return m.dates(req, "birthday")
}

func (m *Module) anniversaries(req *protocol.Request) (*protocol.Response, error) {
	return m.dates(req, "anniversary")
}

// nextIn returns the first yearly recurrence of the day of date (a Date,
// ms at 00:00 UTC) within [start, end), if any.
func nextIn(date, start, end int64) (int64, bool) {
	d := time.UnixMilli(date).UTC()
	from := time.UnixMilli(start).UTC().Year()
	to := time.UnixMilli(end).UTC().Year()
	for y := from; y <= to; y++ {
		day := d.Day()
		// 29 February falls on 28 February in common years.
		if d.Month() == time.February && day == 29 && !leap(y) {
			day = 28
		}
		t := time.Date(y, d.Month(), day, 0, 0, 0, 0, time.UTC).UnixMilli()
		if t >= start && t < end {
			return t, true
		}
	}
	return 0, false
}

func leap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// dates finds contacts whose birthday or anniversary falls into
// [start, end), comparing month and day across years.
func (m *Module) dates(req *protocol.Request, field string) (*protocol.Response, error) {
	cols, err := req.RequireColumns()
	if err != nil {
		return nil, err
	}
	start, err := req.RequireInt("start")
	if err != nil {
		return nil, err
	}
	end, err := req.RequireInt("end")
	if err != nil {
		return nil, err
	}
	if end < start {
		return nil, protocol.ErrInvalidValue.New("end", req.Get("end"))
	}
	so, err := req.SortOrder()
	if err != nil {
		return nil, err
	}
	lim, err := req.Limits()
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	named, err := folderParam(req)
	if err != nil {
		return nil, err
	}
	acc, err := m.scope(req, named)
	if err != nil {
		return nil, err
	}
	all, err := m.readable(req.Ctx, req.User, acc)
	if err != nil {
		return nil, err
	}
	f, _ := contactfields.ByName(field)
	type hit struct {
		c    *storage.ContactRow
		when int64
	}
	var hs []hit
	// A range of a year or more holds every day.
	for _, c := range all {
		v, ok := contactfields.Value(c, f, time.UTC).(int64)
		if !ok {
			continue
		}
		if t, ok := nextIn(v, start, end); ok {
			hs = append(hs, hit{c, t})
		}
	}
	slices.SortStableFunc(hs, func(a, b hit) int {
		switch {
		case a.when < b.when:
			return -1
		case a.when > b.when:
			return 1
		}
		return 0
	})
	hits := make([]*storage.ContactRow, len(hs))
	for i, h := range hs {
		hits[i] = h.c
	}
	return m.answer(req.Ctx, req.User, hits, cols, so, lim, loc)
}
