package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// A reflection-free JSON encoder for the dynamic trees handlers return.
// Under js/wasm encoding/json's reflection walk cost ~10 % of a list
// request; a type switch over the few types answers are built from is
// several times cheaper. Output must stay byte-identical to
// encoding/json with SetEscapeHTML(false) (the reference in
// jsonenc_test.go checks this, also by fuzzing), so every rule below
// mirrors $GOROOT/src/encoding/json/encode.go. Anything not matched
// exactly — named types (which may have MarshalJSON), structs, pointers,
// []byte, json.RawMessage — goes to encoding/json per sub-value.

// maxDepth bounds our own recursion: a cyclic map[string]any would
// otherwise overflow the stack, while encoding/json reports the cycle as
// an error. Deeper values are handed to encoding/json, which then
// encodes them identically or detects the cycle.
const maxDepth = 1000

var errUnsupportedFloat = errors.New("json: unsupported value: NaN or Inf")

// encBufs recycles scratch buffers; Marshal copies the result out because
// callers keep it.
var encBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// appendJSON encodes v. On error the partial output is meaningless.
func appendJSON(b []byte, v any) ([]byte, error) { return appendValue(b, v, 0) }

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return appendFallback(b, v)
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(b, int64(x), 10), nil
	case uint:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case float64:
		return appendFloat(b, x, 64)
	case float32:
		return appendFloat(b, float64(x), 32)
	case json.Number:
		return appendNumber(b, x)
	case map[string]any:
		return appendMap(b, x, depth, appendValue)
	case map[string]string:
		return appendMap(b, x, depth, appendStringElem)
	case []any:
		return appendSlice(b, x, depth, appendValue)
	case [][]any:
		return appendSlice(b, x, depth, appendAnySlice)
	case []map[string]any:
		return appendSlice(b, x, depth, appendAnyMap)
	case []string:
		return appendSlice(b, x, depth, appendStringElem)
	case []int64:
		return appendSlice(b, x, depth, appendInt64Elem)
	case []int:
		return appendSlice(b, x, depth, appendIntElem)
	}
	return appendFallback(b, v)
}

// Element encoders for typed slices and maps: passing the element
// straight through avoids boxing each one into an interface.
func appendAnySlice(b []byte, s []any, depth int) ([]byte, error) {
	return appendSlice(b, s, depth, appendValue)
}

func appendAnyMap(b []byte, m map[string]any, depth int) ([]byte, error) {
	return appendMap(b, m, depth, appendValue)
}

func appendStringElem(b []byte, s string, _ int) ([]byte, error) { return appendString(b, s), nil }

func appendInt64Elem(b []byte, n int64, _ int) ([]byte, error) {
	return strconv.AppendInt(b, n, 10), nil
}

func appendIntElem(b []byte, n int, _ int) ([]byte, error) {
	return strconv.AppendInt(b, int64(n), 10), nil
}

type elemFunc[T any] func(b []byte, v T, depth int) ([]byte, error)

func appendSlice[T any](b []byte, s []T, depth int, enc elemFunc[T]) ([]byte, error) {
	if s == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	var err error
	for i, x := range s {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = enc(b, x, depth+1); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

type kv[V any] struct {
	k string
	v V
}

// appendMap sorts keys with strings.Compare (byte order of the UTF-8 key),
// as encoding/json does, before escaping them.
func appendMap[V any](b []byte, m map[string]V, depth int, enc elemFunc[V]) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	pairs := make([]kv[V], 0, len(m))
	for k, v := range m {
		pairs = append(pairs, kv[V]{k, v})
	}
	slices.SortFunc(pairs, func(a, c kv[V]) int { return strings.Compare(a.k, c.k) })
	b = append(b, '{')
	var err error
	for i, p := range pairs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, p.k)
		b = append(b, ':')
		if b, err = enc(b, p.v, depth+1); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// appendFloat is encoding/json's floatEncoder: ES6 number formatting,
// 'e' outside [1e-6, 1e21) with the exponent's leading zero dropped.
func appendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, errUnsupportedFloat
	}
	abs := math.Abs(f)
	format := byte('f')
	// float32 values need float32 comparisons to get the cutoffs right.
	if abs != 0 && (bits == 64 && (abs < 1e-6 || abs >= 1e21) ||
		bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21)) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// appendNumber writes a json.Number verbatim after encoding/json's
// validation; the empty Number is "0" for Go 1.5 compatibility.
func appendNumber(b []byte, n json.Number) ([]byte, error) {
	s := string(n)
	if s == "" {
		s = "0"
	}
	if !validNumber(s) {
		return b, errors.New("json: invalid number literal " + strconv.Quote(s))
	}
	return append(b, s...), nil
}

// validNumber is encoding/json's isValidNumber (RFC 7159 number grammar).
func validNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		if s = s[1:]; s == "" {
			return false
		}
	}
	switch {
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		s = skipDigits(s[1:])
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && isDigit(s[1]) {
		s = skipDigits(s[2:])
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			if s = s[1:]; s == "" {
				return false
			}
		}
		s = skipDigits(s)
	}
	return s == ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func skipDigits(s string) string {
	for len(s) > 0 && isDigit(s[0]) {
		s = s[1:]
	}
	return s
}

const hexDigits = "0123456789abcdef"

// safeASCII marks the bytes appendString copies as they are: printable
// ASCII (DEL included) except '"' and '\\'. A table lookup keeps the
// common case to one test per byte.
var safeASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendString is encoding/json's appendString with escapeHTML=false:
// '<', '>' and '&' stay literal (the UI parses raw text), invalid UTF-8
// becomes \ufffd, and U+2028/U+2029 are escaped for JSONP safety.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if safeASCII[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		} else {
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendFallback encodes one value with encoding/json, configured as
// Marshal always was.
func appendFallback(b []byte, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return b, err
	}
	// Encode ends every value with exactly one newline; JSON text itself
	// never ends in one (MarshalJSON output is compacted).
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
}
