package api

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image/color"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
)

// ieImport uploads data to import?action=format and returns the callback's
// JSON object.
func ieImport(t *testing.T, c *Client, format string, folder int64, data []byte, kv ...string) *Result {
	t.Helper()
	p := url.Values{"action": {format}, "folder": {ugS(folder)}}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Set(kv[i], kv[i+1])
	}
	res := conUpload(t, c, "import", p, "", data, "upload.dat")
	if !strings.Contains(string(res.Body), `window.opener["callback_import"]`) {
		t.Fatalf("answer is not callback_import: %s", res.Body)
	}
	return res
}

// ieResults checks an import answer and returns its per-object results.
func ieResults(t *testing.T, res *Result, n int) []map[string]any {
	t.Helper()
	if res.Obj["error"] != nil {
		t.Fatalf("import failed: %s", res.Body)
	}
	arr, ok := res.Obj["data"].([]any)
	if !ok || len(arr) != n {
		t.Fatalf("want %d results: %s", n, res.Body)
	}
	out := make([]map[string]any, n)
	for i, x := range arr {
		out[i] = x.(map[string]any)
	}
	return out
}

// ieStored checks a successful result and returns the new object's id.
func ieStored(t *testing.T, r map[string]any, folder int64) int64 {
	t.Helper()
	if r["error"] != nil || ugNum(t, r["folder_id"]) != folder || ugNum(t, r["last_modified"]) <= 0 {
		t.Fatalf("not stored: %v", r)
	}
	return ugNum(t, r["id"])
}

func ieFailed(t *testing.T, r map[string]any, code string) {
	t.Helper()
	if r["code"] != code || r["error"] == nil || r["id"] != nil {
		t.Fatalf("want per-object error %s, got %v", code, r)
	}
}

// ieExport downloads export?action=format and checks the download headers.
func ieExport(t *testing.T, c *Client, format string, folder int64, contentType string, kv ...string) []byte {
	t.Helper()
	res := c.Get("export", append([]string{"action", format, "folder", ugS(folder)}, kv...)...)
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), contentType) {
		t.Fatalf("export %s: HTTP %d %s: %.300s", format, res.Status, res.Header.Get("Content-Type"), res.Body)
	}
	if d, _, err := mime.ParseMediaType(res.Header.Get("Content-Disposition")); err != nil || d != "attachment" {
		t.Fatalf("Content-Disposition %q", res.Header.Get("Content-Disposition"))
	}
	return res.Body
}

func ieCount(t *testing.T, c *Client, module string, folder int64) int {
	t.Helper()
	return len(ugArr(t, MustOK(t, c.Get(module, "action", "all", "folder", ugS(folder), "columns", "1"))))
}

// ieFullContact is a contact with every field the vCard mapping carries.
func ieFullContact(folder int64, picture []byte) map[string]any {
	c := map[string]any{"folder_id": folder}
	for _, f := range []string{"second_name", "suffix", "title", "nickname", "department", "position", "profession",
		"marital_status", "number_of_children", "employee_type", "room_number", "number_of_employees", "sales_volume",
		"tax_id", "commercial_register", "branches", "business_category", "info", "file_as", "spouse_name",
		"assistant_name", "manager_name", "yomiFirstName", "yomiLastName", "yomiCompany",
		"city_home", "state_home", "postal_code_home", "country_home", "city_business", "state_business",
		"postal_code_business", "country_business", "street_other", "city_other", "state_other", "postal_code_other",
		"country_other", "instant_messenger1", "instant_messenger2"} {
		c[f] = "v-" + f + ", ünïcödé"
	}
	for i := 1; i <= 20; i++ {
		c[fmt.Sprintf("userfield%02d", i)] = fmt.Sprintf("user field %d", i)
	}
	for i, f := range []string{"telephone_business1", "telephone_business2", "fax_business", "telephone_home1",
		"telephone_home2", "fax_home", "cellular_telephone1", "cellular_telephone2", "telephone_other", "fax_other",
		"telephone_car", "telephone_isdn", "telephone_pager", "telephone_primary", "telephone_assistant",
		"telephone_callback", "telephone_company", "telephone_radio", "telephone_telex", "telephone_ttytdd", "telephone_ip"} {
		c[f] = fmt.Sprintf("+49 211 %07d", i+1)
	}
	for k, v := range map[string]any{
		"display_name": "Dr. Anna Beispiel-Müller", "first_name": "Anna", "last_name": "Beispiel-Müller",
		"company": "Beispiel GmbH; Köln", "note": "Erste Zeile\nZweite Zeile, mit Komma; Semikolon und \\ Backslash",
		"street_home": "Hauptstraße 5\nHinterhaus", "street_business": "Königsallee 1",
		"email1": "anna@example.com", "email2": "anna@home.example", "email3": "anna@other.example",
		"url": "https://example.com/anna", "categories": "Familie,Arbeit", "uid": "ie-full-contact-1",
		"birthday": tskDay(1970, time.January, 31), "anniversary": tskDay(1999, time.December, 31),
		"image1": base64.StdEncoding.EncodeToString(picture),
	} {
		c[k] = v
	}
	return c
}

