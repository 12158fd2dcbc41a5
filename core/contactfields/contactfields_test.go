package contactfields

import (
	"encoding/json"
	"testing"
	"time"

	"oxlite/core/protocol"
	"oxlite/storage"
)

func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Fields {
		if seen[f.Name] {
			t.Errorf("duplicate name %s", f.Name)
		}
		seen[f.Name] = true
		if g, ok := ByID(f.ID); !ok || g.Name != f.Name {
			t.Errorf("ByID(%d)", f.ID)
		}
	}
	for _, id := range []int{1, 2, 3, 4, 5, 6, 20, 100, 101, 102, 104, 500, 501, 502, 511, 524, 555, 569, 590, 599, 607, 615} {
		if _, ok := ByID(id); !ok {
			t.Errorf("column %d missing", id)
		}
	}
	if f, _ := ByID(512); f.Name != "marital_status" {
		t.Errorf("512 = %s", f.Name)
	}
}

func TestSetAndValue(t *testing.T) {
	c := &storage.ContactRow{ID: 7, FolderID: 6, LastModified: 1700000000000, CreationDate: 1600000000000}
	set := func(name string, v any) error {
		f, ok := ByName(name)
		if !ok {
			t.Fatalf("no field %s", name)
		}
		return Set(c, f, v)
	}
	val := func(id int, loc *time.Location) any {
		f, _ := ByID(id)
		return Value(c, f, loc)
	}
	if err := set("last_name", "Doe"); err != nil || c.LastName != "Doe" {
		t.Fatal("column field", err)
	}
	if err := set("city_home", "Köln"); err != nil || c.Fields["city_home"] != "Köln" || val(508, nil) != "Köln" {
		t.Fatal("JSON field", err)
	}
	if err := set("birthday", json.Number("86400123")); err != nil || val(511, nil) != int64(86400000) {
		t.Fatal("date is truncated to the day", err, val(511, nil))
	}
	if err := set("color_label", json.Number("3")); err != nil || val(102, nil) != int64(3) {
		t.Fatal("int", err)
	}
	if val(104, nil) != 0 {
		t.Fatal("number_of_attachments defaults to 0")
	}
	if err := set("city_home", nil); err != nil || val(508, nil) != nil {
		t.Fatal("nil clears")
	}
	if err := set("city_home", json.Number("5")); !protocol.ErrInvalidValue.Is(err) {
		t.Fatalf("wrong type: %v", err)
	}
	if err := set("email2", "nope"); !ErrInvalidEmail.Is(err) {
		t.Fatalf("bad address: %v", err)
	}
	if err := set("first_name", "John"); err != nil || val(ColSortName, nil) != "DoeJohn" {
		t.Fatal("sort_name", val(ColSortName, nil))
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	if val(ColLastModified, berlin) != int64(1700000000000+3600000) || val(ColLastModUTC, berlin) != int64(1700000000000) {
		t.Fatal("Time and Timestamp")
	}
	obj := Object(c, time.UTC)
	if obj["last_name"] != "Doe" || obj["id"] != int64(7) || obj["folder_id"] != int64(6) {
		t.Fatalf("object: %v", obj)
	}
	if _, has := obj["city_home"]; has {
		t.Fatal("empty fields are left out")
	}
}
