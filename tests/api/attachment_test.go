package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// attPart is one part of a multipart upload; a part without filename is a
// plain form field.
type attPart struct {
	field, filename, ctype string
	data                   []byte
}

func attJSONPart(field string, v any) attPart {
	b, _ := json.Marshal(v)
	return attPart{field: field, data: b}
}

// attPost sends a multipart/form-data POST to module with query params.
func attPost(t *testing.T, c *Client, module string, parts []attPart, kv ...string) *Result {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.filename == "" && p.ctype == "" {
			if err := w.WriteField(p.field, string(p.data)); err != nil {
				t.Fatal(err)
			}
			continue
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, p.field, p.filename))
		if p.ctype != "" {
			h.Set("Content-Type", p.ctype)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(p.data)
	}
	w.Close()
	params := kvs(kv...)
	params.Set("session", c.Session)
	req, err := http.NewRequest(http.MethodPost, c.Srv.URL+c.Base+"/"+module+"?"+params.Encode(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Raw(req)
}

var attCallbackRE = regexp.MustCompile(`\((\{.*\})\)`)

// attCallback extracts the JSON object of an HTML upload answer the way
// OX clients do (spec line 110) and checks the callback name.
func attCallback(t *testing.T, r *Result, action string) map[string]any {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("upload answer is %q, not HTML: %s", ct, r.Body)
	}
	if !bytes.Contains(r.Body, []byte(`"callback_`+action+`"`)) {
		t.Fatalf("upload answer does not call callback_%s: %s", action, r.Body)
	}
	m := attCallbackRE.FindSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no ({…}) in upload answer: %s", r.Body)
	}
	var obj map[string]any
	if err := json.Unmarshal(m[1], &obj); err != nil {
		t.Fatalf("callback payload is not JSON: %v: %s", err, m[1])
	}
	return obj
}

// attIDs returns the attachment ids of a successful attach answer.
func attIDs(t *testing.T, r *Result) []int64 {
	t.Helper()
	obj := attCallback(t, r, "attach")
	if obj["error"] != nil {
		t.Fatalf("attach failed: %s", r.Body)
	}
	arr, ok := obj["data"].([]any)
	if !ok {
		t.Fatalf("attach data is not an array: %s", r.Body)
	}
	ids := make([]int64, len(arr))
	for i, v := range arr {
		ids[i] = ugNum(t, v)
	}
	if _, ok := obj["timestamp"].(float64); !ok {
		t.Fatalf("attach answer has no timestamp: %s", r.Body)
	}
	return ids
}

// attCode checks an upload answer carries error code.
func attCode(t *testing.T, r *Result, action, code string) {
	t.Helper()
	obj := attCallback(t, r, action)
	if obj["code"] != code {
		t.Fatalf("want %s in the callback, got %s", code, r.Body)
	}
}