func TestIEVCardRoundTrip(t *testing.T) {
	e := conSetup(t)
	a := e.alice
	pic := conPNG(t, 12, 9, color.RGBA{10, 200, 30, 255})
	in := ieFullContact(e.aliceFolder, pic)
	id, _ := conNew(t, a, in)
	orig, _ := conGet(t, a, e.aliceFolder, id)

	card := ieExport(t, a, "VCARD", e.aliceFolder, "text/x-vcard")
	if !bytes.HasPrefix(card, []byte("BEGIN:VCARD\r\nVERSION:3.0\r\n")) || bytes.Count(card, []byte("BEGIN:VCARD")) != 1 {
		t.Fatalf("export: %s", card)
	}
	target := conFolder(t, a, "1", "Imported")
	rs := ieResults(t, ieImport(t, a, "VCARD", target, card), 1)
	nid := ieStored(t, rs[0], target)
	got, _ := conGet(t, a, target, nid)
	for k, want := range in {
		switch k {
		case "folder_id", "image1":
			continue
		}
		if fmt.Sprint(got[k]) != fmt.Sprint(orig[k]) || orig[k] == nil {
			t.Errorf("%s: got %v, want %v (sent %v)", k, got[k], orig[k], want)
		}
	}
	// The picture survives byte for byte.
	u, _ := got["image1_url"].(string)
	if u == "" || got["number_of_images"] != float64(1) {
		t.Fatalf("no picture: %v", got)
	}
	if i := strings.Index(u, "/ajax/"); i >= 0 {
		u = u[i:]
	}
	img := conDownload(t, a, u)
	if img.Status != http.StatusOK || !bytes.Equal(img.Body, pic) {
		t.Fatalf("picture: HTTP %d, %d bytes, want %d", img.Status, len(img.Body), len(pic))
	}
	// vCard 2.1 and 4.0 input.
	v21 := "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen\r\n" +
		"TEL;WORK;VOICE:+49 1\r\nEMAIL;PREF;INTERNET:j@example.com\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Simon\r\nTEL;VALUE=uri;TYPE=\"cell\":tel:+1-555\r\nEND:VCARD\r\n"
	rs = ieResults(t, ieImport(t, a, "VCARD", target, []byte(v21)), 2)
	c21, _ := conGet(t, a, target, ieStored(t, rs[0], target))
	c40, _ := conGet(t, a, target, ieStored(t, rs[1], target))
	if c21["last_name"] != "Müller" || c21["first_name"] != "Jürgen" || c21["telephone_business1"] != "+49 1" ||
		c21["email1"] != "j@example.com" || c40["display_name"] != "Simon" || c40["cellular_telephone1"] != "+1-555" {
		t.Fatalf("2.1: %v\n4.0: %v", c21, c40)
	}
}

