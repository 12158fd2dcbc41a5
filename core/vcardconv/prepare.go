package vcardconv

import (
	"io"
	"mime/quotedprintable"
	"strings"

	"oxlite/core/textenc"
)

// go-vcard parses vCard 3.0 and 4.0 but neither vCard 2.1's bare
// parameters ("TEL;HOME;VOICE:"), QUOTED-PRINTABLE values with their soft
// line breaks and CHARSET, nor the escapes "\;", "\:" and "\N". It also
// reads a second BEGIN:VCARD as a property of the card before it. This
// pre-pass therefore splits the file into cards and rewrites each content
// line into the subset go-vcard reads unambiguously; go-vcard still does
// the parsing of every card.

// escSemi stands for an escaped ";" ("\;") until the value is split into
// its components: go-vcard splits structured values on every ";".
const escSemi = "\uE000"

// chunk is the text of one card, ready for go-vcard, and where it began.
type chunk struct {
	text   string
	line   int
	broken string // why the card cannot be read ("" when it can)
}

type logicalLine struct {
	text string
	line int
}

// splitCards finds the cards of a file. found is false when the file has
// no BEGIN:VCARD at all.
func splitCards(data []byte) (cards []chunk, found bool) {
	text := textenc.Auto(data, textenc.CP1252)
	text = strings.ReplaceAll(text, escSemi, "\uFFFD")
	var cur *strings.Builder
	start := 0
	for _, l := range logicalLines(text) {
		name, value, ok := nameAndValue(l.text)
		if !ok {
			continue
		}
		switch {
		case name == "BEGIN" && strings.EqualFold(strings.TrimSpace(value), "VCARD"):
			found = true
			if cur != nil {
				cards = append(cards, chunk{line: start, broken: "the card has no END:VCARD"})
			}
			cur, start = &strings.Builder{}, l.line
			cur.WriteString("BEGIN:VCARD\r\n")
		case name == "END" && strings.EqualFold(strings.TrimSpace(value), "VCARD"):
			if cur != nil {
				cur.WriteString("END:VCARD\r\n")
				cards = append(cards, chunk{text: cur.String(), line: start})
				cur = nil
			}
		case cur != nil:
			if n := normalizeLine(l.text); n != "" {
				cur.WriteString(n)
				cur.WriteString("\r\n")
			}
		}
	}
	if cur != nil {
		cards = append(cards, chunk{line: start, broken: "the card has no END:VCARD"})
	}
	return cards, found
}

// logicalLines unfolds continuation lines (leading blank or tab) and
// QUOTED-PRINTABLE soft line breaks (a value ending in "=").
func logicalLines(text string) []logicalLine {
	sep := "\n"
	if !strings.Contains(text, "\n") {
		sep = "\r" // classic Mac OS line ends
	}
	phys := strings.Split(text, sep)
	var out []logicalLine
	for i := 0; i < len(phys); i++ {
		cur := strings.TrimSuffix(phys[i], "\r")
		startLine := i + 1
		qp := isQuotedPrintable(cur)
		for i+1 < len(phys) {
			next := strings.TrimSuffix(phys[i+1], "\r")
			switch {
			case qp && strings.HasSuffix(cur, "="):
				// The soft break stays for the QP decoder to remove.
				cur += "\r\n" + next
			case next != "" && (next[0] == ' ' || next[0] == '\t'):
				cur += next[1:]
			default:
				goto done
			}
			i++
		}
	done:
		cur = strings.TrimLeft(cur, " \t")
		if cur != "" {
			out = append(out, logicalLine{text: cur, line: startLine})
		}
	}
	return out
}

// split cuts a content line into the part before the value (name and
// parameters) and the value, at the first colon outside double quotes.
func split(l string) (head, value string, ok bool) {
	inQuote := false
	for i := 0; i < len(l); i++ {
		switch l[i] {
		case '"':
			// Quotes only matter among the parameters.
			if strings.IndexByte(l[:i], ';') >= 0 {
				inQuote = !inQuote
			}
		case ':':
			if !inQuote {
				return l[:i], l[i+1:], true
			}
		}
	}
	return "", "", false
}

