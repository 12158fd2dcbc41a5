package syncit

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"testing"
)

// serverAttach attaches one file to an object through a server client and
// returns the attachment's id.
func serverAttach(t *testing.T, c *Client, module, folder, attached int64, name, ctype string, data []byte) int64 {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	meta, _ := json.Marshal(map[string]any{"module": module, "folder": folder, "attached": attached})
	w.WriteField("json_0", string(meta))
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file_0"; filename="`+name+`"`)
	h.Set("Content-Type", ctype)
	pw, _ := w.CreatePart(h)
	pw.Write(data)
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.Srv.URL+"/ajax/attachment?"+url.Values{"action": {"attach"}, "session": {c.Session}}.Encode(), &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	res := c.Raw(req)
	m := bytes.Index(res.Body, []byte(`"data":[`))
	if m < 0 {
		t.Fatalf("attach answered %s", res.Body)
	}
	var ids []int64
	rest := res.Body[m+len(`"data":`):]
	if err := json.NewDecoder(bytes.NewReader(rest)).Decode(&ids); err != nil || len(ids) != 1 {
		t.Fatalf("attach answered %s", res.Body)
	}
	return ids[0]
}

// attachmentsOf lists an object's attachments through a client: id →
// [filename, file_size, file_mimetype, creation_date].
func attachmentsOf(t *testing.T, c getter, module, folder, attached int64) map[int64][]any {
	t.Helper()
	res := MustOK(t, c.Get("attachment", "action", "all", "module", itoa(module), "folder", itoa(folder), "attached", itoa(attached),
		"columns", "1,803,804,805,4", "timezone", "UTC"))
	out := map[int64][]any{}
	for _, r := range res.Data().([]any) {
		row := r.([]any)
		out[num(row[0])] = row[1:]
	}
	return out
}

func document(t *testing.T, c interface {
	Do(string, string, url.Values, any) *Result
}, module, folder, attached, id int64) []byte {
	t.Helper()
	res := c.Do(http.MethodGet, "attachment", url.Values{"action": {"document"}, "module": {itoa(module)}, "folder": {itoa(folder)},
		"attached": {itoa(attached)}, "id": {itoa(id)}}, nil)
	if res.Status != http.StatusOK || res.Obj != nil && res.Obj["error"] != nil {
		t.Fatalf("document %d: %d %s", id, res.Status, res.Body)
	}
	return res.Body
}

func TestAttachmentsArePulled(t *testing.T) {
	e := setup(t)
	calF := calFolder(t, e.alice)
	contact := create(t, e.alice, "contacts", map[string]any{"folder_id": e.conFolder, "display_name": "With files"})
	task := create(t, e.alice, "tasks", map[string]any{"folder_id": e.taskFolder, "title": "With files"})
	appt := newAppt(t, e.alice, calF, "With files", calStart, nil)
	type obj struct{ module, folder, id int64 }
	objs := []obj{{7, e.conFolder, contact}, {4, e.taskFolder, task}, {1, calF, appt}}
	files := map[int64][]byte{}
	for i, o := range objs {
		data := []byte("plain text file number " + itoa(int64(i)))
		files[serverAttach(t, e.alice, o.module, o.folder, o.id, "notes.txt", "text/plain", data)] = data
		bin := append(pngBytes(), byte(i))
		files[serverAttach(t, e.alice, o.module, o.folder, o.id, "pic.png", "image/png", bin)] = bin
	}
	l := e.attach(t)
	same := func(o obj) {
		t.Helper()
		srv, loc := attachmentsOf(t, e.alice, o.module, o.folder, o.id), attachmentsOf(t, l, o.module, o.folder, o.id)
		if jsonString(srv) != jsonString(loc) || len(srv) == 0 {
			t.Fatalf("module %d object %d: server %v local %v", o.module, o.id, srv, loc)
		}
		for id := range loc {
			if want, got := document(t, e.alice, o.module, o.folder, o.id, id), document(t, l, o.module, o.folder, o.id, id); !bytes.Equal(want, got) {
				t.Fatalf("document %d: server %q local %q", id, want, got)
			}
		}
	}
	for _, o := range objs {
		same(o)
		if srv, _ := getObj(t, e.alice, map[int64]string{7: "contacts", 4: "tasks", 1: "calendar"}[o.module], o.id, o.folder); num(srv["number_of_attachments"]) != 2 {
			t.Fatalf("server count %v", srv["number_of_attachments"])
		}
	}
	// Server-side changes follow: one file detached, another attached.
	for _, o := range objs {
		var first int64
		for id := range attachmentsOf(t, e.alice, o.module, o.folder, o.id) {
			if first == 0 || id < first {
				first = id
			}
		}
		MustOK(t, e.alice.Put("attachment", []int64{first}, "action", "detach", "module", itoa(o.module), "folder", itoa(o.folder),
			"attached", itoa(o.id)))
		serverAttach(t, e.alice, o.module, o.folder, o.id, "later.bin", "application/octet-stream", []byte{0, 1, 2, 3})
	}
	l.Sync()
	for _, o := range objs {
		same(o)
	}
}
