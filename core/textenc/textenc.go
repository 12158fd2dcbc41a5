// Package textenc turns uploaded bytes into UTF-8 text: byte-order marks,
// named character sets (the `charset` parameter of the CSV imports, the
// CHARSET parameter of vCard 2.1 properties) and the CP-1252 fallback for
// files that are not UTF-8. It carries only the single-byte tables and
// UTF-16, not the CJK tables, to keep the browser build small.
package textenc

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// UTF8 stands for "no conversion" in Lookup's answer.
var UTF8 encoding.Encoding = unicode.UTF8

// CP1252 is Windows' default Western encoding (Outlook's CSV exports).
var CP1252 encoding.Encoding = charmap.Windows1252

var byName = func() map[string]encoding.Encoding {
	m := map[string]encoding.Encoding{
		"utf8":    unicode.UTF8,
		"utf16":   unicode.UTF16(unicode.BigEndian, unicode.UseBOM),
		"utf16be": unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
		"utf16le": unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM),
		// ASCII files are valid in any superset; CP-1252 also keeps the
		// bytes above 127 that mislabelled files carry.
		"ascii":   charmap.Windows1252,
		"usascii": charmap.Windows1252,
		"latin1":  charmap.ISO8859_1,
		"l1":      charmap.ISO8859_1,
		"latin9":  charmap.ISO8859_15,
		"ansi":    charmap.Windows1252,
		"mac":     charmap.Macintosh,
	}
	for _, e := range charmap.All {
		cm, ok := e.(*charmap.Charmap)
		if !ok {
			continue
		}
		key := normalize(cm.String())
		m[key] = cm
		// "IBM Code Page 437" is "cp437"/"ibm437", "Windows 1252" is "cp1252".
		if n, ok := strings.CutPrefix(key, "ibmcodepage"); ok {
			m["cp"+n], m["ibm"+n] = cm, cm
		}
		if n, ok := strings.CutPrefix(key, "windows"); ok {
			m["cp"+n] = cm
		}
	}
	return m
}()

func normalize(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Lookup finds a character set by its IANA name or a common alias
// ("UTF-8", "ISO-8859-15", "windows-1252", "cp1252", "latin1").
func Lookup(name string) (encoding.Encoding, bool) {
	e, ok := byName[normalize(name)]
	return e, ok
}

// Decode converts data in enc to UTF-8; a leading byte-order mark is
// dropped. Bytes that enc cannot map become U+FFFD.
func Decode(data []byte, enc encoding.Encoding) (string, error) {
	if enc == nil || enc == unicode.UTF8 {
		data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
		return strings.ToValidUTF8(string(data), "\uFFFD"), nil
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return "", fmt.Errorf("textenc: %w", err)
	}
	return strings.TrimPrefix(string(out), "\uFEFF"), nil
}

// Auto decodes data whose encoding is not declared: a UTF-8 or UTF-16
// byte-order mark decides, then valid UTF-8 is taken as such and anything
// else is read as fallback (CP-1252 when nil).
func Auto(data []byte, fallback encoding.Encoding) string {
	switch {
	case bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")):
		s, _ := Decode(data[3:], unicode.UTF8)
		return s
	case bytes.HasPrefix(data, []byte("\xFF\xFE")):
		s, err := Decode(data[2:], unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM))
		if err == nil {
			return s
		}
	case bytes.HasPrefix(data, []byte("\xFE\xFF")):
		s, err := Decode(data[2:], unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM))
		if err == nil {
			return s
		}
	}
	if utf8.Valid(data) {
		return string(data)
	}
	if fallback == nil {
		fallback = charmap.Windows1252
	}
	s, err := Decode(data, fallback)
	if err != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	return s
}

// IsUTF8 reports whether enc is UTF-8.
func IsUTF8(enc encoding.Encoding) bool { return enc == unicode.UTF8 }
