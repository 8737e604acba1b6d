package export_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clustr/clustr-explorer/export"
	"github.com/clustr/clustr-explorer/model"
)

// written is t as format f writes it.
func written(t *testing.T, table export.Table, f export.Format) string {
	t.Helper()
	var b bytes.Buffer
	if err := table.Write(&b, f); err != nil {
		t.Fatalf("write %s: %v", f, err)
	}
	return b.String()
}

// readCSV reads CSV as a spreadsheet would, header first.
func readCSV(t *testing.T, text string) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil {
		t.Fatalf("CSV does not read back: %v\n%s", err, text)
	}
	return records
}

// column is the cells of the named column of a CSV table, header excluded.
func column(t *testing.T, records [][]string, name string) []string {
	t.Helper()
	at := slices.Index(records[0], name)
	if at < 0 {
		t.Fatalf("no column %q in %q", name, records[0])
	}
	var cells []string
	for _, row := range records[1:] {
		cells = append(cells, row[at])
	}
	return cells
}

// TestCSVQuoting checks that cells holding commas, quotes, line breaks and
// leading spaces are quoted, and read back as they were.
func TestCSVQuoting(t *testing.T) {
	cells := []string{"Comma, Inc.", `Engineer, "Staff"`, "line one\nline two", " padded", "plain"}
	table := export.Table{Columns: []string{"a", "b", "c", "d", "e"}}
	row := make([]export.Cell, len(cells))
	for i, c := range cells {
		row[i] = export.Text(c)
	}
	table.Rows = [][]export.Cell{row}

	got := written(t, table, export.CSV)
	want := "a,b,c,d,e\n" +
		`"Comma, Inc.","Engineer, ""Staff""","line one` + "\n" + `line two"," padded",plain` + "\n"
	if got != want {
		t.Errorf("CSV\n%q\nwant\n%q", got, want)
	}
	if back := readCSV(t, got); !slices.Equal(back[1], cells) {
		t.Errorf("read back %q, want %q", back[1], cells)
	}
}

// TestCSVFormulaGuard checks that a text cell a spreadsheet would run as a
// formula is written with a leading quote, in CSV only, and that numbers,
// which we format, are left alone even when negative.
func TestCSVFormulaGuard(t *testing.T) {
	rows := []model.OpportunityRow{{
		Client:        "@SUM(1)",
		Prospect:      `=HYPERLINK("http://x")`,
		ProspectTitle: "+1 555 0100",
		Company:       "-minus",
		Industry:      "\tTabbed",
		SharedCompany: "a=b, not a formula",
		HasScore:      true,
		Score:         -5,
		OverlapMonths: -3,
	}}
	table := export.Opportunities(rows)

	text := written(t, table, export.CSV)
	if !strings.Contains(text, `"'=HYPERLINK(""http://x"")"`) {
		t.Errorf("the =HYPERLINK cell is not quoted and guarded:\n%s", text)
	}
	records := readCSV(t, text)
	for name, want := range map[string]string{
		"client":         "'@SUM(1)",
		"prospect":       `'=HYPERLINK("http://x")`,
		"prospect_title": "'+1 555 0100",
		"company":        "'-minus",
		"industry":       "'\tTabbed",
		"shared_company": "a=b, not a formula",
		"score":          "-5",
		"overlap_months": "-3",
	} {
		if got := column(t, records, name)[0]; got != want {
			t.Errorf("CSV %s: %q, want %q", name, got, want)
		}
	}

	// A list is guarded as the one cell it becomes.
	companies := export.Companies([]model.CompanyRow{{
		Company: "=CMD|' /C calc'!A0", Paths: 2, Clients: []string{"=1+1", "Bob"},
	}})
	records = readCSV(t, written(t, companies, export.CSV))
	if got := records[1]; got[0] != "'=CMD|' /C calc'!A0" || got[4] != "'=1+1; Bob" {
		t.Errorf("companies CSV row %q, want the company and clients guarded", got)
	}

	// JSON is data, not a spreadsheet: it keeps every string as sent.
	js := written(t, table, export.JSON)
	for _, want := range []string{
		`"client": "@SUM(1)"`, `"prospect": "=HYPERLINK(\"http://x\")"`,
		`"industry": "\tTabbed"`, `"score": -5`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("JSON lacks %s:\n%s", want, js)
		}
	}
}