func TestIEDistributionLists(t *testing.T) {
	e := conSetup(t)
	a := e.alice
	conNew(t, a, map[string]any{"folder_id": e.aliceFolder, "display_name": "Person", "email1": "p@example.com"})
	conNew(t, a, map[string]any{"folder_id": e.aliceFolder, "display_name": "Team", "mark_as_distributionlist": true,
		"distribution_list": []any{map[string]any{"display_name": "X", "mail": "x@example.com", "mail_field": 0}}})
	plain := ieExport(t, a, "VCARD", e.aliceFolder, "text/x-vcard")
	with := ieExport(t, a, "VCARD", e.aliceFolder, "text/x-vcard", "export_dlists", "true")
	if bytes.Count(plain, []byte("BEGIN:VCARD")) != 1 || !bytes.Contains(with, []byte("KIND:group")) ||
		!bytes.Contains(with, []byte("MEMBER:mailto:x@example.com")) {
		t.Fatalf("plain:\n%s\nwith lists:\n%s", plain, with)
	}
	target := conFolder(t, a, "1", "Lists")
	rs := ieResults(t, ieImport(t, a, "VCARD", target, with), 2)
	dl, _ := conGet(t, a, target, ieStored(t, rs[1], target))
	members, _ := dl["distribution_list"].([]any)
	if dl["mark_as_distributionlist"] != true || len(members) != 1 || members[0].(map[string]any)["mail"] != "x@example.com" {
		t.Fatalf("list: %v", dl)
	}
	csvPlain := ieExport(t, a, "CSV", e.aliceFolder, "text/csv")
	csvWith := ieExport(t, a, "CSV", e.aliceFolder, "text/csv", "export_dlists", "true")
	if bytes.Count(csvPlain, []byte("\r\n")) != 2 || bytes.Count(csvWith, []byte("\r\n")) != 3 {
		t.Fatalf("CSV rows:\n%s\n%s", csvPlain, csvWith)
	}
}

func TestIEThousandVCards(t *testing.T) {
	e := conSetup(t)
	a := e.alice
	var b strings.Builder
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&b, "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:bulk-%d\r\nN:Nachname%d;Vorname%d;;;\r\nFN:Vorname%d Nachname%d\r\n"+
			"EMAIL;TYPE=INTERNET:user%d@example.com\r\nTEL;TYPE=CELL:+49 170 %07d\r\nORG:Firma %d\r\nEND:VCARD\r\n", i, i, i, i, i, i, i, i)
	}
	folder := conFolder(t, a, "1", "Bulk")
	start := time.Now()
	rs := ieResults(t, ieImport(t, a, "VCARD", folder, []byte(b.String())), 1000)
	t.Logf("imported 1000 vCards in %v", time.Since(start))
	seen := map[int64]bool{}
	for _, r := range rs {
		seen[ieStored(t, r, folder)] = true
	}
	if len(seen) != 1000 || ieCount(t, a, "contacts", folder) != 1000 {
		t.Fatalf("%d distinct ids, %d stored", len(seen), ieCount(t, a, "contacts", folder))
	}
	c, _ := conGet(t, a, folder, ugNum(t, rs[999]["id"]))
	if c["email1"] != "user999@example.com" || c["company"] != "Firma 999" || c["uid"] != "bulk-999" {
		t.Fatalf("%v", c)
	}
}

func TestIECSV(t *testing.T) {
	e := conSetup(t)
	a := e.alice
	id, _ := conNew(t, a, map[string]any{"folder_id": e.aliceFolder, "display_name": "Günther Mustermann",
		"first_name": "Günther", "last_name": "Mustermann", "email1": "g@example.com", "birthday": tskDay(1961, time.February, 28),
		"street_business": "Zeile 1\nZeile 2", "note": `Komma, "Zitat"; Ende`, "marital_status": "verheiratet",
		"userfield03": "drei", "default_address": 2, "categories": "a,b"})
	orig, _ := conGet(t, a, e.aliceFolder, id)
	data := ieExport(t, a, "CSV", e.aliceFolder, "text/csv")
	header := string(data[:bytes.IndexByte(data, '\n')])
	if !strings.HasPrefix(header, "Display name,Given name,Sur name,Middle name,Suffix,Title,Street home,") ||
		!strings.Contains(header, "Martial status") || !strings.Contains(header, "Dynamic Field 20") {
		t.Fatalf("header: %s", header)
	}
	target := conFolder(t, a, "1", "CSV")
	rs := ieResults(t, ieImport(t, a, "CSV", target, data), 1)
	got, _ := conGet(t, a, target, ieStored(t, rs[0], target))
	for _, k := range []string{"display_name", "first_name", "last_name", "email1", "birthday", "street_business", "note",
		"marital_status", "userfield03", "default_address", "categories"} {
		if fmt.Sprint(got[k]) != fmt.Sprint(orig[k]) || got[k] == nil {
			t.Errorf("%s: got %v, want %v", k, got[k], orig[k])
		}
	}
	// Selected columns, in the requested order.
	sel := ieExport(t, a, "CSV", e.aliceFolder, "text/csv", "columns", "502,501,555")
	if !strings.HasPrefix(string(sel), "Sur name,Given name,Email 1\r\nMustermann,Günther,g@example.com\r\n") {
		t.Fatalf("columns: %q", sel)
	}
	MustCode(t, a.Get("export", "action", "CSV", "folder", ugS(e.aliceFolder), "columns", "501,abc"), "I_E-1314")
	// The spec's example with semicolons, and a row with too many fields.
	in := "\"Given name\";\"Sur name\"\n\"Günther\";\"Mustermann\"\n\"Hildegard\";\"Musterfrau\";\"extra\"\n;\n"
	rs = ieResults(t, ieImport(t, a, "CSV", target, []byte(in)), 2)
	ieStored(t, rs[0], target)
	ieFailed(t, rs[1], "I_E-1310")
	// A charset parameter overrides the detection.
	latin := []byte("Given name,Sur name\nJ\xfcrgen,M\xfcller\n")
	rs = ieResults(t, ieImport(t, a, "CSV", target, latin, "charset", "ISO-8859-1"), 1)
	c, _ := conGet(t, a, target, ieStored(t, rs[0], target))
	if c["first_name"] != "Jürgen" {
		t.Fatalf("%v", c)
	}
	MustCode(t, ieImport(t, a, "CSV", target, latin, "charset", "x-klingon"), "I_E-1318")
	MustCode(t, ieImport(t, a, "CSV", target, []byte("foo,bar\n1,2\n")), "I_E-0804")
	if n := ieCount(t, a, "contacts", target); n != 3 {
		t.Fatalf("%d contacts stored", n)
	}
}

