package protocol

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Columns parses the `columns` parameter ("1,20,500"). Missing gives nil.
func (r *Request) Columns() ([]int, error) {
	s, ok := r.Param("columns")
	if !ok || strings.TrimSpace(s) == "" {
		return nil, nil
	}
	return ParseColumns(s)
}

// RequireColumns is Columns with SVL-0002 when absent.
func (r *Request) RequireColumns() ([]int, error) {
	cols, err := r.Columns()
	if err == nil && cols == nil {
		return nil, ErrMissingParameter.New("columns")
	}
	return cols, err
}

// ParseColumns parses a comma separated list of column ids.
func ParseColumns(s string) ([]int, error) {
	parts := strings.Split(s, ",")
	cols := make([]int, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, ErrInvalidValue.New("columns", s)
		}
		cols = append(cols, n)
	}
	if len(cols) == 0 {
		return nil, ErrInvalidValue.New("columns", s)
	}
	return cols, nil
}

// ColumnSet maps column ids to accessors of T. Rows are positional: a column
// the set does not know is null, never dropped (the UI maps by position).
type ColumnSet[T any] map[int]func(T) any

// Row renders one object as a positional array.
func (cs ColumnSet[T]) Row(obj T, cols []int) []any {
	row := make([]any, len(cols))
	for i, c := range cols {
		if f, ok := cs[c]; ok {
			row[i] = f(obj)
		}
	}
	return row
}

// Rows renders objects as positional arrays.
func (cs ColumnSet[T]) Rows(objs []T, cols []int) [][]any {
	rows := make([][]any, len(objs))
	for i, o := range objs {
		rows[i] = cs.Row(o, cols)
	}
	return rows
}

// Sort is a parsed sort/order pair.
type Sort struct {
	Column int
	Desc   bool
	Set    bool
}

// SortOrder parses `sort` and `order`. An order without sort is ignored;
// a sort without order is ascending.
func (r *Request) SortOrder() (Sort, error) {
	s, ok := r.Param("sort")
	if !ok || s == "" {
		return Sort{}, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return Sort{}, ErrInvalidValue.New("sort", s)
	}
	out := Sort{Column: n, Set: true}
	switch strings.ToLower(r.Get("order")) {
	case "", "asc", "ascending":
	case "desc", "descending":
		out.Desc = true
	default:
		return Sort{}, ErrInvalidValue.New("order", r.Get("order"))
	}
	return out, nil
}

// Limit is a slice [Start, End) of a result; End < 0 means unbounded.
type Limit struct {
	Start, End int
}

// NoLimit selects everything.
var NoLimit = Limit{0, -1}

// Limits parses `limit` ("N" or "start,end") and the older
// `left_hand_limit`/`right_hand_limit` pair (right exclusive).
func (r *Request) Limits() (Limit, error) {
	if s, ok := r.Param("limit"); ok && s != "" {
		parts := strings.Split(s, ",")
		nums := make([]int, 0, 2)
		for _, p := range parts {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || n < 0 {
				return NoLimit, ErrInvalidValue.New("limit", s)
			}
			nums = append(nums, n)
		}
		switch len(nums) {
		case 1:
			return Limit{0, nums[0]}, nil
		case 2:
			if nums[1] < nums[0] {
				return NoLimit, ErrInvalidValue.New("limit", s)
			}
			return Limit{nums[0], nums[1]}, nil
		}
		return NoLimit, ErrInvalidValue.New("limit", s)
	}
	l := NoLimit
	if v, ok, err := r.Int("left_hand_limit"); err != nil {
		return NoLimit, err
	} else if ok {
		if v < 0 {
			return NoLimit, ErrInvalidValue.New("left_hand_limit", r.Get("left_hand_limit"))
		}
		l.Start = int(v)
	}
	if v, ok, err := r.Int("right_hand_limit"); err != nil {
		return NoLimit, err
	} else if ok {
		if int(v) < l.Start {
			return NoLimit, ErrInvalidValue.New("right_hand_limit", r.Get("right_hand_limit"))
		}
		l.End = int(v)
	}
	return l, nil
}

// Apply cuts s to the limit.
func Apply[T any](s []T, l Limit) []T {
	if l.Start >= len(s) {
		return s[:0]
	}
	end := len(s)
	if l.End >= 0 && l.End < end {
		end = l.End
	}
	return s[l.Start:end]
}

// SortBy sorts objs by the value the column set renders for the sort
// column; nulls sort last, strings case-insensitively. Stable, so callers
// pre-sort by id for a deterministic tie order.
func SortBy[T any](objs []T, cs ColumnSet[T], s Sort) {
	if !s.Set {
		return
	}
	f, ok := cs[s.Column]
	if !ok {
		return
	}
	// Each value is rendered (and lower-cased) once, not at every
	// comparison: rendering a contact's sort name costs more than the sort.
	keys := make([]any, len(objs))
	idx := make([]int, len(objs))
	for i, o := range objs {
		v := f(o)
		if str, ok := v.(string); ok {
			v = strings.ToLower(str)
		}
		keys[i], idx[i] = v, i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		// String keys are lower-cased already.
		x, xs := keys[a].(string)
		y, ys := keys[b].(string)
		var c int
		if xs && ys {
			c = cmp.Compare(x, y)
		} else {
			c = compareValues(keys[a], keys[b])
		}
		if s.Desc {
			return -c
		}
		return c
	})
	sorted := make([]T, len(objs))
	for i, j := range idx {
		sorted[i] = objs[j]
	}
	copy(objs, sorted)
}

func compareValues(a, b any) int {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return 1
		default:
			return -1
		}
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return cmp.Compare(strings.ToLower(x), strings.ToLower(y))
		}
	case bool:
		if y, ok := b.(bool); ok {
			return cmp.Compare(b2i(x), b2i(y))
		}
	}
	fa, oka := toFloat(a)
	fb, okb := toFloat(b)
	if oka && okb {
		return cmp.Compare(fa, fb)
	}
	return 0
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case float64:
		return n, true
	case float32:
		return float64(n), true
	}
	return 0, false
}
