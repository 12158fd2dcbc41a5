package api

import (
	"bytes"
	"fmt"
	"image/color"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The address book flows of the UI (appsuite-ui-calls.md §4.3) with its
// exact column lists: create, all + list, get, update, move, delete.
func TestContactsUIFlow(t *testing.T) {
	e := conSetup(t)
	a, f := e.alice, e.aliceFolder
	birthday := int64(-86400000 * 365) // a Date before 1970
	body := map[string]any{"folder_id": f, "display_name": "Zoe Zander", "first_name": "Zoe", "last_name": "Zander",
		"title": "Dr.", "position": "CTO", "email1": "zoe@example.org", "email2": "", "company": "Zed Inc",
		"birthday": birthday, "note": "met at the fair", "userfield07": "seven", "telephone_business1": "+49 1",
		"yomiLastName": "ザンダー", "categories": "work,vip", "color_label": 3}
	id, ts := conNew(t, a, body)
	if ts <= 0 {
		t.Fatalf("new without timestamp")
	}
	id2, _ := conNew(t, a, map[string]any{"folder_id": f, "display_name": "Adam Ant", "last_name": "Ant", "email1": "adam@example.org"})

	// VGrid: all for the ids, then list for the visible rows.
	res := a.Get("contacts", "action", "all", "folder", ugS(f), "columns", conAllCols, "sort", "607", "order", "asc", "admin", "false", "timezone", "utc")
	rows := conRows(t, res, conAllCols)
	if ids := conIDs(t, rows); len(ids) != 2 || ids[0] != id2 || ids[1] != id {
		t.Fatalf("all sorted by sort_name: %v", ids)
	}
	if rows[0][20] != float64(f) || rows[0][101] != false || rows[0][607] != "Ant" {
		t.Fatalf("all row: %v", rows[0])
	}
	if rows[1][607] != "ザンダー" {
		t.Fatalf("sort_name prefers the yomi name: %v", rows[1][607])
	}
	res = a.Put("contacts", []any{map[string]any{"id": id, "folder": f}, map[string]any{"id": 999999, "folder": f},
		map[string]any{"id": id2, "folder": f}}, "action", "list", "timezone", "utc", "columns", conListCols)
	lrows := conRows(t, res, conListCols)
	if ids := conIDs(t, lrows); len(ids) != 2 || ids[0] != id || ids[1] != id2 {
		t.Fatalf("list keeps the requested order and leaves unknown ids out: %v", ids)
	}
	r := lrows[0]
	if r[500] != "Zoe Zander" || r[501] != "Zoe" || r[502] != "Zander" || r[505] != "Dr." || r[520] != "CTO" || r[555] != "zoe@example.org" ||
		r[556] != nil || r[569] != "Zed Inc" || r[602] != false || r[606] != nil || r[524] != nil || r[592] != nil || r[2] != float64(a.UserID) {
		t.Fatalf("list row: %v", r)
	}
	if lm := ugNum(t, r[5]); lm != ts {
		t.Fatalf("last_modified %d != new timestamp %d (UTC)", lm, ts)
	}

	obj, gts := conGet(t, a, f, id)
	if gts != ts || obj["birthday"] != float64(birthday) || obj["userfield07"] != "seven" || obj["color_label"] != float64(3) ||
		obj["categories"] != "work,vip" || obj["uid"] == nil || obj["last_modified_utc"] != float64(ts) || obj["number_of_attachments"] != float64(0) {
		t.Fatalf("get: %v", obj)
	}
	if _, has := obj["email2"]; has {
		t.Fatalf("empty fields are left out: %v", obj)
	}

	// Update with the UI's far-future timestamp; only the changed field.
	res = MustOK(t, a.Put("contacts", map[string]any{"note": nil, "nickname": "Z"}, "action", "update", "id", ugS(id), "folder", ugS(f),
		"timestamp", conFarFuture, "timezone", "UTC"))
	uts := ugTS(t, res)
	if uts <= ts {
		t.Fatalf("update timestamp %d not after %d", uts, ts)
	}
	obj, _ = conGet(t, a, f, id)
	if obj["nickname"] != "Z" || obj["note"] != nil || obj["display_name"] != "Zoe Zander" {
		t.Fatalf("after update: %v", obj)
	}

	// Move into another own folder (the UI's move is an update with folder_id).
	other := conFolder(t, a, "1", "Archive")
	MustOK(t, a.Put("contacts", map[string]any{"folder_id": other}, "action", "update", "id", ugS(id), "folder", ugS(f),
		"timestamp", conFarFuture, "timezone", "UTC"))
	MustCode(t, a.Get("contacts", "action", "get", "id", ugS(id), "folder", ugS(f)), "CON-0125")
	obj, _ = conGet(t, a, other, id)
	if obj["folder_id"] != float64(other) || obj["nickname"] != "Z" {
		t.Fatalf("moved: %v", obj)
	}

	// Copy back (the UI's copy action).
	res = MustOK(t, a.Put("contacts", map[string]any{"folder_id": f}, "action", "copy", "id", ugS(id), "folder", ugS(other), "timezone", "UTC"))
	cid := ugNum(t, ugObj(t, res)["id"])
	cobj, _ := conGet(t, a, f, cid)
	if cobj["display_name"] != "Zoe Zander" || cobj["uid"] == obj["uid"] {
		t.Fatalf("copy: %v", cobj)
	}

	// Delete with the UI's timestamp; nothing is left over.
	res = MustOK(t, a.Put("contacts", []any{map[string]any{"folder": f, "id": id2}, map[string]any{"folder": f, "id": cid}},
		"action", "delete", "timestamp", conFarFuture, "timezone", "UTC"))
	if d := ugArr(t, res); len(d) != 0 {
		t.Fatalf("delete left %v", d)
	}
	rows = conRows(t, a.Get("contacts", "action", "all", "folder", ugS(f), "columns", conAllCols), conAllCols)
	if len(rows) != 0 {
		t.Fatalf("folder not empty after delete: %v", rows)
	}
	MustCode(t, a.Get("contacts", "action", "get", "id", ugS(id2), "folder", ugS(f)), "CON-0125")

	// Limits page the sorted result.
	for i := 0; i < 5; i++ {
		conNew(t, a, map[string]any{"folder_id": f, "display_name": fmt.Sprintf("P%d", i), "last_name": fmt.Sprintf("P%d", i)})
	}
	rows = conRows(t, a.Get("contacts", "action", "all", "folder", ugS(f), "columns", "1,502", "sort", "502", "order", "desc",
		"left_hand_limit", "1", "right_hand_limit", "3"), "1,502")
	if len(rows) != 2 || rows[0][502] != "P3" || rows[1][502] != "P2" {
		t.Fatalf("limits: %v", rows)
	}
	MustCode(t, a.Get("contacts", "action", "all", "columns", conAllCols), "SVL-0002")
}

// Two users editing the same contact: the stale write fails with the
// conflict code and overwrites nothing.
func TestContactsConflict(t *testing.T) {
	e := conSetup(t)
	shared := conFolder(t, e.alice, "1", "Team")
	conShare(t, e.alice, shared, conReadWrite, e.bob.UserID)
	id, ts := conNew(t, e.alice, map[string]any{"folder_id": shared, "display_name": "Carl", "note": "v1"})
	_, bts := conGet(t, e.bob, shared, id)
	if bts != ts {
		t.Fatalf("bob sees timestamp %d, alice %d", bts, ts)
	}
	MustOK(t, e.bob.Put("contacts", map[string]any{"note": "bob"}, "action", "update", "id", ugS(id), "folder", ugS(shared), "timestamp", ugS(bts)))
	res := MustCode(t, e.alice.Put("contacts", map[string]any{"note": "alice", "nickname": "c"}, "action", "update", "id", ugS(id),
		"folder", ugS(shared), "timestamp", ugS(ts)), "CON-0119")
	if res.Obj["categories"] != "CONFLICT" {
		t.Fatalf("conflict category: %s", res.Body)
	}
	obj, _ := conGet(t, e.alice, shared, id)
	if obj["note"] != "bob" || obj["nickname"] != nil {
		t.Fatalf("stale update overwrote: %v", obj)
	}
	// A multipart update is checked the same way and stores no picture.
	up := conUpload(t, e.alice, "contacts", url.Values{"action": {"update"}, "id": {ugS(id)}, "folder": {ugS(shared)}, "timestamp": {ugS(ts)}},
		`{"note":"x"}`, conPNG(t, 4, 4, color.White), "a.png")
	if up.Code() != "CON-0119" {
		t.Fatalf("stale upload: %s", up.Body)
	}
	if obj, _ = conGet(t, e.alice, shared, id); obj["image1_url"] != nil || obj["note"] != "bob" {
		t.Fatalf("stale upload changed the contact: %v", obj)
	}
	// A stale delete leaves the contact and names it.
	res = MustOK(t, e.alice.Put("contacts", []any{map[string]any{"id": id, "folder": shared}}, "action", "delete", "timestamp", ugS(ts)))
	if d := ugArr(t, res); len(d) != 1 || d[0] != float64(id) {
		t.Fatalf("delete should return the changed id: %s", res.Body)
	}
	conGet(t, e.alice, shared, id)
}

// updates after create, modify and delete from another session, with and
// without `ignore`, and a move's tombstone in the source folder.
func TestContactsUpdates(t *testing.T) {
	e := conSetup(t)
	a, f := e.alice, e.aliceFolder
	keep, _ := conNew(t, a, map[string]any{"folder_id": f, "display_name": "Keep"})
	gone, _ := conNew(t, a, map[string]any{"folder_id": f, "display_name": "Gone"})
	moving, _ := conNew(t, a, map[string]any{"folder_id": f, "display_name": "Moving"})
	res := MustOK(t, a.Get("contacts", "action", "all", "folder", ugS(f), "columns", "1"))
	since := ugTS(t, res)

	// A second session of the same user changes things.
	a2 := e.s.Login("alice", "pw-alice")
	fresh, _ := conNew(t, a2, map[string]any{"folder_id": f, "display_name": "Fresh"})
	MustOK(t, a2.Put("contacts", map[string]any{"display_name": "Kept"}, "action", "update", "id", ugS(keep), "folder", ugS(f), "timestamp", conFarFuture))
	MustOK(t, a2.Put("contacts", []any{map[string]any{"id": gone, "folder": f}}, "action", "delete", "timestamp", conFarFuture))
	other := conFolder(t, a2, "1", "Other")
	MustOK(t, a2.Put("contacts", map[string]any{"folder_id": other}, "action", "update", "id", ugS(moving), "folder", ugS(f), "timestamp", conFarFuture))

	split := func(res *Result) (changed []int64, deleted []int64) {
		for _, x := range ugArr(t, res) {
			switch v := x.(type) {
			case []any:
				changed = append(changed, ugNum(t, v[0]))
			case float64:
				deleted = append(deleted, int64(v))
			default:
				t.Fatalf("updates element %T: %s", x, res.Body)
			}
		}
		return
	}
	for _, ignore := range []string{"", "deleted"} {
		kv := []string{"action", "updates", "folder", ugS(f), "columns", "1,500", "timestamp", ugS(since)}
		if ignore != "" {
			kv = append(kv, "ignore", ignore)
		}
		res = MustOK(t, a.Get("contacts", kv...))
		ch, del := split(res)
		if len(ch) != 2 || !conHas(ch, fresh) || !conHas(ch, keep) || len(del) != 0 {
			t.Fatalf("updates ignore=%q: changed %v deleted %v", ignore, ch, del)
		}
	}
	for _, ignore := range []string{"none", "false", "changed"} {
		res = MustOK(t, a.Get("contacts", "action", "updates", "folder", ugS(f), "columns", "1,500", "timestamp", ugS(since), "ignore", ignore))
		ch, del := split(res)
		if len(ch) != 2 || len(del) != 2 || !conHas(del, gone) || !conHas(del, moving) {
			t.Fatalf("updates ignore=%s: changed %v deleted %v", ignore, ch, del)
		}
		if ts := ugTS(t, res); ts <= since {
			t.Fatalf("updates timestamp %d not after %d", ts, since)
		}
	}
	res = MustOK(t, a.Get("contacts", "action", "updates", "folder", ugS(other), "columns", "1", "timestamp", ugS(since), "ignore", "none"))
	if ch, del := split(res); len(ch) != 1 || ch[0] != moving || len(del) != 0 {
		t.Fatalf("target folder updates: %v %v", ch, del)
	}
	// Nothing newer than the answer's timestamp.
	last := ugTS(t, MustOK(t, a.Get("contacts", "action", "updates", "folder", ugS(f), "columns", "1", "timestamp", ugS(since), "ignore", "none")))
	if d := ugArr(t, MustOK(t, a.Get("contacts", "action", "updates", "folder", ugS(f), "columns", "1", "timestamp", ugS(last), "ignore", "none"))); len(d) != 0 {
		t.Fatalf("updates since the last timestamp: %v", d)
	}
	MustCode(t, a.Get("contacts", "action", "updates", "folder", ugS(f), "columns", "1"), "SVL-0002")
}

// A folder shared read-only: reads work, every write is refused. A folder
// with "own objects" rights: only the caller's own contacts.
func TestContactsSharedPermissions(t *testing.T) {
	e := conSetup(t)
	a, b := e.alice, e.bob
	ro := conFolder(t, a, "1", "Read only")
	conShare(t, a, ro, conReadOnly, b.UserID)
	id, _ := conNew(t, a, map[string]any{"folder_id": ro, "display_name": "Shared One", "email1": "one@example.org"})

	rows := conRows(t, b.Get("contacts", "action", "all", "folder", ugS(ro), "columns", conAllCols), conAllCols)
	if ids := conIDs(t, rows); len(ids) != 1 || ids[0] != id {
		t.Fatalf("bob's all: %v", ids)
	}
	conGet(t, b, ro, id)
	MustCode(t, b.Put("contacts", map[string]any{"note": "x"}, "action", "update", "id", ugS(id), "folder", ugS(ro), "timestamp", conFarFuture), "CON-0176")
	MustCode(t, b.Put("contacts", []any{map[string]any{"id": id, "folder": ro}}, "action", "delete", "timestamp", conFarFuture), "CON-0169")
	MustCode(t, b.Put("contacts", map[string]any{"folder_id": ro, "display_name": "Intruder"}, "action", "new"), "CON-0112")
	MustCode(t, b.Put("contacts", map[string]any{"folder_id": e.bobFolder}, "action", "update", "id", ugS(id), "folder", ugS(ro), "timestamp", conFarFuture), "CON-0169")
	up := conUpload(t, b, "contacts", url.Values{"action": {"update"}, "id": {ugS(id)}, "folder": {ugS(ro)}, "timestamp": {conFarFuture}},
		"{}", conPNG(t, 2, 2, color.Black), "x.png")
	if up.Code() != "CON-0176" {
		t.Fatalf("upload into a read-only share: %s", up.Body)
	}
	obj, _ := conGet(t, a, ro, id)
	if obj["note"] != nil || obj["image1_url"] != nil {
		t.Fatalf("refused writes changed the contact: %v", obj)
	}
	// Bob cannot copy it into alice's folder either, but into his own.
	MustCode(t, b.Put("contacts", map[string]any{"folder_id": e.aliceFolder}, "action", "copy", "id", ugS(id), "folder", ugS(ro)), "FLD-0003")
	MustOK(t, b.Put("contacts", map[string]any{"folder_id": e.bobFolder}, "action", "copy", "id", ugS(id), "folder", ugS(ro)))

	// Other users' folders and objects are out of reach.
	MustCode(t, b.Get("contacts", "action", "all", "folder", ugS(e.aliceFolder), "columns", "1"), "FLD-0003")
	MustCode(t, b.Get("contacts", "action", "get", "id", ugS(id), "folder", ugS(e.aliceFolder)), "FLD-0003")
	res := b.Put("contacts", []any{map[string]any{"id": id, "folder": e.aliceFolder}}, "action", "list", "columns", "1")
	MustCode(t, res, "FLD-0003")

	// "Own objects" rights.
	own := conFolder(t, a, "1", "Own only")
	conShare(t, a, own, conOwnOnly, b.UserID)
	aliceID, _ := conNew(t, a, map[string]any{"folder_id": own, "display_name": "Alice's"})
	bobID, _ := conNew(t, b, map[string]any{"folder_id": own, "display_name": "Bob's"})
	ids := conIDs(t, conRows(t, b.Get("contacts", "action", "all", "folder", ugS(own), "columns", "1"), "1"))
	if len(ids) != 1 || ids[0] != bobID {
		t.Fatalf("own-only read: %v", ids)
	}
	MustCode(t, b.Get("contacts", "action", "get", "id", ugS(aliceID), "folder", ugS(own)), "CON-0104")
	MustOK(t, b.Put("contacts", map[string]any{"note": "mine"}, "action", "update", "id", ugS(bobID), "folder", ugS(own), "timestamp", conFarFuture))
	MustCode(t, b.Put("contacts", map[string]any{"note": "x"}, "action", "update", "id", ugS(aliceID), "folder", ugS(own), "timestamp", conFarFuture), "CON-0104")
	// A folder clear by bob removes only his own contacts.
	// A clear is all or nothing: bob may not delete alice's contact, so
	// his own stays too.
	cl := fldWarned(t, b.Put("folders", []string{ugS(own)}, "action", "clear", "tree", "1"))
	if cl.Code() != "FLD-0032" {
		t.Fatalf("clear by bob: %s", cl.Body)
	}
	if ids = conIDs(t, conRows(t, a.Get("contacts", "action", "all", "folder", ugS(own), "columns", "1"), "1")); len(ids) != 2 {
		t.Fatalf("after bob's failed clear: %v", ids)
	}
	// Without alice's contact, bob's "delete own" clears the folder.
	MustOK(t, a.Put("contacts", []any{map[string]any{"id": aliceID, "folder": own}}, "action", "delete", "timestamp", conFarFuture))
	if cl = fldWarned(t, b.Put("folders", []string{ugS(own)}, "action", "clear", "tree", "1")); cl.Code() != "" {
		t.Fatalf("clear of own contacts: %s", cl.Body)
	}
	if ids = conIDs(t, conRows(t, a.Get("contacts", "action", "all", "folder", ugS(own), "columns", "1"), "1")); len(ids) != 0 {
		t.Fatalf("after bob's clear: %v", ids)
	}
}

// Private contacts: hidden from those the folder is shared with, refused
// in public folders.
func TestContactsPrivateFlag(t *testing.T) {
	e := conSetup(t)
	a, b := e.alice, e.bob
	sh := conFolder(t, a, "1", "Shared")
	conShare(t, a, sh, conReadWrite, b.UserID)
	priv, _ := conNew(t, a, map[string]any{"folder_id": sh, "display_name": "Secret", "private_flag": true, "email1": "secret@example.org"})
	pub, _ := conNew(t, a, map[string]any{"folder_id": sh, "display_name": "Open"})
	rows := conRows(t, a.Get("contacts", "action", "all", "folder", ugS(sh), "columns", "1,101"), "1,101")
	if len(rows) != 2 {
		t.Fatalf("owner sees %v", rows)
	}
	ids := conIDs(t, conRows(t, b.Get("contacts", "action", "all", "folder", ugS(sh), "columns", "1,101"), "1,101"))
	if len(ids) != 1 || ids[0] != pub {
		t.Fatalf("sharee sees private contacts: %v", ids)
	}
	MustCode(t, b.Get("contacts", "action", "get", "id", ugS(priv), "folder", ugS(sh)), "CON-0125")
	MustCode(t, b.Put("contacts", map[string]any{"note": "x"}, "action", "update", "id", ugS(priv), "folder", ugS(sh), "timestamp", conFarFuture), "CON-0125")
	res := b.Put("contacts", map[string]any{"display_name": "secret*"}, "action", "search", "columns", "1")
	if len(ugArr(t, res)) != 0 {
		t.Fatalf("search shows a private contact: %s", res.Body)
	}
	if hs := b.Get("halo/contact/picture", "email", "secret@example.org"); hs.Status != http.StatusNotFound {
		t.Fatalf("halo picture of a private contact: %d", hs.Status)
	}

	public := conFolder(t, e.admin, "2", "Company")
	MustOK(t, fldUpdate(e.admin, ugS(public), map[string]any{"permissions": []any{
		fldPerm(fldAllBits, e.admin.UserID, false), fldPerm(conReadWrite, 0, true)}}))
	res = a.Put("contacts", map[string]any{"folder_id": public, "display_name": "P", "private_flag": true}, "action", "new")
	MustCode(t, res, "CON-0171")
	MustCode(t, a.Put("contacts", map[string]any{"folder_id": public}, "action", "update", "id", ugS(priv), "folder", ugS(sh), "timestamp", conFarFuture), "CON-0171")
	np, _ := conNew(t, a, map[string]any{"folder_id": public, "display_name": "P"})
	MustCode(t, a.Put("contacts", map[string]any{"private_flag": true}, "action", "update", "id", ugS(np), "folder", ugS(public), "timestamp", conFarFuture), "CON-0171")
}

// Pictures: multipart upload, cookie-only download with caching headers,
// replacement, removal with image1:null, bad and oversized images, and a
// user's picture uploaded through the user module.
func TestContactsPictures(t *testing.T) {
	e := conSetup(t)
	a, f := e.alice, e.aliceFolder
	png1 := conPNG(t, 8, 6, color.RGBA{200, 10, 10, 255})
	res := conUpload(t, a, "contacts", url.Values{"action": {"new"}},
		fmt.Sprintf(`{"folder_id":%d,"display_name":"Pic","email1":"pic@example.org"}`, f), png1, "me.png")
	if res.Code() != "" || !strings.Contains(string(res.Body), "callback_new") {
		t.Fatalf("upload: %s", res.Body)
	}
	id := ugNum(t, res.Obj["data"].(map[string]any)["id"])
	obj, _ := conGet(t, a, f, id)
	urlStr, _ := obj["image1_url"].(string)
	if !strings.HasPrefix(urlStr, "/ajax/image/contact/picture?") || obj["image1_content_type"] != "image/png" ||
		obj["number_of_images"] != float64(1) || obj["image_last_modified"] == nil {
		t.Fatalf("picture fields: %v", obj)
	}
	rows := conRows(t, a.Get("contacts", "action", "all", "folder", ugS(f), "columns", "1,596,597,601,606"), "1,596,597,601,606")
	if rows[0][596] != float64(1) || rows[0][601] != "image/png" || rows[0][606] != urlStr {
		t.Fatalf("picture columns: %v", rows[0])
	}

	// The <img> download: cookies only, no session parameter.
	dl := conDownload(t, a, urlStr)
	if dl.Status != http.StatusOK || !bytes.Equal(dl.Body, png1) || dl.Header.Get("Content-Type") != "image/png" || dl.Header.Get("ETag") == "" {
		t.Fatalf("download: %d %s %q", dl.Status, dl.Header, dl.Body)
	}
	if nm := conDownload(t, a, urlStr, "If-None-Match", dl.Header.Get("ETag")); nm.Status != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", nm.Status)
	}
	if anon := conDownload(t, e.s.NewClient(), urlStr); bytes.Equal(anon.Body, png1) || !strings.HasPrefix(anon.Code(), "SES-") {
		t.Fatalf("download without cookies: %d %s", anon.Status, anon.Body)
	}
	if other := conDownload(t, e.bob, urlStr); other.Status != http.StatusNotFound {
		t.Fatalf("bob downloads alice's picture: %d", other.Status)
	}
	if bad := conDownload(t, a, "/ajax/image/contact/picture?folder=x&id=1"); bad.Status != http.StatusBadRequest {
		t.Fatalf("bad request: %d", bad.Status)
	}

	// Replace by multipart update.
	png2 := conPNG(t, 3, 3, color.RGBA{0, 0, 200, 255})
	res = conUpload(t, a, "contacts", url.Values{"action": {"update"}, "id": {ugS(id)}, "folder": {ugS(f)}, "timestamp": {conFarFuture}},
		`{"nickname":"pp"}`, png2, "new.png")
	if res.Code() != "" {
		t.Fatalf("update upload: %s", res.Body)
	}
	obj, _ = conGet(t, a, f, id)
	if obj["nickname"] != "pp" || obj["image1_url"] == urlStr {
		t.Fatalf("after replacing: %v", obj)
	}
	if dl := conDownload(t, a, obj["image1_url"].(string)); !bytes.Equal(dl.Body, png2) {
		t.Fatalf("replaced picture not served")
	}
	// halo picture finds it by address and by id, with the cookie only.
	if h := conDownload(t, a, "/ajax/halo/contact/picture?email=pic@example.org"); h.Status != http.StatusOK || !bytes.Equal(h.Body, png2) {
		t.Fatalf("halo picture by email: %d", h.Status)
	}
	if h := conDownload(t, a, fmt.Sprintf("/ajax/halo/contact/picture?folder=%d&id=%d", f, id)); h.Status != http.StatusOK {
		t.Fatalf("halo picture by id: %d", h.Status)
	}

	// Not an image, a broken image and an oversized one: refused, nothing changes.
	before, bts := conGet(t, a, f, id)
	res = conUpload(t, a, "contacts", url.Values{"action": {"update"}, "id": {ugS(id)}, "folder": {ugS(f)}, "timestamp": {conFarFuture}},
		`{}`, []byte("plain text, not a picture at all"), "x.gif")
	if res.Code() != "CON-0158" {
		t.Fatalf("not an image: %s", res.Body)
	}
	res = conUpload(t, a, "contacts", url.Values{"action": {"update"}, "id": {ugS(id)}, "folder": {ugS(f)}, "timestamp": {conFarFuture}},
		`{}`, png1[:len(png1)/2], "half.png")
	if res.Code() != "CON-0158" {
		t.Fatalf("truncated png: %s", res.Body)
	}
	big := append(append([]byte{}, png1...), make([]byte, 4<<20)...)
	res = conUpload(t, a, "contacts", url.Values{"action": {"update"}, "id": {ugS(id)}, "folder": {ugS(f)}, "timestamp": {conFarFuture}},
		`{}`, big, "big.png")
	if res.Code() != "CON-0172" {
		t.Fatalf("oversized: %s", res.Body)
	}
	MustCode(t, a.Put("contacts", map[string]any{"folder_id": f, "image1": "bm90IGFuIGltYWdl"}, "action", "new"), "CON-0158")
	after, ats := conGet(t, a, f, id)
	if ats != bts || after["image1_url"] != before["image1_url"] {
		t.Fatalf("refused pictures changed the contact")
	}

	// image1:null removes the picture.
	MustOK(t, a.Put("contacts", map[string]any{"image1": nil}, "action", "update", "id", ugS(id), "folder", ugS(f), "timestamp", conFarFuture))
	obj, _ = conGet(t, a, f, id)
	if obj["image1_url"] != nil || obj["number_of_images"] != nil {
		t.Fatalf("picture not removed: %v", obj)
	}
	if dl := conDownload(t, a, fmt.Sprintf("/ajax/image/contact/picture?folder=%d&id=%d", f, id)); dl.Status != http.StatusNotFound {
		t.Fatalf("download after removal: %d", dl.Status)
	}

	// A user's picture through the user module.
	ures := MustOK(t, a.Get("user", "action", "get"))
	uts := ugTS(t, ures)
	res = conUpload(t, a, "user", url.Values{"action": {"update"}, "id": {ugS(a.UserID)}, "timestamp": {ugS(uts)}}, `{}`, png1, "me.png")
	if res.Code() != "" {
		t.Fatalf("user picture upload: %s", res.Body)
	}
	uobj := ugObj(t, a.Get("user", "action", "get"))
	uurl, _ := uobj["image1_url"].(string)
	if !strings.HasPrefix(uurl, "/ajax/image/user/picture?id=") {
		t.Fatalf("user image1_url: %v", uobj["image1_url"])
	}
	if dl := conDownload(t, e.bob, uurl); dl.Status != http.StatusOK || !bytes.Equal(dl.Body, png1) {
		t.Fatalf("bob downloads alice's user picture: %d", dl.Status)
	}
	gu := ugObj(t, e.bob.Get("contacts", "action", "getuser", "id", ugS(a.UserID)))
	if gu["image1_content_type"] != "image/png" || gu["folder_id"] != float64(6) {
		t.Fatalf("getuser: %v", gu)
	}
	if h := conDownload(t, e.bob, fmt.Sprintf("/ajax/halo/contact/picture?internal_userid=%d", a.UserID)); h.Status != http.StatusOK ||
		!bytes.Equal(h.Body, png1) || h.Header.Get("ETag") == "" {
		t.Fatalf("halo picture by user id: %d", h.Status)
	}
}

