package storage

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// stdFields is how the `fields` column was decoded before the direct path.
func stdFields(s string) map[string]any {
	m := map[string]any{}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	_ = dec.Decode(&m)
	return m
}

var fieldsCorpus = []string{
	``, `{}`, `{ }`, `{"a":"b"}`, `{"note":"Bench contact 1, generated.","telephone_business1":"+1 555 0000001"}`,
	`{"a":1,"b":-2.5e+3,"c":0,"d":-0.0,"e":1E9,"f":true,"g":false,"h":null}`,
	`{"a":"x","a":"y"}`, `{"a":"Grüße ✓"}`, `{"a":"tab\tin"}`, `{"a":"q\"uote"}`, `{"a":"\u00e9"}`,
	`{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":1e}`, `{"a":.5}`, `{"a":tru}`, `{"a":truex}`, `{"a":nul}`,
	`{"a":[1,2]}`, `{"a":{"b":1}}`, `{"distribution_list":[{"mail":"a@b"}],"mark_as_distributionlist":true}`,
	`{"a":1,}`, `{,"a":1}`, `{"a" :1}`, `{"a": 1}`, `{"a":1 }`, `{"a"}`, `{"a":}`, `{"a":"b"`, `"a"`, `[1]`,
	"{\"a\":\"\xff\"}", "{\"\xfe\":1}", `{"":""}`, `{"a":"b","c"}`, `{"a":12345678901234567890123}`,
}

// TestDecodeFieldsMatchesEncodingJSON: the direct path yields exactly what
// encoding/json yields, for the objects it takes and those it passes on.
func TestDecodeFieldsMatchesEncodingJSON(t *testing.T) {
	for _, s := range fieldsCorpus {
		if got, want := decodeFields(s), stdFields(s); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %#v, want %#v", s, got, want)
		}
	}
	// What encodeFields writes for a typical contact takes the direct path.
	enc, err := encodeFields(map[string]any{"note": "x, y", "telephone_business1": "+1 555", "n": json.Number("3"), "b": true, "z": nil})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := decodeFlatFields(enc); !ok {
		t.Errorf("%s: not decoded directly", enc)
	}
}

func FuzzDecodeFields(f *testing.F) {
	for _, s := range fieldsCorpus {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := decodeFields(s), stdFields(s); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %#v, want %#v", s, got, want)
		}
	})
}
