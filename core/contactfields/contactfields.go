// Package contactfields is the table of OX contact columns (spec lines
// 153–192, ContactData at spec line 8571): column id, JSON field name, value
// kind and where the value is stored (a column of table `contacts` or the
// JSON column `fields`). The contacts and user modules share it.
package contactfields

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"oxlite/core/protocol"
	"oxlite/storage"
)

// Kind is how a field's value is typed on the wire.
type Kind int

const (
	// String is a JSON string.
	String Kind = iota
	// Email is a string that must look like a mail address when not empty.
	Email
	// Date is an OX Date: ms since the epoch at 00:00 UTC (no zone shift).
	Date
	// Int is a JSON number.
	Int
	// Bool is a JSON boolean.
	Bool
	// Special fields are computed or kept by the server (ids, times,
	// images, distribution lists); Value knows each of them.
	Special
)

// Field is one contact column.
type Field struct {
	ID   int
	Name string
	Kind Kind
	// Column is the SQL column of table contacts; "" stores the value in
	// the JSON column `fields` under Name.
	Column string
	// Writable fields may be set by clients.
	Writable bool
	// Default is rendered when the field is unset (nil: null / absent).
	Default any
}

// The column ids of the fields other modules refer to by number.
const (
	ColID           = 1
	ColCreatedBy    = 2
	ColModifiedBy   = 3
	ColCreationDate = 4
	ColLastModified = 5
	ColLastModUTC   = 6
	ColFolderID     = 20
	ColPrivateFlag  = 101
	ColDisplayName  = 500
	ColFirstName    = 501
	ColLastName     = 502
	ColUserID       = 524
	ColEmail1       = 555
	ColEmail2       = 556
	ColEmail3       = 557
	ColCompany      = 569
	ColImage1       = 570
	ColDistList     = 592
	ColDistCount    = 594
	ColImageCount   = 596
	ColImageMod     = 597
	ColImageType    = 601
	ColMarkDistList = 602
	ColImage1URL    = 606
	ColSortName     = 607
	ColUseCount     = 608
)

func str(id int, name string) Field { return Field{ID: id, Name: name, Kind: String, Writable: true} }

// Fields lists every contact column in id order.
var Fields = buildFields()

