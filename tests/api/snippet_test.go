package api

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// snpNew creates a snippet and returns its id (a string on the wire).
func snpNew(t *testing.T, c *Client, body map[string]any) string {
	t.Helper()
	r := MustOK(t, c.Put("snippet", body, "action", "new"))
	id, ok := r.Data().(string)
	if !ok || id == "" {
		t.Fatalf("snippet new must answer the id as a string: %s", r.Body)
	}
	return id
}

func snpIDs(t *testing.T, arr []any) []string {
	t.Helper()
	out := make([]string, len(arr))
	for i, v := range arr {
		out[i], _ = v.(map[string]any)["id"].(string)
	}
	return out
}

func TestSnippetCRUDAndSharing(t *testing.T) {
	_, alice, bob := attUsers(t)
	sig := snpNew(t, alice, map[string]any{
		"displayname": "Work", "type": "signature", "module": "com.openexchange.mail",
		"content": "<p>Alice</p>", "misc": map[string]any{"insertion": "below", "content-type": "text/html"},
	})
	note := snpNew(t, alice, map[string]any{"displayname": "Note", "type": "template", "content": "x", "shared": true,
		"props": map[string]any{"k": 1}, "accountid": 0})

	obj := ugObj(t, alice.Get("snippet", "action", "get", "id", sig))
	misc, _ := obj["misc"].(map[string]any)
	if obj["id"] != sig || obj["displayname"] != "Work" || obj["type"] != "signature" || obj["module"] != "com.openexchange.mail" ||
		obj["content"] != "<p>Alice</p>" || obj["shared"] != false || ugNum(t, obj["createdby"]) != alice.UserID ||
		misc["insertion"] != "below" {
		t.Fatalf("get: %s", jsonString(obj))
	}
	if files, ok := obj["files"].([]any); !ok || len(files) != 0 {
		t.Fatalf("files must be an empty array: %v", obj["files"])
	}

	// all with the type filter.
	if ids := snpIDs(t, ugArr(t, alice.Get("snippet", "action", "all"))); len(ids) != 2 {
		t.Fatalf("alice all: %v", ids)
	}
	if ids := snpIDs(t, ugArr(t, alice.Get("snippet", "action", "all", "type", "signature"))); len(ids) != 1 || ids[0] != sig {
		t.Fatalf("all?type=signature: %v", ids)
	}
	if ids := snpIDs(t, ugArr(t, alice.Get("snippet", "action", "all", "type", "template, signature"))); len(ids) != 2 {
		t.Fatalf("all?type=template,signature: %v", ids)
	}

	// bob sees the shared one only and may not change it.
	if ids := snpIDs(t, ugArr(t, bob.Get("snippet", "action", "all"))); len(ids) != 1 || ids[0] != note {
		t.Fatalf("bob all: %v", ids)
	}
	MustCode(t, bob.Get("snippet", "action", "get", "id", sig), "SNIPPET-0003")
	shared := ugObj(t, bob.Get("snippet", "action", "get", "id", note))
	if props, _ := shared["props"].(map[string]any); props["k"] != float64(1) || shared["accountid"] != float64(0) {
		t.Fatalf("bob's view of the shared snippet: %s", jsonString(shared))
	}
	MustCode(t, bob.Put("snippet", map[string]any{"content": "mine"}, "action", "update", "id", note), "SNIPPET-0011")
	MustCode(t, bob.Put("snippet", nil, "action", "delete", "id", note), "SNIPPET-0011")
	MustCode(t, bob.Put("snippet", map[string]any{"content": "mine"}, "action", "update", "id", sig), "SNIPPET-0003")
	if ids := snpIDs(t, ugArr(t, bob.Put("snippet", []any{sig, note, "nope"}, "action", "list"))); len(ids) != 1 || ids[0] != note {
		t.Fatalf("bob list: %v", ids)
	}
	if ids := snpIDs(t, ugArr(t, alice.Put("snippet", []any{note, sig}, "action", "list"))); len(ids) != 2 || ids[0] != note || ids[1] != sig {
		t.Fatalf("alice list in body order: %v", ids)
	}

	// update answers the full snippet; absent fields stay.
	upd := ugObj(t, alice.Put("snippet", map[string]any{"content": "<p>Alice A.</p>", "shared": true, "misc": nil}, "action", "update", "id", sig))
	if upd["content"] != "<p>Alice A.</p>" || upd["displayname"] != "Work" || upd["shared"] != true || upd["misc"] != nil || upd["id"] != sig {
		t.Fatalf("update: %s", jsonString(upd))
	}
	if obj := ugObj(t, bob.Get("snippet", "action", "get", "id", sig)); obj["content"] != "<p>Alice A.</p>" {
		t.Fatalf("shared after update: %v", obj)
	}

	// Bad input.
	MustCode(t, alice.Put("snippet", "{broken", "action", "new"), "SVL-0009")
	MustCode(t, alice.Put("snippet", map[string]any{"displayname": 5}, "action", "new"), "SVL-0009")
	MustCode(t, alice.Put("snippet", map[string]any{"shared": "maybe"}, "action", "new"), "SVL-0009")
	MustCode(t, alice.Put("snippet", map[string]any{"displayname": strings.Repeat("x", 256)}, "action", "new"), "SNIPPET-0014")
	MustCode(t, alice.Put("snippet", map[string]any{"type": strings.Repeat("x", 256)}, "action", "update", "id", sig), "SNIPPET-0017")
	MustCode(t, alice.Get("snippet", "action", "get"), "SVL-0002")
	MustCode(t, alice.Get("snippet", "action", "get", "id", "abc"), "SNIPPET-0003")
	MustCode(t, alice.Put("snippet", nil, "action", "delete"), "SVL-0002")
	MustCode(t, alice.Put("snippet", map[string]any{"x": 1}, "action", "list"), "SVL-0009")

	// delete with a body array, all or none.
	MustCode(t, alice.Put("snippet", []any{sig, "999999"}, "action", "delete"), "SNIPPET-0003")
	if ids := snpIDs(t, ugArr(t, alice.Get("snippet", "action", "all"))); len(ids) != 2 {
		t.Fatalf("a failed delete must delete nothing: %v", ids)
	}
	MustOK(t, alice.Put("snippet", []any{sig, note}, "action", "delete"))
	if ids := snpIDs(t, ugArr(t, alice.Get("snippet", "action", "all"))); len(ids) != 0 {
		t.Fatalf("after delete: %v", ids)
	}
	other := snpNew(t, alice, map[string]any{"type": "signature"})
	MustOK(t, alice.Put("snippet", nil, "action", "delete", "id", other))
	MustCode(t, alice.Get("snippet", "action", "get", "id", other), "SNIPPET-0003")
}