// attBlobCount counts the files of the server's blob directory.
func attBlobCount(t *testing.T, s *Server) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(s.Data, "blobs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if !d.IsDir() && !strings.HasSuffix(p, ".tmp") {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// attContactID is the user's own contact in the global address book.
func attContactID(t *testing.T, c *Client) int64 {
	t.Helper()
	u := ugObj(t, c.Get("user", "action", "get", "id", ugS(c.UserID)))
	return ugNum(t, u["contact_id"])
}

func attParent(module, folder, attached int64) map[string]any {
	return map[string]any{"module": module, "folder": folder, "attached": attached}
}

func attQuery(module, folder, attached int64, kv ...string) []string {
	return append([]string{"module", ugS(module), "folder", ugS(folder), "attached", ugS(attached)}, kv...)
}

const attCols = "1,2,4,800,801,802,803,804,805,806"

// attUsers starts a server with alice and bob logged in.
func attUsers(t *testing.T, flags ...string) (*Server, *Client, *Client) {
	t.Helper()
	s := StartServer(t, flags...)
	s.AddUser("alice", "pw-alice", "--display-name", "Alice Anders", "--timezone", "Europe/Berlin")
	s.AddUser("bob", "pw-bob", "--display-name", "Bob Berg")
	return s, s.Login("alice", "pw-alice"), s.Login("bob", "pw-bob")
}

func TestAttachmentLifecycleOnGABContact(t *testing.T) {
	s, alice, bob := attUsers(t)
	cid := attContactID(t, alice)
	const gab = 6
	before := ugObj(t, alice.Get("user", "action", "get", "id", ugS(alice.UserID)))

	// One request, two files (json_0/file_0, json_1/file_1).
	pdf := []byte("%PDF-1.4 fake pdf \x00\x01\x02 bytes")
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 100)...)
	res := attPost(t, alice, "attachment", []attPart{
		attJSONPart("json_0", attParent(7, gab, cid)),
		{field: "file_0", filename: "Bericht März.pdf", ctype: "application/pdf", data: pdf},
		attJSONPart("json_1", map[string]any{"module": "7", "folder": "6", "attached": ugS(cid)}),
		{field: "file_1", filename: `C:\Users\alice\pic.png`, ctype: "image/png", data: png},
	}, "action", "attach")
	ids := attIDs(t, res)
	if len(ids) != 2 || ids[0] == ids[1] {
		t.Fatalf("want two new ids, got %v", ids)
	}
	if n := attBlobCount(t, s); n != 2 {
		t.Fatalf("want 2 blobs on disk, got %d", n)
	}

	// The parent's last_modified moved (seen through the user, whose
	// last_modified includes his GAB contact).
	after := ugObj(t, alice.Get("user", "action", "get", "id", ugS(alice.UserID)))
	if ugNum(t, after["last_modified_utc"]) <= ugNum(t, before["last_modified_utc"]) {
		t.Fatalf("attach did not bump the parent: %v → %v", before["last_modified_utc"], after["last_modified_utc"])
	}

	// all (the UI's exact request), sorted by filename descending.
	r := MustOK(t, alice.Get("attachment", attQuery(7, gab, cid, "action", "all", "columns", "1,800,801,802,803,804,805")...))
	rows := ugArr(t, r)
	if len(rows) != 2 {
		t.Fatalf("all: want 2 rows: %s", r.Body)
	}
	first := rows[0].([]any)
	if ugNum(t, first[0]) != ids[0] || ugNum(t, first[1]) != gab || ugNum(t, first[2]) != cid || ugNum(t, first[3]) != 7 ||
		first[4] != "Bericht März.pdf" || ugNum(t, first[5]) != int64(len(pdf)) || first[6] != "application/pdf" {
		t.Fatalf("all row 0 wrong: %v", first)
	}
	if rows[1].([]any)[4] != "pic.png" {
		t.Fatalf("the client path must be cut from the file name: %v", rows[1])
	}
	r = MustOK(t, alice.Get("attachment", attQuery(7, gab, cid, "action", "all", "columns", "1,803,999", "sort", "803", "order", "desc")...))
	rows = ugArr(t, r)
	if rows[0].([]any)[1] != "pic.png" || rows[0].([]any)[2] != nil || len(rows[0].([]any)) != 3 {
		t.Fatalf("sorted all (unknown column null): %s", r.Body)
	}

	// get: named fields.
	obj := ugObj(t, alice.Get("attachment", attQuery(7, gab, cid, "action", "get", "id", ugS(ids[1]))...))
	if ugNum(t, obj["id"]) != ids[1] || obj["filename"] != "pic.png" || obj["file_mimetype"] != "image/png" ||
		ugNum(t, obj["file_size"]) != int64(len(png)) || ugNum(t, obj["created_by"]) != alice.UserID ||
		ugNum(t, obj["attached"]) != cid || ugNum(t, obj["folder"]) != gab || ugNum(t, obj["module"]) != 7 || obj["rtf_flag"] != false {
		t.Fatalf("get: %v", obj)
	}
	// creation_date is a Time: Europe/Berlin is ahead of UTC.
	utc := ugObj(t, alice.Get("attachment", attQuery(7, gab, cid, "action", "get", "id", ugS(ids[1]), "timezone", "UTC")...))
	if d := ugNum(t, obj["creation_date"]) - ugNum(t, utc["creation_date"]); d != 3600000 && d != 7200000 {
		t.Fatalf("creation_date must carry the user's offset, diff %d", d)
	}

	// list: body order, unknown ids left out.
	r = MustOK(t, alice.Put("attachment", []any{ids[1], 999999, ugS(ids[0])}, attQuery(7, gab, cid, "action", "list", "columns", "1,803")...))
	rows = ugArr(t, r)
	if len(rows) != 2 || ugNum(t, rows[0].([]any)[0]) != ids[1] || ugNum(t, rows[1].([]any)[0]) != ids[0] {
		t.Fatalf("list: %s", r.Body)
	}

	// document: bytes, type, file name; the filename route; overrides.
	r = alice.Get("attachment", attQuery(7, gab, cid, "action", "document", "id", ugS(ids[0]))...)
	if r.Status != 200 || !bytes.Equal(r.Body, pdf) || r.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("document: HTTP %d %q %q", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	disp, dparams, err := mime.ParseMediaType(r.Header.Get("Content-Disposition"))
	if err != nil || disp != "attachment" || dparams["filename"] != "Bericht März.pdf" {
		t.Fatalf("Content-Disposition %q", r.Header.Get("Content-Disposition"))
	}
	r = alice.Get("attachment/pic.png", attQuery(7, gab, cid, "action", "document", "id", ugS(ids[1]), "delivery", "view")...)
	if r.Status != 200 || !bytes.Equal(r.Body, png) || r.Header.Get("Content-Type") != "image/png" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), "inline") {
		t.Fatalf("document by filename route: HTTP %d %v", r.Status, r.Header)
	}
	r = alice.Get("attachment/x.pdf", attQuery(7, gab, cid, "action", "document", "id", ugS(ids[0]), "content_type", "application/octet-stream")...)
	if r.Header.Get("Content-Type") != "application/octet-stream" || !bytes.Equal(r.Body, pdf) {
		t.Fatalf("content_type override: %v", r.Header)
	}
	// An override to HTML is never rendered inline.
	r = alice.Get("attachment", attQuery(7, gab, cid, "action", "document", "id", ugS(ids[0]), "content_type", "text/html", "delivery", "view")...)
	if !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("HTML must not be inline: %v", r.Header)
	}
	MustCode(t, alice.Get("attachment", attQuery(7, gab, cid, "action", "document", "id", "424242")...), "ATT-0405")
	MustCode(t, alice.Get("attachment", attQuery(7, gab, cid, "action", "get", "id", "424242")...), "ATT-0405")

	// bob reads (folder 6 grants read all) but may not change alice's contact.
	MustOK(t, bob.Get("attachment", attQuery(7, gab, cid, "action", "all", "columns", attCols)...))
	r = attPost(t, bob, "attachment", []attPart{
		attJSONPart("json_0", attParent(7, gab, cid)),
		{field: "file_0", filename: "evil.txt", ctype: "text/plain", data: []byte("x")},
	}, "action", "attach")
	attCode(t, r, "attach", "ATT-0403")
	MustCode(t, bob.Put("attachment", []int64{ids[0]}, attQuery(7, gab, cid, "action", "detach")...), "ATT-0403")
	if n := attBlobCount(t, s); n != 2 {
		t.Fatalf("a refused attach must leave no blob, have %d", n)
	}

	// updates: everything without timestamp; after a detach the id is a
	// bare integer, unless ignore=deleted.
	r = MustOK(t, alice.Get("attachment", attQuery(7, gab, cid, "action", "updates", "columns", "1,803")...))
	if len(ugArr(t, r)) != 2 {
		t.Fatalf("updates without timestamp: %s", r.Body)
	}
	ts := ugTS(t, r)
	r = MustOK(t, alice.Get("attachment", attQuery(7, gab, cid, "action", "updates", "columns", "1", "timestamp", ugS(ts))...))
	if len(ugArr(t, r)) != 0 {
		t.Fatalf("updates since the newest: %s", r.Body)
	}
	beforeDetach := ugObj(t, alice.Get("user", "action", "get", "id", ugS(alice.UserID)))
	r = MustOK(t, alice.Put("attachment", []string{ugS(ids[0])}, attQuery(7, gab, cid, "action", "detach")...))
	if n := attBlobCount(t, s); n != 1 {
		t.Fatalf("detach must remove the blob, have %d", n)
	}
	afterDetach := ugObj(t, alice.Get("user", "action", "get", "id", ugS(alice.UserID)))
	if ugNum(t, afterDetach["last_modified_utc"]) <= ugNum(t, beforeDetach["last_modified_utc"]) {
		t.Fatalf("detach did not bump the parent")
	}
	r = MustOK(t, alice.Get("attachment", attQuery(7, gab, cid, "action", "updates", "columns", "1,803", "timestamp", ugS(ts))...))
	arr := ugArr(t, r)
	if len(arr) != 1 || ugNum(t, arr[0]) != ids[0] || ugTS(t, r) <= ts {
		t.Fatalf("updates after detach: want [%d]: %s", ids[0], r.Body)
	}
	r = MustOK(t, alice.Get("attachment", attQuery(7, gab, cid, "action", "updates", "columns", "1", "timestamp", ugS(ts), "ignore", "deleted")...))
	if len(ugArr(t, r)) != 0 {
		t.Fatalf("ignore=deleted: %s", r.Body)
	}
	// Detaching it again: unknown id, nothing changes.
	MustCode(t, alice.Put("attachment", []int64{ids[0], ids[1]}, attQuery(7, gab, cid, "action", "detach")...), "ATT-0405")
	rows = ugArr(t, alice.Get("attachment", attQuery(7, gab, cid, "action", "all", "columns", "1")...))
	if len(rows) != 1 || ugNum(t, rows[0].([]any)[0]) != ids[1] {
		t.Fatalf("a failed detach must delete nothing: %v", rows)
	}
	// bob's updates on the same parent see the deletion too.
	r = MustOK(t, bob.Get("attachment", attQuery(7, gab, cid, "action", "updates", "columns", "1", "timestamp", ugS(ts))...))
	if arr := ugArr(t, r); len(arr) != 1 || ugNum(t, arr[0]) != ids[0] {
		t.Fatalf("bob's updates: %s", r.Body)
	}
	// Another parent's updates do not list it.
	bobCid := attContactID(t, bob)
	r = MustOK(t, bob.Get("attachment", attQuery(7, gab, bobCid, "action", "updates", "columns", "1", "timestamp", ugS(ts))...))
	if len(ugArr(t, r)) != 0 {
		t.Fatalf("deletions leaked to another parent: %s", r.Body)
	}
}