func buildFields() []Field {
	f := []Field{
		{ID: ColID, Name: "id", Kind: Special},
		{ID: ColCreatedBy, Name: "created_by", Kind: Special},
		{ID: ColModifiedBy, Name: "modified_by", Kind: Special},
		{ID: ColCreationDate, Name: "creation_date", Kind: Special},
		{ID: ColLastModified, Name: "last_modified", Kind: Special},
		{ID: ColLastModUTC, Name: "last_modified_utc", Kind: Special},
		{ID: ColFolderID, Name: "folder_id", Kind: Special},
		str(100, "categories"),
		{ID: ColPrivateFlag, Name: "private_flag", Kind: Bool, Column: "private_flag", Writable: true, Default: false},
		{ID: 102, Name: "color_label", Kind: Int, Writable: true, Default: 0},
		{ID: 104, Name: "number_of_attachments", Kind: Int, Default: 0},
		{ID: 105, Name: "lastModifiedOfNewestAttachmentUTC", Kind: Int},
		{ID: 223, Name: "uid", Kind: String, Column: "uid", Writable: true},
		{ID: ColDisplayName, Name: "display_name", Kind: String, Column: "display_name", Writable: true},
		{ID: ColFirstName, Name: "first_name", Kind: String, Column: "first_name", Writable: true},
		{ID: ColLastName, Name: "last_name", Kind: String, Column: "last_name", Writable: true},
		str(503, "second_name"), str(504, "suffix"), str(505, "title"),
		str(506, "street_home"), str(507, "postal_code_home"), str(508, "city_home"), str(509, "state_home"), str(510, "country_home"),
		{ID: 511, Name: "birthday", Kind: Date, Writable: true},
		// The column table spells it "martial_status"; ContactData and the
		// reference server use marital_status.
		str(512, "marital_status"), str(513, "number_of_children"), str(514, "profession"), str(515, "nickname"),
		str(516, "spouse_name"),
		{ID: 517, Name: "anniversary", Kind: Date, Writable: true},
		str(518, "note"), str(519, "department"), str(520, "position"), str(521, "employee_type"), str(522, "room_number"),
		str(523, "street_business"),
		{ID: ColUserID, Name: "user_id", Kind: Special},
		str(525, "postal_code_business"), str(526, "city_business"), str(527, "state_business"), str(528, "country_business"),
		str(529, "number_of_employees"), str(530, "sales_volume"), str(531, "tax_id"), str(532, "commercial_register"),
		str(533, "branches"), str(534, "business_category"), str(535, "info"), str(536, "manager_name"), str(537, "assistant_name"),
		str(538, "street_other"), str(539, "city_other"), str(540, "postal_code_other"), str(541, "country_other"),
		str(542, "telephone_business1"), str(543, "telephone_business2"), str(544, "fax_business"), str(545, "telephone_callback"),
		str(546, "telephone_car"), str(547, "telephone_company"), str(548, "telephone_home1"), str(549, "telephone_home2"),
		str(550, "fax_home"), str(551, "cellular_telephone1"), str(552, "cellular_telephone2"), str(553, "telephone_other"),
		str(554, "fax_other"),
		{ID: ColEmail1, Name: "email1", Kind: Email, Column: "email1", Writable: true},
		{ID: ColEmail2, Name: "email2", Kind: Email, Column: "email2", Writable: true},
		{ID: ColEmail3, Name: "email3", Kind: Email, Column: "email3", Writable: true},
		str(558, "url"), str(559, "telephone_isdn"), str(560, "telephone_pager"), str(561, "telephone_primary"),
		str(562, "telephone_radio"), str(563, "telephone_telex"), str(564, "telephone_ttytdd"), str(565, "instant_messenger1"),
		str(566, "instant_messenger2"), str(567, "telephone_ip"), str(568, "telephone_assistant"),
		{ID: ColCompany, Name: "company", Kind: String, Column: "company", Writable: true},
		{ID: ColImage1, Name: "image1", Kind: Special},
	}
	for i := 1; i <= 20; i++ {
		f = append(f, str(570+i, fmt.Sprintf("userfield%02d", i)))
	}
	f = append(f,
		Field{ID: ColDistList, Name: "distribution_list", Kind: Special},
		Field{ID: ColDistCount, Name: "number_of_distribution_list", Kind: Special, Default: 0},
		Field{ID: ColImageCount, Name: "number_of_images", Kind: Special, Default: 0},
		Field{ID: ColImageMod, Name: "image_last_modified", Kind: Special},
		str(598, "state_other"), str(599, "file_as"),
		Field{ID: ColImageType, Name: "image1_content_type", Kind: Special},
		Field{ID: ColMarkDistList, Name: "mark_as_distributionlist", Kind: Bool, Writable: true, Default: false},
		Field{ID: 605, Name: "default_address", Kind: Int, Writable: true},
		Field{ID: ColImage1URL, Name: "image1_url", Kind: Special},
		Field{ID: ColSortName, Name: "sort_name", Kind: Special},
		Field{ID: ColUseCount, Name: "useCount", Kind: Int},
		str(610, "yomiFirstName"), str(611, "yomiLastName"), str(612, "yomiCompany"),
		str(613, "addressHome"), str(614, "addressBusiness"), str(615, "addressOther"),
	)
	return f
}

var (
	byID   = map[int]*Field{}
	byName = map[string]*Field{}
)

func init() {
	for i := range Fields {
		byID[Fields[i].ID] = &Fields[i]
		byName[Fields[i].Name] = &Fields[i]
	}
}

// ByID finds a field by column id.
func ByID(id int) (*Field, bool) { f, ok := byID[id]; return f, ok }

// ByName finds a field by JSON name.
func ByName(name string) (*Field, bool) { f, ok := byName[name]; return f, ok }

// Errors of contact data (reference codes, ContactExceptionCodes).
var (
	ErrInvalidEmail = protocol.Def{Code: "CON-0100", Category: protocol.CatUserInput,
		Message: "Invalid E-Mail address: '%s'. Please correct the E-Mail address."}
)

