package imports

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http/httptest"
	"testing"

	"oxlite/core/contactfields"
	"oxlite/core/csvconv"
	"oxlite/core/folders"
	"oxlite/core/perm"
	"oxlite/core/protocol"
	"oxlite/core/vcardconv"
	"oxlite/storage"
)

// The converters keep their own field lists (they import no storage);
// every name they produce must be a contact field.
func TestConverterFieldsExist(t *testing.T) {
	for _, f := range vcardconv.Fields() {
		if _, ok := contactfields.ByName(f); !ok {
			t.Errorf("vCard mapping names unknown field %q", f)
		}
	}
	for _, c := range csvconv.OXColumns {
		f, ok := contactfields.ByID(c.ID)
		if !ok || f.Name != c.Field {
			t.Errorf("CSV column %d %q does not match the contact table (%v)", c.ID, c.Field, f)
		}
	}
}

type fakeFolders struct{ f *storage.Folder }

func (ff fakeFolders) Access(context.Context, *protocol.User, int64) (*storage.Folder, perm.Permission, error) {
	return ff.f, perm.Full, nil
}

type fakeTasks struct{ got []map[string]any }

func (ft *fakeTasks) CreateTask(_ context.Context, _ *protocol.User, _ int64, obj map[string]any) (int64, int64, error) {
	ft.got = append(ft.got, obj)
	return int64(len(ft.got)), 1000, nil
}

func uploadReq(t *testing.T, query string, data []byte) *protocol.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "x.ics")
	fw.Write(data)
	mw.Close()
	hr := httptest.NewRequest("POST", "/ajax/import?"+query, &buf)
	hr.Header.Set("Content-Type", mw.FormDataContentType())
	req, err := protocol.Parse(hr, protocol.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	req.User = &protocol.User{ContextID: 1, ID: 3, TimeZone: "UTC"}
	return req
}

const twoTodos = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" +
	"BEGIN:VTODO\r\nUID:same\r\nSUMMARY:a\r\nCLASS:PRIVATE\r\nEND:VTODO\r\n" +
	"BEGIN:VTODO\r\nUID:same\r\nSUMMARY:b\r\nEND:VTODO\r\n" +
	"BEGIN:VTODO\r\nUID:other\r\nSUMMARY:c\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"

func TestICalIgnoreUIDsAndPublicFolders(t *testing.T) {
	ft := &fakeTasks{}
	m := &Module{Folders: fakeFolders{&storage.Folder{ID: 40, Module: "tasks", Type: folders.TypePublic}}, Tasks: ft}
	resp, err := m.ical(uploadReq(t, "action=ICAL&folder=40&ignoreUIDs=true", []byte(twoTodos)))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data.([]any)) != 3 || len(ft.got) != 3 {
		t.Fatalf("%+v", resp.Data)
	}
	u0, u1, u2 := ft.got[0]["uid"], ft.got[1]["uid"], ft.got[2]["uid"]
	if u0 == "same" || u0 != u1 || u2 == u0 || u2 == "other" {
		t.Fatalf("UIDs %v %v %v", u0, u1, u2)
	}
	if _, ok := ft.got[0]["private_flag"]; ok {
		t.Fatal("a private flag in a public folder must be dropped")
	}
	if w, _ := resp.Extra["warnings"].([]any); len(w) != 1 {
		t.Fatalf("want one warning for the dropped flag: %v", resp.Extra)
	}
	first := resp.Data.([]any)[0].(map[string]any)
	if first["id"] != int64(1) || first["folder_id"] != int64(40) || first["warnings"] == nil {
		t.Fatalf("%v", first)
	}
}
