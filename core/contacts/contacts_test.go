package contacts

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"oxlite/core/protocol"
	"oxlite/core/provision"
	"oxlite/storage"

	// Registers the memdb VFS that storage.MemoryDSN names.
	_ "github.com/ncruces/go-sqlite3/vfs/memdb"
)

func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.NRGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The import/export contract: CreateContact takes wire names with UTC
// times and a base64 picture; FolderContacts gives every stored field
// back, picture and members included.
func TestCreateAndFolderContacts(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(ctx, storage.Options{DSN: storage.MemoryDSN("contacts-export-test")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := &provision.Service{DB: db}
	cid, _, _, err := p.AddContext(ctx, "ctx")
	if err != nil {
		t.Fatal(err)
	}
	alice, err := p.AddUser(ctx, cid, provision.NewUser{Login: "alice", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	u := &protocol.User{ContextID: cid, ID: alice.ID}
	folder, err := db.DefaultFolder(ctx, cid, alice.ID, "contacts")
	if err != nil {
		t.Fatal(err)
	}
	m := &Module{DB: db, Blobs: storage.SQLBlobs{DB: db}}
	pic := testPNG(t)
	bday := time.Date(1980, 5, 17, 0, 0, 0, 0, time.UTC).UnixMilli()
	id, lm, err := m.CreateContact(ctx, u, folder, map[string]any{
		"display_name": "Vera Vcard", "first_name": "Vera", "email1": "vera@example.org", "birthday": bday,
		"userfield03": "three", "uid": "vcard-uid-1", "private_flag": true, "color_label": json.Number("4"),
		"image1": base64.StdEncoding.EncodeToString(pic), "image1_content_type": "image/png", "folder_id": 1,
	})
	if err != nil || id == 0 || lm == 0 {
		t.Fatalf("CreateContact = %d, %d, %v", id, lm, err)
	}
	listID, _, err := m.CreateContact(ctx, u, folder, map[string]any{"display_name": "List",
		"distribution_list": []map[string]any{{"id": id, "mail_field": 1}, {"display_name": "X", "mail": "x@example.org"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.CreateContact(ctx, u, folder, map[string]any{"email1": "broken"}); !errCode(err, "CON-0100") {
		t.Fatalf("invalid address: %v", err)
	}
	if _, _, err := m.CreateContact(ctx, u, 6, map[string]any{"display_name": "x"}); !errCode(err, "CON-0112") {
		t.Fatalf("create in the GAB: %v", err)
	}

	objs, err := m.FolderContacts(ctx, u, folder)
	if err != nil || len(objs) != 2 {
		t.Fatalf("FolderContacts = %v, %v", objs, err)
	}
	o := objs[0]
	if o["id"] != id || o["display_name"] != "Vera Vcard" || o["birthday"] != bday || o["userfield03"] != "three" || o["uid"] != "vcard-uid-1" ||
		o["private_flag"] != true || o["color_label"] != int64(4) || o["folder_id"] != folder || o["last_modified"] != lm {
		t.Fatalf("exported contact: %v", o)
	}
	if o["image1_content_type"] != "image/png" || o["image1"] != base64.StdEncoding.EncodeToString(pic) {
		t.Fatalf("exported picture: %v %v", o["image1_content_type"], o["image1"] != nil)
	}
	l := objs[1]
	ms, _ := l["distribution_list"].([]any)
	if l["id"] != listID || l["mark_as_distributionlist"] != true || len(ms) != 2 || ms[0].(map[string]any)["mail"] != "vera@example.org" {
		t.Fatalf("exported list: %v", l)
	}
	if _, err := m.FolderContacts(ctx, &protocol.User{ContextID: cid, ID: 999}, folder); err == nil {
		t.Fatal("another user exported alice's folder")
	}
}

func errCode(err error, code string) bool {
	e, ok := err.(*protocol.Error)
	return ok && e.Code == code
}

func TestFilter(t *testing.T) {
	c := &storage.ContactRow{ID: 3, FolderID: 30, LastName: "Müller", FirstName: "Anna", Company: "", Fields: map[string]any{
		"birthday": json.Number("479260800000"), "city_home": "Bonn"}}
	cases := []struct {
		filter string
		want   bool
	}{
		{`["=", {"field":"last_name"}, "müller"]`, true},
		{`["=", {"field":"last_name"}, "M*"]`, true},
		{`["<>", {"field":"last_name"}, "M*"]`, false},
		{`["=", {"field":"company"}, "*"]`, false},
		{`["not", ["=", {"field":"company"}, "*"]]`, true},
		{`["=", {"field":"company"}, null]`, true},
		{`[">", {"field":"birthday"}, 0]`, true},
		{`["<", 0, {"field":"birthday"}]`, true},
		{`["and", ["=", {"field":"folder_id"}, 30], ["<=", {"field":"city_home"}, "bonn"]]`, true},
		{`["or", ["=", {"field":"first_name"}, "x"], ["=", {"field":"id"}, 3]]`, true},
		{`["AND", ["=", {"field":"first_name"}, "x"], ["=", {"field":"id"}, 3]]`, false},
	}
	for _, tc := range cases {
		var v any
		dec := json.NewDecoder(bytes.NewReader([]byte(tc.filter)))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		term, err := parseFilter(v)
		if err != nil {
			t.Fatalf("%s: %v", tc.filter, err)
		}
		if got := term.eval(c); got != tc.want {
			t.Errorf("%s = %v", tc.filter, got)
		}
	}
	deep := []any{"not", []any{"=", map[string]any{"field": "id"}, 1.0}}
	for i := 0; i < 40; i++ {
		deep = []any{"not", deep}
	}
	if _, err := parseFilter(deep); err == nil {
		t.Error("a filter nested 40 deep was accepted")
	}
}

func TestNextIn(t *testing.T) {
	d := func(y int, m time.Month, day int) int64 {
		return time.Date(y, m, day, 0, 0, 0, 0, time.UTC).UnixMilli()
	}
	leapDay := d(1988, time.February, 29)
	if got, ok := nextIn(leapDay, d(2027, time.February, 1), d(2027, time.March, 1)); !ok || got != d(2027, time.February, 28) {
		t.Errorf("29 February in a common year: %v %v", time.UnixMilli(got).UTC(), ok)
	}
	if got, ok := nextIn(d(1970, time.January, 2), d(2025, time.December, 20), d(2026, time.January, 10)); !ok || got != d(2026, time.January, 2) {
		t.Errorf("across the new year: %v %v", time.UnixMilli(got).UTC(), ok)
	}
	if _, ok := nextIn(d(1970, time.June, 1), d(2026, time.January, 1), d(2026, time.June, 1)); ok {
		t.Error("end is exclusive")
	}
}

func TestCheckPicture(t *testing.T) {
	m := &Module{MaxImageSize: 1000}
	p, err := m.checkPicture(testPNG(t))
	if err != nil || p.contentType != "image/png" {
		t.Fatalf("png: %v %v", p, err)
	}
	if _, err := m.checkPicture([]byte("not a picture")); !ErrNotValidImage.Is(err) {
		t.Errorf("text: %v", err)
	}
	if _, err := m.checkPicture(make([]byte, 1001)); !ErrImageTooLarge.Is(err) {
		t.Errorf("too large: %v", err)
	}
	if _, err := m.base64Picture("data:image/png;base64," + base64.StdEncoding.EncodeToString(testPNG(t))); err != nil {
		t.Errorf("data URL: %v", err)
	}
}
