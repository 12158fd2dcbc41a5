package api

import (
	"bytes"
	"fmt"
	"image/color"
	"net/http"
	"net/url"
	"testing"
)

// halo/contact: services, investigate with the keys picture takes, and
// the picture with and without session.
func TestHaloContact(t *testing.T) {
	e := conSetup(t)
	a, b, f := e.alice, e.bob, e.aliceFolder

	res := MustOK(t, a.Get("halo/contact", "action", "services"))
	if d := ugArr(t, res); len(d) == 0 || d[0] != "com.openexchange.halo.contacts" {
		t.Fatalf("services: %s", res.Body)
	}

	// Two contacts share an address: the newer change comes first, and
	// alice's user entry (the GAB) comes before both.
	older, _ := conNew(t, a, map[string]any{"folder_id": f, "display_name": "Old Card", "email1": "shared@example.org"})
	newer, _ := conNew(t, a, map[string]any{"folder_id": f, "display_name": "New Card", "email2": "Shared@Example.org"})
	cols := "1,20,500,524,555,556"
	inv := func(c *Client, kv ...string) []map[int]any {
		t.Helper()
		res := c.Get("halo/contact", append([]string{"action", "investigate", "provider", "com.openexchange.halo.contacts", "columns", cols,
			"timezone", "UTC"}, kv...)...)
		return conRows(t, res, cols)
	}
	rows := inv(a, "email1", "shared@example.org")
	if ids := conIDs(t, rows); len(ids) != 2 || ids[0] != newer || ids[1] != older {
		t.Fatalf("investigate by address: %v", ids)
	}
	rows = inv(b, "internal_userid", ugS(a.UserID))
	if len(rows) != 1 || rows[0][524] != float64(a.UserID) || rows[0][500] != "Alice Anders" || rows[0][20] != float64(6) {
		t.Fatalf("investigate by user id: %v", rows)
	}
	rows = inv(b, "email", "alice@example.com")
	if len(rows) != 1 || rows[0][524] != float64(a.UserID) {
		t.Fatalf("investigate by the user's address: %v", rows)
	}
	rows = inv(a, "id", ugS(older), "folder", ugS(f))
	if ids := conIDs(t, rows); len(ids) != 1 || ids[0] != older {
		t.Fatalf("investigate by id: %v", ids)
	}
	// Bob cannot investigate alice's private address book.
	if rows = inv(b, "email1", "shared@example.org"); len(rows) != 0 {
		t.Fatalf("bob sees alice's contacts: %v", rows)
	}
	if rows = inv(b, "id", ugS(older), "folder", ugS(f)); len(rows) != 0 {
		t.Fatalf("bob sees alice's contact by id: %v", rows)
	}
	MustCode(t, a.Get("halo/contact", "action", "investigate", "columns", cols, "email1", "x@y.z"), "SVL-0002")
	MustCode(t, a.Get("halo/contact", "action", "investigate", "provider", "com.openexchange.halo.mail", "columns", cols, "email1", "x@y.z"), "HALO-0003")
	MustCode(t, a.Get("halo/contact", "action", "investigate", "provider", "com.openexchange.halo.contacts", "columns", cols), "HALO-0005")
	MustCode(t, a.Get("halo/contact", "action", "investigate", "provider", "com.openexchange.halo.contacts", "email1", "x@y.z"), "SVL-0002")

	// Pictures: the newest contact with the address has none, the older one has.
	png := conPNG(t, 5, 5, color.RGBA{0, 128, 0, 255})
	up := conUpload(t, a, "contacts", url.Values{"action": {"update"}, "id": {ugS(older)}, "folder": {ugS(f)}, "timestamp": {conFarFuture}}, "{}", png, "p.png")
	if up.Code() != "" {
		t.Fatalf("upload: %s", up.Body)
	}
	// With the session parameter...
	res = a.Get("halo/contact/picture", "email", "shared@example.org", "width", "48", "height", "48", "scaleType", "cover")
	if res.Status != http.StatusOK || !bytes.Equal(res.Body, png) || res.Header.Get("Content-Type") != "image/png" ||
		res.Header.Get("ETag") == "" || res.Header.Get("Cache-Control") == "" {
		t.Fatalf("picture with session: %d %v", res.Status, res.Header)
	}
	// ...and with the public-session cookie alone.
	dl := conDownload(t, a, "/ajax/halo/contact/picture?email1=shared@example.org")
	if dl.Status != http.StatusOK || !bytes.Equal(dl.Body, png) {
		t.Fatalf("picture by cookie: %d", dl.Status)
	}
	if nm := conDownload(t, a, "/ajax/halo/contact/picture?email1=shared@example.org", "If-None-Match", dl.Header.Get("ETag")); nm.Status != http.StatusNotModified {
		t.Fatalf("picture revalidation: %d", nm.Status)
	}
	// The appsuite alias of the API root works too.
	if al := conDownload(t, a, "/appsuite/api/halo/contact/picture?email1=shared@example.org"); al.Status != http.StatusOK {
		t.Fatalf("picture below /appsuite/api: %d", al.Status)
	}
	// Keys are OR-connected: an unknown user id with a known address.
	if r := conDownload(t, a, "/ajax/halo/contact/picture?user_id=999&email=shared@example.org"); r.Status != http.StatusOK {
		t.Fatalf("or-connected keys: %d", r.Status)
	}
	for _, q := range []string{"email=nobody@example.org", "internal_userid=" + ugS(b.UserID), "", fmt.Sprintf("id=%d&folder=%d", newer, f)} {
		if r := conDownload(t, a, "/ajax/halo/contact/picture?"+q); r.Status != http.StatusNotFound {
			t.Fatalf("picture %q: %d", q, r.Status)
		}
	}
	if r := conDownload(t, a, "/ajax/halo/contact/picture?userid=abc"); r.Status != http.StatusBadRequest {
		t.Fatalf("malformed user id: %d", r.Status)
	}
	// Without any session nothing is found; bob does not see alice's card.
	if r := conDownload(t, e.s.NewClient(), "/ajax/halo/contact/picture?email1=shared@example.org"); r.Status != http.StatusNotFound {
		t.Fatalf("picture without session: %d", r.Status)
	}
	if r := conDownload(t, b, "/ajax/halo/contact/picture?email1=shared@example.org"); r.Status != http.StatusNotFound {
		t.Fatalf("bob gets alice's picture: %d", r.Status)
	}
}
