// Package wildcard matches the OX search patterns: "*" is any run of
// characters, "?" exactly one, everything else itself, case-insensitively.
package wildcard

import (
	"regexp"
	"strings"
)

// Pattern is a compiled search pattern.
type Pattern struct {
	re  *regexp.Regexp
	all bool
}

// Compile builds a pattern matching the whole value.
func Compile(p string) *Pattern {
	if strings.Trim(p, "*") == "" {
		return &Pattern{all: true}
	}
	var b strings.Builder
	b.WriteString(`(?is)^`)
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return &Pattern{re: regexp.MustCompile(b.String())}
}

// HasWildcards reports whether p contains "*" or "?".
func HasWildcards(p string) bool { return strings.ContainsAny(p, "*?") }

// Prefix compiles p, appending "*" when it has no wildcard of its own.
func Prefix(p string) *Pattern {
	if !HasWildcards(p) {
		p += "*"
	}
	return Compile(p)
}

// Contains compiles p, surrounding it with "*" when it has no wildcard of
// its own.
func Contains(p string) *Pattern {
	if !HasWildcards(p) {
		p = "*" + p + "*"
	}
	return Compile(p)
}

// Match reports whether v matches.
func (p *Pattern) Match(v string) bool {
	if p.all {
		return true
	}
	return p.re.MatchString(v)
}

// Any reports whether one of vs matches.
func (p *Pattern) Any(vs ...string) bool {
	for _, v := range vs {
		if p.Match(v) {
			return true
		}
	}
	return false
}
