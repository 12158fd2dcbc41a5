package find

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"oxlite/core/contactfields"
	"oxlite/core/contacts"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// The field groups of contact filters (docs/decisions.md "find").
var contactGroups = func() map[string][]*contactfields.Field {
	names := map[string][]string{
		"name": {"display_name", "first_name", "last_name", "second_name", "suffix", "title", "nickname",
			"yomiFirstName", "yomiLastName"},
		"email": {"email1", "email2", "email3"},
		"phone": {"telephone_business1", "telephone_business2", "fax_business", "telephone_callback", "telephone_car",
			"telephone_company", "telephone_home1", "telephone_home2", "fax_home", "cellular_telephone1",
			"cellular_telephone2", "telephone_other", "fax_other", "telephone_isdn", "telephone_pager", "telephone_primary",
			"telephone_radio", "telephone_telex", "telephone_ttytdd", "telephone_ip", "telephone_assistant"},
		"address": {"street_home", "postal_code_home", "city_home", "state_home", "country_home",
			"street_business", "postal_code_business", "city_business", "state_business", "country_business",
			"street_other", "postal_code_other", "city_other", "state_other", "country_other",
			"addressHome", "addressBusiness", "addressOther"},
		"company":    {"company"},
		"department": {"department"},
	}
	out := map[string][]*contactfields.Field{}
	var global []*contactfields.Field
	for g, ns := range names {
		for _, n := range ns {
			f, ok := contactfields.ByName(n)
			if !ok {
				panic("find: unknown contact field " + n)
			}
			out[g] = append(out[g], f)
			global = append(global, f)
		}
	}
	for _, n := range []string{"categories", "position", "commercial_register", "note"} {
		f, _ := contactfields.ByName(n)
		global = append(global, f)
	}
	out["global"] = global
	return out
}()

// contactFieldFacets are the simple facets an autocomplete offers besides
// global, in this order.
var contactFieldFacets = []string{"name", "email", "phone", "address", "company", "department"}

// Contact facet ids.
const (
	FacetContact     = "contact"
	FacetContactType = "contact_type"
)

// Contacts searches the address book.
type Contacts struct {
	DB       *storage.DB
	Contacts *contacts.Module
}

// Types implements Provider.
func (p *Contacts) Types() map[string]Type {
	t := FolderTypes()
	t["global"] = Type{Style: Simple}
	for _, id := range contactFieldFacets {
		t[id] = Type{Style: Simple}
	}
	t[FacetContact] = Type{Style: Default}
	t[FacetContactType] = Type{Style: Exclusive}
	return t
}

// DefaultColumns implements Provider: the UI's find columns.
func (p *Contacts) DefaultColumns() []int {
	return []int{20, 1, 101, 500, 501, 502, 505, 520, 524, 555, 556, 557, 569, 592, 602, 606, 607, 5}
}

