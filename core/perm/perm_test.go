package perm

import (
	"testing"

	"oxlite/storage"
)

func TestBitsRoundTrip(t *testing.T) {
	if AllBits != 403710016 {
		t.Fatalf("AllBits = %d, want 403710016", AllBits)
	}
	if got := Full.Bits(); got != 403710016 {
		t.Fatalf("Full.Bits() = %d", got)
	}
	p, err := Parse(403710016)
	if err != nil || p != Full {
		t.Fatalf("Parse(403710016) = %+v, %v", p, err)
	}
	cases := []Permission{
		{},
		{Folder: See},
		{Folder: CreateSubfolder},
		{Folder: See, Read: All, Write: Own},
		{Folder: CreateObjects, Read: All, Write: All, Delete: All},
		{Folder: Max, Read: Max, Write: Max, Delete: Max},
		{Folder: See, Admin: true},
	}
	for _, c := range cases {
		q, err := Parse(int64(c.Bits()))
		if err != nil || q != c {
			t.Errorf("round trip of %+v gave %+v, %v", c, q, err)
		}
	}
	// GAB for all users: see folder, read all, write own.
	if b := (Permission{Folder: 1, Read: 2, Write: 1}).Bits(); b != 1|2<<7|1<<14 {
		t.Errorf("GAB bits %d", b)
	}
}

func TestParseRejects(t *testing.T) {
	for _, b := range []int64{3, 5, 63, 65, 3 << 7, 100 << 14, 7 << 21, -1} {
		if _, err := Parse(b); err == nil {
			t.Errorf("Parse(%d) accepted", b)
		}
	}
	// The mail rename flag (bit 30) is not ours and is ignored.
	p, err := Parse(1<<30 | 4)
	if err != nil || p != (Permission{Folder: 4}) {
		t.Errorf("Parse with bit 30 = %+v, %v", p, err)
	}
}

func TestEffective(t *testing.T) {
	entries := []storage.Permission{
		{Entity: 0, Group: true, Folder: 1, Read: 1},
		{Entity: 7, Group: true, Folder: 2, Read: 2, Write: 1},
		{Entity: 5, Folder: 1, Read: 0, Delete: 2},
		{Entity: 9, Folder: 64, Read: 64, Write: 64, Delete: 64, Admin: true},
		// A user whose id equals a group id must not match the group entry.
		{Entity: 8, Group: true, Folder: 64, Read: 64, Admin: true},
	}
	got := Effective(entries, Subject{User: 5, Groups: []int64{7}})
	want := Permission{Folder: 2, Read: 2, Write: 1, Delete: 2}
	if got != want {
		t.Errorf("user 5 in group 7: %+v, want %+v", got, want)
	}
	got = Effective(entries, Subject{User: 8})
	if got != (Permission{Folder: 1, Read: 1}) {
		t.Errorf("user 8: %+v", got)
	}
	got = Effective(entries, Subject{User: 9})
	if !got.Admin || got.Folder != Max {
		t.Errorf("user 9: %+v", got)
	}
	if Effective(nil, Subject{User: 1}).Visible() {
		t.Error("no entries must not be visible")
	}
}

func TestChecks(t *testing.T) {
	if !(Permission{Admin: true}).Visible() {
		t.Error("admin without folder right must be visible")
	}
	if (Permission{Read: Max}).Visible() {
		t.Error("read without folder right must not be visible")
	}
	own := Permission{Folder: See, Read: Own, Write: Own, Delete: Own}
	if !own.CanReadObject(true) || own.CanReadObject(false) {
		t.Error("read own")
	}
	if !own.CanWriteObject(true) || own.CanWriteObject(false) {
		t.Error("write own")
	}
	if !own.CanDeleteObject(true) || own.CanDeleteObject(false) {
		t.Error("delete own")
	}
	if own.CanCreateObjects() || own.CanCreateSubfolders() || own.CanReadAll() || own.CanDeleteAll() {
		t.Error("own must not allow creating or reading all")
	}
	if !Full.CanReadObject(false) || !Full.CanWriteObject(false) || !Full.CanDeleteObject(false) || !Full.CanDeleteAll() {
		t.Error("max must allow everything")
	}
	cr := Permission{Folder: CreateObjects}
	if !cr.CanCreateObjects() || cr.CanCreateSubfolders() {
		t.Error("create objects")
	}
	for _, f := range []int{CreateSubfolder, Max} {
		if !(Permission{Folder: f}).CanCreateSubfolders() {
			t.Errorf("folder %d must allow subfolders", f)
		}
	}
}