func ieCP1252(t *testing.T, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestIEOutlookCSV(t *testing.T) {
	e := conSetup(t)
	a := e.alice
	folder := conFolder(t, a, "1", "Outlook")
	for _, tc := range []struct {
		lang, file string
		want       map[string]any
	}{
		{"en", `"Title","First Name","Middle Name","Last Name","Company","Business Street","Business Street 2","Business City",` +
			`"Business Phone","Mobile Phone","E-mail Address","E-mail Type","Birthday","Categories","Notes","Sensitivity"` + "\r\n" +
			`"Mr.","Zoë","","Ångström","Café Ltd.","1 Main St","Suite 100","Redmond","+1 425 555 0100","+1 425 555 0199",` +
			`"zoe@example.com","SMTP","5/17/1980","Business;VIP","Line “one”","Normal"` + "\r\n",
			map[string]any{"title": "Mr.", "first_name": "Zoë", "last_name": "Ångström", "company": "Café Ltd.",
				"street_business": "1 Main St\nSuite 100", "city_business": "Redmond", "telephone_business1": "+1 425 555 0100",
				"cellular_telephone1": "+1 425 555 0199", "email1": "zoe@example.com",
				"birthday": float64(tskDay(1980, time.May, 17)), "categories": "Business,VIP", "note": "Line “one”"}},
		{"de", "Anrede;Vorname;Nachname;Firma;Straße geschäftlich;Ort geschäftlich;Postleitzahl geschäftlich;" +
			"Telefon geschäftlich;E-Mail-Adresse;Geburtstag;Notizen\r\n" +
			"Herr;Jürgen;Müller;Bäcker & Söhne;Königsallee 1;Düsseldorf;40212;+49 211 1;juergen@example.de;17.05.1980;Größe\r\n",
			map[string]any{"title": "Herr", "first_name": "Jürgen", "last_name": "Müller", "company": "Bäcker & Söhne",
				"street_business": "Königsallee 1", "city_business": "Düsseldorf", "postal_code_business": "40212",
				"telephone_business1": "+49 211 1", "email1": "juergen@example.de",
				"birthday": float64(tskDay(1980, time.May, 17)), "note": "Größe"}},
		{"fr", "Titre;Prénom;Nom;Société;Rue (bureau);Ville (bureau);Téléphone (bureau);Tél. mobile;" +
			"Adresse de messagerie;Anniversaire;Conjoint(e)\r\n" +
			"M.;François;Lefèvre;Société Générale;12, rue de la Paix;Paris;+33 1;+33 6;f@example.fr;17/05/1980;Hélène\r\n",
			map[string]any{"title": "M.", "first_name": "François", "last_name": "Lefèvre", "company": "Société Générale",
				"street_business": "12, rue de la Paix", "city_business": "Paris", "telephone_business1": "+33 1",
				"cellular_telephone1": "+33 6", "email1": "f@example.fr", "birthday": float64(tskDay(1980, time.May, 17)),
				"spouse_name": "Hélène"}},
	} {
		rs := ieResults(t, ieImport(t, a, "OUTLOOK_CSV", folder, ieCP1252(t, tc.file)), 1)
		got, _ := conGet(t, a, folder, ieStored(t, rs[0], folder))
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s %s: got %#v, want %#v", tc.lang, k, got[k], v)
			}
		}
	}
}

