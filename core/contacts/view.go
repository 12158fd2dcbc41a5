package contacts

import (
	"context"
	"slices"
	"strings"
	"time"

	"oxlite/core/contactfields"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// view is one contact as the API shows it.
type view struct {
	c   *storage.ContactRow
	loc *time.Location
	att storage.AttachmentStat
	// members is the resolved distribution list (nil for a contact).
	members []any
}

// colUseCountSort is the sort-only pseudo-column that puts the global
// address book first and ignores `order` (useCount, spec line 8656).
const colUseCountSort = 609

var columns = buildColumns()

func buildColumns() protocol.ColumnSet[*view] {
	cs := protocol.ColumnSet[*view]{}
	for i := range contactfields.Fields {
		f := &contactfields.Fields[i]
		cs[f.ID] = func(v *view) any { return contactfields.Value(v.c, f, v.loc) }
	}
	cs[104] = func(v *view) any { return v.att.Count }
	cs[105] = func(v *view) any {
		if v.att.Count == 0 {
			return nil
		}
		return v.att.Newest
	}
	cs[contactfields.ColDistList] = func(v *view) any {
		if v.members == nil {
			return nil
		}
		return v.members
	}
	cs[colUseCountSort] = func(*view) any { return nil }
	return cs
}

// needs reports whether cols asks for one of want.
func needs(cols []int, want ...int) bool {
	for _, c := range cols {
		if slices.Contains(want, c) {
			return true
		}
	}
	return false
}

// views wraps rows and loads what the requested columns need beyond the
// row (attachment counts, distribution list members); cols nil means a
// full object.
func (m *Module) views(ctx context.Context, cid int64, rows []*storage.ContactRow, cols []int, loc *time.Location) ([]*view, error) {
	out := make([]*view, len(rows))
	for i, c := range rows {
		out[i] = &view{c: c, loc: loc}
	}
	if len(rows) == 0 {
		return out, nil
	}
	if cols == nil || needs(cols, 104, 105) {
		ids := make([]int64, len(rows))
		for i, c := range rows {
			ids[i] = c.ID
		}
		stats, err := m.DB.AttachmentStats(ctx, cid, storage.ModuleContact, ids)
		if err != nil {
			return nil, protocol.Internal(err)
		}
		for _, v := range out {
			v.att = stats[v.c.ID]
		}
	}
	if cols == nil || needs(cols, contactfields.ColDistList) {
		if err := m.resolveMembers(ctx, cid, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// rows renders views as positional arrays and returns the newest change.
func rows(vs []*view, cols []int) ([][]any, int64) {
	var ts int64
	out := make([][]any, len(vs))
	for i, v := range vs {
		out[i] = columns.Row(v, cols)
		ts = max(ts, v.c.LastModified)
	}
	return out, ts
}

// object renders the full contact of `get`.
func (v *view) object() map[string]any {
	obj := contactfields.Object(v.c, v.loc)
	obj["number_of_attachments"] = v.att.Count
	if v.att.Count > 0 {
		obj["lastModifiedOfNewestAttachmentUTC"] = v.att.Newest
	} else {
		delete(obj, "lastModifiedOfNewestAttachmentUTC")
	}
	if v.members != nil {
		obj["distribution_list"] = v.members
		obj["number_of_distribution_list"] = len(v.members)
	}
	return obj
}

// sortViews orders views by the request's sort column. Without a sort they
// stay in id order; 609 puts the global address book first and then
// sorts by sort_name, whatever `order` says.
func sortViews(vs []*view, so protocol.Sort) {
	if !so.Set {
		return
	}
	if so.Column == colUseCountSort {
		slices.SortStableFunc(vs, func(a, b *view) int {
			ga, gb := a.c.FolderID == GAB, b.c.FolderID == GAB
			if ga != gb {
				if ga {
					return -1
				}
				return 1
			}
			return strings.Compare(strings.ToLower(contactfields.SortName(a.c)), strings.ToLower(contactfields.SortName(b.c)))
		})
		return
	}
	protocol.SortBy(vs, columns, so)
}
