package config

import (
	"strings"
	"testing"

	// Under js/wasm the zones come from the embedded database, as in the service worker.
	_ "time/tzdata"
)

// Every leaf path is unique and no leaf lies below another leaf, or the
// tree would silently drop one of them.
func TestLeafPathsFormATree(t *testing.T) {
	seen := map[string]bool{}
	for _, l := range leaves {
		if seen[l.path] {
			t.Fatalf("duplicate leaf %s", l.path)
		}
		seen[l.path] = true
	}
	for p := range seen {
		for q := range seen {
			if strings.HasPrefix(q, p+"/") {
				t.Fatalf("leaf %s lies below leaf %s", q, p)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	root := map[string]any{"folder": map[string]any{"contacts": 24}, "reloadTimes": []int{0}}
	if n, canon, ok := lookup(root, "folder/contacts"); !ok || n != 24 || canon != "folder/contacts" {
		t.Fatalf("exact: %v %q %v", n, canon, ok)
	}
	if _, canon, ok := lookup(root, "Folder/CONTACTS"); !ok || canon != "folder/contacts" {
		t.Fatalf("case-insensitive: %q %v", canon, ok)
	}
	if _, canon, ok := lookup(root, "reloadtimes"); !ok || canon != "reloadTimes" {
		t.Fatalf("reloadtimes: %q %v", canon, ok)
	}
	if _, _, ok := lookup(root, "folder/contacts/x"); ok {
		t.Fatal("path below a leaf resolved")
	}
	if n, canon, ok := lookup(root, ""); !ok || canon != "" || n == nil {
		t.Fatal("empty path is the root")
	}
}

func TestValidators(t *testing.T) {
	for _, z := range []string{"Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires"} {
		if !ValidZone(z) {
			t.Fatalf("%s refused", z)
		}
	}
	for _, z := range []string{"", "Local", "Mars/Base", "../etc/passwd"} {
		if ValidZone(z) {
			t.Fatalf("%q accepted", z)
		}
	}
	for _, z := range zoneNames {
		if !ValidZone(z) {
			t.Fatalf("offered zone %s cannot be loaded", z)
		}
	}
	if !ValidLocale("de_DE") || !ValidLocale("en") || ValidLocale("de-DE") || ValidLocale("") {
		t.Fatal("locale check")
	}
	if v, ok := status("2"); !ok || v != 2 {
		t.Fatal("status 2")
	}
	if _, ok := status("4"); ok {
		t.Fatal("status 4 accepted")
	}
}