// nameAndValue returns the upper-case property name (without group) and
// the raw value.
func nameAndValue(l string) (name, value string, ok bool) {
	head, value, ok := split(l)
	if !ok {
		return "", "", false
	}
	name = head
	if i := strings.IndexByte(name, ';'); i >= 0 {
		name = name[:i]
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return strings.ToUpper(strings.TrimSpace(name)), value, true
}

func isQuotedPrintable(l string) bool {
	head, _, ok := split(l)
	if !ok {
		// The first physical line of a QP value always has its colon.
		return false
	}
	return strings.Contains(strings.ToUpper(head), "QUOTED-PRINTABLE")
}

// splitParams splits "NAME;P1;P2" on semicolons outside double quotes.
func splitParams(head string) []string {
	var parts []string
	inQuote, last := false, 0
	for i := 0; i < len(head); i++ {
		switch head[i] {
		case '"':
			inQuote = !inQuote
		case ';':
			if !inQuote {
				parts = append(parts, head[last:i])
				last = i + 1
			}
		}
	}
	return append(parts, head[last:])
}

// normalizeLine rewrites one content line for go-vcard: bare parameters
// become TYPE=…, ENCODING and CHARSET are applied and dropped (BASE64
// stays, as ENCODING=b), and the value's escapes are made canonical.
func normalizeLine(l string) string {
	head, value, ok := split(l)
	if !ok {
		return ""
	}
	parts := splitParams(head)
	name := strings.TrimSpace(parts[0])
	if name == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(name)
	qp, charset := false, ""
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, v, hasEq := strings.Cut(p, "=")
		if !hasEq {
			switch strings.ToUpper(p) {
			case "QUOTED-PRINTABLE":
				qp = true
			case "BASE64", "B":
				b.WriteString(";ENCODING=b")
			case "8BIT", "7BIT":
			default:
				b.WriteString(";TYPE=" + p)
			}
			continue
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		switch k {
		case "ENCODING":
			switch strings.ToUpper(strings.Trim(strings.TrimSpace(v), `"`)) {
			case "QUOTED-PRINTABLE":
				qp = true
			case "BASE64", "B":
				b.WriteString(";ENCODING=b")
			}
		case "CHARSET":
			charset = strings.Trim(strings.TrimSpace(v), `"`)
		case "":
		default:
			b.WriteString(";" + k + "=" + v)
		}
	}
	if qp {
		value = decodeQP(value, charset)
	}
	b.WriteByte(':')
	b.WriteString(canonicalValue(value))
	return b.String()
}

// decodeQP decodes a QUOTED-PRINTABLE value in charset (UTF-8 or, failing
// that, CP-1252 when none is named).
func decodeQP(v, charset string) string {
	raw, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(v)))
	if err != nil {
		return v
	}
	if enc, ok := textenc.Lookup(charset); ok && charset != "" {
		if s, err := textenc.Decode(raw, enc); err == nil {
			return s
		}
	}
	return textenc.Auto(raw, textenc.CP1252)
}

// canonicalValue rewrites a value's escapes into those go-vcard decodes
// (\\, \n, \,): "\N" becomes "\n", "\:" a colon, "\;" the placeholder
// escSemi, line breaks "\n", and a backslash before anything else stays a
// literal backslash.
func canonicalValue(v string) string {
	if !strings.ContainsAny(v, "\\\r\n") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch c {
		case '\\':
			if i+1 == len(v) {
				b.WriteString(`\\`)
				continue
			}
			i++
			switch n := v[i]; n {
			case '\\':
				b.WriteString(`\\`)
			case 'n', 'N':
				b.WriteString(`\n`)
			case ',':
				b.WriteString(`\,`)
			case ';':
				b.WriteString(escSemi)
			case ':':
				b.WriteByte(':')
			default:
				b.WriteString(`\\`)
				i-- // the next character is read on its own
			}
		case '\r':
			b.WriteString(`\n`)
			if i+1 < len(v) && v[i+1] == '\n' {
				i++
			}
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