// TestCSVControlCharacters checks that escape sequences, carriage returns
// and bytes that are not UTF-8 cannot reach a terminal through a CSV export,
// while JSON keeps them, escaped.
func TestCSVControlCharacters(t *testing.T) {
	table := export.Opportunities([]model.OpportunityRow{{
		Client:        "Mallory\rOverwritten",
		Prospect:      "Eve \x1b[2J\x1b]52;c;ZWNobw==\x07",
		ProspectTitle: "CSI\u009b31m",
		Company:       "bad \xff byte",
		Industry:      "tab\tand\nnewline",
	}})

	text := written(t, table, export.CSV)
	if strings.ContainsAny(text, "\x1b\x07\r\u009b") || !strings.Contains(text, "\t") {
		t.Errorf("CSV holds control characters, or lost its tab:\n%q", text)
	}
	records := readCSV(t, text)
	for name, want := range map[string]string{
		"client":         "Mallory␍Overwritten",
		"prospect":       "Eve ␛[2J␛]52;c;ZWNobw==␇",
		"prospect_title": "CSI�31m",
		"company":        "bad � byte",
		"industry":       "tab\tand\nnewline",
	} {
		if got := column(t, records, name)[0]; got != want {
			t.Errorf("CSV %s: %q, want %q", name, got, want)
		}
	}

	js := written(t, table, export.NDJSON)
	for _, want := range []string{
		`"client":"Mallory\rOverwritten"`, `"prospect":"Eve \u001b[2J\u001b]52;c;ZWNobw==\u0007"`,
		`"company":"bad \ufffd byte"`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("NDJSON lacks %s:\n%s", want, js)
		}
	}
}

// TestMissingScore checks that a missing score is null in JSON and empty in
// CSV, while a score of zero is 0.
func TestMissingScore(t *testing.T) {
	table := export.Opportunities([]model.OpportunityRow{
		{OpportunityID: "unscored"},
		{OpportunityID: "zero", HasScore: true},
	})

	js := written(t, table, export.JSON)
	if !strings.Contains(js, `"score": null,`) || !strings.Contains(js, `"score": 0,`) {
		t.Errorf("JSON scores, want null then 0:\n%s", js)
	}
	nd := strings.Split(written(t, table, export.NDJSON), "\n")
	if len(nd) != 3 || !strings.Contains(nd[0], `"score":null,`) ||
		!strings.Contains(nd[1], `"score":0,`) || nd[2] != "" {
		t.Errorf("NDJSON lines %q, want null then 0", nd)
	}
	if got := column(t, readCSV(t, written(t, table, export.CSV)), "score"); !slices.Equal(
		got, []string{"", "0"}) {
		t.Errorf("CSV scores %q, want empty then 0", got)
	}

	companies := export.Companies([]model.CompanyRow{{Company: "Unscored Ltd", Paths: 1}})
	if js := written(t, companies, export.NDJSON); !strings.Contains(js, `"best_score":null`) {
		t.Errorf("company without a score: %s", js)
	}
}