func TestAttachmentBadRequests(t *testing.T) {
	s, alice, bob := attUsers(t)
	cid := attContactID(t, alice)
	file := attPart{field: "file_0", filename: "a.txt", ctype: "text/plain", data: []byte("hello")}

	// Malformed json_0, json_0 that is not an object, a missing field, a
	// non-numeric id, a missing file_0, no json_0 at all.
	attCode(t, attPost(t, alice, "attachment", []attPart{{field: "json_0", data: []byte("{nope")}, file}, "action", "attach"), "attach", "SVL-0009")
	attCode(t, attPost(t, alice, "attachment", []attPart{{field: "json_0", data: []byte("[1]")}, file}, "action", "attach"), "attach", "SVL-0009")
	attCode(t, attPost(t, alice, "attachment", []attPart{attJSONPart("json_0", map[string]any{"module": 7, "folder": 6}), file}, "action", "attach"), "attach", "SVL-0009")
	attCode(t, attPost(t, alice, "attachment", []attPart{attJSONPart("json_0", map[string]any{"module": 7, "folder": 6, "attached": "abc"}), file}, "action", "attach"), "attach", "ATT-0701")
	attCode(t, attPost(t, alice, "attachment", []attPart{attJSONPart("json_0", attParent(7, 6, cid))}, "action", "attach"), "attach", "ATT-0401")
	attCode(t, attPost(t, alice, "attachment", []attPart{attJSONPart("json_1", attParent(7, 6, cid)), {field: "file_1", filename: "a", data: []byte("a")}}, "action", "attach"), "attach", "SVL-0002")
	// Unknown parent, parent in another folder, unknown module, unknown folder.
	attCode(t, attPost(t, alice, "attachment", []attPart{attJSONPart("json_0", attParent(7, 6, 987654)), file}, "action", "attach"), "attach", "ATT-0406")
	attCode(t, attPost(t, alice, "attachment", []attPart{attJSONPart("json_0", attParent(7, 1, cid)), file}, "action", "attach"), "attach", "ATT-0406")
	attCode(t, attPost(t, alice, "attachment", []attPart{attJSONPart("json_0", attParent(137, 6, cid)), file}, "action", "attach"), "attach", "ATT-0409")
	attCode(t, attPost(t, alice, "attachment", []attPart{attJSONPart("json_0", attParent(7, 55555, cid)), file}, "action", "attach"), "attach", "FLD-0008")
	// Appointments have no table yet: unknown parent, not a crash.
	attCode(t, attPost(t, alice, "attachment", []attPart{attJSONPart("json_0", attParent(1, 6, cid)), file}, "action", "attach"), "attach", "ATT-0406")

	// All or nothing: the second pair targets bob's contact.
	r := attPost(t, alice, "attachment", []attPart{
		attJSONPart("json_0", attParent(7, 6, cid)), file,
		attJSONPart("json_1", attParent(7, 6, attContactID(t, bob))),
		{field: "file_1", filename: "b.txt", ctype: "text/plain", data: []byte("b")},
	}, "action", "attach")
	attCode(t, r, "attach", "ATT-0403")
	if rows := ugArr(t, alice.Get("attachment", attQuery(7, 6, cid, "action", "all", "columns", "1")...)); len(rows) != 0 {
		t.Fatalf("a failed attach must store nothing: %v", rows)
	}
	if n := attBlobCount(t, s); n != 0 {
		t.Fatalf("a failed attach must remove its blobs, have %d", n)
	}

	// Query parameters of the other actions.
	MustCode(t, alice.Get("attachment", "action", "all", "module", "7", "folder", "6", "columns", "1"), "SVL-0002")
	MustCode(t, alice.Get("attachment", attQuery(7, 6, cid, "action", "all")...), "SVL-0002")
	MustCode(t, alice.Get("attachment", "action", "all", "module", "7", "folder", "6", "attached", "x", "columns", "1"), "ATT-0701")
	MustCode(t, alice.Get("attachment", attQuery(7, 6, 987654, "action", "all", "columns", "1")...), "ATT-0406")
	MustCode(t, alice.Get("attachment", attQuery(4, 6, cid, "action", "all", "columns", "1")...), "ATT-0406")
	MustCode(t, alice.Get("attachment", attQuery(7, 6, cid, "action", "get")...), "SVL-0002")
	MustCode(t, alice.Put("attachment", "{not json", attQuery(7, 6, cid, "action", "detach")...), "SVL-0009")
	MustCode(t, alice.Put("attachment", []any{true}, attQuery(7, 6, cid, "action", "list", "columns", "1")...), "SVL-0009")
	MustCode(t, alice.Put("attachment", `{"id":1}`, attQuery(7, 6, cid, "action", "list", "columns", "1")...), "SVL-0009")
	// A user's private contacts folder is invisible to others.
	aliceContacts := dbDefaultFolders(t, s, alice.UserID)["contacts"]
	MustCode(t, bob.Get("attachment", attQuery(7, int64(aliceContacts), 1, "action", "all", "columns", "1")...), "FLD-0003")
	// Not inside multiple: raw downloads and uploads.
	r = MustOK(t, alice.Put("multiple", []any{map[string]any{"module": "attachment", "action": "document", "folder": 6, "attached": cid, "id": 1}}, "continue", "true"))
	if len(r.Arr) != 1 {
		t.Fatalf("multiple: %s", r.Body)
	}
	if code, _ := r.Arr[0].(map[string]any)["code"].(string); code == "" {
		t.Fatalf("document inside multiple must fail: %s", r.Body)
	}
}