const ieTodos = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n" +
	"BEGIN:VTODO\r\nUID:todo-1@example.com\r\nDTSTAMP:20240102T091500Z\r\nSUMMARY:Steuererklärung\r\n" +
	"DESCRIPTION:Belege sammeln\\, sortieren\\nund abschicken\r\nDTSTART;TZID=Europe/Berlin:20240126T090000\r\n" +
	"DUE;TZID=Europe/Berlin:20240131T170000\r\nSTATUS:IN-PROCESS\r\nPRIORITY:1\r\nPERCENT-COMPLETE:40\r\n" +
	"CATEGORIES:Finanzen,Privat\r\nRRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=6\r\n" +
	"ATTENDEE;CN=Erika;PARTSTAT=ACCEPTED:mailto:erika@example.com\r\n" +
	"BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:x\r\nEND:VALARM\r\nEND:VTODO\r\n" +
	"BEGIN:VTODO\r\nUID:todo-2@example.com\r\nDTSTAMP:20240102T091500Z\r\nSUMMARY:Ganztägig\r\n" +
	"DTSTART;VALUE=DATE:20240301\r\nDUE;VALUE=DATE:20240305\r\nRRULE:FREQ=HOURLY\r\nEND:VTODO\r\n" +
	"BEGIN:VEVENT\r\nUID:ev-1\r\nDTSTAMP:20240102T091500Z\r\nDTSTART:20240110T100000Z\r\nSUMMARY:Meeting\r\nEND:VEVENT\r\n" +
	"END:VCALENDAR\r\n"

func TestIEICalTasks(t *testing.T) {
	e := conSetup(t)
	a := e.alice
	folder := conDefaultTasks(t, a)
	res := ieImport(t, a, "ICAL", folder, []byte(ieTodos), "suppressNotification", "true")
	rs := ieResults(t, res, 2)
	warnings, _ := res.Obj["warnings"].([]any)
	if len(warnings) != 2 || res.Obj["code"] != nil {
		t.Fatalf("want the VEVENT and the HOURLY rule as warnings beside data: %s", res.Body)
	}
	for _, w := range warnings {
		if w.(map[string]any)["code"] != "I_E-1306" || w.(map[string]any)["categories"] != "WARNING" {
			t.Fatalf("warning: %v", w)
		}
	}
	fs := tskS(folder)
	t1 := tskGet(t, a, fs, ieStored(t, rs[0], folder), "timezone", "UTC")
	want := map[string]any{"title": "Steuererklärung", "note": "Belege sammeln, sortieren\nund abschicken",
		"uid": "todo-1@example.com", "full_time": false, "start_time": float64(time.Date(2024, 1, 26, 8, 0, 0, 0, time.UTC).UnixMilli()),
		"end_time": float64(time.Date(2024, 1, 31, 16, 0, 0, 0, time.UTC).UnixMilli()), "status": float64(2),
		"priority": float64(3), "percent_completed": float64(40), "categories": "Finanzen,Privat",
		"recurrence_type": float64(3), "days": float64(32), "day_in_month": float64(5), "occurrences": float64(6),
		"alarm": float64(time.Date(2024, 1, 26, 7, 45, 0, 0, time.UTC).UnixMilli())}
	for k, v := range want {
		if t1[k] != v {
			t.Errorf("%s: got %#v, want %#v", k, t1[k], v)
		}
	}
	parts, _ := t1["participants"].([]any)
	if len(parts) != 1 || parts[0].(map[string]any)["mail"] != "erika@example.com" {
		t.Errorf("participants: %v", t1["participants"])
	}
	t2 := tskGet(t, a, fs, ieStored(t, rs[1], folder), "timezone", "UTC")
	if t2["full_time"] != true || t2["start_time"] != float64(tskDay(2024, time.March, 1)) || t2["recurrence_type"] != float64(0) && t2["recurrence_type"] != nil {
		t.Fatalf("all-day task: %v", t2)
	}
	// Export the folder and import it again into a fresh folder.
	cal := ieExport(t, a, "ICAL", folder, "text/calendar")
	for _, s := range []string{"BEGIN:VCALENDAR", "BEGIN:VTODO", "SUMMARY:Steuererklärung", "RRULE:FREQ=MONTHLY",
		"BEGIN:VALARM", "TRIGGER;VALUE=DATE-TIME:20240126T074500Z", "mailto:erika@example.com", "DTSTART;VALUE=DATE:20240301"} {
		if !bytes.Contains(cal, []byte(s)) {
			t.Errorf("export lacks %q:\n%s", s, cal)
		}
	}
	other := fldNew(t, a, "1", map[string]any{"module": "tasks", "title": "Copy"})
	var of int64
	fmt.Sscan(other, &of)
	rs = ieResults(t, ieImport(t, a, "ICAL", of, cal, "ignoreUIDs", "true"), 2)
	c1 := tskGet(t, a, other, ieStored(t, rs[0], of), "timezone", "UTC")
	for _, k := range []string{"title", "note", "start_time", "end_time", "status", "priority", "percent_completed",
		"categories", "recurrence_type", "days", "day_in_month", "occurrences", "alarm", "full_time"} {
		if fmt.Sprint(c1[k]) != fmt.Sprint(t1[k]) {
			t.Errorf("re-import %s: got %v, want %v", k, c1[k], t1[k])
		}
	}
	if c1["uid"] == t1["uid"] || c1["uid"] == "" {
		t.Errorf("ignoreUIDs kept the UID %v", c1["uid"])
	}
	empty := fldNew(t, a, "1", map[string]any{"module": "tasks", "title": "Empty"})
	var ef int64
	fmt.Sscan(empty, &ef)
	if cal := ieExport(t, a, "ICAL", ef, "text/calendar"); !bytes.Contains(cal, []byte("BEGIN:VCALENDAR")) {
		t.Fatalf("empty export: %s", cal)
	}
}