// TestNumbersStayExact checks that numbers are written as the payload
// spelled them, the same in CSV as in JSON.
func TestNumbersStayExact(t *testing.T) {
	numbers := []export.Cell{
		export.Float(85.5), export.Float(72), export.Float(99.99), export.Float(0.1),
		export.Float(1e21), export.Int(-7), export.Uint(18446744073709551615),
		export.Score(0, false),
	}
	want := []string{"85.5", "72", "99.99", "0.1", "1e+21", "-7", "18446744073709551615", ""}

	// A second column, because encoding/csv writes a lone empty cell as a
	// blank line, which readers skip.
	table := export.Table{Columns: []string{"n", "id"}}
	for i, n := range numbers {
		table.Rows = append(table.Rows, []export.Cell{n, export.Int(int64(i))})
	}

	if got := column(t, readCSV(t, written(t, table, export.CSV)), "n"); !slices.Equal(
		got, want) {
		t.Errorf("CSV numbers %q, want %q", got, want)
	}
	var lines []string
	for _, w := range want {
		if w == "" {
			w = "null"
		}
		lines = append(lines, fmt.Sprintf(`{"n":%s,"id":%d}`, w, len(lines)))
	}
	if got := written(t, table, export.NDJSON); got != strings.Join(lines, "\n")+"\n" {
		t.Errorf("NDJSON\n%s\nwant\n%s", got, strings.Join(lines, "\n"))
	}
}

// TestJSONLayout checks the whole JSON of a small table: indented by two,
// keys in column order, lists as arrays, booleans bare, no HTML escaping.
func TestJSONLayout(t *testing.T) {
	table := export.Companies([]model.CompanyRow{
		{Company: "Smith & Sons <UK>", Paths: 2, HasScore: true, BestScore: 85.5, Target: true,
			Clients: []string{"Ann", "Bob"}},
		{Company: "Quiet", Paths: 1},
	})

	want := `[
  {
    "company": "Smith & Sons <UK>",
    "paths": 2,
    "best_score": 85.5,
    "target_company": true,
    "clients": [
      "Ann",
      "Bob"
    ]
  },
  {
    "company": "Quiet",
    "paths": 1,
    "best_score": null,
    "target_company": false,
    "clients": []
  }
]
`
	if got := written(t, table, export.JSON); got != want {
		t.Errorf("JSON\n%s\nwant\n%s", got, want)
	}
}

// TestEmptyTable checks what each format writes when nothing is on screen.
func TestEmptyTable(t *testing.T) {
	table := export.Opportunities(nil)
	if got := written(t, table, export.CSV); !strings.HasPrefix(got, "seq,batch_id,") ||
		strings.Count(got, "\n") != 1 {
		t.Errorf("empty CSV %q, want the header alone", got)
	}
	if got := written(t, table, export.JSON); got != "[]\n" {
		t.Errorf("empty JSON %q, want []", got)
	}
	if got := written(t, table, export.NDJSON); got != "" {
		t.Errorf("empty NDJSON %q, want nothing", got)
	}
}

// failingWriter fails every write, as a full disk does.
type failingWriter struct{}

var errDiskFull = errors.New("no space left on device")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

// TestWriteErrors checks that Write reports why it failed.
func TestWriteErrors(t *testing.T) {
	table := export.Companies([]model.CompanyRow{{Company: "Acme", Paths: 1}})
	for _, f := range export.Formats {
		err := table.Write(failingWriter{}, f)
		if !errors.Is(err, errDiskFull) || !strings.HasPrefix(err.Error(), "write "+string(f)) {
			t.Errorf("%s to a full disk: %v", f, err)
		}
	}

	if err := table.Write(&bytes.Buffer{}, "xml"); err == nil ||
		!strings.Contains(err.Error(), "use csv, json or ndjson") {
		t.Errorf("write as xml: %v", err)
	}

	short := export.Table{Columns: []string{"a", "b"}, Rows: [][]export.Cell{{export.Text("x")}}}
	if err := short.Write(&bytes.Buffer{}, export.CSV); err == nil ||
		err.Error() != "export: row 1 has 1 cells for 2 columns" {
		t.Errorf("write a short row: %v", err)
	}
}

