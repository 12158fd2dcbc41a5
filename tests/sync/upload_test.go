package syncit

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"regexp"
	"testing"
)

type upPart struct {
	field, filename, ctype string
	data                   []byte
}

// upload posts a multipart form to the local facade and decodes the
// callback page's envelope.
func (l *Local) upload(t *testing.T, module string, parts []upPart, kv ...string) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.filename == "" {
			w.WriteField(p.field, string(p.data))
			continue
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+p.field+`"; filename="`+p.filename+`"`)
		h.Set("Content-Type", p.ctype)
		pw, _ := w.CreatePart(h)
		pw.Write(p.data)
	}
	w.Close()
	params := kvs(kv...)
	params.Set("session", l.Session)
	req := httptest.NewRequest(http.MethodPost, "/"+module+"?"+params.Encode(), &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.RemoteAddr = "127.0.0.1:0"
	rw := httptest.NewRecorder()
	l.App.Handler().ServeHTTP(rw, req)
	m := regexp.MustCompile(`\)\((\{.*\})\)`).FindSubmatch(rw.Body.Bytes())
	if m == nil {
		t.Fatalf("upload answer %s", rw.Body.String())
	}
	var env map[string]any
	if err := json.Unmarshal(m[1], &env); err != nil || env["error"] != nil {
		t.Fatalf("upload answer %s", m[1])
	}
	return env
}

func pngBytes() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func TestUploadsArePushed(t *testing.T) {
	e := setup(t)
	l := e.attach(t)
	// A contact created offline with a picture, and a file attached to it.
	js, _ := json.Marshal(map[string]any{"folder_id": e.conFolder, "first_name": "Pictured"})
	env := l.upload(t, "contacts", []upPart{{field: "json", data: js}, {field: "file", filename: "p.png", ctype: "image/png", data: pngBytes()}},
		"action", "new")
	temp := num(env["data"].(map[string]any)["id"])
	if temp >= 0 {
		t.Fatalf("temporary id %d", temp)
	}
	meta, _ := json.Marshal(map[string]any{"module": 7, "folder": e.conFolder, "attached": temp})
	att := l.upload(t, "attachment", []upPart{{field: "json_0", data: meta},
		{field: "file_0", filename: "notes.txt", ctype: "text/plain", data: []byte("offline notes")}}, "action", "attach")
	if ids := att["data"].([]any); len(ids) != 1 || num(ids[0]) >= 0 {
		t.Fatalf("attachment ids %v", ids)
	}
	l.Sync()
	var srv map[string]any
	for id := range ids(t, e.alice, "contacts", e.conFolder) {
		if o, _ := getObj(t, e.alice, "contacts", id, e.conFolder); o["first_name"] == "Pictured" {
			srv = o
		}
	}
	if srv == nil || srv["image1_url"] == nil || num(srv["number_of_attachments"]) != 1 {
		t.Fatalf("server contact %v", srv)
	}
	sid := num(srv["id"])
	list := MustOK(t, e.alice.Get("attachment", "action", "all", "module", "7", "folder", itoa(e.conFolder), "attached", itoa(sid),
		"columns", "1,803"))
	if rows := list.Data().([]any); len(rows) != 1 || rows[0].([]any)[1] != "notes.txt" {
		t.Fatalf("server attachments %s", list.Body)
	}
	res := e.alice.Do(http.MethodGet, "attachment", url.Values{"action": {"document"}, "module": {"7"}, "folder": {itoa(e.conFolder)},
		"attached": {itoa(sid)}, "id": {itoa(num(list.Data().([]any)[0].([]any)[0]))}}, nil)
	if string(res.Body) != "offline notes" {
		t.Fatalf("attachment content %q", res.Body)
	}
	if p := l.State()["pending"].(float64); p != 0 {
		t.Fatalf("pending %v", p)
	}
}

func TestPicturesArePulled(t *testing.T) {
	e := setup(t)
	l := e.attach(t)
	js, _ := json.Marshal(map[string]any{"folder_id": e.conFolder, "first_name": "Framed"})
	// Created on the server with a picture (through a second local store
	// pushing it, which exercises the upload as a side effect).
	other := NewLocal(t, e.s, "alice", "pw-alice")
	if err := other.Engine.InitialSync(context.Background()); err != nil {
		t.Fatal(err)
	}
	other.upload(t, "contacts", []upPart{{field: "json", data: js}, {field: "file", filename: "p.png", ctype: "image/png", data: pngBytes()}},
		"action", "new")
	other.Sync()
	l.Sync()
	var id int64
	for cid := range ids(t, l, "contacts", e.conFolder) {
		if o, _ := getObj(t, l, "contacts", cid, e.conFolder); o["first_name"] == "Framed" {
			id = cid
			if o["image1_url"] == nil {
				t.Fatalf("pulled contact without picture %v", o)
			}
		}
	}
	if id == 0 {
		t.Fatal("contact not pulled")
	}
	res := l.Get("image/contact/picture", "folder", itoa(e.conFolder), "id", itoa(id))
	if res.Status != http.StatusOK || !bytes.Equal(res.Body, pngBytes()) && !bytes.HasPrefix(res.Body, []byte("\x89PNG")) {
		t.Fatalf("local picture: HTTP %d %q", res.Status, res.Body[:min(len(res.Body), 40)])
	}
}