// search, advancedSearch, autocomplete, birthdays and anniversaries.
func TestContactsSearch(t *testing.T) {
	e := conSetup(t)
	a, f := e.alice, e.aliceFolder
	day := int64(86400000)
	// 1985-03-10 and 1990-12-30 as Dates.
	mar10 := int64(479260800000)
	dec30 := int64(662515200000)
	anna, _ := conNew(t, a, map[string]any{"folder_id": f, "display_name": "Anna Berg", "first_name": "Anna", "last_name": "Berg",
		"email1": "anna.berg@example.org", "company": "Acme", "birthday": mar10, "city_business": "Hamburg"})
	bert, _ := conNew(t, a, map[string]any{"folder_id": f, "display_name": "Bert Acker", "first_name": "Bert", "last_name": "Acker",
		"anniversary": dec30, "city_business": "Bremen"})
	cleo, _ := conNew(t, a, map[string]any{"folder_id": f, "display_name": "Cleo Berger", "first_name": "Cleo", "last_name": "Berger",
		"email2": "cleo@example.net", "company": "Beta"})
	other := conFolder(t, a, "1", "Other")
	dora, _ := conNew(t, a, map[string]any{"folder_id": other, "display_name": "Dora Acme", "last_name": "Acme", "email1": "dora@acme.example"})

	search := func(body map[string]any, kv ...string) []int64 {
		t.Helper()
		res := a.Put("contacts", body, append([]string{"action", "search", "columns", conSearchCols}, kv...)...)
		return conIDs(t, conRows(t, res, conSearchCols))
	}
	same := func(got []int64, want ...int64) bool {
		if len(got) != len(want) {
			return false
		}
		for _, w := range want {
			if !conHas(got, w) {
				return false
			}
		}
		return true
	}
	// pattern: substring of display_name, wildcards allowed.
	if ids := search(map[string]any{"pattern": "berg", "folder": f}); !same(ids, anna, cleo) {
		t.Fatalf("pattern: %v", ids)
	}
	if ids := search(map[string]any{"pattern": "B?rt*", "folder": []any{f, other}}); !same(ids, bert) {
		t.Fatalf("pattern with wildcards: %v", ids)
	}
	// Per-field patterns: all must match a substring...
	if ids := search(map[string]any{"last_name": "erg", "company": "ac"}); !same(ids, anna) {
		t.Fatalf("and search: %v", ids)
	}
	// ...or, with orSearch, any must match the start (the UI's search).
	ui := map[string]any{"orSearch": true, "admin": false, "emailAutoComplete": false, "display_name": "ac*", "first_name": "ac*",
		"last_name": "ac*", "email1": "ac*", "email2": "ac*", "email3": "ac*"}
	ids := search(ui, "sort", "609", "order", "desc")
	if !same(ids, bert, dora) {
		t.Fatalf("orSearch: %v", ids)
	}
	ui["emailAutoComplete"] = true
	if ids := search(ui); !same(ids, dora) {
		t.Fatalf("emailAutoComplete: %v", ids)
	}
	// The UI's lookup by address: exactMatch.
	if ids := search(map[string]any{"email1": "anna.berg@example.org", "email2": "anna.berg@example.org", "email3": "anna.berg@example.org",
		"orSearch": true, "exactMatch": true}, "admin", "false", "timezone", "UTC"); !same(ids, anna) {
		t.Fatalf("exactMatch: %v", ids)
	}
	if ids := search(map[string]any{"email1": "anna", "exactMatch": true}); len(ids) != 0 {
		t.Fatalf("exactMatch is not a prefix match: %v", ids)
	}
	if ids := search(map[string]any{"pattern": "b", "startletter": true, "folder": f}); !same(ids, anna, cleo) {
		t.Fatalf("startletter: %v", ids)
	}
	// 609 puts the global address book first and ignores the order.
	rows := conRows(t, a.Put("contacts", map[string]any{"display_name": "*"}, "action", "search", "columns", "1,20", "sort", "609", "order", "desc"), "1,20")
	if len(rows) < 6 || rows[0][20] != float64(6) {
		t.Fatalf("609 sort: %v", rows)
	}
	MustCode(t, a.Put("contacts", map[string]any{"pattern": 5}, "action", "search", "columns", "1"), "SVL-0010")

	// advancedSearch: the UI's filter and the prefix notation in general.
	adv := func(filter any, kv ...string) []int64 {
		t.Helper()
		res := a.Put("contacts", map[string]any{"filter": filter}, append([]string{"action", "advancedSearch", "columns", "1,500", "sort", "607"}, kv...)...)
		return conIDs(t, conRows(t, res, "1,500"))
	}
	field := func(n string) map[string]any { return map[string]any{"field": n} }
	if ids := adv([]any{"or", []any{"=", field("last_name"), "*acker*"}, []any{"=", field("company"), "*acker*"}}); !same(ids, bert) {
		t.Fatalf("advancedSearch or: %v", ids)
	}
	if ids := adv([]any{"and", []any{"=", field("last_name"), "Berg*"}, []any{"not", []any{"=", field("first_name"), "Cleo"}}}); !same(ids, anna) {
		t.Fatalf("advancedSearch and/not: %v", ids)
	}
	if ids := adv([]any{"and", []any{">=", field("city_business"), "B"}, []any{"<", field("city_business"), "C"}}); !same(ids, bert) {
		t.Fatalf("advancedSearch range: %v", ids)
	}
	if ids := adv([]any{"=", field("folder_id"), other}); !same(ids, dora) {
		t.Fatalf("advancedSearch folder_id: %v", ids)
	}
	if ids := adv([]any{"=", "Acme", field("company")}); !same(ids, anna) {
		t.Fatalf("advancedSearch constant first: %v", ids)
	}
	// The context admin's own contact is left out with admin=false.
	withAdmin := adv([]any{"=", field("folder_id"), 6})
	withoutAdmin := adv([]any{"=", field("folder_id"), 6}, "admin", "false")
	if len(withAdmin) != 3 || len(withoutAdmin) != 2 {
		t.Fatalf("admin=false: %v vs %v", withAdmin, withoutAdmin)
	}
	for _, bad := range []any{"x", []any{}, []any{"~", field("x"), 1}, []any{"=", field("no_such_field"), 1},
		[]any{"=", field("last_name"), []any{1}}, []any{"not", []any{"=", field("last_name"), "a"}, []any{"=", field("last_name"), "b"}}} {
		MustCode(t, a.Put("contacts", map[string]any{"filter": bad}, "action", "advancedSearch", "columns", "1"), "SVL-0010")
	}
	MustCode(t, a.Put("contacts", map[string]any{}, "action", "advancedSearch", "columns", "1"), "SVL-0002")

	// autocomplete: word prefixes, only with addresses by default, all
	// visible folders, the global address book before private folders.
	auto := func(kv ...string) []int64 {
		t.Helper()
		res := a.Get("contacts", append([]string{"action", "autocomplete", "columns", "1,20,500,555"}, kv...)...)
		return conIDs(t, conRows(t, res, "1,20,500,555"))
	}
	if ids := auto("query", "ber"); !same(ids, anna, cleo) {
		t.Fatalf("autocomplete ber: %v", ids)
	}
	if ids := auto("query", "ber", "email", "false"); !same(ids, anna, bert, cleo) {
		t.Fatalf("autocomplete without email: %v", ids)
	}
	if ids := auto("query", "acme"); !same(ids, anna, dora) {
		t.Fatalf("autocomplete company and address: %v", ids)
	}
	if ids := auto("query", "a", "folder", ugS(other)); !same(ids, dora) {
		t.Fatalf("autocomplete in a folder: %v", ids)
	}
	ids = auto("query", "a")
	if len(ids) < 3 || ids[0] == anna || ids[0] == dora {
		t.Fatalf("autocomplete puts the global address book first: %v", ids)
	}
	if ids := auto("query", "a", "left_hand_limit", "0", "right_hand_limit", "1"); len(ids) != 1 {
		t.Fatalf("autocomplete limits: %v", ids)
	}
	MustCode(t, a.Get("contacts", "action", "autocomplete", "columns", "1"), "SVL-0002")

	// birthdays and anniversaries compare month and day across years.
	start := int64(1772236800000) // 2026-02-28
	bd := func(action string, from, to int64, kv ...string) []int64 {
		t.Helper()
		res := a.Get("contacts", append([]string{"action", action, "columns", "1,511,517", "start", ugS(from), "end", ugS(to)}, kv...)...)
		return conIDs(t, conRows(t, res, "1,511,517"))
	}
	if ids := bd("birthdays", start, start+30*day); !same(ids, anna) {
		t.Fatalf("birthdays: %v", ids)
	}
	if ids := bd("birthdays", start+10*day, start+11*day); !same(ids, anna) {
		t.Fatalf("birthdays on the first day: %v", ids)
	}
	if ids := bd("birthdays", start, start+10*day); len(ids) != 0 {
		t.Fatalf("end is exclusive: %v", ids)
	}
	if ids := bd("birthdays", start, start+30*day, "folder", ugS(other)); len(ids) != 0 {
		t.Fatalf("birthdays in another folder: %v", ids)
	}
	// Over the turn of the year.
	if ids := bd("anniversaries", start+300*day, start+320*day); !same(ids, bert) {
		t.Fatalf("anniversaries: %v", ids)
	}
	MustCode(t, a.Get("contacts", "action", "birthdays", "columns", "1", "start", "1"), "SVL-0002")
}

