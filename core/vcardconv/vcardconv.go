// Package vcardconv converts between vCards (read: 2.1, 3.0, 4.0; written:
// 3.0) and OX contact objects, held as maps with the wire names of
// ContactData (spec line 8571): strings, Dates as int64 ms at 00:00 UTC,
// `image1` as standard base64 with `image1_content_type`. Parsing and
// writing go through github.com/emersion/go-vcard; the mapping of each
// property is listed in docs/decisions.md. The package imports no storage
// so the import path can be fuzzed cheaply.
package vcardconv

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-vcard"
)

// Contact is a contact object with ContactData's wire field names.
type Contact = map[string]any

// Card is one vCard of an uploaded file.
type Card struct {
	Contact Contact
	// Line is where the card begins in the file (1-based).
	Line int
	// Err tells why the card could not be read; Contact is nil then.
	Err error
}

// ErrNoCards means the data holds no BEGIN:VCARD at all.
var ErrNoCards = errors.New("vcardconv: no vCard found")

// ErrEmptyCard means a card has no property that maps to a contact field.
var ErrEmptyCard = errors.New("the vCard has no contact data")

// Decode reads every card of data. A card that cannot be read is returned
// with Err set and does not stop the others; ErrNoCards is the only error
// for the whole file.
func Decode(data []byte) (cards []Card, err error) {
	chunks, found := splitCards(data)
	if !found {
		return nil, ErrNoCards
	}
	cards = make([]Card, 0, len(chunks))
	for _, ch := range chunks {
		c := Card{Line: ch.line}
		if ch.broken != "" {
			c.Err = errors.New(ch.broken)
		} else {
			c.Contact, c.Err = decodeCard(ch.text)
		}
		cards = append(cards, c)
	}
	return cards, nil
}

func decodeCard(text string) (contact Contact, err error) {
	defer func() {
		// go-vcard is third-party code fed with user data: a panic in it
		// must cost one card, not the request.
		if p := recover(); p != nil {
			contact, err = nil, fmt.Errorf("the vCard cannot be parsed: %v", p)
		}
	}()
	card, err := vcard.NewDecoder(strings.NewReader(text)).Decode()
	if err != nil {
		return nil, fmt.Errorf("the vCard cannot be parsed: %v", strings.TrimPrefix(err.Error(), "vcard: "))
	}
	contact = FromCard(card)
	if len(contact) == 0 {
		return nil, ErrEmptyCard
	}
	// A CR inside a value (a folded or unescaped line end) is a line
	// break, as the export writes it.
	for k, v := range contact {
		if s, ok := v.(string); ok && strings.Contains(s, "\r") {
			contact[k] = lineEnds(s)
		}
	}
	return contact, nil
}

