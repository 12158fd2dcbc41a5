package csvconv

import "fmt"

// Kind is how a column's text is read and written.
type Kind int

const (
	// Text is stored as it is.
	Text Kind = iota
	// Date is an OX Date (ms at 00:00 UTC), written as YYYY-MM-DD.
	Date
	// Number is an integer.
	Number
	// Flag is private_flag (Outlook's sensitivity).
	Flag
	// Categories is a list (Outlook separates with ";", OX with ",").
	Categories
	// ReadOnly columns are exported but never imported.
	ReadOnly
)

// Column is one OX contact column with its CSV title (spec lines 153–192,
// third column of the contact table).
type Column struct {
	ID    int
	Field string
	Title string
	Kind  Kind
}

// OXColumns are the columns of the OX CSV format in the order of the
// spec's table; they are exported when no `columns` parameter is given.
// "Categories" (100) has no title in the spec; the reference server's
// mapping names it so.
var OXColumns = func() []Column {
	c := []Column{
		{500, "display_name", "Display name", Text},
		{501, "first_name", "Given name", Text},
		{502, "last_name", "Sur name", Text},
		{503, "second_name", "Middle name", Text},
		{504, "suffix", "Suffix", Text},
		{505, "title", "Title", Text},
		{506, "street_home", "Street home", Text},
		{507, "postal_code_home", "Postal code home", Text},
		{508, "city_home", "City home", Text},
		{509, "state_home", "State home", Text},
		{510, "country_home", "Country home", Text},
		{511, "birthday", "Birthday", Date},
		// The spec spells the field and the title "martial"; the field
		// is marital_status everywhere else.
		{512, "marital_status", "Martial status", Text},
		{513, "number_of_children", "Number of children", Text},
		{514, "profession", "Profession", Text},
		{515, "nickname", "Nickname", Text},
		{516, "spouse_name", "Spouse name", Text},
		{517, "anniversary", "Anniversary", Date},
		{518, "note", "Note", Text},
		{519, "department", "Department", Text},
		{520, "position", "Position", Text},
		{521, "employee_type", "Employee type", Text},
		{522, "room_number", "Room number", Text},
		{523, "street_business", "Street business", Text},
		{524, "user_id", "Internal user id", ReadOnly},
		{525, "postal_code_business", "Postal code business", Text},
		{526, "city_business", "City business", Text},
		{527, "state_business", "State business", Text},
		{528, "country_business", "Country business", Text},
		{529, "number_of_employees", "Number of employee", Text},
		{530, "sales_volume", "Sales volume", Text},
		{531, "tax_id", "Tax id", Text},
		{532, "commercial_register", "Commercial register", Text},
		{533, "branches", "Branches", Text},
		{534, "business_category", "Business category", Text},
		{535, "info", "Info", Text},
		{536, "manager_name", "Manager's name", Text},
		{537, "assistant_name", "Assistant's name", Text},
		{538, "street_other", "Street other", Text},
		{539, "city_other", "City other", Text},
		{540, "postal_code_other", "Postal code other", Text},
		{541, "country_other", "Country other", Text},
		{542, "telephone_business1", "Telephone business 1", Text},
		{543, "telephone_business2", "Telephone business 2", Text},
		{544, "fax_business", "FAX business", Text},
		{545, "telephone_callback", "Telephone callback", Text},
		{546, "telephone_car", "Telephone car", Text},
		{547, "telephone_company", "Telephone company", Text},
		{548, "telephone_home1", "Telephone home 1", Text},
		{549, "telephone_home2", "Telephone home 2", Text},
		{550, "fax_home", "FAX home", Text},
		{551, "cellular_telephone1", "Cellular telephone 1", Text},
		{552, "cellular_telephone2", "Cellular telephone 2", Text},
		{553, "telephone_other", "Telephone other", Text},
		{554, "fax_other", "FAX other", Text},
		{555, "email1", "Email 1", Text},
		{556, "email2", "Email 2", Text},
		{557, "email3", "Email 3", Text},
		{558, "url", "URL", Text},
		{559, "telephone_isdn", "Telephone ISDN", Text},
		{560, "telephone_pager", "Telephone pager", Text},
		{561, "telephone_primary", "Telephone primary", Text},
		{562, "telephone_radio", "Telephone radio", Text},
		{563, "telephone_telex", "Telephone telex", Text},
		{564, "telephone_ttytdd", "Telephone TTY/TDD", Text},
		{565, "instant_messenger1", "Instantmessenger 1", Text},
		{566, "instant_messenger2", "Instantmessenger 2", Text},
		{567, "telephone_ip", "Telephone IP", Text},
		{568, "telephone_assistant", "Telephone assistant", Text},
		{569, "company", "Company", Text},
	}
	for i := 1; i <= 20; i++ {
		c = append(c, Column{570 + i, fmt.Sprintf("userfield%02d", i), fmt.Sprintf("Dynamic Field %d", i), Text})
	}
	return append(c,
		Column{594, "number_of_distribution_list", "Number of distributionlists", ReadOnly},
		Column{598, "state_other", "State other", Text},
		Column{605, "default_address", "Default address", Number},
		Column{100, "categories", "Categories", Text},
	)
}()