// Distribution lists with members that reference contacts or stand alone.
func TestContactsDistributionLists(t *testing.T) {
	e := conSetup(t)
	a, f := e.alice, e.aliceFolder
	ref, _ := conNew(t, a, map[string]any{"folder_id": f, "display_name": "Rita Ref", "email1": "rita@example.org", "email2": "rita2@example.org"})
	listID, _ := conNew(t, a, map[string]any{"folder_id": f, "display_name": "Team list", "mark_as_distributionlist": true,
		"distribution_list": []any{
			map[string]any{"id": ref, "folder_id": f, "display_name": "Rita Ref", "mail": "rita2@example.org", "mail_field": 2},
			map[string]any{"display_name": "Ext", "mail": "ext@example.com", "mail_field": 0},
			map[string]any{"id": e.alice.UserID * 0, "mail": "plain@example.com"},
		}})
	obj, _ := conGet(t, a, f, listID)
	members, _ := obj["distribution_list"].([]any)
	if obj["mark_as_distributionlist"] != true || obj["number_of_distribution_list"] != float64(3) || len(members) != 3 {
		t.Fatalf("list: %v", obj)
	}
	m0 := members[0].(map[string]any)
	if m0["id"] != float64(ref) || m0["folder_id"] != float64(f) || m0["mail"] != "rita2@example.org" || m0["mail_field"] != float64(2) {
		t.Fatalf("referencing member: %v", m0)
	}
	if m2 := members[2].(map[string]any); m2["display_name"] != "plain@example.com" || m2["mail_field"] != float64(0) {
		t.Fatalf("plain member: %v", m2)
	}
	// The member follows its contact.
	MustOK(t, a.Put("contacts", map[string]any{"email2": "rita.new@example.org", "display_name": "Rita R."}, "action", "update", "id", ugS(ref),
		"folder", ugS(f), "timestamp", conFarFuture))
	rows := conRows(t, a.Put("contacts", []any{map[string]any{"id": listID, "folder": f}}, "action", "list", "columns", conListCols), conListCols)
	m0 = rows[0][592].([]any)[0].(map[string]any)
	if m0["mail"] != "rita.new@example.org" || m0["display_name"] != "Rita R." || rows[0][602] != true {
		t.Fatalf("member after the contact changed: %v", rows[0])
	}
	if r := conRows(t, a.Get("contacts", "action", "all", "folder", ugS(f), "columns", "1,594", "sort", "1", "order", "asc"), "1,594"); r[1][594] != float64(3) || r[0][594] != float64(0) {
		t.Fatalf("number_of_distribution_list: %v", r)
	}
	// Lists show up in address autocomplete.
	if ids := conIDs(t, conRows(t, a.Get("contacts", "action", "autocomplete", "query", "team", "columns", "1"), "1")); !conHas(ids, listID) {
		t.Fatalf("autocomplete misses the list: %v", ids)
	}
	// Replace the members; a referenced contact that goes away leaves its copy.
	MustOK(t, a.Put("contacts", map[string]any{"distribution_list": []any{map[string]any{"id": ref, "folder_id": f, "mail_field": 1}}},
		"action", "update", "id", ugS(listID), "folder", ugS(f), "timestamp", conFarFuture))
	MustOK(t, a.Put("contacts", []any{map[string]any{"id": ref, "folder": f}}, "action", "delete", "timestamp", conFarFuture))
	obj, _ = conGet(t, a, f, listID)
	members = obj["distribution_list"].([]any)
	if len(members) != 1 || members[0].(map[string]any)["mail"] != "rita@example.org" || members[0].(map[string]any)["id"] != nil {
		t.Fatalf("member of a deleted contact: %v", members)
	}
	// Bad members.
	MustCode(t, a.Put("contacts", map[string]any{"folder_id": f, "display_name": "L", "distribution_list": []any{map[string]any{"display_name": "no mail"}}},
		"action", "new"), "CON-0177")
	MustCode(t, a.Put("contacts", map[string]any{"folder_id": f, "display_name": "L", "distribution_list": []any{map[string]any{"mail": "not an address"}}},
		"action", "new"), "CON-0100")
	MustCode(t, a.Put("contacts", map[string]any{"folder_id": f, "display_name": "L", "distribution_list": []any{map[string]any{"id": 999999, "mail_field": 1}}},
		"action", "new"), "CON-0125")
	MustCode(t, a.Put("contacts", map[string]any{"folder_id": f, "distribution_list": []any{map[string]any{"mail": "a@b.example"}}},
		"action", "new"), "CON-0166")
	MustCode(t, a.Put("contacts", map[string]any{"folder_id": f, "display_name": "L", "distribution_list": "x"}, "action", "new"), "SVL-0010")
	// A member must be readable by the list's author.
	bobs, _ := conNew(t, e.bob, map[string]any{"folder_id": e.bobFolder, "display_name": "Bob's friend", "email1": "friend@example.org"})
	MustCode(t, a.Put("contacts", map[string]any{"folder_id": f, "display_name": "L", "distribution_list": []any{map[string]any{"id": bobs, "mail_field": 1}}},
		"action", "new"), "CON-0125")
}

