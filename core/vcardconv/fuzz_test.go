package vcardconv

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the vCard import path: it must not
// panic, fail only with ErrNoCards for the whole file, and every contact it
// reads must survive an export and a second import unchanged.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cards, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrNoCards) {
				t.Fatalf("unexpected file error %v", err)
			}
			return
		}
		var good []Contact
		for _, c := range cards {
			if c.Err != nil {
				if c.Contact != nil {
					t.Fatalf("card with error has a contact: %+v", c)
				}
				continue
			}
			if len(c.Contact) == 0 {
				t.Fatal("card without error and without data")
			}
			good = append(good, c.Contact)
		}
		if len(good) == 0 {
			return
		}
		out, err := EncodeBytes(good)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		again, err := Decode(out)
		if err != nil || len(again) != len(good) {
			t.Fatalf("re-import: %v, %d of %d cards\n%q", err, len(again), len(good), out)
		}
		for i, c := range again {
			if c.Err != nil || !reflect.DeepEqual(c.Contact, good[i]) {
				t.Fatalf("card %d not stable: %v\nfirst:  %#v\nsecond: %#v\nexport: %q", i, c.Err, good[i], c.Contact, out)
			}
		}
	})
}