// oxAliases are further titles the OX import accepts: the spelling of the
// reference server's mapping file.
var oxAliases = map[string]string{
	"Marital status":      "marital_status",
	"Number of employees": "number_of_employees",
}

// Outlook titles, from the reference server's mapping files
// (importCSV/outlook2003.en_EN, outlook2016.en_EN, outlook2007.de_DE
// .properties and the French/German Outlook mappers of
// com.openexchange.importexport); docs/decisions.md lists them.
var outlookEN = map[string]string{
	"Title": "title", "First Name": "first_name", "Middle Name": "second_name", "Last Name": "last_name",
	"Suffix": "suffix", "Company": "company", "Department": "department", "Job Title": "position",
	"Business Street": "street_business", "Business City": "city_business", "Business State": "state_business",
	"Business Postal Code": "postal_code_business", "Business Country": "country_business",
	"Business Country/Region": "country_business",
	"Home Street":             "street_home", "Home City": "city_home", "Home State": "state_home",
	"Home Postal Code": "postal_code_home", "Home Country": "country_home", "Home Country/Region": "country_home",
	"Other Street": "street_other", "Other City": "city_other", "Other State": "state_other",
	"Other Postal Code": "postal_code_other", "Other Country": "country_other", "Other Country/Region": "country_other",
	"Assistant's Phone": "telephone_assistant", "Business Fax": "fax_business", "Business Phone": "telephone_business1",
	"Business Phone 2": "telephone_business2", "Callback": "telephone_callback", "Car Phone": "telephone_car",
	"Company Main Phone": "telephone_company", "Home Fax": "fax_home", "Home Phone": "telephone_home1",
	"Home Phone 2": "telephone_home2", "ISDN": "telephone_isdn", "Mobile Phone": "cellular_telephone1",
	"Other Fax": "fax_other", "Other Phone": "telephone_other", "Pager": "telephone_pager",
	"Primary Phone": "telephone_primary", "Radio Phone": "telephone_radio", "TTY/TDD Phone": "telephone_ttytdd",
	"Telex": "telephone_telex", "E-mail Address": "email1", "E-mail 2 Address": "email2", "E-mail 3 Address": "email3",
	"Birthday": "birthday", "Anniversary": "anniversary", "Categories": "categories", "Spouse": "spouse_name",
	"Sensitivity": "private_flag", "Children": "number_of_children", "Assistant's Name": "assistant_name",
	"Notes": "note", "Organizational ID Number": "commercial_register", "Web Page": "url",
	"Profession": "profession", "Manager's Name": "manager_name", "Office Location": "room_number",
	"User 1": "userfield01", "User 2": "userfield02", "User 3": "userfield03", "User 4": "userfield04",
}

var outlookDE = map[string]string{
	"Anrede": "title", "Vorname": "first_name", "Weitere Vornamen": "second_name", "Nachname": "last_name",
	"Suffix": "suffix", "Firma": "company", "Abteilung": "department", "Position": "position",
	"Straße geschäftlich": "street_business", "Ort geschäftlich": "city_business",
	"Region geschäftlich": "state_business", "Postleitzahl geschäftlich": "postal_code_business",
	"Land geschäftlich": "country_business", "Land/Region geschäftlich": "country_business",
	"Straße privat": "street_home", "Ort privat": "city_home", "Region privat": "state_home",
	"Bundesland/Kanton privat": "state_home", "Postleitzahl privat": "postal_code_home",
	"Land privat": "country_home", "Land/Region privat": "country_home",
	"Weitere Straße": "street_other", "Weiterer Ort": "city_other", "Weitere Region": "state_other",
	"Weiteres/r Bundesland/Kanton": "state_other", "Weitere Postleitzahl": "postal_code_other",
	"Weiteres Land": "country_other", "Weiteres/e Land/Region": "country_other",
	"Telefon Assistent": "telephone_assistant", "Fax geschäftlich": "fax_business",
	"Telefon geschäftlich": "telephone_business1", "Telefon geschäftlich 2": "telephone_business2",
	"Rückmeldung": "telephone_callback", "Autotelefon": "telephone_car", "Telefon Firma": "telephone_company",
	"Fax privat": "fax_home", "Telefon privat": "telephone_home1", "Telefon privat 2": "telephone_home2",
	"ISDN": "telephone_isdn", "Mobiltelefon": "cellular_telephone1", "Weiteres Fax": "fax_other",
	"Weiteres Telefon": "telephone_other", "Pager": "telephone_pager", "Haupttelefon": "telephone_primary",
	"Mobiltelefon 2": "telephone_radio", "Telex": "telephone_telex", "Telefon für Hörbehinderte": "telephone_ttytdd",
	"E-Mail-Adresse": "email1", "E-Mail 2: Adresse": "email2", "E-Mail 3: Adresse": "email3",
	"Geburtstag": "birthday", "Jahrestag": "anniversary", "Kategorien": "categories", "Partner": "spouse_name",
	"Vertraulichkeit": "private_flag", "Kinder": "number_of_children", "Name Assistent": "assistant_name",
	"Notizen": "note", "Organisations-Nr.": "commercial_register", "Webseite": "url", "Beruf": "profession",
	"Name des/der Vorgesetzten": "manager_name", "Büro": "room_number",
}