// TestParse checks the names ParseFormat and ParseView accept.
func TestParse(t *testing.T) {
	for _, s := range []string{"csv", "CSV", " csv "} {
		if f, err := export.ParseFormat(s); f != export.CSV || err != nil {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
	if _, err := export.ParseFormat("xlsx"); err == nil ||
		err.Error() != `"xlsx" is not an export format; use csv, json or ndjson` {
		t.Errorf("ParseFormat(xlsx): %v", err)
	}

	if v, err := export.ParseView("Opportunities"); v != export.OpportunitiesView || err != nil {
		t.Errorf("ParseView(Opportunities) = %q, %v", v, err)
	}
	if _, err := export.ParseView("people"); err == nil ||
		!strings.Contains(err.Error(), "use deliveries, opportunities or companies") {
		t.Errorf("ParseView(people): %v", err)
	}
}

// TestWriteFileNeverOverwrites checks that WriteFile names the file after
// the view and the time, and numbers it rather than replace a file.
func TestWriteFileNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 3, 15, 4, 5, 0, time.UTC)
	table := export.Opportunities([]model.OpportunityRow{{Prospect: "Jane Smith"}})

	taken := filepath.Join(dir, "clustr-opportunities-20261203-150405.csv")
	if err := os.WriteFile(taken, []byte("the user's own file\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	var paths []string
	for range 2 {
		path, err := export.WriteFile(dir, export.OpportunitiesView, table, export.CSV, now)
		if err != nil {
			t.Fatalf("WriteFile: %v", err)
		}
		paths = append(paths, path)
	}
	want := []string{
		filepath.Join(dir, "clustr-opportunities-20261203-150405-2.csv"),
		filepath.Join(dir, "clustr-opportunities-20261203-150405-3.csv"),
	}
	if !slices.Equal(paths, want) {
		t.Errorf("WriteFile wrote %q, want %q", paths, want)
	}

	if kept, err := os.ReadFile(taken); err != nil || string(kept) != "the user's own file\n" {
		t.Errorf("the existing file now holds %q (%v)", kept, err)
	}
	for _, path := range paths {
		got, err := os.ReadFile(path)
		if err != nil || string(got) != written(t, table, export.CSV) {
			t.Errorf("%s holds %q (%v), want the CSV export", path, got, err)
		}
		if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v (%v), want owner-only", path, info.Mode(), err)
		}
	}

	// Another format is another name.
	none := export.Companies(nil)
	path, err := export.WriteFile(dir, export.CompaniesView, none, export.JSON, now)
	if err != nil || path != filepath.Join(dir, "clustr-companies-20261203-150405.json") {
		t.Errorf("WriteFile companies JSON: %q, %v", path, err)
	}
}

// TestWriteFileFailures checks that a WriteFile that fails leaves no file.
func TestWriteFileFailures(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 3, 15, 4, 5, 0, time.UTC)
	good := export.Companies(nil)
	broken := export.Table{Columns: []string{"a"}, Rows: [][]export.Cell{{}}} // a row, no cells

	for name, call := range map[string]func() (string, error){
		"a view that would choose the directory": func() (string, error) {
			return export.WriteFile(dir, "../escape", good, export.CSV, now)
		},
		"an unknown format": func() (string, error) {
			return export.WriteFile(dir, export.CompaniesView, good, "xml", now)
		},
		"a table that cannot be written": func() (string, error) {
			return export.WriteFile(dir, export.CompaniesView, broken, export.CSV, now)
		},
		"a missing directory": func() (string, error) {
			return export.WriteFile(filepath.Join(dir, "nope"), export.CompaniesView, good,
				export.CSV, now)
		},
	} {
		if path, err := call(); err == nil || path != "" {
			t.Errorf("%s: wrote %q, %v", name, path, err)
		}
	}

	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 0 {
		t.Errorf("failed exports left %v (%v)", entries, err)
	}
	parent, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range parent {
		if strings.HasPrefix(e.Name(), "clustr-") {
			t.Errorf("an export escaped its directory: %s", e.Name())
		}
	}
}