// The global address book holds every user, is kept in step with the user
// module and protects the users' entries.
func TestContactsGlobalAddressBook(t *testing.T) {
	e := conSetup(t)
	a, b, adm := e.alice, e.bob, e.admin
	rows := conRows(t, a.Get("contacts", "action", "all", "folder", "6", "columns", "1,20,500,524,555", "sort", "607", "order", "asc"), "1,20,500,524,555")
	if len(rows) != 3 {
		t.Fatalf("GAB has %d entries: %v", len(rows), rows)
	}
	var aliceContact int64
	for _, r := range rows {
		if r[524] == float64(a.UserID) {
			aliceContact = ugNum(t, r[1])
			if r[500] != "Alice Anders" || r[555] != "alice@example.com" || r[20] != float64(6) {
				t.Fatalf("alice's entry: %v", r)
			}
		}
	}
	if aliceContact == 0 {
		t.Fatalf("alice missing from the GAB: %v", rows)
	}
	if r := conRows(t, a.Get("contacts", "action", "all", "folder", "6", "columns", "1", "admin", "false"), "1"); len(r) != 2 {
		t.Fatalf("admin=false: %v", r)
	}
	// getuser and listuser take user ids.
	obj := ugObj(t, b.Get("contacts", "action", "getuser", "id", ugS(a.UserID)))
	if obj["id"] != float64(aliceContact) || obj["user_id"] != float64(a.UserID) || obj["display_name"] != "Alice Anders" {
		t.Fatalf("getuser: %v", obj)
	}
	MustCode(t, b.Get("contacts", "action", "getuser", "id", "999"), "CON-0125")
	lu := conRows(t, b.Put("contacts", []any{b.UserID, 999, a.UserID}, "action", "listuser", "columns", "1,524,500"), "1,524,500")
	if len(lu) != 2 || lu[0][524] != float64(b.UserID) || lu[1][524] != float64(a.UserID) {
		t.Fatalf("listuser: %v", lu)
	}
	MustCode(t, b.Put("contacts", []any{"x"}, "action", "listuser", "columns", "1"), "SVL-0009")

	// A change through the user module shows in the GAB and its updates.
	since := ugTS(t, MustOK(t, b.Get("contacts", "action", "all", "folder", "6", "columns", "1")))
	uts := ugTS(t, MustOK(t, a.Get("user", "action", "get")))
	MustOK(t, a.Put("user", map[string]any{"department": "Research", "last_name": "Anders-Neu"}, "action", "update", "id", ugS(a.UserID), "timestamp", ugS(uts)))
	g, _ := conGet(t, b, 6, aliceContact)
	if g["department"] != "Research" || g["last_name"] != "Anders-Neu" {
		t.Fatalf("GAB after user update: %v", g)
	}
	up := ugArr(t, MustOK(t, b.Get("contacts", "action", "updates", "folder", "6", "columns", "1,502", "timestamp", ugS(since))))
	if len(up) != 1 || ugNum(t, up[0].([]any)[0]) != aliceContact {
		t.Fatalf("GAB updates: %v", up)
	}
	// ...and a change through contacts shows in the user module.
	_, gts := conGet(t, a, 6, aliceContact)
	MustOK(t, a.Put("contacts", map[string]any{"telephone_business1": "+49 40 1"}, "action", "update", "id", ugS(aliceContact), "folder", "6", "timestamp", ugS(gts)))
	if u := ugObj(t, b.Get("user", "action", "get", "id", ugS(a.UserID))); u["telephone_business1"] != "+49 40 1" {
		t.Fatalf("user after contacts update: %v", u)
	}
	// The user rules hold in the contacts module too.
	MustCode(t, b.Put("contacts", map[string]any{"note": "x"}, "action", "update", "id", ugS(aliceContact), "folder", "6", "timestamp", conFarFuture), "CON-0176")
	MustCode(t, a.Put("contacts", map[string]any{"email1": "other@example.com"}, "action", "update", "id", ugS(aliceContact), "folder", "6", "timestamp", conFarFuture), "CON-0173")
	MustCode(t, a.Put("contacts", map[string]any{"display_name": "Bob Brown"}, "action", "update", "id", ugS(aliceContact), "folder", "6", "timestamp", conFarFuture), "CON-0167")
	MustCode(t, a.Put("contacts", map[string]any{"private_flag": true}, "action", "update", "id", ugS(aliceContact), "folder", "6", "timestamp", conFarFuture), "CON-0171")
	MustCode(t, a.Put("contacts", map[string]any{"folder_id": e.aliceFolder}, "action", "update", "id", ugS(aliceContact), "folder", "6", "timestamp", conFarFuture), "CON-0176")
	MustOK(t, adm.Put("contacts", map[string]any{"room_number": "101"}, "action", "update", "id", ugS(aliceContact), "folder", "6", "timestamp", conFarFuture))
	MustCode(t, adm.Put("contacts", []any{map[string]any{"id": aliceContact, "folder": 6}}, "action", "delete", "timestamp", conFarFuture), "CON-0260")
	MustCode(t, a.Put("contacts", map[string]any{"folder_id": 6, "display_name": "Not a user"}, "action", "new"), "CON-0112")
	if g, _ = conGet(t, b, 6, aliceContact); g["room_number"] != "101" || g["email1"] != "alice@example.com" || g["display_name"] != "Alice Anders" {
		t.Fatalf("GAB entry: %v", g)
	}
}