// lineEnds turns CRLF and lone CR into LF.
func lineEnds(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// --- reading ---------------------------------------------------------

// text returns a field's value with the escaped semicolons restored.
func text(f *vcard.Field) string {
	return strings.TrimSpace(strings.ReplaceAll(f.Value, escSemi, ";"))
}

// components splits a structured value at its unescaped semicolons.
func components(f *vcard.Field, n int) []string {
	parts := strings.Split(f.Value, ";")
	out := make([]string, n)
	for i := 0; i < n && i < len(parts); i++ {
		out[i] = strings.TrimSpace(strings.ReplaceAll(parts[i], escSemi, ";"))
	}
	return out
}

func types(f *vcard.Field) map[string]bool {
	m := map[string]bool{}
	for _, t := range f.Params["TYPE"] {
		for _, x := range strings.Split(t, ",") {
			if x = strings.ToLower(strings.TrimSpace(x)); x != "" {
				m[x] = true
			}
		}
	}
	return m
}

func first(c vcard.Card, names ...string) string {
	for _, n := range names {
		for _, f := range c[n] {
			if v := text(f); v != "" {
				return v
			}
		}
	}
	return ""
}

func isGroup(c vcard.Card) bool {
	k := strings.ToLower(first(c, "KIND", "X-ADDRESSBOOKSERVER-KIND"))
	return k == "group" || k == "list"
}

// FromCard maps a parsed vCard onto a contact; unset fields are absent.
func FromCard(c vcard.Card) Contact {
	out := Contact{}
	set := func(k, v string) {
		if v != "" {
			if _, dup := out[k]; !dup {
				out[k] = v
			}
		}
	}
	if isGroup(c) {
		return groupFromCard(c)
	}
	for _, f := range c[vcard.FieldName] {
		n := components(f, 5)
		set("last_name", n[0])
		set("first_name", n[1])
		set("second_name", n[2])
		set("title", n[3])
		set("suffix", n[4])
		break
	}
	set("display_name", first(c, vcard.FieldFormattedName))
	set("nickname", first(c, vcard.FieldNickname))
	set("position", first(c, vcard.FieldTitle))
	set("profession", first(c, vcard.FieldRole))
	set("note", first(c, vcard.FieldNote))
	set("url", first(c, vcard.FieldURL))
	set("uid", first(c, vcard.FieldUID))
	for _, f := range c[vcard.FieldOrganization] {
		parts := strings.Split(f.Value, ";")
		for i := range parts {
			parts[i] = strings.TrimSpace(strings.ReplaceAll(parts[i], escSemi, ";"))
		}
		set("company", parts[0])
		var units []string
		for _, p := range parts[1:] {
			if p != "" {
				units = append(units, p)
			}
		}
		set("department", strings.Join(units, ", "))
		break
	}
	if d, ok := parseDate(first(c, vcard.FieldBirthday)); ok {
		out["birthday"] = d
	}
	if d, ok := parseDate(first(c, vcard.FieldAnniversary, "X-ANNIVERSARY", "X-EVOLUTION-ANNIVERSARY", "X-MS-ANNIVERSARY")); ok {
		out["anniversary"] = d
	}
	var cats []string
	for _, f := range c[vcard.FieldCategories] {
		for _, x := range strings.Split(text(f), ",") {
			if x = strings.TrimSpace(x); x != "" {
				cats = append(cats, x)
			}
		}
	}
	set("categories", strings.Join(cats, ","))
	switch strings.ToUpper(first(c, "CLASS")) {
	case "PRIVATE", "CONFIDENTIAL":
		out["private_flag"] = true
	}
	for _, r := range relations {
		set(r.field, first(c, r.props...))
	}
	for _, f := range c["RELATED"] {
		ts := types(f)
		for _, r := range relations {
			if ts[r.related] {
				set(r.field, text(f))
			}
		}
	}
	for _, x := range extras {
		set(x.field, first(c, x.prop))
	}
	readAddresses(c, out)
	readPhones(c, out)
	readSlots(c, out, []string{vcard.FieldEmail}, emailSlots, func(v string) string { return stripScheme(v, "mailto:") })
	readSlots(c, out, imProps, imSlots, func(v string) string { return v })
	readPhoto(c, out)
	if len(out) > 0 {
		if _, ok := out["display_name"]; !ok {
			set("display_name", DisplayName(out))
		}
	}
	return out
}

func groupFromCard(c vcard.Card) Contact {
	out := Contact{}
	name := first(c, vcard.FieldFormattedName)
	if name == "" {
		for _, f := range c[vcard.FieldName] {
			name = strings.TrimSpace(strings.Join(components(f, 5), " "))
			break
		}
	}
	if name != "" {
		out["display_name"] = name
	}
	seen := map[string]bool{}
	members := []any{}
	for _, p := range []string{vcard.FieldMember, "X-ADDRESSBOOKSERVER-MEMBER"} {
		for _, f := range c[p] {
			v := text(f)
			if !strings.HasPrefix(strings.ToLower(v), "mailto:") {
				continue // urn:uuid: members name cards this file may not hold
			}
			mail := stripScheme(v, "mailto:")
			if mail == "" || seen[strings.ToLower(mail)] {
				continue
			}
			seen[strings.ToLower(mail)] = true
			members = append(members, map[string]any{"display_name": mail, "mail": mail, "mail_field": int64(0)})
		}
	}
	out["mark_as_distributionlist"] = true
	out["distribution_list"] = members
	return out
}

func stripScheme(v, scheme string) string {
	for {
		v = strings.TrimSpace(v)
		if len(v) < len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) {
			return v
		}
		v = v[len(scheme):]
	}
}

