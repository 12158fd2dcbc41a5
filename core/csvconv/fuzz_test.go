package csvconv

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the CSV and Outlook CSV import
// paths: no panic, only the documented whole-file errors, and every
// contact read survives an OX CSV export and a second import unchanged.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("Given name,Sur name\nA,B\n"), false)
	f.Add([]byte("First Name;Last Name\r\nA;B\r\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, outlook bool) {
		format := OX
		if outlook {
			format = Outlook
		}
		rows, err := Decode(data, format, nil)
		if err != nil {
			if !errors.Is(err, ErrNoColumns) && !errors.Is(err, ErrEmpty) {
				t.Fatalf("unexpected file error %v", err)
			}
			return
		}
		exported := map[string]bool{}
		for _, c := range OXColumns {
			exported[c.Field] = true
		}
		var good []Contact
		for _, r := range rows {
			if r.Err != nil {
				if r.Contact != nil {
					t.Fatalf("row with error has a contact: %+v", r)
				}
				continue
			}
			c := Contact{}
			for k, v := range r.Contact {
				if exported[k] {
					c[k] = v
				}
			}
			good = append(good, c)
		}
		if len(good) == 0 {
			return
		}
		out, err := EncodeBytes(good, nil)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		again, err := Decode(out, OX, nil)
		if err != nil || len(again) != len(good) {
			t.Fatalf("re-import: %v, %d of %d rows\n%q", err, len(again), len(good), out)
		}
		for i, r := range again {
			if r.Err != nil || !reflect.DeepEqual(r.Contact, good[i]) {
				t.Fatalf("row %d not stable: %v\nfirst:  %#v\nsecond: %#v", i, r.Err, good[i], r.Contact)
			}
		}
	})
}