// Malformed and hostile input gives OX errors and changes nothing.
func TestContactsBadInput(t *testing.T) {
	e := conSetup(t)
	a, f := e.alice, e.aliceFolder
	id, ts := conNew(t, a, map[string]any{"folder_id": f, "display_name": "Stable", "email1": "s@example.org"})
	for _, c := range []struct {
		res  *Result
		code string
	}{
		{a.Put("contacts", "{not json", "action", "new"), "SVL-0009"},
		{a.Put("contacts", "[1,2]", "action", "new"), "SVL-0009"},
		{a.Put("contacts", map[string]any{"display_name": "x"}, "action", "new"), "SVL-0002"},
		{a.Put("contacts", map[string]any{"folder_id": "abc"}, "action", "new"), "SVL-0010"},
		{a.Put("contacts", map[string]any{"folder_id": f, "display_name": 7}, "action", "new"), "SVL-0010"},
		{a.Put("contacts", map[string]any{"folder_id": f, "birthday": "tomorrow"}, "action", "new"), "SVL-0010"},
		{a.Put("contacts", map[string]any{"folder_id": f, "private_flag": "yes"}, "action", "new"), "SVL-0010"},
		{a.Put("contacts", map[string]any{"folder_id": f, "email1": "no-at-sign"}, "action", "new"), "CON-0100"},
		{a.Put("contacts", map[string]any{"folder_id": 999999, "display_name": "x"}, "action", "new"), "FLD-0008"},
		{a.Put("contacts", map[string]any{"folder_id": conDefaultTasks(t, a), "display_name": "x"}, "action", "new"), "CON-0103"},
		{a.Put("contacts", map[string]any{"note": "x"}, "action", "update", "id", ugS(id), "folder", ugS(f)), "SVL-0002"},
		{a.Put("contacts", map[string]any{"note": "x"}, "action", "update", "id", "abc", "folder", ugS(f), "timestamp", conFarFuture), "SVL-0010"},
		{a.Put("contacts", map[string]any{"note": "x"}, "action", "update", "id", "999999", "folder", ugS(f), "timestamp", conFarFuture), "CON-0125"},
		{a.Put("contacts", map[string]any{"note": "x"}, "action", "update", "id", ugS(id), "folder", ugS(e.bobFolder), "timestamp", conFarFuture), "FLD-0003"},
		{a.Put("contacts", map[string]any{"note": 5}, "action", "update", "id", ugS(id), "folder", ugS(f), "timestamp", conFarFuture), "SVL-0010"},
		{a.Put("contacts", "{", "action", "update", "id", ugS(id), "folder", ugS(f), "timestamp", conFarFuture), "SVL-0009"},
		{a.Put("contacts", map[string]any{"note": "x"}, "action", "update", "id", ugS(id), "folder", ugS(f), "timestamp", "soon"), "SVL-0010"},
		{a.Put("contacts", []any{map[string]any{"id": id, "folder": f}}, "action", "delete"), "SVL-0002"},
		{a.Put("contacts", []any{map[string]any{"id": id}}, "action", "delete", "timestamp", conFarFuture), "SVL-0009"},
		{a.Put("contacts", []any{map[string]any{"id": 999999, "folder": f}, map[string]any{"id": id, "folder": f}}, "action", "delete", "timestamp", conFarFuture), "CON-0125"},
		{a.Put("contacts", []any{map[string]any{"id": id, "folder": f}}, "action", "list"), "SVL-0002"},
		{a.Put("contacts", "[{]", "action", "list", "columns", "1"), "SVL-0009"},
		{a.Get("contacts", "action", "all", "folder", ugS(f), "columns", "1,x"), "SVL-0010"},
		{a.Get("contacts", "action", "all", "folder", ugS(f), "columns", "1", "sort", "x"), "SVL-0010"},
		{a.Get("contacts", "action", "get", "id", ugS(id), "folder", "999999"), "FLD-0008"},
		{a.Get("contacts", "action", "get", "id", ugS(id)), "SVL-0002"},
		{a.Get("contacts", "action", "nope"), "SVL-0021"},
	} {
		MustCode(t, c.res, c.code)
	}
	// The failed delete of a mixed list deleted nothing.
	obj, gts := conGet(t, a, f, id)
	if gts != ts || obj["note"] != nil || obj["display_name"] != "Stable" {
		t.Fatalf("bad input changed the contact: %v", obj)
	}
	// Unknown fields and read-only fields are ignored.
	res := MustOK(t, a.Put("contacts", map[string]any{"folder_id": f, "display_name": "RO", "no_such": 1, "id": 999, "created_by": 99,
		"number_of_attachments": 7, "image1_url": "http://x"}, "action", "new"))
	nid := ugNum(t, ugObj(t, res)["id"])
	if obj, _ = conGet(t, a, f, nid); obj["created_by"] != float64(a.UserID) || obj["number_of_attachments"] != float64(0) || obj["image1_url"] != nil || nid == 999 {
		t.Fatalf("read-only fields were written: %v", obj)
	}
	// A body above the limit.
	big := strings.Repeat("x", 11<<20)
	MustCode(t, a.Put("contacts", map[string]any{"folder_id": f, "note": big}, "action", "new"), "SVL-0020")
}

// conDefaultTasks finds the caller's default tasks folder.
func conDefaultTasks(t *testing.T, c *Client) int64 {
	t.Helper()
	res := MustOK(t, c.Get("folders", "action", "list", "parent", "1", "tree", "1", "columns", "1,301,308"))
	for _, r := range res.Data().([]any) {
		row := r.([]any)
		if row[1] == "tasks" && row[2] == true {
			var id int64
			fmt.Sscan(row[0].(string), &id)
			return id
		}
	}
	t.Fatalf("no tasks folder")
	return 0
}