// DisplayName is the name a contact without display_name is shown with:
// first and last name, else company, else the first mail address.
func DisplayName(c Contact) string {
	get := func(k string) string { s, _ := c[k].(string); return s }
	if n := strings.TrimSpace(get("first_name") + " " + get("last_name")); n != "" {
		return n
	}
	for _, k := range []string{"company", "email1", "email2", "email3"} {
		if s := get(k); s != "" {
			return s
		}
	}
	return ""
}

var addrKinds = []struct {
	kind                                       string
	street, postal, city, state, country, name string
}{
	{kind: "work", street: "street_business", postal: "postal_code_business", city: "city_business", state: "state_business", country: "country_business"},
	{kind: "home", street: "street_home", postal: "postal_code_home", city: "city_home", state: "state_home", country: "country_home"},
	{kind: "", street: "street_other", postal: "postal_code_other", city: "city_other", state: "state_other", country: "country_other"},
}

func readAddresses(c vcard.Card, out Contact) {
	used := map[int]bool{}
	for _, f := range c[vcard.FieldAddress] {
		ts := types(f)
		want := 2
		if ts["work"] {
			want = 0
		} else if ts["home"] {
			want = 1
		}
		if used[want] {
			if used[2] {
				continue
			}
			want = 2
		}
		a := components(f, 7)
		var street []string
		for _, s := range a[:3] {
			if s != "" {
				street = append(street, s)
			}
		}
		k := addrKinds[want]
		vals := map[string]string{k.street: strings.Join(street, "\n"), k.city: a[3], k.state: a[4], k.postal: a[5], k.country: a[6]}
		filled := false
		for key, v := range vals {
			if v != "" {
				out[key] = v
				filled = true
			}
		}
		if filled {
			used[want] = true
		}
	}
}

// Phone fields in export order with the TYPE values they are written with.
var phoneFields = []struct {
	field string
	types []string
}{
	{"telephone_business1", []string{"work", "voice"}},
	{"telephone_business2", []string{"work", "voice"}},
	{"fax_business", []string{"work", "fax"}},
	{"telephone_home1", []string{"home", "voice"}},
	{"telephone_home2", []string{"home", "voice"}},
	{"fax_home", []string{"home", "fax"}},
	{"cellular_telephone1", []string{"cell", "voice"}},
	{"cellular_telephone2", []string{"cell", "voice"}},
	{"telephone_other", []string{"voice"}},
	{"fax_other", []string{"fax"}},
	{"telephone_car", []string{"car"}},
	{"telephone_isdn", []string{"isdn"}},
	{"telephone_pager", []string{"pager"}},
	{"telephone_primary", []string{"pref", "voice"}},
	{"telephone_assistant", []string{"x-assistant"}},
	{"telephone_callback", []string{"x-callback"}},
	{"telephone_company", []string{"x-company"}},
	{"telephone_radio", []string{"x-radio"}},
	{"telephone_telex", []string{"x-telex"}},
	{"telephone_ttytdd", []string{"textphone"}},
	{"telephone_ip", []string{"x-ip"}},
}

func hasAny(ts map[string]bool, names ...string) bool {
	for _, n := range names {
		if ts[n] {
			return true
		}
	}
	return false
}

