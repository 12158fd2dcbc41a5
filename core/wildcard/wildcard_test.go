package wildcard

import "testing"

func TestPatterns(t *testing.T) {
	cases := []struct {
		p    *Pattern
		v    string
		want bool
	}{
		{Compile("a*c"), "ABBC", true},
		{Compile("a*c"), "abcd", false},
		{Compile("a?c"), "abc", true},
		{Compile("a?c"), "ac", false},
		{Compile("a.c"), "abc", false},
		{Compile("(x)+"), "(x)+", true},
		{Compile("*"), "", true},
		{Prefix("ali"), "Alice", true},
		{Prefix("lic"), "Alice", false},
		{Contains("lic"), "Alice", true},
		{Contains("l*e"), "Alice", false},
		{Compile("a\nb"), "a\nb", true},
	}
	for i, c := range cases {
		if got := c.p.Match(c.v); got != c.want {
			t.Errorf("case %d: match %q = %v, want %v", i, c.v, got, c.want)
		}
	}
	if !Compile("b*").Any("a", "bc") || Compile("b*").Any("a", "c") {
		t.Error("Any")
	}
}
