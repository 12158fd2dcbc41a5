// Package csvconv reads and writes contacts as CSV: the OX format with the
// column titles of the spec's contact table, and the contact exports of
// English, French and German Outlook (CP-1252 by default). Contacts are
// maps with the wire names of ContactData. The package imports no storage
// so the import path can be fuzzed cheaply.
package csvconv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding"

	"oxlite/core/textenc"
)

// Contact is a contact object with ContactData's wire field names.
type Contact = map[string]any

// Format selects the column titles a file is read with.
type Format int

const (
	// OX is the format of export?action=CSV (spec lines 153–192).
	OX Format = iota
	// Outlook is an English, French or German Outlook contact export.
	Outlook
)

// Row is one data line of a file.
type Row struct {
	Contact Contact
	// Line is where the record begins in the file (1-based).
	Line int
	// Err tells why the line gives no contact; Contact is nil then.
	Err error
}

var (
	// ErrNoColumns means no column title of the first line is known.
	ErrNoColumns = errors.New("csvconv: no known column title in the first line")
	// ErrEmpty means the file has no first line.
	ErrEmpty = errors.New("csvconv: empty file")
)

// ColumnCountError is a line with more fields than the first line has titles.
type ColumnCountError struct {
	Line, Fields, Titles int
}

func (e *ColumnCountError) Error() string {
	return fmt.Sprintf("line %d has %d fields but the first line has %d column titles", e.Line, e.Fields, e.Titles)
}

// NoNameError is a line without any field a contact can be named by.
type NoNameError struct{ Line int }

func (e *NoNameError) Error() string {
	return fmt.Sprintf("line %d has no name, company or e-mail address", e.Line)
}

var (
	byTitle   = map[Format]map[string]string{OX: {}, Outlook: {}}
	lang      = map[string]string{} // normalized Outlook title → en, fr, de
	kindOf    = map[string]Kind{}
	namingSet = []string{"display_name", "first_name", "last_name", "company", "email1", "email2", "email3"}
)

func norm(title string) string {
	return strings.ToLower(strings.Join(strings.Fields(title), " "))
}

func init() {
	addStreetLines()
	for _, c := range OXColumns {
		kindOf[c.Field] = c.Kind
		if c.Kind != ReadOnly {
			byTitle[OX][norm(c.Title)] = c.Field
			// The reference server also reads the JSON field names.
			byTitle[OX][norm(c.Field)] = c.Field
		}
	}
	for t, f := range oxAliases {
		byTitle[OX][norm(t)] = f
	}
	kindOf["categories"] = Categories
	kindOf["private_flag"] = Flag
	for l, m := range map[string]map[string]string{"en": outlookEN, "fr": outlookFR, "de": outlookDE} {
		for t, f := range m {
			byTitle[Outlook][norm(t)] = f
			if _, dup := lang[norm(t)]; !dup || l == "en" {
				lang[norm(t)] = l
			}
		}
	}
}

