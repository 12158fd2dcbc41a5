package syncer

import (
	"encoding/json"
	"testing"

	"oxlite/storage"
)

func TestRecordRoundTrip(t *testing.T) {
	var base map[string]any
	if err := decodeJSON([]byte(`{"id":-3,"first_name":"A","n":1.5,"list":[{"id":7}],"flag":true,"nothing":null}`), &base); err != nil {
		t.Fatal(err)
	}
	r := &record{Params: map[string]string{"action": "update", "id": "-3"}, Body: `{"first_name":"B"}`, Base: base, BaseTS: 1234, Temp: -3}
	b, err := r.encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Params["id"] != "-3" || got.Body != r.Body || got.BaseTS != 1234 || got.Temp != -3 {
		t.Fatalf("round trip %+v", got)
	}
	for k := range base {
		if !equal(base[k], got.Base[k]) {
			t.Errorf("base %s: %v != %v", k, base[k], got.Base[k])
		}
	}
	if _, err := decodeRecord([]byte{0xc1}); err == nil {
		t.Fatal("garbage decoded")
	}
}

func TestEqual(t *testing.T) {
	for _, c := range []struct {
		a, b any
		want bool
	}{
		{json.Number("5"), int64(5), true},
		{json.Number("1.50"), 1.5, true},
		{nil, "", true},
		{nil, []any{}, true},
		{"a", "b", false},
		{false, nil, false},
		{[]any{int64(1), "x"}, []any{json.Number("1"), "x"}, true},
		{map[string]any{"a": int64(1), "b": nil}, map[string]any{"a": 1.0}, true},
		{map[string]any{"a": int64(1)}, map[string]any{"a": int64(2)}, false},
	} {
		if got := equal(c.a, c.b); got != c.want {
			t.Errorf("equal(%#v, %#v) = %v", c.a, c.b, got)
		}
	}
}

func TestThreeWay(t *testing.T) {
	base := map[string]any{"a": "1", "b": "1", "c": "1", "d": "1"}
	server := map[string]any{"a": "1", "b": "2", "c": "2", "d": "3", "last_modified": int64(9)}
	local := map[string]any{"a": "L", "b": "1", "c": "2", "d": "L", "id": int64(4)}
	merged, cs := threeWay(base, local, server)
	if len(merged) != 1 || merged["a"] != "L" {
		t.Fatalf("merged %v", merged)
	}
	if len(cs) != 1 || cs[0][0] != "d" || cs[0][1] != "1" || cs[0][2] != "L" || cs[0][3] != "3" {
		t.Fatalf("conflicts %v", cs)
	}
}

func TestRewriteEntry(t *testing.T) {
	en := &storage.OutboxEntry{Module: "contacts", Action: "update", ObjectID: -2, FolderID: -20}
	rec := &record{Params: map[string]string{"action": "update", "id": "-2", "folder": "-20"},
		Body: `{"folder_id":-20,"distribution_list":[{"id":-2,"folder_id":-20}],"note":"-20"}`,
		Base: map[string]any{"id": int64(-2), "folder_id": int64(-20)}}
	if !rewriteEntry(en, rec, "folders", -20, 31) {
		t.Fatal("folder mapping changed nothing")
	}
	if rec.Params["folder"] != "31" || rec.Params["id"] != "-2" || en.FolderID != 31 || en.ObjectID != -2 {
		t.Fatalf("after folder mapping %+v %+v", en, rec.Params)
	}
	if !rewriteEntry(en, rec, "contacts", -2, 8) {
		t.Fatal("contact mapping changed nothing")
	}
	var body map[string]any
	if err := decodeJSON([]byte(rec.Body), &body); err != nil {
		t.Fatal(err)
	}
	m := body["distribution_list"].([]any)[0].(map[string]any)
	if rec.Params["id"] != "8" || en.ObjectID != 8 || jsonNum(body["folder_id"]) != 31 || jsonNum(m["id"]) != 8 ||
		jsonNum(m["folder_id"]) != 31 || body["note"] != "-20" || rec.Base["id"] != int64(8) {
		t.Fatalf("after contact mapping %+v body %v base %v", rec.Params, body, rec.Base)
	}
	// Another module's ids are left alone.
	en2 := &storage.OutboxEntry{Module: "tasks", ObjectID: -2}
	rec2 := &record{Params: map[string]string{"id": "-2"}}
	if rewriteEntry(en2, rec2, "contacts", -2, 8) {
		t.Fatal("a task entry was rewritten by a contact mapping")
	}
}

func jsonNum(v any) int64 { n, _ := toInt(v); return n }
