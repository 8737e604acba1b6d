package termtext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLineShowsControlsAsVisibleText(t *testing.T) {
	cases := map[string]string{
		"plain":                            "plain",
		"Zoë 山田 🚀 محمد":                    "Zoë 山田 🚀 محمد",
		"Mallory\rOverwritten\b\b":         "Mallory␍Overwritten␈␈",
		"Eve \x1b[2J\x1b[31mRed\x1b[0m":    "Eve ␛[2J␛[31mRed␛[0m",
		"CTO\x1b]52;c;ZWNobw==\a":          "CTO␛]52;c;ZWNobw==␇",
		"line one\nline two\tTabbed":       "line one⏎line two Tabbed",
		"\u202eevil\u202c \u2066x\u2069":   "evil x",
		"csi8\u009b31m":                    "csi8\uFFFD31m",
		"bad \xff\xfe utf8":                "bad \uFFFD\uFFFD utf8",
		"del\x7f":                          "del␡",
		"\x1b]8;;https://evil.example/\a.": "␛]8;;https://evil.example/␇.",
	}
	for in, want := range cases {
		if got := Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"", "plain", "Eve \x1b[2J\x1b[31mRed", "\x1b]52;c;eA==\a",
		"\u202e\u2066", "\xff\xfe", "a\u009bb", "日本\r\n\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Line(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Line(%q) = %q is not valid UTF-8", s, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || IsBidiControl(r) {
				t.Fatalf("Line(%q) = %q still holds %U", s, out, r)
			}
		}
		if again := Line(out); again != out {
			t.Fatalf("clean is not stable: %q then %q", out, again)
		}
		if isPlain(s, false) && out != s {
			t.Fatalf("plain %q changed to %q", s, out)
		}
		if strings.ContainsRune(out, '\x1b') {
			t.Fatalf("an escape survived in %q", out)
		}
	})
}

func TestBlockKeepsLayout(t *testing.T) {
	if got := Block("a\tb\nc\rd\x1b[2J"); got != "a\tb\nc␍d␛[2J" {
		t.Errorf("Block = %q", got)
	}
}