// column returns the value of a table column.
func column(c *storage.ContactRow, name string) any {
	switch name {
	case "display_name":
		return c.DisplayName
	case "first_name":
		return c.FirstName
	case "last_name":
		return c.LastName
	case "company":
		return c.Company
	case "email1":
		return c.Email1
	case "email2":
		return c.Email2
	case "email3":
		return c.Email3
	case "uid":
		return c.UID
	case "private_flag":
		return c.PrivateFlag
	}
	return nil
}

func setColumn(c *storage.ContactRow, name string, v any) {
	s, _ := v.(string)
	switch name {
	case "display_name":
		c.DisplayName = s
	case "first_name":
		c.FirstName = s
	case "last_name":
		c.LastName = s
	case "company":
		c.Company = s
	case "email1":
		c.Email1 = s
	case "email2":
		c.Email2 = s
	case "email3":
		c.Email3 = s
	case "uid":
		c.UID = s
	case "private_flag":
		b, _ := v.(bool)
		c.PrivateFlag = b
	}
}

// Value renders one field of c for the wire; loc converts the Time fields
// (creation_date, last_modified). Unset fields give the field's Default.
func Value(c *storage.ContactRow, f *Field, loc *time.Location) any {
	switch f.ID {
	case ColID:
		return c.ID
	case ColCreatedBy:
		return c.CreatedBy
	case ColModifiedBy:
		return c.ModifiedBy
	case ColCreationDate:
		return protocol.ToTime(c.CreationDate, loc)
	case ColLastModified:
		return protocol.ToTime(c.LastModified, loc)
	case ColLastModUTC:
		return c.LastModified
	case ColFolderID:
		return c.FolderID
	case ColUserID:
		if c.UserID > 0 {
			return c.UserID
		}
		return nil
	case ColSortName:
		return SortName(c)
	case ColImage1, ColImage1URL:
		if c.ImageKey == "" {
			return nil
		}
		return ContactImageURL(c)
	case ColImageCount:
		if c.ImageKey == "" {
			return 0
		}
		return 1
	case ColImageMod:
		if c.ImageKey == "" {
			return nil
		}
		return c.ImageModified
	case ColImageType:
		if c.ImageKey == "" {
			return nil
		}
		return c.ImageType
	case ColDistCount:
		l, _ := c.Fields["distribution_list"].([]any)
		return len(l)
	}
	var v any
	if f.Column != "" {
		v = column(c, f.Column)
		if s, ok := v.(string); ok && s == "" {
			v = nil
		}
	} else if c.Fields != nil {
		v = c.Fields[f.Name]
	}
	if v == nil {
		return f.Default
	}
	switch f.Kind {
	case Int, Date:
		if n, ok := toInt(v); ok {
			return n
		}
		return f.Default
	}
	return v
}

// SortName is what the reference server sorts people by (column 607):
// the yomi names, else last and first name, else display name, company
// or the first mail address.
func SortName(c *storage.ContactRow) string {
	get := func(k string) string { s, _ := c.Fields[k].(string); return s }
	if s := get("yomiLastName") + get("yomiFirstName"); s != "" {
		return s
	}
	if s := c.LastName + c.FirstName; s != "" {
		return s
	}
	for _, s := range []string{c.DisplayName, c.Company, c.Email1, c.Email2, c.Email3} {
		if s != "" {
			return s
		}
	}
	return ""
}

// ContactImageURL is where the picture of c is downloaded (image1_url):
// the image module, with the picture's change time against stale caches.
func ContactImageURL(c *storage.ContactRow) string {
	return "/ajax/image/contact/picture?folder=" + strconv.FormatInt(c.FolderID, 10) + "&id=" + strconv.FormatInt(c.ID, 10) +
		"&timestamp=" + strconv.FormatInt(c.ImageModified, 10)
}

// UserImageURL is image1_url of a user's entry as the user module shows it.
func UserImageURL(c *storage.ContactRow) string {
	return "/ajax/image/user/picture?id=" + strconv.FormatInt(c.UserID, 10) + "&timestamp=" + strconv.FormatInt(c.ImageModified, 10)
}