var outlookFR = map[string]string{
	"Titre": "title", "Prénom": "first_name", "Deuxième prénom": "second_name", "Nom": "last_name",
	"Suffixe": "suffix", "Société": "company", "Service": "department", "Fonction": "position",
	"Rue (bureau)": "street_business", "Ville (bureau)": "city_business", "Dép/Région (bureau)": "state_business",
	"Code postal (bureau)": "postal_code_business", "Pays (bureau)": "country_business",
	"Pays/Région (bureau)": "country_business",
	"Rue (domicile)":       "street_home", "Ville (domicile)": "city_home", "Dép/Région (domicile)": "state_home",
	"Code postal (domicile)": "postal_code_home", "Pays (domicile)": "country_home",
	"Pays/Région (domicile)": "country_home",
	"Rue (autre)":            "street_other", "Ville (autre)": "city_other", "Dép/Région (autre)": "state_other",
	"Code postal (autre)": "postal_code_other", "Pays (autre)": "country_other", "Pays/Région (autre)": "country_other",
	"Téléphone de l'assistant(e)": "telephone_assistant", "Télécopie (bureau)": "fax_business",
	"Téléphone (bureau)": "telephone_business1", "Téléphone 2 (bureau)": "telephone_business2",
	"Rappel": "telephone_callback", "Téléphone (voiture)": "telephone_car", "Téléphone société": "telephone_company",
	"Télécopie (domicile)": "fax_home", "Téléphone (domicile)": "telephone_home1",
	"Téléphone 2 (domicile)": "telephone_home2", "RNIS": "telephone_isdn", "Tél. mobile": "cellular_telephone1",
	"Télécopie (autre)": "fax_other", "Téléphone (autre)": "telephone_other",
	"Récepteur de radiomessagerie": "telephone_pager", "Téléphone principal": "telephone_primary",
	"Radio téléphone": "telephone_radio", "Téléphone TDD/TTY": "telephone_ttytdd", "Télex": "telephone_telex",
	"Adresse de messagerie": "email1", "Adresse de messagerie 2": "email2", "Adresse de messagerie 3": "email3",
	"Anniversaire": "birthday", "Anniversaire de mariage ou fête": "anniversary", "Catégories": "categories",
	"Conjoint(e)": "spouse_name", "Critère de diffusion": "private_flag", "Enfants": "number_of_children",
	"Nom de l'assistant(e)": "assistant_name", "Notes": "note",
	"Numéro d'identification de l'organisation": "commercial_register", "Page Web": "url",
	"Profession": "profession", "Responsable": "manager_name", "Bureau": "room_number",
}

// addStreetLines adds Outlook's further street lines ("<field>+<n>"
// continues <field>).
func addStreetLines() {
	for _, x := range []struct {
		m       map[string]string
		b, h, o string
	}{
		{outlookEN, "Business Street %d", "Home Street %d", "Other Street %d"},
		{outlookDE, "Straße geschäftlich %d", "Straße privat %d", "Weitere Straße %d"},
		{outlookFR, "Rue (bureau) %d", "Rue (domicile) %d", "Rue (autre) %d"},
	} {
		for n := 2; n <= 3; n++ {
			x.m[fmt.Sprintf(x.b, n)] = fmt.Sprintf("street_business+%d", n)
			x.m[fmt.Sprintf(x.h, n)] = fmt.Sprintf("street_home+%d", n)
			x.m[fmt.Sprintf(x.o, n)] = fmt.Sprintf("street_other+%d", n)
		}
	}
}
