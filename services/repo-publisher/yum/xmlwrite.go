package yum

import (
	"strconv"
	"unicode/utf8"
)

// xw appends XML to a byte slice; it is much faster than encoding/xml for
// the flat, fixed shapes of repodata.
type xw struct{ b []byte }

func (w *xw) raw(s string) { w.b = append(w.b, s...) }

// text appends s escaped as character data.
func (w *xw) text(s string) { w.b = appendEscaped(w.b, s, false) }

// attr appends ` name="value"`.
func (w *xw) attr(name, value string) {
	w.b = append(w.b, ' ')
	w.b = append(w.b, name...)
	w.b = append(w.b, '=', '"')
	w.b = appendEscaped(w.b, value, true)
	w.b = append(w.b, '"')
}

func (w *xw) attrInt(name string, v int64) {
	w.b = append(w.b, ' ')
	w.b = append(w.b, name...)
	w.b = append(w.b, '=', '"')
	w.b = strconv.AppendInt(w.b, v, 10)
	w.b = append(w.b, '"')
}

func (w *xw) attrUint(name string, v uint64) {
	w.b = append(w.b, ' ')
	w.b = append(w.b, name...)
	w.b = append(w.b, '=', '"')
	w.b = strconv.AppendUint(w.b, v, 10)
	w.b = append(w.b, '"')
}

// elem appends <name>text</name> with the given indent.
func (w *xw) elem(indent, name, text string) {
	w.b = append(w.b, indent...)
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	if text == "" {
		w.b = append(w.b, '/', '>', '\n')
		return
	}
	w.b = append(w.b, '>')
	w.b = appendEscaped(w.b, text, false)
	w.b = append(w.b, '<', '/')
	w.b = append(w.b, name...)
	w.b = append(w.b, '>', '\n')
}

// appendEscaped escapes markup characters, keeps newlines and tabs in
// attributes as character references (attribute value normalization would
// turn them into spaces), replaces invalid UTF-8 with U+FFFD and drops
// characters XML 1.0 does not allow.
func appendEscaped(b []byte, s string, inAttr bool) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '&' && c != '<' && c != '>' && c != '"' {
			i++
			continue
		}
		var rep string
		width := 1
		switch {
		case c == '&':
			rep = "&amp;"
		case c == '<':
			rep = "&lt;"
		case c == '>':
			rep = "&gt;"
		case c == '"':
			if !inAttr {
				i++
				continue
			}
			rep = "&quot;"
		case c == '\n' || c == '\t':
			if !inAttr {
				i++
				continue
			}
			rep = "&#9;"
			if c == '\n' {
				rep = "&#10;"
			}
		case c == '\r':
			rep = "&#13;"
		case c < 0x20:
			rep = "" // not allowed in XML 1.0
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			width = n
			switch {
			case r == utf8.RuneError && n == 1:
				rep = "\uFFFD"
			case r == 0xFFFE || r == 0xFFFF:
				rep = ""
			default:
				i += n
				continue
			}
		}
		b = append(b, s[start:i]...)
		b = append(b, rep...)
		i += width
		start = i
	}
	return append(b, s[start:]...)
}