func TestIEPerObjectErrors(t *testing.T) {
	e := conSetup(t)
	a := e.alice
	folder := conFolder(t, a, "1", "Errors")
	in := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Good One\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No end\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad Mail\r\nEMAIL:not an address@\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nX-FOO:bar\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Good Two\r\nEND:VCARD\r\n"
	rs := ieResults(t, ieImport(t, a, "VCARD", folder, []byte(in)), 5)
	ieStored(t, rs[0], folder)
	ieFailed(t, rs[1], "I_E-0609")
	ieFailed(t, rs[2], "CON-0100")
	ieFailed(t, rs[3], "I_E-0610")
	ieStored(t, rs[4], folder)
	if n := ieCount(t, a, "contacts", folder); n != 2 {
		t.Fatalf("%d stored", n)
	}
	rs = ieResults(t, ieImport(t, a, "CSV", folder, []byte("Given name,Note\nA,x\n,only a note\n")), 2)
	ieStored(t, rs[0], folder)
	ieFailed(t, rs[1], "I_E-0808")
	tf := conDefaultTasks(t, a)
	bad := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:a\r\nSUMMARY:ok\r\nEND:VTODO\r\n" +
		"BEGIN:VTODO\r\nUID:b\r\nSUMMARY:backwards\r\nDTSTART:20240201T000000Z\r\nDUE:20240101T000000Z\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
	rs = ieResults(t, ieImport(t, a, "ICAL", tf, []byte(bad)), 2)
	ieStored(t, rs[0], tf)
	if rs[1]["error"] == nil || !strings.HasPrefix(rs[1]["code"].(string), "TSK-") {
		t.Fatalf("%v", rs[1])
	}
}