func TestAttachmentOversizedUpload(t *testing.T) {
	s, alice, _ := attUsers(t, "--max-body", "20000")
	cid := attContactID(t, alice)
	r := attPost(t, alice, "attachment", []attPart{
		attJSONPart("json_0", attParent(7, 6, cid)),
		{field: "file_0", filename: "big.bin", ctype: "application/octet-stream", data: bytes.Repeat([]byte("z"), 50000)},
	}, "action", "attach")
	if r.Code() != "SVL-0020" && !bytes.Contains(r.Body, []byte(`"SVL-0020"`)) {
		t.Fatalf("want SVL-0020 for an oversized upload, got HTTP %d: %s", r.Status, r.Body)
	}
	if rows := ugArr(t, alice.Get("attachment", attQuery(7, 6, cid, "action", "all", "columns", "1")...)); len(rows) != 0 {
		t.Fatalf("an oversized upload must store nothing: %v", rows)
	}
	if n := attBlobCount(t, s); n != 0 {
		t.Fatalf("an oversized upload must leave no blob, have %d", n)
	}
	// Below the limit it works.
	attIDs(t, attPost(t, alice, "attachment", []attPart{
		attJSONPart("json_0", attParent(7, 6, cid)),
		{field: "file_0", filename: "small.bin", data: bytes.Repeat([]byte("z"), 5000)},
	}, "action", "attach"))
}