// phoneSlots lists the fields a number with these types may go to, best
// first.
func phoneSlots(ts map[string]bool) []string {
	switch {
	case ts["fax"] && ts["work"]:
		return []string{"fax_business", "fax_other"}
	case ts["fax"] && ts["home"]:
		return []string{"fax_home", "fax_other"}
	case ts["fax"]:
		return []string{"fax_other", "fax_business", "fax_home"}
	case hasAny(ts, "cell", "mobile", "iphone"):
		return []string{"cellular_telephone1", "cellular_telephone2"}
	case ts["pager"]:
		return []string{"telephone_pager"}
	case ts["car"]:
		return []string{"telephone_car"}
	case ts["isdn"]:
		return []string{"telephone_isdn"}
	case hasAny(ts, "x-assistant", "assistant", "x-evolution-assistant"):
		return []string{"telephone_assistant"}
	case hasAny(ts, "x-callback", "callback", "x-evolution-callback"):
		return []string{"telephone_callback"}
	case hasAny(ts, "x-company", "company", "x-evolution-company"):
		return []string{"telephone_company"}
	case hasAny(ts, "x-radio", "radio", "x-evolution-radio"):
		return []string{"telephone_radio"}
	case hasAny(ts, "x-telex", "telex", "x-evolution-telex"):
		return []string{"telephone_telex"}
	case hasAny(ts, "textphone", "tty", "ttytdd", "x-ttytdd", "x-evolution-tty"):
		return []string{"telephone_ttytdd"}
	case hasAny(ts, "x-ip", "ip", "voip"):
		return []string{"telephone_ip"}
	case ts["work"]:
		return []string{"telephone_business1", "telephone_business2"}
	case ts["home"]:
		return []string{"telephone_home1", "telephone_home2"}
	case hasAny(ts, "pref", "main", "x-primary"):
		return []string{"telephone_primary"}
	}
	return []string{"telephone_other"}
}

func readPhones(c vcard.Card, out Contact) {
	var fields []*vcard.Field
	fields = append(fields, c[vcard.FieldTelephone]...)
	fields = append(fields, c["X-MS-TEL"]...)
	for _, f := range fields {
		v := stripScheme(text(f), "tel:")
		if v == "" {
			continue
		}
		for _, slot := range append(phoneSlots(types(f)), "telephone_other") {
			if _, taken := out[slot]; !taken {
				out[slot] = v
				break
			}
		}
	}
}

// slotRule says which field a typed value goes to first.
type slotRule struct {
	typ   []string
	field string
}

var (
	emailSlots = []slotRule{{[]string{"work"}, "email1"}, {[]string{"home"}, "email2"}, {[]string{"other", "x-other"}, "email3"}}
	imSlots    = []slotRule{{[]string{"work"}, "instant_messenger1"}, {[]string{"home"}, "instant_messenger2"}}
	imProps    = []string{vcard.FieldIMPP, "X-JABBER", "X-AIM", "X-ICQ", "X-MSN", "X-YAHOO", "X-SKYPE", "X-SKYPE-USERNAME",
		"X-GADUGADU", "X-GOOGLE-TALK", "X-QQ", "X-SIP"}
)

// readSlots fills numbered fields (email1–3, instant_messenger1–2): typed
// values go to their field first, the rest to the first free one.
func readSlots(c vcard.Card, out Contact, props []string, rules []slotRule, clean func(string) string) {
	type val struct {
		v  string
		ts map[string]bool
	}
	var vals []val
	for _, p := range props {
		for _, f := range c[p] {
			if v := clean(text(f)); v != "" {
				vals = append(vals, val{v, types(f)})
			}
		}
	}
	var rest []string
	for _, x := range vals {
		placed := false
		for _, r := range rules {
			if hasAny(x.ts, r.typ...) {
				if _, taken := out[r.field]; !taken {
					out[r.field] = x.v
					placed = true
				}
				break
			}
		}
		if !placed {
			rest = append(rest, x.v)
		}
	}
	for _, v := range rest {
		for _, r := range rules {
			if _, taken := out[r.field]; !taken {
				out[r.field] = v
				break
			}
		}
	}
}

