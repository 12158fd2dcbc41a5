package protocol_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"oxlite/core/protocol"
)

// marshalRef is Marshal as it was before the fast encoder: the reference
// every output is compared with byte for byte.
func marshalRef(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte(`{"error":"Internal server error.","error_params":[],"code":"OXL-0002","categories":"ERROR","category":8}`)
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

func checkSame(t *testing.T, v any) {
	t.Helper()
	if got, want := protocol.Marshal(v), marshalRef(v); !bytes.Equal(got, want) {
		t.Fatalf("Marshal(%#v)\n got %q\nwant %q", v, got, want)
	}
}

type label string

type tagged struct {
	ID    int            `json:"id"`
	Name  string         `json:"name,omitempty"`
	Inner map[string]any `json:"inner"`
	skip  int
}

type htmlMarshaler struct{}

func (htmlMarshaler) MarshalJSON() ([]byte, error) { return []byte(` { "a" : "<&>" } `), nil }

type failingMarshaler struct{}

func (failingMarshaler) MarshalJSON() ([]byte, error) { return nil, errors.New("boom") }

type namedMap map[string]any

func TestMarshalMatchesEncodingJSON(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	deep := any("leaf")
	for range 1500 {
		deep = []any{map[string]any{"d": deep}}
	}
	one := 1
	values := []any{
		nil, true, false, 0, -1, math.MaxInt64, math.MinInt64, uint64(math.MaxUint64),
		int8(-128), int16(300), int32(-7), uint8(255), uint16(1), uint32(9), uint(3),
		0.0, math.Copysign(0, -1), 1.0, -1.5, 1e-6, 9.999999e-7, -1e-7, 1e20, 1e21, -1e21, 123456789.125,
		5e-324, math.MaxFloat64, 1e-9, 1.5e-300, 0.1 + 0.2,
		float32(0.1), float32(1e-6), float32(9.9e-7), float32(1e21), float32(math.MaxFloat32), float32(-0.0),
		math.NaN(), math.Inf(1), math.Inf(-1), float32(math.Inf(-1)),
		[]any{1, math.NaN()}, map[string]any{"a": map[string]any{"b": math.Inf(1)}},
		"", "plain", "<b>&amp;</b>", "\x00\x01\x1f\x7f", "\b\f\n\r\t\v", `"\/`, "\xff", "a\xc3", "\xc3\x28",
		"\xed\xa0\x80", "\u2028\u2029x\u2027", "é日本🎉", "\ufffd", "\xf4\x90\x80\x80", strings.Repeat("ab\"", 50),
		json.Number(""), json.Number("1"), json.Number("-0.5e+10"), json.Number("1E-3"), json.Number("01"),
		json.Number("1."), json.Number("-"), json.Number("abc"), json.Number("1e"), json.Number(".5"),
		json.RawMessage(` { "a" : [1, 2] } `), json.RawMessage(nil), json.RawMessage(`{`),
		map[string]any(nil), map[string]any{}, map[string]string(nil), map[string]string{"b": "1", "a": "<"},
		map[string]any{"b": 1, "a": 2, "": 3, "Z": 4, "é": 5, "\xff": 6, "\u2028": 7, "a\x00": 8, "\xfe": 9},
		[]any(nil), []any{}, [][]any(nil), [][]any{nil, {}, {1, "x"}}, []map[string]any(nil),
		[]map[string]any{nil, {}, {"k": []any{nil}}}, []string(nil), []string{"a", "\n"}, []int64(nil),
		[]int64{-1, 2}, []int(nil), []int{}, []byte("hi"), []byte(nil), [2]int{1, 2},
		label("<x>"), []label{"a"}, tagged{ID: 1, Inner: map[string]any{"f": 1e-7}},
		map[string]any{"s": &tagged{Name: "n"}, "p": (*tagged)(nil), "i": &one},
		map[string]any{"t": time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)}, htmlMarshaler{},
		map[string]any{"m": htmlMarshaler{}}, []any{failingMarshaler{}}, namedMap{"b": 1, "a": nil},
		map[int]string{2: "b", 10: "a"}, map[string]any{"c": make(chan int)}, func() {},
		errors.New("e"), struct{ A any }{A: map[string]any{"x": json.Number("bad")}},
		cyclic, deep, map[string]any{"data": [][]any{{1, "a", nil, int64(5), true, 2.5}}, "timestamp": int64(17)},
	}
	for i, v := range values {
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkSame(t, v) })
	}
}

// fuzzTree builds an `any` tree from fuzz bytes, covering every type the
// fast encoder handles and a few it hands to encoding/json.
type fuzzTree struct{ data []byte }

func (f *fuzzTree) byte() byte {
	if len(f.data) == 0 {
		return 0
	}
	b := f.data[0]
	f.data = f.data[1:]
	return b
}

func (f *fuzzTree) uint64() uint64 {
	var buf [8]byte
	n := copy(buf[:], f.data)
	f.data = f.data[n:]
	return binary.LittleEndian.Uint64(buf[:])
}

