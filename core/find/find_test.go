package find

import (
	"errors"
	"slices"
	"testing"

	"oxlite/core/protocol"
)

func TestDropActive(t *testing.T) {
	types := map[string]Type{
		"global": {Style: Simple}, "contact": {Style: Default}, "status": {Style: Exclusive},
		FacetFolder: {Style: Exclusive, Conflicts: []string{FacetFolderType}}, FacetFolderType: {Style: Exclusive, Conflicts: []string{FacetFolder}},
	}
	facets := func() []*Facet {
		return []*Facet{
			{Style: Simple, ID: "global"},
			{Style: Default, ID: "contact", Values: []*Value{{ID: "a"}, {ID: "b"}}},
			{Style: Exclusive, ID: "status", Values: []*Value{{ID: "1"}}},
			{Style: Exclusive, ID: FacetFolder, Values: []*Value{{ID: "20"}}},
			{Style: Exclusive, ID: FacetFolderType, Values: []*Value{{ID: "private"}}},
		}
	}
	ids := func(fs []*Facet) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.ID)
		}
		return out
	}
	if got := ids(dropActive(facets(), nil, types)); len(got) != 5 {
		t.Fatalf("nothing active: %v", got)
	}
	got := dropActive(facets(), []Active{{ID: "contact", Value: "a"}, {ID: "status", Value: "1"}, {ID: FacetFolder, Value: "20"}, {ID: "global"}}, types)
	if !slices.Equal(ids(got), []string{"global", "contact"}) || len(got[1].Values) != 1 || got[1].Values[0].ID != "b" {
		t.Fatalf("active contact a, status, folder: %v", ids(got))
	}
	got = dropActive(facets(), []Active{{ID: "contact", Value: "a"}, {ID: "contact", Value: "b"}}, types)
	if slices.Contains(ids(got), "contact") {
		t.Fatalf("a default facet without values left is dropped: %v", ids(got))
	}
}

func TestCheckActive(t *testing.T) {
	types := map[string]Type{"global": {Style: Simple}, "status": {Style: Exclusive},
		FacetFolder:     {Style: Exclusive, Conflicts: []string{FacetFolderType}, ValueOnly: true},
		FacetFolderType: {Style: Exclusive, Conflicts: []string{FacetFolder}, ValueOnly: true}}
	f := NewFilter("global", "x")
	for _, c := range []struct {
		active []Active
		code   string
	}{
		{[]Active{{ID: "global", Filter: f}, {ID: "global", Filter: f}, {ID: FacetFolder, Value: "1"}}, ""},
		{[]Active{{ID: "nope", Filter: f}}, "FIND-0008"},
		{[]Active{{ID: "global"}}, "FIND-0006"},
		{[]Active{{ID: "global", Filter: &Filter{Fields: []string{"global"}}}}, "FIND-0007"},
		{[]Active{{ID: "status", Filter: f}, {ID: "status", Filter: f}}, "FIND-0016"},
		{[]Active{{ID: FacetFolderType, Value: "private"}, {ID: FacetFolder, Value: "1"}}, "FIND-0016"},
	} {
		code := ""
		var pe *protocol.Error
		if err := checkActive(c.active, types, "contacts"); errors.As(err, &pe) {
			code = pe.Code
		}
		if code != c.code {
			t.Fatalf("%v: got %q, want %q", c.active, code, c.code)
		}
	}
}

func TestCompileAndPage(t *testing.T) {
	fields := map[string]Field[string]{
		"a": TextField(func(s string) []string { return []string{s} }),
		"b": TextField(func(s string) []string { return []string{"fixed"} }),
	}
	types := map[string]Type{"x": {Style: Simple}, "y": {Style: Simple}}
	// Every query must match one of the fields; all filters must hold.
	match, err := Compile([]Active{{ID: "x", Filter: &Filter{Fields: []string{"a", "b"}, Queries: []string{"fix", "alp"}}}}, types, fields)
	if err != nil || !match("alpha") || match("beta") {
		t.Fatalf("one filter: %v", err)
	}
	match, _ = Compile([]Active{{ID: "x", Filter: NewFilter("a", "al")}, {ID: "y", Filter: NewFilter("a", "ha")}}, types, fields)
	if !match("alpha") || match("alto") {
		t.Fatal("two filters")
	}
	if _, err := Compile([]Active{{ID: "x", Filter: NewFilter("c", "q")}}, types, fields); err == nil {
		t.Fatal("unknown field accepted")
	}
	s := []int{0, 1, 2, 3, 4}
	if !slices.Equal(Page(s, 1, 2), []int{1, 2}) || !slices.Equal(Page(s, 3, -1), []int{3, 4}) || Page(s, 5, 1) != nil ||
		!slices.Equal(Page(s, 4, 10), []int{4}) {
		t.Fatal("paging")
	}
	if !prefixesAll([]string{"zo za"}, "Zoe Zander") || prefixesAll([]string{"oe"}, "Zoe") || prefixesAll([]string{"@"}, "a@b") {
		t.Fatal("prefixesAll")
	}
}