func readPhoto(c vcard.Card, out Contact) {
	for _, f := range c[vcard.FieldPhoto] {
		v := strings.TrimSpace(f.Value)
		var data []byte
		var err error
		if strings.HasPrefix(strings.ToLower(v), "data:") {
			meta, payload, ok := strings.Cut(v[5:], ",")
			if !ok || !strings.HasSuffix(strings.ToLower(meta), ";base64") {
				continue
			}
			data, err = decodeBase64(payload)
		} else {
			vt := strings.ToLower(f.Params.Get("VALUE"))
			if vt == "uri" || vt == "url" {
				continue // external pictures are not fetched
			}
			data, err = decodeBase64(v)
		}
		if err != nil || len(data) == 0 {
			continue
		}
		ct := http.DetectContentType(data)
		if !strings.HasPrefix(ct, "image/") {
			continue
		}
		out["image1"] = base64.StdEncoding.EncodeToString(data)
		out["image1_content_type"] = ct
		return
	}
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// parseDate reads BDAY-style dates ("1980-05-17", "19800517", with or
// without a time part) as an OX Date; dates without a year fail.
func parseDate(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "Tt"); i >= 0 {
		s = s[:i]
	}
	s = strings.ReplaceAll(s, "-", "")
	if len(s) != 8 {
		return 0, false
	}
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[4:6])
	d, err3 := strconv.Atoi(s[6:])
	if err1 != nil || err2 != nil || err3 != nil || y < 0 || m < 1 || m > 12 || d < 1 {
		return 0, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return 0, false
	}
	return t.UnixMilli(), true
}

func formatDate(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02")
}

// relations are people named on the card, with the properties different
// producers use for them (the first is written).
var relations = []struct {
	field   string
	related string
	props   []string
}{
	{"spouse_name", "spouse", []string{"X-OX-SPOUSE-NAME", "X-SPOUSE", "X-EVOLUTION-SPOUSE", "X-KADDRESSBOOK-X-SPOUSESNAME", "X-MS-SPOUSE"}},
	{"assistant_name", "assistant", []string{"X-OX-ASSISTANT-NAME", "X-ASSISTANT", "X-EVOLUTION-ASSISTANT", "X-KADDRESSBOOK-X-ASSISTANTSNAME", "X-MS-ASSISTANT"}},
	{"manager_name", "manager", []string{"X-OX-MANAGER-NAME", "X-MANAGER", "X-EVOLUTION-MANAGER", "X-KADDRESSBOOK-X-MANAGERSNAME", "X-MS-MANAGER"}},
}

// extras are OX fields without a vCard property, kept in X- properties.
var extras = func() []struct{ field, prop string } {
	out := []struct{ field, prop string }{
		{"yomiFirstName", "X-PHONETIC-FIRST-NAME"},
		{"yomiLastName", "X-PHONETIC-LAST-NAME"},
		{"yomiCompany", "X-PHONETIC-ORG"},
	}
	names := []string{"marital_status", "number_of_children", "employee_type", "room_number", "number_of_employees",
		"sales_volume", "tax_id", "commercial_register", "branches", "business_category", "info", "file_as"}
	for i := 1; i <= 20; i++ {
		names = append(names, fmt.Sprintf("userfield%02d", i))
	}
	for _, n := range names {
		out = append(out, struct{ field, prop string }{n, "X-OX-" + strings.ToUpper(strings.ReplaceAll(n, "_", "-"))})
	}
	return out
}()

// --- writing ---------------------------------------------------------

func str(c Contact, k string) string {
	s, _ := c[k].(string)
	return strings.TrimSpace(s)
}

