package protocol

import (
	"encoding/json"
	"testing"
)

func TestInt64Of(t *testing.T) {
	for _, c := range []struct {
		v    any
		want int64
		ok   bool
	}{
		{json.Number("12"), 12, true}, {json.Number("12.0"), 12, true}, {json.Number("1.5"), 0, false},
		{float64(-3), -3, true}, {" 42 ", 42, true}, {"x", 0, false}, {nil, 0, false}, {true, 0, false},
		{map[string]any{"id": "7"}, 0, false},
	} {
		got, ok := Int64Of(c.v)
		if got != c.want || ok != c.ok {
			t.Errorf("Int64Of(%#v) = %d, %v", c.v, got, ok)
		}
	}
	if id, ok := IDOf(map[string]any{"id": "7"}); !ok || id != 7 {
		t.Errorf("IDOf object: %d %v", id, ok)
	}
}

func TestBodyIDs(t *testing.T) {
	ids, arr, err := (&Request{Body: []byte(`[1,"2",{"id":3}]`)}).BodyIDs()
	if err != nil || !arr || len(ids) != 3 || ids[2] != 3 {
		t.Fatalf("array: %v %v %v", ids, arr, err)
	}
	ids, arr, err = (&Request{Body: []byte(`{"id":9}`)}).BodyIDs()
	if err != nil || arr || len(ids) != 1 || ids[0] != 9 {
		t.Fatalf("object: %v %v %v", ids, arr, err)
	}
	for _, bad := range []string{``, `"x"`, `[{"id":"a"}]`, `[true]`, `{"id":1}]`} {
		if _, _, err := (&Request{Body: []byte(bad)}).BodyIDs(); err == nil {
			t.Errorf("%q accepted", bad)
		} else if e, ok := err.(*Error); !ok || e.Code != "SVL-0009" {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
