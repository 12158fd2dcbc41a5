package syncit

import (
	"context"
	"testing"
)

func TestTempIDMapping(t *testing.T) {
	e := setup(t)
	l := e.attach(t)
	// The client's view before the offline work (the folder is empty).
	since := int64(1)
	temp := create(t, l, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Temp", "last_name": "Orary"})
	if temp >= 0 {
		t.Fatalf("temporary id %d", temp)
	}
	MustOK(t, l.Put("contacts", map[string]any{"email1": "temp@example.com"}, "action", "update", "id", itoa(temp),
		"folder", itoa(e.conFolder), "timestamp", farFuture))
	// A distribution list that refers to the temporary contact.
	list := create(t, l, "contacts", map[string]any{"folder_id": e.conFolder, "display_name": "Team", "mark_as_distributionlist": true,
		"distribution_list": []any{map[string]any{"id": temp, "folder_id": e.conFolder, "mail_field": 1, "display_name": "Temp",
			"mail": "temp@example.com"}}})
	l.Sync()

	// One object on the server, with the offline edit.
	var server map[string]any
	n := 0
	for id := range ids(t, e.alice, "contacts", e.conFolder) {
		if o, _ := getObj(t, e.alice, "contacts", id, e.conFolder); o["first_name"] == "Temp" {
			server, n = o, n+1
		}
	}
	if n != 1 || server["email1"] != "temp@example.com" {
		t.Fatalf("%d copies on the server: %v", n, server)
	}
	sid := num(server["id"])
	// The list on the server refers to the server id.
	var srvList map[string]any
	for id := range ids(t, e.alice, "contacts", e.conFolder) {
		if o, _ := getObj(t, e.alice, "contacts", id, e.conFolder); o["display_name"] == "Team" {
			srvList = o
		}
	}
	if srvList == nil {
		t.Fatal("distribution list not pushed")
	}
	if m := srvList["distribution_list"].([]any)[0].(map[string]any); num(m["id"]) != sid {
		t.Fatalf("list member %v, want id %d", m, sid)
	}
	// Local updates: the temporary ids are deleted, the server ids changed.
	up := MustOK(t, l.Get("contacts", "action", "updates", "folder", itoa(e.conFolder), "timestamp", itoa(since), "columns", "1,500", "ignore", "none"))
	changed, deleted := map[int64]bool{}, map[int64]bool{}
	for _, x := range up.Data().([]any) {
		if row, ok := x.([]any); ok {
			changed[num(row[0])] = true
		} else {
			deleted[num(x)] = true
		}
	}
	if !deleted[temp] || !deleted[list] || !changed[sid] || changed[temp] {
		t.Fatalf("updates: changed %v deleted %v (temp %d → %d)", changed, deleted, temp, sid)
	}
	// The temporary id still resolves.
	o, code := getObj(t, l, "contacts", temp, e.conFolder)
	if code != "" || num(o["id"]) != sid || o["email1"] != "temp@example.com" {
		t.Fatalf("get by temporary id: %v %s", o, code)
	}
	// And writes by the temporary id reach the server object.
	MustOK(t, l.Put("contacts", map[string]any{"last_name": "Permanent"}, "action", "update", "id", itoa(temp),
		"folder", itoa(e.conFolder), "timestamp", farFuture))
	l.Sync()
	if o, _ := getObj(t, e.alice, "contacts", sid, e.conFolder); o["last_name"] != "Permanent" {
		t.Fatalf("write by temporary id: %v", o)
	}
}

func TestOfflineFolderWithContents(t *testing.T) {
	e := setup(t)
	l := e.attach(t)
	res := MustOK(t, l.Put("folders", map[string]any{"title": "Offline book", "module": "contacts"}, "action", "new",
		"folder_id", "1", "tree", "1"))
	fid := num(res.Data())
	if fid > -20 {
		t.Fatalf("temporary folder id %d", fid)
	}
	c := create(t, l, "contacts", map[string]any{"folder_id": fid, "first_name": "Inside"})
	sub := MustOK(t, l.Put("folders", map[string]any{"title": "Sub", "module": "contacts"}, "action", "new",
		"folder_id", itoa(fid), "tree", "1"))
	subID := num(sub.Data())
	// The temporary folder behaves like any other locally.
	if f := MustOK(t, l.Get("folders", "action", "get", "id", itoa(subID), "tree", "1")).Data().(map[string]any); num(f["folder_id"]) != fid {
		t.Fatalf("subfolder parent %v", f["folder_id"])
	}
	MustOK(t, l.Put("folders", map[string]any{"title": "Offline book (renamed)"}, "action", "update", "id", itoa(fid),
		"tree", "1", "timestamp", farFuture))
	l.Sync()
	// On the server: the folder, its subfolder and the contact.
	var sfid int64
	for _, r := range MustOK(t, e.alice.Get("folders", "action", "list", "parent", "1", "tree", "1", "columns", "1,300")).Data().([]any) {
		if row := r.([]any); row[1] == "Offline book (renamed)" {
			sfid = num(row[0])
		}
	}
	if sfid <= 0 {
		t.Fatal("folder not on the server")
	}
	subs := MustOK(t, e.alice.Get("folders", "action", "list", "parent", itoa(sfid), "tree", "1", "columns", "1,300")).Data().([]any)
	if len(subs) != 1 || subs[0].([]any)[1] != "Sub" {
		t.Fatalf("subfolders %v", subs)
	}
	got := ids(t, e.alice, "contacts", sfid)
	if len(got) != 1 {
		t.Fatalf("contacts in the pushed folder %v", got)
	}
	// Locally everything moved to the server ids; the temporary ids resolve.
	if f := MustOK(t, l.Get("folders", "action", "get", "id", itoa(fid), "tree", "1")).Data().(map[string]any); num(f["id"]) != sfid {
		t.Fatalf("local folder by temporary id %v", f)
	}
	if o, code := getObj(t, l, "contacts", c, fid); code != "" || o["first_name"] != "Inside" || num(o["folder_id"]) != sfid {
		t.Fatalf("local contact by temporary ids %v %s", o, code)
	}
	if p := l.State()["pending"].(float64); p != 0 {
		t.Fatalf("pending %v", p)
	}
}

func TestHorizonReload(t *testing.T) {
	e := setup(t)
	a := create(t, e.alice, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Stays"})
	b := create(t, e.alice, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Goes"})
	l := e.attach(t)
	MustOK(t, e.alice.Put("contacts", []any{map[string]any{"id": b, "folder": e.conFolder}}, "action", "delete", "timestamp", farFuture))
	c := create(t, e.alice, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Arrives"})
	if _, errOut, code := e.s.CLI("tombstones", "prune", "--tombstone-retention", "1ms"); code != 0 {
		t.Fatalf("prune: %s", errOut)
	}
	// The server can no longer list the deletion since the stored timestamp.
	MustCode(t, e.alice.Get("contacts", "action", "updates", "folder", itoa(e.conFolder), "timestamp", "1", "columns", "1", "ignore", "none"), "OXL-0001")
	// A local change waiting meanwhile survives the reload.
	MustOK(t, l.Put("contacts", map[string]any{"last_name": "Local"}, "action", "update", "id", itoa(a),
		"folder", itoa(e.conFolder), "timestamp", farFuture))
	if err := l.Engine.Pull(context.Background()); err != nil {
		t.Fatalf("pull: %v", err)
	}
	got := ids(t, l, "contacts", e.conFolder)
	if !got[a] || got[b] || !got[c] {
		t.Fatalf("after reload %v (stays %d, goes %d, arrives %d)", got, a, b, c)
	}
	if o, _ := getObj(t, l, "contacts", a, e.conFolder); o["last_name"] != "Local" {
		t.Fatalf("pending change lost by the reload: %v", o)
	}
	l.Sync()
	if o, _ := getObj(t, e.alice, "contacts", a, e.conFolder); o["last_name"] != "Local" {
		t.Fatalf("pending change not pushed after the reload: %v", o)
	}
}
