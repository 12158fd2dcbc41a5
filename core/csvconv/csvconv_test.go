package csvconv

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"oxlite/core/textenc"
)

func date(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).UnixMilli()
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func expect(t *testing.T, c Contact, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if !reflect.DeepEqual(c[k], v) {
			t.Errorf("%s: got %#v, want %#v", k, c[k], v)
		}
	}
}

func rows(t *testing.T, name string, f Format, n int) []Row {
	t.Helper()
	rs, err := Decode(read(t, name), f, nil)
	if err != nil || len(rs) != n {
		t.Fatalf("%s: %v, %d rows: %+v", name, err, len(rs), rs)
	}
	for _, r := range rs {
		if r.Err != nil {
			t.Fatalf("%s line %d: %v", name, r.Line, r.Err)
		}
	}
	return rs
}

func TestOutlookEnglishCP1252(t *testing.T) {
	rs := rows(t, "outlook-en.csv", Outlook, 2)
	expect(t, rs[0].Contact, map[string]any{
		"title": "Mr.", "first_name": "John", "last_name": "Smith", "company": "Contoso Ltd.", "department": "Sales",
		"position": "Manager", "street_business": "1 Main St\nSuite 100", "city_business": "Redmond",
		"state_business": "WA", "postal_code_business": "98052", "country_business": "United States of America",
		"telephone_business1": "+1 425 555 0100", "cellular_telephone1": "+1 425 555 0199",
		"telephone_company": "+1 425 555 0000", "birthday": date(1980, 5, 17), "categories": "Business,VIP",
		"email1": "john.smith@contoso.com", "note": "Met at the trade fair – café “Central”.\nCall back in May.",
		"private_flag": true, "url": "http://www.contoso.com/", "userfield01": "custom one",
	})
	for _, k := range []string{"anniversary", "email2"} {
		if _, ok := rs[0].Contact[k]; ok {
			t.Errorf("%s must be left out (Outlook's empty date, Exchange address)", k)
		}
	}
	expect(t, rs[1].Contact, map[string]any{"first_name": "Zoë", "last_name": "Ångström", "city_home": "Genève",
		"street_home": "Rue de l'Église 3", "birthday": date(1999, 12, 31)})
	if _, ok := rs[1].Contact["private_flag"]; ok {
		t.Error("Normal sensitivity is not private")
	}
}

func TestOutlookGermanCP1252(t *testing.T) {
	rs := rows(t, "outlook-de.csv", Outlook, 2)
	expect(t, rs[0].Contact, map[string]any{
		"title": "Herr", "first_name": "Jürgen", "last_name": "Müller", "company": "Beispiel GmbH",
		"street_business": "Königsallee 1", "city_business": "Düsseldorf", "country_business": "Deutschland",
		"birthday": date(1980, 5, 17), "anniversary": date(2005, 6, 1), "categories": "Kunden,Wichtig",
		"note": "Größe: 1,80 m – „Grüße“", "room_number": "3.14", "email1": "juergen.mueller@example.de",
		"spouse_name": "Anna Müller", "position": "Leiter",
	})
	expect(t, rs[1].Contact, map[string]any{"first_name": "Ärger", "last_name": "Öztürk", "private_flag": true})
}

func TestOutlookFrenchCP1252(t *testing.T) {
	rs := rows(t, "outlook-fr.csv", Outlook, 1)
	expect(t, rs[0].Contact, map[string]any{
		"title": "M.", "first_name": "François", "last_name": "Lefèvre", "company": "Société Générale d'Électricité",
		"department": "Comptabilité", "position": "Directeur", "street_business": "12, rue de la Paix",
		"city_business": "Paris", "telephone_business1": "+33 1 55 55 01 01", "cellular_telephone1": "+33 6 55 55 01 01",
		// French Outlook writes day first.
		"birthday": date(1980, 5, 17), "categories": "Clients,Famille", "private_flag": true,
		"email1": "francois.lefevre@example.fr", "spouse_name": "Hélène",
	})
}