// Int reads a JSON number of any decoded form.
func Int(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<62 {
			return int64(n), true
		}
	case interface{ Int64() (int64, error) }: // json.Number
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

func isTrue(v any) bool { b, _ := v.(bool); return b }

// noSemi marks the semicolons of a component of a structured value:
// go-vcard would write them as separators, so Encode turns the mark into
// the escape "\;" after encoding.
func noSemi(s string) string { return strings.ReplaceAll(s, ";", escSemi) }

func add(card vcard.Card, name, value string, typ ...string) {
	if value == "" {
		return
	}
	f := &vcard.Field{Value: value}
	if len(typ) > 0 {
		f.Params = vcard.Params{"TYPE": typ}
	}
	card.Add(name, f)
}

// ToCard maps a contact onto a vCard 3.0. Distribution lists become cards
// with KIND:group and one MEMBER:mailto: per member with an address.
func ToCard(c Contact) vcard.Card {
	card := vcard.Card{}
	card.SetValue(vcard.FieldVersion, "3.0")
	card.SetValue(vcard.FieldProductID, "-//oxlite//oxlite//EN")
	add(card, vcard.FieldUID, str(c, "uid"))
	if ms, ok := Int(c["last_modified_utc"]); ok {
		card.SetValue(vcard.FieldRevision, time.UnixMilli(ms).UTC().Format("20060102T150405Z"))
	} else if ms, ok := Int(c["last_modified"]); ok {
		card.SetValue(vcard.FieldRevision, time.UnixMilli(ms).UTC().Format("20060102T150405Z"))
	}
	if isTrue(c["mark_as_distributionlist"]) {
		name := str(c, "display_name")
		card.SetValue(vcard.FieldFormattedName, name)
		card.SetValue(vcard.FieldName, noSemi(name)+";;;;")
		card.SetValue(vcard.FieldKind, string(vcard.KindGroup))
		members, _ := c["distribution_list"].([]any)
		for _, m := range members {
			mm, _ := m.(map[string]any)
			if mail := str(mm, "mail"); mail != "" {
				card.AddValue(vcard.FieldMember, "mailto:"+mail)
			}
		}
		return card
	}
	fn := str(c, "display_name")
	if fn == "" {
		fn = DisplayName(trimmed(c))
	}
	card.SetValue(vcard.FieldFormattedName, fn)
	card.SetValue(vcard.FieldName, strings.Join([]string{noSemi(str(c, "last_name")), noSemi(str(c, "first_name")),
		noSemi(str(c, "second_name")), noSemi(str(c, "title")), noSemi(str(c, "suffix"))}, ";"))
	add(card, vcard.FieldNickname, str(c, "nickname"))
	if co, dep := str(c, "company"), str(c, "department"); co != "" || dep != "" {
		v := noSemi(co)
		if dep != "" {
			v += ";" + noSemi(dep)
		}
		card.SetValue(vcard.FieldOrganization, v)
	}
	add(card, vcard.FieldTitle, str(c, "position"))
	add(card, vcard.FieldRole, str(c, "profession"))
	add(card, vcard.FieldNote, str(c, "note"))
	add(card, vcard.FieldURL, str(c, "url"))
	if ms, ok := Int(c["birthday"]); ok {
		card.SetValue(vcard.FieldBirthday, formatDate(ms))
	}
	if ms, ok := Int(c["anniversary"]); ok {
		card.SetValue("X-ANNIVERSARY", formatDate(ms))
	}
	for _, cat := range strings.Split(str(c, "categories"), ",") {
		add(card, vcard.FieldCategories, strings.TrimSpace(cat))
	}
	if isTrue(c["private_flag"]) {
		card.SetValue("CLASS", "PRIVATE")
	}
	for _, r := range relations {
		add(card, r.props[0], str(c, r.field))
	}
	for _, x := range extras {
		add(card, x.prop, str(c, x.field))
	}
	for _, k := range addrKinds {
		parts := []string{"", "", noSemi(str(c, k.street)), noSemi(str(c, k.city)), noSemi(str(c, k.state)),
			noSemi(str(c, k.postal)), noSemi(str(c, k.country))}
		if strings.Join(parts, "") == "" {
			continue
		}
		f := &vcard.Field{Value: strings.Join(parts, ";")}
		if k.kind != "" {
			f.Params = vcard.Params{"TYPE": {k.kind}}
		}
		card.Add(vcard.FieldAddress, f)
	}
	for _, p := range phoneFields {
		add(card, vcard.FieldTelephone, str(c, p.field), p.types...)
	}
	add(card, vcard.FieldEmail, str(c, "email1"), "internet", "work")
	add(card, vcard.FieldEmail, str(c, "email2"), "internet", "home")
	add(card, vcard.FieldEmail, str(c, "email3"), "internet", "other")
	add(card, vcard.FieldIMPP, str(c, "instant_messenger1"), "work")
	add(card, vcard.FieldIMPP, str(c, "instant_messenger2"), "home")
	if img := str(c, "image1"); img != "" {
		if data, err := decodeBase64(img); err == nil && len(data) > 0 {
			ct := str(c, "image1_content_type")
			if !strings.HasPrefix(ct, "image/") {
				ct = http.DetectContentType(data)
			}
			f := &vcard.Field{Value: base64.StdEncoding.EncodeToString(data), Params: vcard.Params{"ENCODING": {"b"}}}
			if sub := strings.TrimPrefix(ct, "image/"); sub != ct && sub != "" {
				f.Params["TYPE"] = []string{strings.ToUpper(sub)}
			}
			card.Set(vcard.FieldPhoto, f)
		}
	}
	return card
}

func trimmed(c Contact) Contact {
	out := Contact{}
	for _, k := range []string{"first_name", "last_name", "company", "email1", "email2", "email3"} {
		if s := str(c, k); s != "" {
			out[k] = s
		}
	}
	return out
}

// Encode writes contacts as vCard 3.0 cards.
func Encode(w io.Writer, contacts []Contact) error {
	var buf bytes.Buffer
	enc := vcard.NewEncoder(&buf)
	for _, c := range contacts {
		buf.Reset()
		if err := enc.Encode(ToCard(sanitized(c))); err != nil {
			return err
		}
		// go-vcard cannot escape a semicolon inside a component.
		if _, err := w.Write(bytes.ReplaceAll(buf.Bytes(), []byte(escSemi), []byte(`\;`))); err != nil {
			return err
		}
	}
	return nil
}

// sanitized keeps values from breaking the line structure (go-vcard
// escapes LF but writes CR as is) and from carrying the escSemi mark.
func sanitized(c Contact) Contact {
	out := make(Contact, len(c))
	for k, v := range c {
		if s, ok := v.(string); ok {
			v = strings.ReplaceAll(lineEnds(s), escSemi, "\uFFFD")
		}
		out[k] = v
	}
	return out
}

// EncodeBytes is Encode into memory.
func EncodeBytes(contacts []Contact) ([]byte, error) {
	var b bytes.Buffer
	err := Encode(&b, contacts)
	return b.Bytes(), err
}

// Fields lists the contact fields the vCard mapping carries (for tests and
// docs), sorted.
func Fields() []string {
	m := map[string]bool{"display_name": true, "first_name": true, "last_name": true, "second_name": true, "title": true,
		"suffix": true, "nickname": true, "company": true, "department": true, "position": true, "profession": true,
		"note": true, "url": true, "uid": true, "birthday": true, "anniversary": true, "categories": true,
		"private_flag": true, "email1": true, "email2": true, "email3": true, "instant_messenger1": true,
		"instant_messenger2": true, "image1": true, "image1_content_type": true}
	for _, r := range relations {
		m[r.field] = true
	}
	for _, x := range extras {
		m[x.field] = true
	}
	for _, k := range addrKinds {
		for _, f := range []string{k.street, k.city, k.state, k.postal, k.country} {
			m[f] = true
		}
	}
	for _, p := range phoneFields {
		m[p.field] = true
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
