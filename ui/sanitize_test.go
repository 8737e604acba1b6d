package ui

import "testing"

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
