package ui

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanShowsControlsAsVisibleText(t *testing.T) {
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
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "plain", "Eve \x1b[2J\x1b[31mRed", "\x1b]52;c;eA==\a",
		"\u202e\u2066", "\xff\xfe", "a\u009bb", "日本\r\n\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := clean(s)
		if !utf8.ValidString(out) {
			t.Fatalf("clean(%q) = %q is not valid UTF-8", s, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidiControl(r) {
				t.Fatalf("clean(%q) = %q still holds %U", s, out, r)
			}
		}
		if again := clean(out); again != out {
			t.Fatalf("clean is not stable: %q then %q", out, again)
		}
		if isPlain(s) && out != s {
			t.Fatalf("plain %q changed to %q", s, out)
		}
		if strings.ContainsRune(out, '\x1b') {
			t.Fatalf("an escape survived in %q", out)
		}
	})
}

func TestFilterMatchesWhatAUserMeans(t *testing.T) {
	cases := []struct {
		query, cell string
		want        bool
	}{
		{"smi", "Jane Smith", true},
		{"jsmith", "Jane Smith", true},
		{"jasmi", "Jane Smith", true},
		{"jane", "Jane Smith", true},
		{"acme", "Acme Corp", true},
		{"acme", "Arcadia Media", false},
		{"cto", "Cobalt Robotics", false},
		{"cto", "CTO", true},
		{"bio", "Tyler Brooks, Sophie Jones", false},
		{"health", "Healthcare Partners", true},
		{"x", "Apex Vertex", false},
		{"jose", fold("José Álvarez"), true},
		{"alvarez", fold("José Álvarez"), true},
		{"lodz", fold("Łódź Logistics"), true},
		{"muller", fold("Jürgen Müller"), true},
		{"山田", "山田 太郎", true},
		{"85", "85.5", true},
	}
	for _, c := range cases {
		if got := subsequence(fold(c.query), fold(c.cell)); got != c.want {
			t.Errorf("%q in %q: %v, want %v", c.query, c.cell, got, c.want)
		}
	}
}