func TestIEMalformedFiles(t *testing.T) {
	e := conSetup(t)
	a := e.alice
	folder := conFolder(t, a, "1", "Malformed")
	tf := conDefaultTasks(t, a)
	garbage := []byte{0, 1, 2, 0xff, 0xfe, 'x', '\n', 0x80}
	MustCode(t, ieImport(t, a, "VCARD", folder, garbage), "I_E-0608")
	MustCode(t, ieImport(t, a, "VCARD", folder, []byte("BEGIN:VCALENDAR\r\nVERSION:1.0\r\nEND:VCALENDAR\r\n")), "I_E-0608")
	MustCode(t, ieImport(t, a, "VCARD", folder, []byte(" \r\n")), "I_E-1303")
	MustCode(t, ieImport(t, a, "CSV", folder, garbage), "I_E-0804")
	MustCode(t, ieImport(t, a, "OUTLOOK_CSV", folder, []byte("")), "I_E-1303")
	MustCode(t, ieImport(t, a, "ICAL", tf, garbage), "I_E-0605")
	MustCode(t, ieImport(t, a, "ICAL", tf, []byte("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nSUMMARY;X\r\nEND:VCALENDAR\r\n")), "I_E-0605")
	// No file part, no folder, an unknown folder, the wrong kind of folder.
	res := conUpload(t, a, "import", url.Values{"action": {"VCARD"}, "folder": {ugS(folder)}}, "x", nil, "")
	MustCode(t, res, "I_E-1309")
	MustCode(t, conUpload(t, a, "import", url.Values{"action": {"VCARD"}}, "", []byte("x"), "f"), "SVL-0002")
	MustCode(t, ieImport(t, a, "VCARD", 999999, []byte("BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n")), "FLD-0008")
	MustCode(t, ieImport(t, a, "VCARD", tf, []byte("BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n")), "I_E-0500")
	MustCode(t, ieImport(t, a, "ICAL", folder, []byte(ieTodos)), "I_E-0500")
	if ieCount(t, a, "contacts", folder) != 0 || ieCount(t, a, "tasks", tf) != 0 {
		t.Fatal("a refused import stored something")
	}
	MustCode(t, a.Get("export", "action", "VCARD"), "SVL-0002")
	MustCode(t, a.Get("export", "action", "VCARD", "folder", ugS(tf)), "I_E-0100")
	MustCode(t, a.Get("export", "action", "ICAL", "folder", ugS(folder)), "I_E-0100")
	MustCode(t, a.Get("export", "action", "PDF", "folder", ugS(folder)), "SVL-0021")
}

func TestIEPermissions(t *testing.T) {
	e := conSetup(t)
	bobUser := ugNum(t, MustOK(t, e.bob.Get("user", "action", "get", "timezone", "UTC")).Data().(map[string]any)["id"])
	shared := conFolder(t, e.alice, "1", "Shared read-only")
	conNew(t, e.alice, map[string]any{"folder_id": shared, "display_name": "Visible", "email1": "v@example.com"})
	conShare(t, e.alice, shared, conReadOnly, bobUser)
	card := []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Intruder\r\nEND:VCARD\r\n")
	MustCode(t, ieImport(t, e.bob, "VCARD", shared, card), "I_E-0500")
	MustCode(t, ieImport(t, e.bob, "CSV", shared, []byte("Given name\nX\n")), "I_E-0500")
	if got := ieExport(t, e.bob, "VCARD", shared, "text/x-vcard"); !bytes.Contains(got, []byte("FN:Visible")) {
		t.Fatalf("read-only export: %s", got)
	}
	private := conFolder(t, e.alice, "1", "Private")
	MustCode(t, e.bob.Get("export", "action", "VCARD", "folder", ugS(private)), "FLD-0003")
	MustCode(t, ieImport(t, e.bob, "VCARD", private, card), "FLD-0003")
	if n := ieCount(t, e.alice, "contacts", shared); n != 1 {
		t.Fatalf("%d contacts in the shared folder", n)
	}
}

func TestIEOversizedUpload(t *testing.T) {
	s := StartServer(t, "--max-body", "65536")
	s.AddUser("carol", "pw-carol", "--display-name", "Carol")
	c := s.Login("carol", "pw-carol")
	folder := conDefaultFolder(t, c)
	big := bytes.Repeat([]byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Padding\r\nEND:VCARD\r\n"), 4000)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "big.vcf")
	fw.Write(big)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/ajax/import?action=VCARD&folder="+ugS(folder)+"&session="+c.Session, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res := c.Raw(req)
	if !bytes.Contains(res.Body, []byte(`"code":"SVL-0020"`)) {
		t.Fatalf("HTTP %d: %.300s", res.Status, res.Body)
	}
	if n := ieCount(t, c, "contacts", folder); n != 0 {
		t.Fatalf("%d contacts stored", n)
	}
	// Just below the limit works.
	small := bytes.Repeat([]byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Padding\r\nEND:VCARD\r\n"), 100)
	ieResults(t, ieImport(t, c, "VCARD", folder, small), 100)
}