// attNewObject creates a contact or task through its module and returns
// the id; it skips the test while the module is not registered yet.
func attNewObject(t *testing.T, c *Client, module string, body map[string]any) int64 {
	t.Helper()
	r := c.Put(module, body, "action", "new", "timezone", "UTC")
	if r.Code() == "SVL-0007" {
		t.Skipf("module %s is not registered yet", module)
	}
	obj := ugObj(t, r)
	return ugNum(t, obj["id"])
}

// attStats reads number_of_attachments and lastModifiedOfNewestAttachmentUTC
// of a parent through its own module.
func attStats(t *testing.T, c *Client, module string, folder, id int64) (count, newest int64, lastModified int64) {
	t.Helper()
	obj := ugObj(t, c.Get(module, "action", "get", "id", ugS(id), "folder", ugS(folder), "timezone", "UTC"))
	count = ugNum(t, obj["number_of_attachments"])
	if v, ok := obj["lastModifiedOfNewestAttachmentUTC"]; ok && v != nil {
		newest = ugNum(t, v)
	}
	return count, newest, ugNum(t, obj["last_modified"])
}

func TestAttachmentOnContacts(t *testing.T) {
	s, alice, bob := attUsers(t)
	defs := dbDefaultFolders(t, s, alice.UserID)
	contacts := int64(defs["contacts"])
	file := func(i int, name string) attPart {
		return attPart{field: fmt.Sprintf("file_%d", i), filename: name, ctype: "text/plain", data: []byte("content of " + name)}
	}

	carl := attNewObject(t, alice, "contacts", map[string]any{"folder_id": contacts, "display_name": "Carl", "last_name": "Carl"})
	_, _, lm0 := attStats(t, alice, "contacts", contacts, carl)
	ids := attIDs(t, attPost(t, alice, "attachment", []attPart{
		attJSONPart("json_0", attParent(7, contacts, carl)), file(0, "a.txt"),
		attJSONPart("json_1", attParent(7, contacts, carl)), file(1, "b.txt"),
	}, "action", "attach"))
	n, newest, lm1 := attStats(t, alice, "contacts", contacts, carl)
	created := ugObj(t, alice.Get("attachment", attQuery(7, contacts, carl, "action", "get", "id", ugS(ids[1]), "timezone", "UTC")...))
	if n != 2 || newest != ugNum(t, created["creation_date"]) || lm1 <= lm0 {
		t.Fatalf("contact after attach: count %d newest %d (attachment %v) last_modified %d → %d", n, newest, created["creation_date"], lm0, lm1)
	}
	// The contact's updates report the change.
	r := MustOK(t, alice.Get("contacts", "action", "updates", "folder", ugS(contacts), "columns", "1,104", "timestamp", ugS(lm0), "timezone", "UTC"))
	if rows := ugArr(t, r); len(rows) != 1 || ugNum(t, rows[0].([]any)[0]) != carl || ugNum(t, rows[0].([]any)[1]) != 2 {
		t.Fatalf("contacts updates after attach: %s", r.Body)
	}
	MustOK(t, alice.Put("attachment", []int64{ids[0]}, attQuery(7, contacts, carl, "action", "detach")...))
	if n, _, lm2 := attStats(t, alice, "contacts", contacts, carl); n != 1 || lm2 <= lm1 {
		t.Fatalf("contact after detach: count %d, last_modified %d → %d", n, lm1, lm2)
	}

	// Share the folder with bob (read and write all objects): he may
	// attach to Carl, but not touch alice's private contact.
	owner := fldPerm(fldAllBits, alice.UserID, false)
	MustOK(t, fldUpdate(alice, ugS(contacts), map[string]any{"permissions": []any{owner, fldPerm(2|2<<7|2<<14, bob.UserID, false)}}))
	secret := attNewObject(t, alice, "contacts", map[string]any{"folder_id": contacts, "display_name": "Secret", "private_flag": true})
	attIDs(t, attPost(t, alice, "attachment", []attPart{attJSONPart("json_0", attParent(7, contacts, secret)), file(0, "s.txt")}, "action", "attach"))
	MustCode(t, bob.Get("attachment", attQuery(7, contacts, secret, "action", "all", "columns", "1")...), "ATT-0403")
	attCode(t, attPost(t, bob, "attachment", []attPart{attJSONPart("json_0", attParent(7, contacts, secret)), file(0, "x.txt")}, "action", "attach"), "attach", "ATT-0403")
	bobs := attIDs(t, attPost(t, bob, "attachment", []attPart{attJSONPart("json_0", attParent(7, contacts, carl)), file(0, "from-bob.txt")}, "action", "attach"))
	obj := ugObj(t, bob.Get("attachment", attQuery(7, contacts, carl, "action", "get", "id", ugS(bobs[0]))...))
	if ugNum(t, obj["created_by"]) != bob.UserID {
		t.Fatalf("bob's attachment: %v", obj)
	}
	// With read-only rights bob can no longer detach.
	MustOK(t, fldUpdate(alice, ugS(contacts), map[string]any{"permissions": []any{owner, fldPerm(fldSeeRead, bob.UserID, false)}}))
	MustCode(t, bob.Put("attachment", []int64{bobs[0]}, attQuery(7, contacts, carl, "action", "detach")...), "ATT-0403")
	MustOK(t, bob.Get("attachment", attQuery(7, contacts, carl, "action", "all", "columns", "1")...))
}

