package vcardconv

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func date(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).UnixMilli()
}

func testJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := 0; x < 8; x++ {
		img.Set(x, x, color.RGBA{200, 10, 10, 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// FullContact sets every field the mapping carries, with characters that
// need escaping.
func fullContact(t *testing.T) Contact {
	c := Contact{}
	for _, f := range Fields() {
		c[f] = "v-" + f + ", with comma\\backslash"
	}
	c["display_name"] = "Dr. Anna Beispiel"
	c["company"] = "Beispiel; GmbH, Köln"
	c["street_home"] = "Street; with semicolon"
	c["first_name"] = "Anna"
	c["last_name"] = "Beispiel-Müller"
	c["note"] = "line 1\nline 2; with semicolon, comma and \\n literal"
	c["street_business"] = "Königsallee 1\n3rd floor"
	c["categories"] = "Friends,Work,VIP"
	c["birthday"] = date(1970, 1, 31)
	c["anniversary"] = date(1999, 12, 31)
	c["private_flag"] = true
	c["email1"] = "anna@example.com"
	c["email2"] = "anna@home.example"
	c["email3"] = "anna@other.example"
	c["url"] = "https://example.com/anna"
	c["uid"] = "c7b0f9a2-1111-2222-3333-444455556666"
	c["image1"] = base64.StdEncoding.EncodeToString(testJPEG(t))
	c["image1_content_type"] = "image/jpeg"
	return c
}

func TestRoundTripFullContact(t *testing.T) {
	in := fullContact(t)
	data, err := EncodeBytes([]Contact{in})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("BEGIN:VCARD\r\nVERSION:3.0\r\n")) {
		t.Fatalf("not a vCard 3.0:\n%s", data)
	}
	cards, err := Decode(data)
	if err != nil || len(cards) != 1 || cards[0].Err != nil {
		t.Fatalf("decode: %v %+v\n%s", err, cards, data)
	}
	out := cards[0].Contact
	for k, want := range in {
		if got := out[k]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, want %#v", k, got, want)
		}
	}
	for k := range out {
		if _, ok := in[k]; !ok {
			t.Errorf("unexpected field %s=%v", k, out[k])
		}
	}
}

func TestDistributionListRoundTrip(t *testing.T) {
	in := Contact{"display_name": "Team", "mark_as_distributionlist": true, "distribution_list": []any{
		map[string]any{"display_name": "a@example.com", "mail": "a@example.com", "mail_field": int64(0)},
		map[string]any{"display_name": "B", "mail": "b@example.com", "mail_field": int64(1), "id": int64(5)},
		map[string]any{"display_name": "no mail"},
	}}
	data, err := EncodeBytes([]Contact{in})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "KIND:group") {
		t.Fatalf("no KIND:group:\n%s", data)
	}
	cards, err := Decode(data)
	if err != nil || len(cards) != 1 || cards[0].Err != nil {
		t.Fatalf("%v %+v", err, cards)
	}
	got := cards[0].Contact
	members := got["distribution_list"].([]any)
	if got["display_name"] != "Team" || got["mark_as_distributionlist"] != true || len(members) != 2 ||
		members[1].(map[string]any)["mail"] != "b@example.com" {
		t.Fatalf("got %#v", got)
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeOne(t *testing.T, name string, n int) []Card {
	t.Helper()
	cards, err := Decode(readFile(t, name))
	if err != nil || len(cards) != n {
		t.Fatalf("%s: %v, %d cards", name, err, len(cards))
	}
	return cards
}

func expect(t *testing.T, c Contact, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if !reflect.DeepEqual(c[k], v) {
			t.Errorf("%s: got %#v, want %#v", k, c[k], v)
		}
	}
}

func TestVCard21(t *testing.T) {
	c := decodeOne(t, "v21-outlook.vcf", 1)[0]
	if c.Err != nil {
		t.Fatal(c.Err)
	}
	expect(t, c.Contact, map[string]any{
		"last_name": "Müller", "first_name": "Jürgen", "title": "Dr.", "display_name": "Dr. Jürgen Müller",
		"company": "Beispiel GmbH", "department": "Vertrieb", "position": "Vertriebsleiter",
		"note":                "Erste Zeile\nZweite Zeile mit einem sehr langen Text, der umbrochen wurde",
		"telephone_business1": "+49 211 1234567", "telephone_home1": "+49 211 7654321",
		"cellular_telephone1": "+49 170 1234567", "fax_business": "+49 211 1234568",
		"street_business": "Königsallee 1", "city_business": "Düsseldorf", "state_business": "NRW",
		"postal_code_business": "40212", "country_business": "Deutschland",
		"street_home": "Hauptstr. 5", "city_home": "Essen", "postal_code_home": "45127",
		"email1": "juergen.mueller@example.com", "email2": "jm@example.org", "url": "http://www.example.com/",
		"birthday": date(1970, 1, 31), "image1_content_type": "image/png",
	})
	if c.Contact["image1"] == nil {
		t.Error("photo lost")
	}
}

func TestVCard30(t *testing.T) {
	cards := decodeOne(t, "v30-apple.vcf", 2)
	expect(t, cards[0].Contact, map[string]any{
		"last_name": "Appleseed", "first_name": "Johnny", "second_name": "Q.", "title": "Mr.", "suffix": "Jr.",
		"display_name": "Johnny Appleseed", "nickname": "Jon", "company": "Apple Inc.", "department": "Engineering",
		"email1": "johnny@example.com", "email2": "jappleseed@example.net", "cellular_telephone1": "+1 555 0100",
		"telephone_business1": "+1 555 0101", "fax_home": "+1 555 0102",
		"street_home": "1 Infinite Loop\nBuilding 2", "city_home": "Cupertino", "url": "https://example.com/johnny",
		"note": "Likes apples, pears; and plums.\nSecond line.", "birthday": date(1985, 4, 12),
		"anniversary": date(2010, 6, 20), "instant_messenger2": "johnny@jabber.example",
		"categories": "Friends,Work", "uid": "5A9B5D2E-1111-4A3C-9A7F-2C3D4E5F6A7B",
	})
	expect(t, cards[1].Contact, map[string]any{"display_name": "Jane Doe", "email1": "jane@example.com"})
}

func TestVCard40(t *testing.T) {
	cards := decodeOne(t, "v40.vcf", 2)
	c := cards[0].Contact
	expect(t, c, map[string]any{
		"display_name": "Simon Perreault", "suffix": "ing. jr,M.Sc.", "company": "Viagenie",
		"street_business": "Suite D2-630\n2875 Laurier", "telephone_business1": "+1-418-656-9254;ext=102",
		"cellular_telephone1": "+1-418-262-6501", "email1": "simon.perreault@viagenie.ca",
		"instant_messenger1": "xmpp:simon@viagenie.ca", "spouse_name": "Marie Perreault",
		"anniversary": date(2009, 8, 8), "image1_content_type": "image/png", "uid": "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1",
	})
	if _, ok := c["birthday"]; ok {
		t.Error("a birthday without year must be left out")
	}
	g := cards[1].Contact
	if g["mark_as_distributionlist"] != true || len(g["distribution_list"].([]any)) != 2 {
		t.Fatalf("group: %#v", g)
	}
}

func TestPerCardErrors(t *testing.T) {
	cards := decodeOne(t, "mixed.vcf", 4)
	if cards[0].Err != nil || cards[0].Contact["display_name"] != "Good One" {
		t.Fatalf("card 1: %+v", cards[0])
	}
	if cards[1].Err == nil || cards[1].Line != 6 {
		t.Fatalf("card 2 must fail (no END) at line 6: %+v", cards[1])
	}
	if cards[2].Err != nil || cards[2].Contact["email1"] != "two@example.com" {
		t.Fatalf("card 3: %+v", cards[2])
	}
	if !errors.Is(cards[3].Err, ErrEmptyCard) {
		t.Fatalf("card 4: %+v", cards[3])
	}
}

func TestNoCards(t *testing.T) {
	for _, in := range []string{"", "hello", "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nEND:VCALENDAR\r\n", "\x00\xff\xfe"} {
		if _, err := Decode([]byte(in)); !errors.Is(err, ErrNoCards) {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestWeirdInput(t *testing.T) {
	// Latin-1 bytes without CHARSET, a quoted parameter with a colon, a
	// trailing backslash and a lone CR.
	in := "BEGIN:VCARD\nVERSION:2.1\nN:M\xfcller;Hans\nTEL;TYPE=\"wo:rk\":123\nNOTE:a\\\rb\\\nEND:VCARD"
	cards, err := Decode([]byte(in))
	if err != nil || len(cards) != 1 || cards[0].Err != nil {
		t.Fatalf("%v %+v", err, cards)
	}
	expect(t, cards[0].Contact, map[string]any{"last_name": "Müller", "telephone_other": "123", "note": "a\\\nb\\"})
}
