package find

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"oxlite/core/contacts"
	"oxlite/core/protocol"
	"oxlite/core/tasks"
	"oxlite/core/wildcard"
	"oxlite/storage"
)

// Task facet ids.
const (
	FacetTaskTitle        = "task_title"
	FacetTaskDescription  = "task_description"
	FacetTaskParticipants = "task_participants"
	FacetTaskStatus       = "task_status"
	FacetTaskType         = "task_type"
)

// taskStatuses are the values of task_status with their status number.
var taskStatuses = []struct {
	id, name string
	status   int
}{
	{"not_started", "Not started", 1}, {"in_progress", "In progress", 2}, {"done", "Done", 3},
	{"waiting", "Waiting", 4}, {"deferred", "Deferred", 5},
}

// Tasks searches the task folders; participants are suggested from the
// address book.
type Tasks struct {
	DB       *storage.DB
	Tasks    *tasks.Module
	Contacts *contacts.Module
}

// Types implements Provider.
func (p *Tasks) Types() map[string]Type {
	t := FolderTypes()
	t["global"] = Type{Style: Simple}
	t[FacetTaskTitle] = Type{Style: Simple}
	t[FacetTaskDescription] = Type{Style: Simple}
	t[FacetTaskParticipants] = Type{Style: Default}
	t[FacetTaskStatus] = Type{Style: Exclusive}
	t[FacetTaskType] = Type{Style: Exclusive}
	return t
}

// DefaultColumns implements Provider: the UI's find columns.
func (p *Tasks) DefaultColumns() []int { return []int{1, 20, 101, 200, 202, 203, 220, 300, 301, 309} }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// fields are the filter fields of tasks; names resolves user participants'
// display names for `participant`.
func (p *Tasks) fields(names map[int64]string) map[string]Field[*storage.Task] {
	return map[string]Field[*storage.Task]{
		"global":      TextField(func(t *storage.Task) []string { return []string{deref(t.Title), deref(t.Note), deref(t.Categories)} }),
		"title":       TextField(func(t *storage.Task) []string { return []string{deref(t.Title)} }),
		"description": TextField(func(t *storage.Task) []string { return []string{deref(t.Note)} }),
		"status": func(q string) (func(*storage.Task) bool, error) {
			n, err := strconv.Atoi(strings.TrimSpace(q))
			if err != nil || n < 1 || n > 5 {
				return nil, ErrUnsupportedQuery.New(q, "status")
			}
			return func(t *storage.Task) bool { return t.Status == n }, nil
		},
		"type": func(q string) (func(*storage.Task) bool, error) {
			switch q {
			case "single_task":
				return func(t *storage.Task) bool { return t.RecurrenceType == 0 }, nil
			case "series":
				return func(t *storage.Task) bool { return t.RecurrenceType != 0 }, nil
			}
			return nil, ErrUnsupportedQuery.New(q, "type")
		},
		"participant": func(q string) (func(*storage.Task) bool, error) {
			uid, numErr := strconv.ParseInt(strings.TrimSpace(q), 10, 64)
			text := wildcard.Contains(q)
			return func(t *storage.Task) bool {
				for _, pt := range t.Participants {
					if pt.Kind == storage.ParticipantExternal {
						if text.Any(pt.Mail, pt.DisplayName) {
							return true
						}
						continue
					}
					if numErr == nil && pt.UserID == uid || text.Match(names[pt.UserID]) {
						return true
					}
				}
				return false
			}, nil
		},
	}
}