func TestAttachmentOnTasks(t *testing.T) {
	s, alice, bob := attUsers(t)
	defs := dbDefaultFolders(t, s, alice.UserID)
	tasks := int64(defs["tasks"])
	file := attPart{field: "file_0", filename: "t.txt", ctype: "text/plain", data: []byte("task file")}
	task := attNewObject(t, alice, "tasks", map[string]any{"folder_id": tasks, "title": "Report"})
	_, _, lm0 := attStats(t, alice, "tasks", tasks, task)
	ids := attIDs(t, attPost(t, alice, "attachment", []attPart{attJSONPart("json_0", attParent(4, tasks, task)), file}, "action", "attach"))
	created := ugObj(t, alice.Get("attachment", attQuery(4, tasks, task, "action", "get", "id", ugS(ids[0]), "timezone", "UTC")...))
	n, newest, lm1 := attStats(t, alice, "tasks", tasks, task)
	if n != 1 || newest != ugNum(t, created["creation_date"]) || lm1 <= lm0 {
		t.Fatalf("task after attach: count %d newest %d last_modified %d → %d", n, newest, lm0, lm1)
	}
	r := MustOK(t, alice.Get("tasks", "action", "updates", "folder", ugS(tasks), "columns", "1,104", "timestamp", ugS(lm0), "timezone", "UTC"))
	if rows := ugArr(t, r); len(rows) != 1 || ugNum(t, rows[0].([]any)[0]) != task || ugNum(t, rows[0].([]any)[1]) != 1 {
		t.Fatalf("tasks updates after attach: %s", r.Body)
	}
	r = MustOK(t, alice.Get("attachment", attQuery(4, tasks, task, "action", "document", "id", ugS(ids[0]))...))
	if string(r.Body) != "task file" {
		t.Fatalf("task attachment document: %q", r.Body)
	}
	MustOK(t, alice.Put("attachment", []int64{ids[0]}, attQuery(4, tasks, task, "action", "detach")...))
	if n, newest, lm2 := attStats(t, alice, "tasks", tasks, task); n != 0 || newest != 0 || lm2 <= lm1 {
		t.Fatalf("task after detach: count %d newest %d last_modified %d → %d", n, newest, lm1, lm2)
	}
	if cnt := attBlobCount(t, s); cnt != 0 {
		t.Fatalf("detach must remove the blob, have %d", cnt)
	}
	MustCode(t, bob.Get("attachment", attQuery(4, tasks, task, "action", "all", "columns", "1")...), "FLD-0003")
	// A task id under the contact module is not a contact.
	MustCode(t, alice.Get("attachment", attQuery(7, tasks, task, "action", "all", "columns", "1")...), "ATT-0406")
}

