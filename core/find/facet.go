package find

// Filter is the black box a facet value carries and the client copies
// back: every query must match one of the fields.
type Filter struct {
	Fields  []string `json:"fields"`
	Queries []string `json:"queries"`
}

// NewFilter builds a filter on one field.
func NewFilter(field string, queries ...string) *Filter {
	return &Filter{Fields: []string{field}, Queries: queries}
}

// Item is the display of a facet or value that needs more than a name.
type Item struct {
	Name     string `json:"name"`
	Detail   string `json:"detail,omitempty"`
	ImageURL string `json:"image_url,omitempty"`
}

// Value is one value of a default facet or one option of an exclusive
// facet (the spec's FindFacetValue).
type Value struct {
	ID     string
	Name   string
	Item   *Item
	Filter *Filter
}

// Facet is one facet of an autocomplete answer.
type Facet struct {
	Style string
	ID    string
	Name  string
	Item  *Item
	Flags []string
	// Filter belongs to simple facets.
	Filter *Filter
	// Values are the values (default) or options (exclusive).
	Values []*Value
	// Fixed facets are enumerations the limit does not cut.
	Fixed bool
}

// SimpleFacet is a field facet: "search <prefix> in <detail>".
func SimpleFacet(id, prefix, detail string, filter *Filter) *Facet {
	return &Facet{Style: Simple, ID: id, Item: &Item{Name: prefix, Detail: detail}, Filter: filter}
}

// GlobalFacet is the free-text facet the reference server calls global.
func GlobalFacet(prefix string, tokens []string) *Facet {
	return &Facet{Style: Simple, ID: "global", Name: prefix, Filter: NewFilter("global", tokens...)}
}

func (v *Value) render() map[string]any {
	out := map[string]any{"id": v.ID}
	if v.Item != nil {
		out["item"] = v.Item
	} else {
		out["name"] = v.Name
	}
	if v.Filter != nil {
		out["filter"] = v.Filter
	}
	return out
}

// render gives FindFacetData: the style decides which members appear.
func (f *Facet) render() map[string]any {
	out := map[string]any{"style": f.Style, "id": f.ID}
	if f.Item != nil {
		out["item"] = f.Item
	} else {
		out["name"] = f.Name
	}
	flags := f.Flags
	if flags == nil {
		flags = []string{}
	}
	out["flags"] = flags
	vals := make([]any, len(f.Values))
	for i, v := range f.Values {
		vals[i] = v.render()
	}
	switch f.Style {
	case Simple:
		out["filter"] = f.Filter
	case Exclusive:
		out["options"] = vals
	default:
		out["values"] = vals
	}
	return out
}