func TestCharsetParameter(t *testing.T) {
	// UTF-8 bytes read as declared Latin-1 turn into mojibake; declared
	// UTF-8 reads them right.
	data := []byte("First Name,Last Name\nGünther,Mustermann\n")
	enc, _ := textenc.Lookup("ISO-8859-1")
	rs, err := Decode(data, Outlook, enc)
	if err != nil || rs[0].Contact["first_name"] != "GÃ¼nther" {
		t.Fatalf("%v %+v", err, rs)
	}
	enc, _ = textenc.Lookup("utf-8")
	rs, _ = Decode(data, Outlook, enc)
	if rs[0].Contact["first_name"] != "Günther" {
		t.Fatalf("%+v", rs)
	}
}

func TestOXFormat(t *testing.T) {
	rs := rows(t, "ox.csv", OX, 2)
	expect(t, rs[0].Contact, map[string]any{"display_name": "Günther Mustermann", "email1": "g@example.com",
		"birthday": date(1961, 2, 28), "marital_status": "married", "street_business": "Line 1\nLine 2",
		"userfield03": "u3", "categories": "a,b"})
	rs = rows(t, "spec-example.csv", OX, 2)
	expect(t, rs[1].Contact, map[string]any{"first_name": "Hildegard", "last_name": "Musterfrau"})
}

func TestWrongColumns(t *testing.T) {
	rs, err := Decode(read(t, "wrong-columns.csv"), OX, nil)
	if err != nil || len(rs) != 4 {
		t.Fatalf("%v %+v", err, rs)
	}
	var cce *ColumnCountError
	if !errors.As(rs[1].Err, &cce) || cce.Line != 3 || cce.Fields != 3 {
		t.Fatalf("line 3: %+v", rs[1])
	}
	if rs[0].Contact["first_name"] != "A" || rs[2].Contact["first_name"] != "X" || rs[3].Contact["last_name"] != "G" {
		t.Fatalf("%+v", rs)
	}
	rs, _ = Decode([]byte("Given name,Note\n,just a note\n"), OX, nil)
	var nn *NoNameError
	if len(rs) != 1 || !errors.As(rs[0].Err, &nn) || nn.Line != 2 {
		t.Fatalf("%+v", rs)
	}
	if _, err := Decode([]byte("foo,bar\n1,2\n"), OX, nil); !errors.Is(err, ErrNoColumns) {
		t.Fatal(err)
	}
	if _, err := Decode([]byte(" \r\n"), OX, nil); !errors.Is(err, ErrEmpty) {
		t.Fatal(err)
	}
}

func TestExportRoundTrip(t *testing.T) {
	in := Contact{}
	for _, c := range OXColumns {
		switch c.Kind {
		case Date:
			in[c.Field] = date(1975, 11, 2)
		case Number:
			in[c.Field] = int64(2)
		case ReadOnly:
		default:
			in[c.Field] = "v " + c.Title + `, "quoted"; x` + "\nsecond line"
		}
	}
	in["email1"] = "a@example.com"
	in["email2"] = "b@example.com"
	in["email3"] = "c@example.com"
	data, err := EncodeBytes([]Contact{in, {"display_name": "Second"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "Display name,Given name,Sur name,") {
		t.Fatalf("header: %.80s", data)
	}
	rs := rowsOf(t, data, 2)
	if !reflect.DeepEqual(rs[0].Contact, in) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", rs[0].Contact, in)
	}
	sel := ColumnsByID([]int{502, 501, 1, 999})
	if len(sel) != 2 || sel[0].Field != "last_name" {
		t.Fatalf("%+v", sel)
	}
}

func rowsOf(t *testing.T, data []byte, n int) []Row {
	t.Helper()
	rs, err := Decode(data, OX, nil)
	if err != nil || len(rs) != n {
		t.Fatalf("%v %+v", err, rs)
	}
	return rs
}
