package contacts

import (
	"cmp"
	"encoding/json"
	"strings"
	"time"

	"oxlite/core/contactfields"
	"oxlite/core/protocol"
	"oxlite/core/wildcard"
	"oxlite/storage"
)

// The advanced search term (spec lines 309–353): prefix notation with the
// comparisons > < = <= >= <> of two operands (a {"field": name} or a
// primitive constant) and the logic operators not, and, or over nested
// terms. Field names are those of ContactData. A string constant compared
// with "=" or "<>" is a pattern ("*" and "?" wildcards), case-insensitive.
// A field without a value compares false (as SQL NULL does), so
// ["not", …] of such a comparison is true.

// Limits that keep a hostile filter cheap.
const (
	maxFilterDepth = 32
	maxFilterNodes = 1000
)

type term interface {
	eval(c *storage.ContactRow) bool
}

type logicTerm struct {
	op   string
	kids []term
}

func (t *logicTerm) eval(c *storage.ContactRow) bool {
	switch t.op {
	case "not":
		return !t.kids[0].eval(c)
	case "and":
		for _, k := range t.kids {
			if !k.eval(c) {
				return false
			}
		}
		return true
	}
	for _, k := range t.kids {
		if k.eval(c) {
			return true
		}
	}
	return false
}

// operand is a field or a constant.
type operand struct {
	field *contactfields.Field
	konst any // string, float64, bool or nil
	isNil bool
}

func (o operand) value(c *storage.ContactRow) any {
	if o.field == nil {
		return o.konst
	}
	v := contactfields.Value(c, o.field, time.UTC)
	switch x := v.(type) {
	case int64:
		return float64(x)
	case int:
		return float64(x)
	case string:
		if x == "" {
			return nil
		}
	}
	return v
}

type cmpTerm struct {
	op   string
	a, b operand
	pat  *wildcard.Pattern // b is a string constant
}

func (t *cmpTerm) eval(c *storage.ContactRow) bool {
	av := t.a.value(c)
	if t.b.field == nil && t.b.isNil {
		switch t.op {
		case "=":
			return av == nil
		case "<>":
			return av != nil
		}
		return false
	}
	bv := t.b.value(c)
	if av == nil || bv == nil {
		return false
	}
	if t.pat != nil && (t.op == "=" || t.op == "<>") {
		s, ok := av.(string)
		if !ok {
			s = describe(av)
		}
		return t.pat.Match(s) == (t.op == "=")
	}
	var r int
	switch x := av.(type) {
	case string:
		y, ok := bv.(string)
		if !ok {
			y = describe(bv)
		}
		r = strings.Compare(strings.ToLower(x), strings.ToLower(y))
	case float64:
		y, ok := bv.(float64)
		if !ok {
			return false
		}
		r = cmp.Compare(x, y)
	case bool:
		y, ok := bv.(bool)
		if !ok {
			return false
		}
		switch t.op {
		case "=":
			return x == y
		case "<>":
			return x != y
		}
		return false
	default:
		return false
	}
	switch t.op {
	case "=":
		return r == 0
	case "<>":
		return r != 0
	case "<":
		return r < 0
	case ">":
		return r > 0
	case "<=":
		return r <= 0
	}
	return r >= 0
}

// mirror is the operator with its operands swapped.
var mirror = map[string]string{"=": "=", "<>": "<>", "<": ">", ">": "<", "<=": ">=", ">=": "<="}

func badFilter(why string) error { return protocol.ErrInvalidValue.New("filter", why) }

func parseFilter(v any) (term, error) {
	n := 0
	return parseTerm(v, 0, &n)
}

func parseTerm(v any, depth int, n *int) (term, error) {
	*n++
	if depth > maxFilterDepth || *n > maxFilterNodes {
		return nil, badFilter("the term is too large")
	}
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, badFilter("a term must be a non-empty array")
	}
	op, ok := arr[0].(string)
	if !ok {
		return nil, badFilter("a term must start with its operator")
	}
	op = strings.ToLower(op)
	args := arr[1:]
	switch op {
	case "not", "and", "or":
		if op == "not" && len(args) != 1 {
			return nil, badFilter("\"not\" takes exactly one operand")
		}
		if len(args) == 0 {
			return nil, badFilter("\"" + op + "\" needs operands")
		}
		t := &logicTerm{op: op}
		for _, a := range args {
			k, err := parseTerm(a, depth+1, n)
			if err != nil {
				return nil, err
			}
			t.kids = append(t.kids, k)
		}
		return t, nil
	case "=", "<>", "<", ">", "<=", ">=":
		if len(args) != 2 {
			return nil, badFilter("\"" + op + "\" takes exactly two operands")
		}
		a, err := parseOperand(args[0])
		if err != nil {
			return nil, err
		}
		b, err := parseOperand(args[1])
		if err != nil {
			return nil, err
		}
		if a.field == nil && b.field != nil {
			a, b, op = b, a, mirror[op]
		}
		if a.field == nil {
			return nil, badFilter("a comparison needs a field")
		}
		t := &cmpTerm{op: op, a: a, b: b}
		if s, ok := b.konst.(string); ok && b.field == nil {
			t.pat = wildcard.Compile(s)
		}
		return t, nil
	}
	return nil, badFilter("unknown operator \"" + op + "\"")
}

func parseOperand(v any) (operand, error) {
	switch x := v.(type) {
	case map[string]any:
		name, ok := x["field"].(string)
		if !ok {
			return operand{}, badFilter("an object operand must name a field")
		}
		f, ok := contactfields.ByName(name)
		if !ok {
			if name == "internal_userid" {
				f, _ = contactfields.ByID(contactfields.ColUserID)
			} else {
				return operand{}, badFilter("unknown field \"" + name + "\"")
			}
		}
		return operand{field: f}, nil
	case nil:
		return operand{isNil: true}, nil
	case string, bool:
		return operand{konst: x}, nil
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return operand{}, badFilter("invalid number")
		}
		return operand{konst: f}, nil
	case float64:
		return operand{konst: x}, nil
	}
	return operand{}, badFilter("arrays are no operands")
}