func (f *fuzzTree) string() string {
	n := min(int(f.byte()%32), len(f.data))
	s := string(f.data[:n])
	f.data = f.data[n:]
	return s
}

func (f *fuzzTree) number() json.Number {
	const alphabet = "0123456789.eE+-x"
	n := int(f.byte() % 12)
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[f.byte()%byte(len(alphabet))]
	}
	return json.Number(b)
}

func (f *fuzzTree) float() float64 {
	switch f.byte() % 4 {
	case 0:
		return math.Float64frombits(f.uint64())
	case 1: // around the 'e' cutoffs and the extremes
		return math.Ldexp(float64(int8(f.byte())), int(int8(f.byte())*9)%1100)
	case 2:
		return math.Copysign(0, -1)
	default:
		return float64(int32(f.uint64())) / 1000
	}
}

type fuzzStruct struct {
	A any    `json:"a"`
	B string `json:"b,omitempty"`
}

func (f *fuzzTree) value(depth int) any {
	if len(f.data) == 0 {
		return nil
	}
	op := f.byte()
	if depth > 5 {
		op %= 8 // only scalars this deep
	}
	n := int(f.byte() % 6)
	switch op % 20 {
	case 0:
		return nil
	case 1:
		return op&0x80 != 0
	case 2:
		return f.string()
	case 3:
		return int64(f.uint64())
	case 4:
		return int(int16(f.uint64()))
	case 5:
		return f.float()
	case 6:
		return float32(f.float())
	case 7:
		return f.number()
	case 8:
		if n == 0 {
			return map[string]any(nil)
		}
		m := map[string]any{}
		for range n {
			m[f.string()] = f.value(depth + 1)
		}
		return m
	case 9:
		if n == 0 {
			return []any(nil)
		}
		s := []any{}
		for range n - 1 {
			s = append(s, f.value(depth+1))
		}
		return s
	case 10:
		rows := [][]any{}
		for range n {
			row, _ := f.value(depth + 1).([]any)
			rows = append(rows, row)
		}
		return rows
	case 11:
		var ms []map[string]any
		for range n {
			m, _ := f.value(depth + 1).(map[string]any)
			ms = append(ms, m)
		}
		return ms
	case 12:
		var s []string
		for range n {
			s = append(s, f.string())
		}
		return s
	case 13:
		var s []int64
		for range n {
			s = append(s, int64(f.uint64()))
		}
		return s
	case 14:
		return fuzzStruct{A: f.value(depth + 1), B: f.string()}
	case 15:
		return uint64(f.uint64())
	case 16:
		m := map[string]string{}
		for range n {
			m[f.string()] = f.string()
		}
		return m
	case 17:
		return json.RawMessage(f.string())
	case 18:
		return []int{n, -n}
	default:
		return label(f.string())
	}
}

func FuzzMarshal(f *testing.F) {
	f.Add([]byte{8, 3, 2, 3, 'a', 'b', 'c', 5, 1, 1, 0, 9, 3, 2, 2, 2, 0xff, '<'})
	f.Add([]byte{10, 2, 9, 3, 7, 0, 5, 5, 2, 1, 40, 2, 4, 9, 'x', '\n', 0xe2, 0x80, 0xa8})
	f.Add([]byte{14, 1, 8, 2, 1, 'k', 6, 0, 1, 3, 0, 1, 'b'})
	f.Fuzz(func(t *testing.T, data []byte) {
		v := (&fuzzTree{data: data}).value(0)
		if got, want := protocol.Marshal(v), marshalRef(v); !bytes.Equal(got, want) {
			t.Fatalf("Marshal(%#v)\n got %q\nwant %q", v, got, want)
		}
	})
}

// listEnvelope is a contacts list answer: 50 rows of 19 mixed columns.
func listEnvelope() any {
	rows := make([][]any, 50)
	for i := range rows {
		var birthday any
		if i%3 == 0 {
			birthday = int64(315532800000 + i*86400000)
		}
		var dist any
		if i%10 == 0 {
			dist = []any{map[string]any{"display_name": "Member", "mail": "m@example.com", "mail_field": 0}}
		}
		rows[i] = []any{
			i + 1, 6, 3, 3, int64(1700000000000 + i), int64(1700000100000 + i),
			fmt.Sprintf("Müller, Jörg %d", i), "Jörg", fmt.Sprintf("Müller %d", i),
			fmt.Sprintf("user%d@example.com", i), "", nil, "Example <GmbH> & Co.",
			i%2 == 0, 0, dist, birthday, fmt.Sprintf("uid-%08x", i), "Line 1\nLine 2\t\"quoted\"",
		}
	}
	return protocol.OKAt(rows, 1700000100049).Envelope()
}

func BenchmarkMarshalList(b *testing.B) {
	v := listEnvelope()
	if !bytes.Equal(protocol.Marshal(v), marshalRef(v)) {
		b.Fatal("outputs differ")
	}
	b.Run("old", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			marshalRef(v)
		}
	})
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			protocol.Marshal(v)
		}
	})
}
