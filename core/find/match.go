package find

import (
	"strings"
	"unicode"

	"oxlite/core/wildcard"
)

// Field turns one query of a filter into a predicate over T; a query the
// field cannot use is an error (FIND-0004).
type Field[T any] func(query string) (func(T) bool, error)

// TextField matches a query as a case-insensitive substring (or wildcard
// pattern) of one of the strings get returns.
func TextField[T any](get func(T) []string) Field[T] {
	return func(q string) (func(T) bool, error) {
		p := wildcard.Contains(q)
		return func(t T) bool { return p.Any(get(t)...) }, nil
	}
}

// Compile turns the filters of the active facets into one predicate: all
// filters must hold; within a filter every query must match one of its
// fields. Value-only facets (folders) are the provider's scope, not a
// filter.
func Compile[T any](active []Active, types map[string]Type, fields map[string]Field[T]) (func(T) bool, error) {
	var all []func(T) bool
	for _, a := range active {
		if types[a.ID].ValueOnly {
			continue
		}
		for _, f := range a.Filter.Fields {
			if _, ok := fields[f]; !ok {
				return nil, ErrUnsupportedField.New(f)
			}
		}
		for _, q := range a.Filter.Queries {
			var alts []func(T) bool
			for _, f := range a.Filter.Fields {
				p, err := fields[f](q)
				if err != nil {
					return nil, err
				}
				alts = append(alts, p)
			}
			all = append(all, func(t T) bool {
				for _, p := range alts {
					if p(t) {
						return true
					}
				}
				return false
			})
		}
	}
	return func(t T) bool {
		for _, p := range all {
			if !p(t) {
				return false
			}
		}
		return true
	}, nil
}

// Page cuts [start, start+size) out of items (size < 0: to the end).
func Page[T any](items []T, start, size int) []T {
	if start >= len(items) {
		return nil
	}
	items = items[start:]
	if size >= 0 && size < len(items) {
		items = items[:size]
	}
	return items
}

// words splits s into the lower-case words autocomplete matches
// prefixes of.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// prefixesAll reports whether every word of the tokens starts one of the
// words of fields.
func prefixesAll(tokens []string, fields ...string) bool {
	var ws []string
	for _, f := range fields {
		ws = append(ws, words(f)...)
	}
	n := 0
	for _, tok := range tokens {
		for _, t := range words(tok) {
			n++
			found := false
			for _, w := range ws {
				if strings.HasPrefix(w, t) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
	}
	return n > 0
}