// participantNames loads the display names of the user participants of
// ts when a filter asks for participants.
func (p *Tasks) participantNames(ctx context.Context, q *Query, ts []*storage.Task) (map[int64]string, error) {
	wanted := slices.ContainsFunc(q.Active, func(a Active) bool {
		return a.Filter != nil && slices.Contains(a.Filter.Fields, "participant")
	})
	if !wanted {
		return nil, nil
	}
	seen := map[int64]bool{}
	var ids []int64
	for _, t := range ts {
		for _, pt := range t.Participants {
			if pt.Kind == storage.ParticipantUser && !seen[pt.UserID] {
				seen[pt.UserID] = true
				ids = append(ids, pt.UserID)
			}
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	names, err := p.DB.UserDisplayNames(ctx, q.User.ContextID, ids)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return names, nil
}

// Facets implements Provider.
func (p *Tasks) Facets(ctx context.Context, q *Query) ([]*Facet, error) {
	var out []*Facet
	if len(q.Tokens) > 0 {
		out = append(out, GlobalFacet(q.Prefix, q.Tokens),
			SimpleFacet(FacetTaskTitle, q.Prefix, "in title", NewFilter("title", q.Tokens...)),
			SimpleFacet(FacetTaskDescription, q.Prefix, "in description", NewFilter("description", q.Tokens...)))
		rows, err := p.Contacts.Visible(ctx, q.User, nil)
		if err != nil {
			return nil, err
		}
		if rows, err = withoutAdmin(ctx, p.DB, q, rows); err != nil {
			return nil, err
		}
		f := &Facet{Style: Default, ID: FacetTaskParticipants, Name: "Participants"}
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
		// The input itself, as free text, comes last so the limit cuts
		// people before it.
		free := &Value{ID: q.Prefix, Name: q.Prefix, Filter: NewFilter("participant", q.Tokens...)}
		if q.Limit > 0 && len(f.Values) >= q.Limit {
			f.Values = f.Values[:q.Limit-1]
		}
		f.Values = append(f.Values, free)
		out = append(out, f)
	}
	status := &Facet{Style: Exclusive, ID: FacetTaskStatus, Name: "Status", Fixed: true}
	for _, s := range taskStatuses {
		status.Values = append(status.Values, &Value{ID: s.id, Name: s.name, Filter: NewFilter("status", strconv.Itoa(s.status))})
	}
	kind := &Facet{Style: Exclusive, ID: FacetTaskType, Name: "Task type", Fixed: true, Values: []*Value{
		{ID: "single_task", Name: "Single task", Filter: NewFilter("type", "single_task")},
		{ID: "series", Name: "Series", Filter: NewFilter("type", "series")},
	}}
	out = append(out, status, kind)
	ff, err := FolderFacets(ctx, p.DB, q.User, "tasks")
	if err != nil {
		return nil, err
	}
	return append(out, ff...), nil
}

// Search implements Provider.
func (p *Tasks) Search(ctx context.Context, q *Query) (int, []map[string]any, error) {
	ids, restricted, err := FolderScope(ctx, p.DB, q.User, "tasks", q.Active)
	if err != nil {
		return 0, nil, err
	}
	// Check the filters before reading anything.
	if _, err := Compile(q.Active, p.Types(), p.fields(nil)); err != nil {
		return 0, nil, err
	}
	if restricted && len(ids) == 0 {
		return 0, nil, nil
	}
	ts, folderOf, err := p.Tasks.Visible(ctx, q.User, ids)
	if err != nil {
		return 0, nil, err
	}
	names, err := p.participantNames(ctx, q, ts)
	if err != nil {
		return 0, nil, err
	}
	match, err := Compile(q.Active, p.Types(), p.fields(names))
	if err != nil {
		return 0, nil, err
	}
	type hit struct {
		t      *storage.Task
		folder int64
	}
	var hits []hit
	for i, t := range ts {
		if match(t) {
			hits = append(hits, hit{t, folderOf[i]})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		if c := strings.Compare(strings.ToLower(deref(a.t.Title)), strings.ToLower(deref(b.t.Title))); c != 0 {
			return c
		}
		return cmp.Compare(a.t.ID, b.t.ID)
	})
	page := Page(hits, q.Start, q.Size)
	pts, pfs := make([]*storage.Task, len(page)), make([]int64, len(page))
	for i, h := range page {
		pts[i], pfs[i] = h.t, h.folder
	}
	objs, err := p.Tasks.Objects(ctx, q.User, pts, pfs, q.Columns, q.Loc)
	if err != nil {
		return 0, nil, err
	}
	return len(hits), objs, nil
}
