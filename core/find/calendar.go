package find

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"oxlite/core/calendar"
	"oxlite/core/contacts"
	"oxlite/core/wildcard"
	"oxlite/storage"
)

// Calendar facet ids (docs/decisions.md).
const (
	FacetApptTitle        = "calendar_title"
	FacetApptLocation     = "calendar_location"
	FacetApptDescription  = "calendar_description"
	FacetApptParticipants = "calendar_participants"
	FacetApptType         = "calendar_type"
)

// Calendar searches the calendar folders; a series is one hit.
type Calendar struct {
	DB       *storage.DB
	Calendar *calendar.Module
	Contacts *contacts.Module
}

// Types implements Provider.
func (p *Calendar) Types() map[string]Type {
	t := FolderTypes()
	t["global"] = Type{Style: Simple}
	t[FacetApptTitle] = Type{Style: Simple}
	t[FacetApptLocation] = Type{Style: Simple}
	t[FacetApptDescription] = Type{Style: Simple}
	t[FacetApptParticipants] = Type{Style: Default}
	t[FacetApptType] = Type{Style: Exclusive}
	return t
}

// DefaultColumns implements Provider.
func (p *Calendar) DefaultColumns() []int {
	return []int{1, 20, 101, 200, 201, 202, 206, 207, 209, 220, 221, 400, 401, 402}
}

func (p *Calendar) fields(names map[int64]string) map[string]Field[*calendar.Item] {
	return map[string]Field[*calendar.Item]{
		"global":      TextField(func(a *calendar.Item) []string { return []string{a.Title, a.Location, a.Note, a.Categories} }),
		"title":       TextField(func(a *calendar.Item) []string { return []string{a.Title} }),
		"location":    TextField(func(a *calendar.Item) []string { return []string{a.Location} }),
		"description": TextField(func(a *calendar.Item) []string { return []string{a.Note} }),
		"type": func(q string) (func(*calendar.Item) bool, error) {
			switch q {
			case "single":
				return func(a *calendar.Item) bool { return !a.Series }, nil
			case "series":
				return func(a *calendar.Item) bool { return a.Series }, nil
			}
			return nil, ErrUnsupportedQuery.New(q, "type")
		},
		"participant": func(q string) (func(*calendar.Item) bool, error) {
			uid, numErr := strconv.ParseInt(strings.TrimSpace(q), 10, 64)
			text := wildcard.Contains(q)
			return func(a *calendar.Item) bool {
				if text.Any(a.ParticipantMails...) {
					return true
				}
				for _, id := range a.ParticipantUserIDs {
					if numErr == nil && id == uid || text.Match(names[id]) {
						return true
					}
				}
				return false
			}, nil
		},
	}
}

// Facets implements Provider.
func (p *Calendar) Facets(ctx context.Context, q *Query) ([]*Facet, error) {
	var out []*Facet
	if len(q.Tokens) > 0 {
		out = append(out, GlobalFacet(q.Prefix, q.Tokens),
			SimpleFacet(FacetApptTitle, q.Prefix, "in title", NewFilter("title", q.Tokens...)),
			SimpleFacet(FacetApptLocation, q.Prefix, "in location", NewFilter("location", q.Tokens...)),
			SimpleFacet(FacetApptDescription, q.Prefix, "in description", NewFilter("description", q.Tokens...)))
		rows, err := p.Contacts.Visible(ctx, q.User, nil)
		if err != nil {
			return nil, err
		}
		if rows, err = withoutAdmin(ctx, p.DB, q, rows); err != nil {
			return nil, err
		}
		f := &Facet{Style: Default, ID: FacetApptParticipants, Name: "Participants"}
		for _, c := range people(rows, q.Tokens) {
			var queries []string
			if c.UserID > 0 {
				queries = []string{strconv.FormatInt(c.UserID, 10)}
			} else {
				for _, m := range []string{c.Email1, c.Email2, c.Email3} {
					if m != "" {
						queries = append(queries, m)
					}
				}
			}
			if len(queries) == 0 {
				continue
			}
			f.Values = append(f.Values, &Value{ID: personID(q.User.ContextID, c), Item: personItem(c),
				Filter: NewFilter("participant", queries...)})
		}
		free := &Value{ID: q.Prefix, Name: q.Prefix, Filter: NewFilter("participant", q.Tokens...)}
		if q.Limit > 0 && len(f.Values) >= q.Limit {
			f.Values = f.Values[:q.Limit-1]
		}
		f.Values = append(f.Values, free)
		out = append(out, f)
	}
	out = append(out, &Facet{Style: Exclusive, ID: FacetApptType, Name: "Appointment type", Fixed: true, Values: []*Value{
		{ID: "single", Name: "Single appointment", Filter: NewFilter("type", "single")},
		{ID: "series", Name: "Series", Filter: NewFilter("type", "series")},
	}})
	ff, err := FolderFacets(ctx, p.DB, q.User, "calendar")
	if err != nil {
		return nil, err
	}
	return append(out, ff...), nil
}

// Search implements Provider: hits sorted by start, newest last.
func (p *Calendar) Search(ctx context.Context, q *Query) (int, []map[string]any, error) {
	ids, restricted, err := FolderScope(ctx, p.DB, q.User, "calendar", q.Active)
	if err != nil {
		return 0, nil, err
	}
	if _, err := Compile(q.Active, p.Types(), p.fields(nil)); err != nil {
		return 0, nil, err
	}
	if restricted && len(ids) == 0 {
		return 0, nil, nil
	}
	if !restricted {
		ids = nil
	}
	items, err := p.Calendar.Visible(ctx, q.User, ids)
	if err != nil {
		return 0, nil, err
	}
	var names map[int64]string
	seen := map[int64]bool{}
	var uids []int64
	for _, it := range items {
		for _, id := range it.ParticipantUserIDs {
			if !seen[id] {
				seen[id] = true
				uids = append(uids, id)
			}
		}
	}
	if len(uids) > 0 {
		if names, err = p.DB.UserDisplayNames(ctx, q.User.ContextID, uids); err != nil {
			return 0, nil, err
		}
	}
	match, err := Compile(q.Active, p.Types(), p.fields(names))
	if err != nil {
		return 0, nil, err
	}
	var hits []*calendar.Item
	for _, it := range items {
		if match(it) {
			hits = append(hits, it)
		}
	}
	slices.SortStableFunc(hits, func(a, b *calendar.Item) int {
		if c := cmp.Compare(a.Start, b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	page := Page(hits, q.Start, q.Size)
	objs, err := p.Calendar.Objects(ctx, q.User, page, q.Columns, q.Loc)
	if err != nil {
		return 0, nil, err
	}
	return len(hits), objs, nil
}
