package jslob

import (
	"encoding/json"
	"testing"

	"oxlite/core/protocol"
)

func TestMerge(t *testing.T) {
	dst := map[string]any{"a": map[string]any{"b": 1, "c": 2}, "x": "y", "l": []any{1}}
	src := map[string]any{"a": map[string]any{"c": 3, "d": map[string]any{"e": true}}, "l": []any{2}, "n": nil}
	merge(dst, src)
	got, _ := json.Marshal(dst)
	if string(got) != `{"a":{"b":1,"c":3,"d":{"e":true}},"l":[2],"n":null,"x":"y"}` {
		t.Fatalf("merge: %s", got)
	}
	// The merged copy of a sub-object must not alias the source.
	src["a"].(map[string]any)["d"].(map[string]any)["e"] = false
	if dst["a"].(map[string]any)["d"].(map[string]any)["e"] != true {
		t.Fatal("merge aliases the source")
	}
}

func TestTakeOwned(t *testing.T) {
	u := &protocol.User{Locale: "en_US", TimeZone: "UTC"}
	tree := map[string]any{"folder": map[string]any{"contacts": 1, "hidden": true}, "language": "en_US", "timezone": "Europe/Paris"}
	loc, zone, err := takeOwned(tree, u)
	if err != nil || loc != "" || zone != "Europe/Paris" {
		t.Fatalf("takeOwned: %q %q %v", loc, zone, err)
	}
	if _, ok := tree["language"]; ok {
		t.Fatal("language kept in the stored tree")
	}
	if f := tree["folder"].(map[string]any); f["contacts"] != nil || f["hidden"] != true {
		t.Fatalf("folder after takeOwned: %v", f)
	}
	if _, _, err := takeOwned(map[string]any{"timezone": 5}, u); err == nil {
		t.Fatal("a numeric timezone was accepted")
	}
}