// Decode reads a CSV file. enc is the declared character set; nil reads
// UTF-8 when the data is valid UTF-8 (or has a byte-order mark) and
// CP-1252 otherwise. Lines that give no contact are returned with Err set;
// lines without any text are left out.
func Decode(data []byte, f Format, enc encoding.Encoding) ([]Row, error) {
	var text string
	if enc == nil {
		text = textenc.Auto(data, textenc.CP1252)
	} else {
		var err error
		if text, err = textenc.Decode(data, enc); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(text) == "" {
		return nil, ErrEmpty
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = delimiter(text)
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, ErrEmpty
	}
	fields := make([]string, len(header))
	known, votes := 0, map[string]int{}
	for i, t := range header {
		fields[i] = byTitle[f][norm(t)]
		if fields[i] != "" {
			known++
			votes[lang[norm(t)]]++
		}
	}
	if known == 0 {
		return nil, ErrNoColumns
	}
	dayFirst := f == Outlook && votes["fr"] > votes["en"] && votes["fr"] >= votes["de"]
	var rows []Row
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// LazyQuotes leaves only reader failures; the rest of the
			// text cannot be split into lines any more.
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			rows = append(rows, Row{Line: line, Err: err})
			break
		}
		line, _ := r.FieldPos(0)
		if blank(rec) {
			continue
		}
		if len(rec) > len(header) {
			rows = append(rows, Row{Line: line, Err: &ColumnCountError{line, len(rec), len(header)}})
			continue
		}
		c := Contact{}
		streets := map[string][]string{}
		for i, v := range rec {
			field := fields[i]
			if field == "" {
				continue
			}
			if base, n, ok := strings.Cut(field, "+"); ok {
				// Outlook's "Business Street 2"/"3" continue the street.
				if v = strings.TrimSpace(v); v != "" {
					streets[base] = append(streets[base], n+"\x00"+v)
				}
				continue
			}
			if _, dup := c[field]; dup {
				continue
			}
			if x, ok := parse(field, v, f, dayFirst); ok {
				c[field] = x
			}
		}
		for base, extra := range streets {
			sort.Strings(extra)
			lines := []string{}
			if s, ok := c[base].(string); ok {
				lines = append(lines, s)
			}
			for _, e := range extra {
				_, v, _ := strings.Cut(e, "\x00")
				lines = append(lines, strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n"))
			}
			c[base] = strings.Join(lines, "\n")
		}
		named := false
		for _, k := range namingSet {
			if _, ok := c[k]; ok {
				named = true
			}
		}
		if !named {
			rows = append(rows, Row{Line: line, Err: &NoNameError{line}})
			continue
		}
		rows = append(rows, Row{Contact: c, Line: line})
	}
	return rows, nil
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// delimiter picks the most frequent of comma, semicolon and tab outside
// quotes in the first line (the spec allows any delimiter, L3517).
func delimiter(text string) rune {
	counts := map[rune]int{}
	inQuote := false
	for _, r := range text {
		if r == '"' {
			inQuote = !inQuote
			continue
		}
		if inQuote {
			continue
		}
		if r == '\n' || r == '\r' {
			break
		}
		counts[r]++
	}
	best := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

var sensitive = map[string]bool{"private": true, "privat": true, "privé": true, "prive": true,
	"confidential": true, "vertraulich": true, "confidentiel": true}

// parse reads one field value; ok is false when the field stays unset.
func parse(field, v string, f Format, dayFirst bool) (any, bool) {
	v = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n"))
	if v == "" {
		return nil, false
	}
	switch kindOf[field] {
	case Date:
		return parseDate(v, dayFirst)
	case Number:
		n, err := strconv.ParseInt(v, 10, 32)
		return n, err == nil
	case Flag:
		if sensitive[strings.ToLower(v)] {
			return true, true
		}
		return nil, false
	case Categories:
		if f == Outlook {
			var cats []string
			for _, c := range strings.Split(v, ";") {
				if c = strings.TrimSpace(c); c != "" {
					cats = append(cats, c)
				}
			}
			v = strings.Join(cats, ",")
		}
		return v, v != ""
	}
	if strings.HasPrefix(field, "email") && !strings.Contains(v, "@") {
		// Outlook writes Exchange addresses ("/o=…/cn=…") there.
		return nil, false
	}
	return v, true
}

// parseDate reads YYYY-MM-DD, D.M.YYYY, M/D/YYYY (D/M/YYYY for French
// Outlook) and plain milliseconds; Outlook's "0/0/00" for "no date" fails.
func parseDate(v string, dayFirst bool) (int64, bool) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && len(v) > 8 {
		if n < -62135596800000 || n > 253402300799999 {
			return 0, false
		}
		return floorDay(n), true
	}
	if i := strings.IndexAny(v, " T"); i > 0 {
		v = v[:i] // Outlook may add a time
	}
	var y, m, d int
	var ys string
	switch {
	case strings.Count(v, "-") == 2:
		p := strings.Split(v, "-")
		ys, m, d = p[0], atoi(p[1]), atoi(p[2])
	case strings.Count(v, ".") == 2:
		p := strings.Split(v, ".")
		d, m, ys = atoi(p[0]), atoi(p[1]), p[2]
	case strings.Count(v, "/") == 2:
		p := strings.Split(v, "/")
		m, d, ys = atoi(p[0]), atoi(p[1]), p[2]
		if dayFirst {
			m, d = d, m
		}
	default:
		return 0, false
	}
	ys = strings.TrimSpace(ys)
	y = atoi(ys)
	if y < 0 || m < 1 || m > 12 || d < 1 || d > 31 {
		return 0, false
	}
	if len(ys) <= 2 {
		// Two-digit years: 00–29 are 2000–2029, the rest 1930–1999.
		if y < 30 {
			y += 2000
		} else {
			y += 1900
		}
	}
	if y > 9999 {
		return 0, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return 0, false
	}
	return t.UnixMilli(), true
}

func floorDay(ms int64) int64 {
	const day = 86400000
	d := ms / day * day
	if ms < 0 && ms%day != 0 {
		d -= day
	}
	return d
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n > 1e6 || n < 0 {
		return -1
	}
	return n
}

// ColumnsByID selects export columns by id in the given order, ignoring
// ids without a CSV title; an empty result falls back to OXColumns.
func ColumnsByID(ids []int) []Column {
	byID := map[int]Column{}
	for _, c := range OXColumns {
		byID[c.ID] = c
	}
	var out []Column
	seen := map[int]bool{}
	for _, id := range ids {
		if c, ok := byID[id]; ok && !seen[id] {
			out = append(out, c)
			seen[id] = true
		}
	}
	if len(out) == 0 {
		return OXColumns
	}
	return out
}

// Encode writes contacts in the OX CSV format: a title line, then one line
// per contact, comma-separated, UTF-8.
func Encode(w io.Writer, contacts []Contact, cols []Column) error {
	if len(cols) == 0 {
		cols = OXColumns
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	rec := make([]string, len(cols))
	for i, c := range cols {
		rec[i] = c.Title
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for _, ct := range contacts {
		for i, c := range cols {
			rec[i] = format(ct[c.Field], c.Kind)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// EncodeBytes is Encode into memory.
func EncodeBytes(contacts []Contact, cols []Column) ([]byte, error) {
	var b bytes.Buffer
	err := Encode(&b, contacts, cols)
	return b.Bytes(), err
}

func format(v any, k Kind) string {
	if k == Date {
		if ms, ok := toInt(v); ok {
			return time.UnixMilli(ms).UTC().Format("2006-01-02")
		}
		return ""
	}
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	if n, ok := toInt(v); ok {
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprint(v)
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<62 {
			return int64(n), true
		}
	case interface{ Int64() (int64, error) }:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}