func contactText(c *storage.ContactRow, fs []*contactfields.Field) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		if s, ok := contactfields.Value(c, f, nil).(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (p *Contacts) fields() map[string]Field[*storage.ContactRow] {
	out := map[string]Field[*storage.ContactRow]{}
	for g, fs := range contactGroups {
		out[g] = TextField(func(c *storage.ContactRow) []string { return contactText(c, fs) })
	}
	out[FacetContact] = func(q string) (func(*storage.ContactRow) bool, error) {
		id, err := strconv.ParseInt(strings.TrimSpace(q), 10, 64)
		if err != nil {
			return nil, ErrUnsupportedQuery.New(q, FacetContact)
		}
		return func(c *storage.ContactRow) bool { return c.ID == id }, nil
	}
	out[FacetContactType] = func(q string) (func(*storage.ContactRow) bool, error) {
		switch q {
		case "contact":
			return func(c *storage.ContactRow) bool { return !contactfields.IsDistList(c) }, nil
		case "distribution_list":
			return contactfields.IsDistList, nil
		}
		return nil, ErrUnsupportedQuery.New(q, FacetContactType)
	}
	return out
}

// visible loads the readable contacts in the active folder scope,
// without the context admin's entry unless the options include it.
func (p *Contacts) visible(ctx context.Context, q *Query) ([]*storage.ContactRow, error) {
	ids, restricted, err := FolderScope(ctx, p.DB, q.User, "contacts", q.Active)
	if err != nil || restricted && len(ids) == 0 {
		return nil, err
	}
	rows, err := p.Contacts.Visible(ctx, q.User, ids)
	if err != nil {
		return nil, err
	}
	return withoutAdmin(ctx, p.DB, q, rows)
}

// withoutAdmin drops the context admin's contact when q.Admin is false.
func withoutAdmin(ctx context.Context, db *storage.DB, q *Query, rows []*storage.ContactRow) ([]*storage.ContactRow, error) {
	if q.Admin {
		return rows, nil
	}
	cx, err := db.ContextByID(ctx, q.User.ContextID)
	if errors.Is(err, storage.ErrNotFound) {
		return rows, nil
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return slices.DeleteFunc(rows, func(c *storage.ContactRow) bool { return c.UserID != 0 && c.UserID == cx.AdminID }), nil
}

// sortContacts orders people as the address book does: by sort name.
func sortContacts(rows []*storage.ContactRow) {
	slices.SortStableFunc(rows, func(a, b *storage.ContactRow) int {
		if c := strings.Compare(strings.ToLower(contactfields.SortName(a)), strings.ToLower(contactfields.SortName(b))); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// people are the contacts whose name, company or address words start
// with every word of the prefix (what contacts?action=autocomplete finds).
func people(rows []*storage.ContactRow, tokens []string) []*storage.ContactRow {
	var out []*storage.ContactRow
	for _, c := range rows {
		if prefixesAll(tokens, c.DisplayName, c.FirstName, c.LastName, c.Company, c.Email1, c.Email2, c.Email3) {
			out = append(out, c)
		}
	}
	sortContacts(out)
	return out
}

// personItem is how a person is shown as a facet value.
func personItem(c *storage.ContactRow) *Item {
	it := &Item{Name: c.DisplayName}
	if it.Name == "" {
		it.Name = strings.TrimSpace(c.FirstName + " " + c.LastName)
	}
	for _, m := range []string{c.Email1, c.Email2, c.Email3} {
		if m != "" {
			if it.Name == "" {
				it.Name = m
			}
			it.Detail = m
			break
		}
	}
	if it.Name == "" {
		it.Name = contactfields.SortName(c)
	}
	if c.ImageKey != "" {
		it.ImageURL = contactfields.ContactImageURL(c)
	}
	return it
}

// personID is the value id of a person, as the reference server builds
// it: contact/<context>/<contact id>.
func personID(cid int64, c *storage.ContactRow) string {
	return fmt.Sprintf("contact/%d/%d", cid, c.ID)
}

// Facets implements Provider.
func (p *Contacts) Facets(ctx context.Context, q *Query) ([]*Facet, error) {
	var out []*Facet
	if len(q.Tokens) > 0 {
		out = append(out, GlobalFacet(q.Prefix, q.Tokens))
		for _, id := range contactFieldFacets {
			out = append(out, SimpleFacet(id, q.Prefix, "in "+id, NewFilter(id, q.Tokens...)))
		}
		rows, err := p.visible(ctx, q)
		if err != nil {
			return nil, err
		}
		if found := people(rows, q.Tokens); len(found) > 0 {
			f := &Facet{Style: Default, ID: FacetContact, Name: "Contacts"}
			for _, c := range found {
				f.Values = append(f.Values, &Value{ID: personID(q.User.ContextID, c), Item: personItem(c),
					Filter: NewFilter(FacetContact, strconv.FormatInt(c.ID, 10))})
			}
			out = append(out, f)
		}
	}
	out = append(out, &Facet{Style: Exclusive, ID: FacetContactType, Name: "Contact type", Fixed: true, Values: []*Value{
		{ID: "contact", Name: "Contact", Filter: NewFilter(FacetContactType, "contact")},
		{ID: "distribution_list", Name: "Distribution list", Filter: NewFilter(FacetContactType, "distribution_list")},
	}})
	ff, err := FolderFacets(ctx, p.DB, q.User, "contacts")
	if err != nil {
		return nil, err
	}
	return append(out, ff...), nil
}

// Search implements Provider.
func (p *Contacts) Search(ctx context.Context, q *Query) (int, []map[string]any, error) {
	match, err := Compile(q.Active, p.Types(), p.fields())
	if err != nil {
		return 0, nil, err
	}
	rows, err := p.visible(ctx, q)
	if err != nil {
		return 0, nil, err
	}
	rows = slices.DeleteFunc(rows, func(c *storage.ContactRow) bool { return !match(c) })
	sortContacts(rows)
	page := Page(rows, q.Start, q.Size)
	data, _, err := p.Contacts.Rows(ctx, q.User, page, q.Columns, q.Loc)
	if err != nil {
		return 0, nil, err
	}
	out := make([]map[string]any, len(data))
	for i, row := range data {
		obj := make(map[string]any, len(q.Columns))
		for j, col := range q.Columns {
			f, ok := contactfields.ByID(col)
			if ok && row[j] != nil {
				obj[f.Name] = row[j]
			}
		}
		out[i] = obj
	}
	return len(rows), out, nil
}
