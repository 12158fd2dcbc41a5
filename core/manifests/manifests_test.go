package manifests

import "testing"

func TestSatisfiedAndAutoStart(t *testing.T) {
	m := Manifest{Requires: "contacts !guest"}
	if !m.Satisfied([]string{"contacts"}) || m.Satisfied([]string{"contacts", "guest"}) || m.Satisfied(nil) {
		t.Fatal("Satisfied")
	}
	if !(Manifest{}).Satisfied(nil) {
		t.Fatal("empty requirement")
	}
	if got := AutoStart(nil); got != "io.ox/settings/main" {
		t.Fatalf("AutoStart without apps: %s", got)
	}
	if got := AutoStart([]string{"tasks", "contacts"}); got != "io.ox/contacts/main" {
		t.Fatalf("AutoStart with contacts and tasks: %s", got)
	}
	for _, a := range Apps([]string{"webmail"}) {
		if a.Path == "io.ox/contacts/main" {
			t.Fatal("contacts app without capability")
		}
	}
}