// Object renders c as a JSON object: the meta fields always, every other
// field when it has a value. The picture appears as image1_url only (the
// reference serialises image1 as its URL); a distribution list's members
// are as stored.
func Object(c *storage.ContactRow, loc *time.Location) map[string]any {
	obj := map[string]any{}
	for i := range Fields {
		f := &Fields[i]
		if f.ID == ColImage1 || f.ID == ColSortName {
			continue
		}
		if f.ID == ColDistCount || f.ID == ColDistList || f.ID == ColMarkDistList {
			if !IsDistList(c) {
				continue
			}
		}
		if f.ID == ColImageCount && c.ImageKey == "" {
			continue
		}
		v := Value(c, f, loc)
		if v == nil {
			continue
		}
		if s, ok := v.(string); ok && s == "" {
			continue
		}
		obj[f.Name] = v
	}
	return obj
}

// IsDistList reports whether c is a distribution list.
func IsDistList(c *storage.ContactRow) bool {
	b, _ := c.Fields["mark_as_distributionlist"].(bool)
	return b
}

func toInt(v any) (int64, bool) { return protocol.Int64Of(v) }

func describe(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 64 {
		b = append(b[:61], "..."...)
	}
	return string(b)
}

// ValidEmail is the plausibility check of mail address fields: one "@"
// with text on both sides and no blanks or angle brackets.
func ValidEmail(s string) bool {
	at := strings.LastIndex(s, "@")
	if at <= 0 || at == len(s)-1 {
		return false
	}
	return !strings.ContainsAny(s, " \t\r\n<>,;\"")
}

// Set stores a client value (decoded JSON, numbers as json.Number) into c
// after checking its type; nil clears the field. It does not check
// Writable: callers decide which fields a client may change.
func Set(c *storage.ContactRow, f *Field, v any) error {
	if f.Kind == Special {
		return protocol.ErrInvalidValue.New(f.Name, "the field cannot be set")
	}
	var norm any
	if v != nil {
		switch f.Kind {
		case String, Email:
			s, ok := v.(string)
			if !ok {
				return protocol.ErrInvalidValue.New(f.Name, describe(v))
			}
			if f.Kind == Email && s != "" && !ValidEmail(s) {
				return ErrInvalidEmail.New(s)
			}
			norm = s
		case Int, Date:
			n, ok := toInt(v)
			if !ok {
				return protocol.ErrInvalidValue.New(f.Name, describe(v))
			}
			if f.Kind == Date {
				n = protocol.ToDate(n)
			}
			norm = n
		case Bool:
			b, ok := v.(bool)
			if !ok {
				return protocol.ErrInvalidValue.New(f.Name, describe(v))
			}
			norm = b
		}
	}
	if f.Column != "" {
		if norm == nil && f.Kind == Bool {
			norm = false
		}
		setColumn(c, f.Column, norm)
		return nil
	}
	if c.Fields == nil {
		c.Fields = map[string]any{}
	}
	if norm == nil || norm == "" {
		delete(c.Fields, f.Name)
	} else {
		c.Fields[f.Name] = norm
	}
	return nil
}

// Errors the contacts and user modules share (ContactExceptionCodes of
// the reference server).
var (
	// ErrObjectChanged is the stale-timestamp conflict of contact writes,
	// including a user's own contact written through /user.
	ErrObjectChanged = protocol.Def{Code: "CON-0119", Category: protocol.CatConflict,
		Message: "Edit Conflict. Your change cannot be completed because somebody else has made a conflicting change to the same item. Please refresh or synchronize and try again."}
	ErrDisplayNameInUse = protocol.Def{Code: "CON-0167", Category: protocol.CatTryAgain,
		Message: "The name you entered is already assigned to another user. Please choose another display name."}
	ErrPrivateFlagInPublic = protocol.Def{Code: "CON-0171", Category: protocol.CatUserInput,
		Message: "A contact with private flag cannot be stored in a public folder."}
	ErrNoPrimaryEmailEdit = protocol.Def{Code: "CON-0173", Category: protocol.CatPermissionDenied,
		Message: "Primary email address in system contact must not be edited."}
)

// ToInt reads an integer sent as a JSON number, a Go number or a numeric
// string.
func ToInt(v any) (int64, bool) { return toInt(v) }
