package pim

import (
	"testing"

	"oxlite/core/perm"
	"oxlite/core/protocol"
	"oxlite/storage"
)

func TestParseRefs(t *testing.T) {
	req := &protocol.Request{Body: []byte(`[{"id":5,"folder":"21"},{"id":"6","folder_id":22,"recurrence_position":3}]`)}
	refs, err := ParseRefs(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 2 || refs[0] != (Ref{ID: 5, Folder: 21}) || refs[1] != (Ref{ID: 6, Folder: 22, RecurrencePosition: 3}) {
		t.Fatalf("got %+v", refs)
	}
	one, err := ParseRefs(&protocol.Request{Body: []byte(`{"id":7,"folder":8}`)})
	if err != nil || len(one) != 1 || one[0].ID != 7 {
		t.Fatalf("single object: %+v %v", one, err)
	}
	for _, bad := range []string{``, `[1,2]`, `[{"id":"x","folder":1}]`, `[{"id":1}]`, `{`, `"s"`} {
		if _, err := ParseRefs(&protocol.Request{Body: []byte(bad)}); err == nil {
			t.Errorf("%q: no error", bad)
		} else if e, ok := err.(*protocol.Error); !ok || e.Code != "SVL-0009" {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestAccess(t *testing.T) {
	shared := &storage.Folder{Type: 1, Owner: 2}
	reader := Access{Folder: shared, User: 3, Perm: perm.Permission{Folder: 1, Read: 2, Write: 1, Delete: 0}}
	if !reader.CanRead(2, false) || reader.CanRead(2, true) {
		t.Fatal("private objects of the owner must be hidden in a shared folder")
	}
	if reader.CanWrite(2, false) || !reader.CanWrite(3, false) || reader.CanDelete(3, false) {
		t.Fatal("write-own / no-delete levels not honoured")
	}
	owner := Access{Folder: shared, User: 2, Perm: perm.Permission{Folder: 64, Read: 64, Write: 64, Delete: 64, Admin: true}}
	if !owner.CanRead(2, true) || !owner.CanDelete(3, false) {
		t.Fatal("owner must see and delete everything")
	}
	if (Access{Folder: &storage.Folder{Type: 2}}).PrivateAllowed() {
		t.Fatal("private flag allowed in a public folder")
	}
}

func TestStale(t *testing.T) {
	if Stale(10, 10, true) || !Stale(11, 10, true) || Stale(11, 0, false) {
		t.Fatal("stale rule wrong")
	}
}