// A participant reaches a delegated task, and so its attachments, through
// the task's place in the participant's own default task folder.
func TestAttachmentOnDelegatedTask(t *testing.T) {
	s, alice, bob := attUsers(t)
	aliceTasks := int64(dbDefaultFolders(t, s, alice.UserID)["tasks"])
	bobTasks := int64(dbDefaultFolders(t, s, bob.UserID)["tasks"])
	task := attNewObject(t, alice, "tasks", map[string]any{"folder_id": aliceTasks, "title": "Delegated",
		"participants": []any{map[string]any{"type": 1, "id": bob.UserID}}})
	file := attPart{field: "file_0", filename: "brief.txt", ctype: "text/plain", data: []byte("for bob")}
	ids := attIDs(t, attPost(t, alice, "attachment", []attPart{attJSONPart("json_0", attParent(4, aliceTasks, task)), file}, "action", "attach"))
	r := MustOK(t, bob.Get("attachment", attQuery(4, bobTasks, task, "action", "document", "id", ugS(ids[0]))...))
	if string(r.Body) != "for bob" {
		t.Fatalf("participant's download through his own folder: %q", r.Body)
	}
	MustCode(t, bob.Get("attachment", attQuery(4, aliceTasks, task, "action", "all", "columns", "1")...), "FLD-0003")
}
