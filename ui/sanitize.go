package ui

import (
	"strings"
	"unicode/utf8"
)

// clean makes a string from a payload safe to draw on one line. The sender
// is a stranger on the internet: a name may hold a clear-screen sequence, an
// OSC 52 clipboard write or an OSC 8 link. Rather than hide such bytes, they
// are turned into printable look-alikes (ESC becomes ␛, CR becomes ␍) so the
// user sees that something odd was sent while the terminal stays untouched.
// Tabs become spaces, newlines become ⏎, bidirectional overrides are
// dropped so they cannot reorder the text around them, and invalid UTF-8 is
// shown as �.
func clean(s string) string {
	if isPlain(s) {
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
		case isBidiControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain reports whether s needs no cleaning, so that the common case
// allocates nothing.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c >= 0x80 {
			return isPlainUnicode(s[i:])
		}
	}
	return true
}

func isPlainUnicode(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidiControl(r) {
			return false
		}
		if r == utf8.RuneError && size == 1 {
			return false
		}
	}
	return true
}

// isBidiControl reports the invisible characters that change the direction
// of the text around them (the "Trojan Source" characters). Right-to-left
// letters themselves are kept.
func isBidiControl(r rune) bool {
	switch {
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}