func TestSnippetAttachments(t *testing.T) {
	s, alice, bob := attUsers(t)
	sig := snpNew(t, alice, map[string]any{"displayname": "Logo", "type": "signature", "shared": true})
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 64)...)

	// Any field names; the answer is the HTML callback with the snippet id.
	r := attPost(t, alice, "snippet", []attPart{
		{field: "logo", filename: "logo.png", ctype: "image/png", data: png},
		{field: "banner", filename: "banner.gif", ctype: "image/gif", data: []byte("GIF89a....")},
	}, "action", "attach", "id", sig, "type", "image")
	cb := attCallback(t, r, "attach")
	if cb["data"] != sig || cb["error"] != nil {
		t.Fatalf("attach callback: %s", r.Body)
	}
	obj := ugObj(t, alice.Get("snippet", "action", "get", "id", sig))
	files, _ := obj["files"].([]any)
	if len(files) != 2 {
		t.Fatalf("want 2 files: %s", jsonString(obj))
	}
	var logoID, bannerID string
	for _, f := range files {
		fm := f.(map[string]any)
		id, _ := fm["id"].(string)
		switch fm["filename"] {
		case "logo.png":
			logoID = id
			if fm["mimetype"] != "image/png" || ugNum(t, fm["size"]) != int64(len(png)) {
				t.Fatalf("logo file: %v", fm)
			}
		case "banner.gif":
			bannerID = id
		}
	}
	if logoID == "" || bannerID == "" || logoID == bannerID {
		t.Fatalf("file ids: %v", files)
	}
	if n := attBlobCount(t, s); n != 2 {
		t.Fatalf("want 2 blobs, have %d", n)
	}

	// getattachment: raw bytes, also for bob (shared), also with the
	// public-session cookie instead of the session parameter.
	r = alice.Get("snippet", "action", "getattachment", "id", sig, "attachmentid", logoID)
	if r.Status != 200 || !bytes.Equal(r.Body, png) || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("getattachment: HTTP %d %v", r.Status, r.Header)
	}
	r = bob.Do(http.MethodGet, "snippet", kvs("action", "getattachment", "id", sig, "attachmentid", logoID, "nosession", "1"), nil)
	if r.Status != 200 || !bytes.Equal(r.Body, png) {
		t.Fatalf("getattachment with the public-session cookie: HTTP %d %s", r.Status, r.Body)
	}
	// Errors are an HTML page with HTTP 500.
	r = alice.Get("snippet", "action", "getattachment", "id", sig, "attachmentid", "4711")
	if r.Status != 500 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !bytes.Contains(r.Body, []byte("SNIPPET-0007")) {
		t.Fatalf("getattachment error: HTTP %d %v %s", r.Status, r.Header, r.Body)
	}
	r = alice.Get("snippet", "action", "getattachment", "id", "999", "attachmentid", logoID)
	if r.Status != 500 || !bytes.Contains(r.Body, []byte("SNIPPET-0003")) {
		t.Fatalf("getattachment of an unknown snippet: HTTP %d %s", r.Status, r.Body)
	}

	// The type filter, someone else's snippet, no file at all.
	r = attPost(t, alice, "snippet", []attPart{{field: "f", filename: "a.txt", ctype: "text/plain", data: []byte("text")}},
		"action", "attach", "id", sig, "type", "image")
	attCode(t, r, "attach", "SNIPPET-0001")
	r = attPost(t, bob, "snippet", []attPart{{field: "f", filename: "b.png", ctype: "image/png", data: png}},
		"action", "attach", "id", sig, "type", "file")
	attCode(t, r, "attach", "SNIPPET-0011")
	r = attPost(t, alice, "snippet", []attPart{{field: "note", data: []byte("no file")}}, "action", "attach", "id", sig, "type", "file")
	attCode(t, r, "attach", "SVL-0002")
	r = attPost(t, alice, "snippet", []attPart{{field: "f", filename: "a.txt", ctype: "text/plain", data: []byte("t")}},
		"action", "attach", "id", sig, "type", "bogus")
	attCode(t, r, "attach", "SVL-0010")
	if n := attBlobCount(t, s); n != 2 {
		t.Fatalf("refused uploads must leave no blob, have %d", n)
	}

	// detach: [{id}], answers the snippet id; unknown file ids change nothing.
	MustCode(t, alice.Put("snippet", []any{map[string]any{"id": logoID}, map[string]any{"id": "4711"}}, "action", "detach", "id", sig), "SNIPPET-0007")
	MustCode(t, bob.Put("snippet", []any{map[string]any{"id": logoID}}, "action", "detach", "id", sig), "SNIPPET-0011")
	MustCode(t, alice.Put("snippet", []any{"x"}, "action", "detach", "id", sig), "SVL-0009")
	r = MustOK(t, alice.Put("snippet", []any{map[string]any{"id": logoID}}, "action", "detach", "id", sig))
	if r.Data() != sig {
		t.Fatalf("detach answer: %s", r.Body)
	}
	obj = ugObj(t, alice.Get("snippet", "action", "get", "id", sig))
	if files, _ := obj["files"].([]any); len(files) != 1 || files[0].(map[string]any)["id"] != bannerID {
		t.Fatalf("after detach: %v", obj["files"])
	}
	if n := attBlobCount(t, s); n != 1 {
		t.Fatalf("detach must remove the blob, have %d", n)
	}
	// Deleting the snippet removes its files' blobs.
	MustOK(t, alice.Put("snippet", nil, "action", "delete", "id", sig))
	if n := attBlobCount(t, s); n != 0 {
		t.Fatalf("delete must remove the blobs, have %d", n)
	}
}
