// Package termtext makes text from a payload safe to write to a terminal.
// The sender is a stranger on the internet: a name may hold a clear-screen
// sequence, an OSC 52 clipboard write or an OSC 8 link. Rather than hide
// such bytes, they become printable look-alikes (ESC becomes ␛, CR becomes
// ␍), so that the user sees something odd was sent while the terminal stays
// untouched. Bidirectional overrides are dropped so that they cannot reorder
// the text around them, and invalid UTF-8 shows as �.
package termtext

import (
	"strings"
	"unicode/utf8"
)

// Line makes s safe to draw on one line: tabs become spaces and newlines ⏎.
func Line(s string) string { return clean(s, false) }

// Block makes s safe to print while keeping its tabs and newlines, for text
// that is shown over several lines or quoted, as in CSV.
func Block(s string) string { return clean(s, true) }

func clean(s string, keepLayout bool) string {
	if isPlain(s, keepLayout) {
		return s
	}

	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case keepLayout && (r == '\t' || r == '\n'):
			b.WriteRune(r)
		case r == '\t':
			b.WriteByte(' ')
		case r == '\n':
			b.WriteRune('⏎')
		case r < 0x20:
			b.WriteRune(0x2400 + r) // the Control Pictures block mirrors C0
		case r == 0x7f:
			b.WriteRune('␡')
		case r >= 0x80 && r < 0xa0:
			b.WriteRune(utf8.RuneError) // C1 controls: 0x9b is CSI on some terminals
		case IsBidiControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain reports whether s needs no cleaning, so that the common case
// allocates nothing.
func isPlain(s string, keepLayout bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == 0x7f || (c < 0x20 && !(keepLayout && (c == '\t' || c == '\n'))) {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r < 0xa0 || IsBidiControl(r) {
			return false
		}
		i += size
	}
	return true
}

// IsBidiControl reports the invisible characters that change the direction
// of the text around them (the "Trojan Source" characters). Right-to-left
// letters themselves are kept.
func IsBidiControl(r rune) bool {
	switch {
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}
