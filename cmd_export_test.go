package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// exportedDelivery is one line of the deliveries export as a script reads
// it.
type exportedDelivery struct {
	Seq                 uint64   `json:"seq"`
	ReceivedAt          string   `json:"received_at"`
	Status              string   `json:"status"`
	JobID               string   `json:"job_id"`
	BatchID             string   `json:"batch_id"`
	Clients             int      `json:"clients"`
	Opportunities       int      `json:"opportunities"`
	TargetOpportunities int      `json:"target_opportunities"`
	BestScore           *float64 `json:"best_score"`
	Warnings            []string `json:"warnings"`
	Error               string   `json:"error"`
	RemoteAddr          string   `json:"remote_addr"`
	Bytes               int64    `json:"bytes"`
}

// exportKeys are the fields of an export line, in the order written.
var exportKeys = []string{
	"seq", "received_at", "status", "job_id", "batch_id", "clients", "opportunities",
	"target_opportunities", "best_score", "warnings", "error", "remote_addr", "bytes",
}

// TestExportNDJSON captures every reference payload through the listener
// and checks each line that export writes for it.
func TestExportNDJSON(t *testing.T) {
	names := fixtureNames(t)
	path := captureFixtures(t, names)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read capture: %v", err)
	}

	r := runCLI(t, "export", path, "--format", "ndjson")
	if r.status != 0 || r.stderr != "" {
		t.Fatalf("export: status %d, stderr %q", r.status, r.stderr)
	}

	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != len(names) {
		t.Fatalf("export wrote %d lines for %d deliveries:\n%s", len(lines), len(names), r.stdout)
	}

	for i, line := range lines {
		name := names[i]
		body := readFixture(t, name)

		if keys := keysOf(t, line); !slices.Equal(keys, exportKeys) {
			t.Errorf("%s: fields %q, want %q", name, keys, exportKeys)
		}
		var got exportedDelivery
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("%s: line is not JSON: %v\n%s", name, err, line)
		}

		if got.Seq != uint64(i+1) {
			t.Errorf("%s: seq %d, want %d (oldest first)", name, got.Seq, i+1)
		}
		received, err := time.Parse(time.RFC3339, got.ReceivedAt)
		if err != nil || time.Since(received) > time.Minute {
			t.Errorf("%s: received_at %q (%v)", name, got.ReceivedAt, err)
		}
		if !strings.HasPrefix(got.RemoteAddr, "127.0.0.1:") || got.Bytes != int64(len(body)) {
			t.Errorf("%s: remote_addr %q, bytes %d, want 127.0.0.1:* and %d",
				name, got.RemoteAddr, got.Bytes, len(body))
		}
		if got.Warnings == nil || strings.Contains(line, `"warnings":null`) {
			t.Errorf("%s: warnings is null, want a list", name)
		}

		// The counts are what the body holds, as the model reads it.
		want := exportedOf(body)
		if got.Status != want.Status || got.JobID != want.JobID || got.BatchID != want.BatchID ||
			got.Clients != want.Clients || got.Opportunities != want.Opportunities ||
			got.TargetOpportunities != want.TargetOpportunities ||
			!slices.Equal(got.Warnings, want.Warnings) {
			t.Errorf("%s: exported\n%s\nwant the model's\n%+v", name, line, want)
		}
	}

	byName := func(name string) exportedDelivery {
		var d exportedDelivery
		_ = json.Unmarshal([]byte(lines[slices.Index(names, name)]), &d)
		return d
	}

	completed := byName("doc-completed.json")
	if completed.Status != "completed" || completed.Clients != 1 || completed.Opportunities != 1 ||
		completed.TargetOpportunities != 1 || completed.BestScore == nil ||
		*completed.BestScore != 85.5 || completed.Error != "" || len(completed.Warnings) != 2 ||
		!strings.Contains(completed.Warnings[0], "total_processed claims 2 clients") ||
		!strings.Contains(completed.Warnings[1], "total_opportunities claims 15") {
		t.Errorf("doc-completed.json: %+v", completed)
	}

	failed := byName("doc-failed.json")
	if failed.Status != "failed" || failed.Error != "PROCESSING_ERROR: Failed to process contacts" ||
		failed.BestScore != nil || len(failed.Warnings) != 0 {
		t.Errorf("doc-failed.json: %+v", failed)
	}

	loose := byName("edge-loose-types.json")
	if loose.Clients != 3 || loose.Opportunities != 2 || loose.BestScore == nil ||
		*loose.BestScore != 72 || !hasWarning(loose.Warnings, `number sent as text "72.0"`) ||
		!hasWarning(loose.Warnings, "ranking_reason: unknown field") {
		t.Errorf("edge-loose-types.json: %+v", loose)
	}

	for name, place := range map[string]string{
		"edge-not-json.txt":   "line 1, column 1",
		"edge-truncated.json": "line 27, column 22",
	} {
		d := byName(name)
		if d.Status != "rejected" || !strings.Contains(d.Error, place) || d.BestScore != nil ||
			d.JobID != "" || d.Clients != 0 {
			t.Errorf("%s: %+v, want rejected at %s", name, d, place)
		}
	}

	// Exporting reads the file and leaves it as it was.
	after, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("export changed the capture file (%v)", err)
	}

	// -o writes the same lines to a file and nothing to stdout.
	out := filepath.Join(t.TempDir(), "deliveries.ndjson")
	r2 := runCLI(t, "export", path, "-o", out)
	written, err := os.ReadFile(out)
	if r2.status != 0 || r2.stdout != "" || err != nil || string(written) != r.stdout {
		t.Errorf("export -o: status %d, stdout %q, file %d bytes (%v)",
			r2.status, r2.stdout, len(written), err)
	}
}

// TestExportErrors checks the sentences export fails with.
func TestExportErrors(t *testing.T) {
	dir := t.TempDir()

	missing := filepath.Join(dir, "nope.db")
	r := runCLI(t, "export", missing)
	if r.status != 1 || !strings.HasPrefix(r.stderr, "clustr-explorer: open capture "+missing) ||
		strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("export of a missing file: status %d, stderr %q", r.status, r.stderr)
	}

	notCapture := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notCapture, []byte("hello, this is not bbolt\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, "export", notCapture)
	if r.status != 1 || !strings.Contains(r.stderr, "not a clustr-explorer capture file") {
		t.Errorf("export of a text file: status %d, stderr %q", r.status, r.stderr)
	}

	r = runCLI(t, "export", missing, "--format", "xml")
	if r.status == 0 || !strings.Contains(r.stderr, "--format") ||
		!strings.Contains(r.stderr, `"csv","json","ndjson"`) {
		t.Errorf("export --format xml: status %d, stderr %q", r.status, r.stderr)
	}

	r = runCLI(t, "export", missing, "--view", "people")
	if r.status == 0 || !strings.Contains(r.stderr, "--view") ||
		!strings.Contains(r.stderr, `"deliveries","opportunities","companies"`) {
		t.Errorf("export --view people: status %d, stderr %q", r.status, r.stderr)
	}
}

// keysOf lists the top-level keys of a JSON object in the order written.
func keysOf(t *testing.T, line string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	if _, err := dec.Token(); err != nil {
		t.Fatalf("not JSON: %v", err)
	}

	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
	}
	return keys
}

// exportedOf is what the model says the export line of body should hold.
func exportedOf(body []byte) exportedDelivery {
	payload, err := model.Decode(body)
	if err != nil {
		return exportedDelivery{Status: model.StatusRejected, Warnings: []string{}}
	}
	d := payload.Digest()
	warnings := d.Warnings
	if warnings == nil {
		warnings = []string{}
	}
	return exportedDelivery{
		Status: d.Status, JobID: d.JobID, BatchID: d.BatchID, Clients: d.Clients,
		Opportunities: d.Opportunities, TargetOpportunities: d.TargetOpportunities,
		Warnings: warnings,
	}
}

func hasWarning(warnings []string, part string) bool {
	return slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, part) })
}

// update rewrites the expected exports instead of comparing with them.
var update = flag.Bool("update", false, "rewrite the expected exports in testdata/export")

// exportTestdata holds the expected exports and the payloads only they use.
const exportTestdata = "testdata/export"

// goldenBodies are the payloads of the capture the expected exports are
// made from: every reference payload, the failed delivery of batch_xyz789
// before its completed one so that the completed one is the batch's latest,
// the two rejected bodies, and a payload whose names are spreadsheet
// formulas.
func goldenBodies(t *testing.T) [][]byte {
	t.Helper()
	var bodies [][]byte
	for _, name := range []string{
		"doc-failed.json", "doc-completed.json", "doc-full-history.json",
		"edge-escape.json", "edge-loose-types.json", "edge-not-json.txt",
		"edge-truncated.json", "edge-unicode.json",
	} {
		bodies = append(bodies, readFixture(t, name))
	}
	formula, err := os.ReadFile(filepath.Join(exportTestdata, "edge-formula.json"))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return append(bodies, formula)
}

// captureAt stores bodies with storage.Append, judged as the listener
// judges them, and returns the path of the closed capture file. Delivery N
// is received at 14:3N:00.250 on 2025-03-15 from 203.0.113.7:5000N: fixed,
// unlike the listener's clock and ports, so that exports of the file can be
// compared byte for byte.
func captureAt(t *testing.T, bodies [][]byte) string {
	t.Helper()

	path := filepath.Join(t.TempDir(), "capture.db")
	store, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatalf("open capture: %v", err)
	}

	start := time.Date(2025, 3, 15, 14, 30, 0, 250e6, time.UTC)
	for i, body := range bodies {
		seq := i + 1
		rec := storage.Record{
			ReceivedAt: start.Add(time.Duration(seq) * time.Minute),
			Request: storage.Request{
				Method:     "POST",
				Path:       "/",
				RemoteAddr: fmt.Sprintf("203.0.113.7:%d", 50000+seq),
				Header:     map[string][]string{"Content-Type": {"application/json"}},
				WireSize:   int64(len(body)),
			},
		}
		if payload, err := model.Decode(body); err != nil {
			rec.Digest = model.RejectedDigest(err)
		} else {
			rec.Digest = payload.Digest()
		}
		if _, err := store.Append(rec, body); err != nil {
			t.Fatalf("append delivery %d: %v", seq, err)
		}
	}

	if err := store.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return path
}

// TestExportGolden exports every view in every format and compares what
// export writes, to stdout and with -o, with the expected files in
// testdata/export. Run with -update to rewrite them, then read them.
func TestExportGolden(t *testing.T) {
	path := captureAt(t, goldenBodies(t))

	for _, view := range []string{"deliveries", "opportunities", "companies"} {
		for _, format := range []string{"csv", "json", "ndjson"} {
			name := view + "." + format
			t.Run(name, func(t *testing.T) {
				r := runCLI(t, "export", path, "--view", view, "--format", format)
				if r.status != 0 || r.stderr != "" {
					t.Fatalf("export: status %d, stderr %q", r.status, r.stderr)
				}

				golden := filepath.Join(exportTestdata, name)
				if *update {
					if err := os.WriteFile(golden, []byte(r.stdout), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("read expected export: %v; run go test -update", err)
				}
				if r.stdout != string(want) {
					t.Errorf("export differs from %s %s", golden,
						firstDifference(r.stdout, string(want)))
				}

				// -o writes the same bytes to a file, and nothing to stdout.
				out := filepath.Join(t.TempDir(), "export."+format)
				r = runCLI(t, "export", path, "--view", view, "--format", format, "-o", out)
				written, err := os.ReadFile(out)
				if r.status != 0 || r.stdout != "" || err != nil ||
					string(written) != string(want) {
					t.Errorf("export -o: status %d, stdout %q, file %d bytes (%v), want %d",
						r.status, r.stdout, len(written), err, len(want))
				}
			})
		}
	}
}

// firstDifference describes the first line where got and want differ.
func firstDifference(got, want string) string {
	gotLines, wantLines := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(gotLines), len(wantLines)) {
		var g, w string
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			return fmt.Sprintf("at line %d:\n got %q\nwant %q", i+1, g, w)
		}
	}
	return "(only in line endings)"
}

// TestExportLatestDeliveryOfEachBatch checks which deliveries the
// opportunities and companies views are made from: the latest accepted
// delivery of every batch, oldest batch first.
func TestExportLatestDeliveryOfEachBatch(t *testing.T) {
	completed := readFixture(t, "doc-completed.json")
	failed := readFixture(t, "doc-failed.json")
	rejected := readFixture(t, "edge-not-json.txt")
	noBatch := bytes.Replace(completed, []byte(`"batch_id": "batch_xyz789",`), nil, 1)
	if bytes.Equal(noBatch, completed) {
		t.Fatal("doc-completed.json has no batch_id line to remove")
	}

	for _, c := range []struct {
		name   string
		bodies [][]byte
		seqs   []string // of the opportunity rows exported, in order
	}{
		{"a failure after a success leaves the batch empty", [][]byte{completed, failed}, nil},
		{"a redelivery counts once, as its latest", [][]byte{failed, completed, completed},
			[]string{"3"}},
		{"deliveries without a batch id stand alone", [][]byte{noBatch, noBatch},
			[]string{"1", "2"}},
		{"a rejected body is not a batch", [][]byte{completed, rejected}, []string{"1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := captureAt(t, c.bodies)

			r := runCLI(t, "export", path, "--view", "opportunities", "--format", "csv")
			if r.status != 0 || r.stderr != "" {
				t.Fatalf("export: status %d, stderr %q", r.status, r.stderr)
			}
			table, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
			if err != nil || len(table) == 0 || table[0][0] != "seq" {
				t.Fatalf("export wrote %q (%v), want CSV with a header", r.stdout, err)
			}
			var seqs []string
			for _, row := range table[1:] {
				seqs = append(seqs, row[0])
			}
			if !slices.Equal(seqs, c.seqs) {
				t.Errorf("rows from deliveries %q, want %q", seqs, c.seqs)
			}

			// The companies view counts the same paths.
			r = runCLI(t, "export", path, "--view", "companies", "--format", "json")
			var companies []struct {
				Company string `json:"company"`
				Paths   int    `json:"paths"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &companies); err != nil {
				t.Fatalf("companies export is not JSON: %v\n%s", err, r.stdout)
			}
			paths := 0
			for _, company := range companies {
				paths += company.Paths
			}
			if paths != len(c.seqs) || (len(c.seqs) == 0 && r.stdout != "[]\n") {
				t.Errorf("companies export %s, want %d paths", r.stdout, len(c.seqs))
			}
		})
	}
}

// TestExportHelp checks that export's help names every view and format.
func TestExportHelp(t *testing.T) {
	r := runCLI(t, "export", "--help")
	for _, name := range []string{
		"--view", "deliveries", "opportunities", "companies",
		"--format", "csv", "json", "ndjson",
	} {
		if !strings.Contains(r.stdout, name) {
			t.Errorf("export --help does not mention %s:\n%s", name, r.stdout)
		}
	}
}

// TestExportRedact checks that export --redact leaves no prospect's
// LinkedIn URL nor remote address, and changes no other cell.
func TestExportRedact(t *testing.T) {
	path := captureFixtures(t, fixtureNames(t))

	read := func(args ...string) [][]string {
		t.Helper()
		r := runCLI(t, append([]string{"export", path, "--format", "csv"}, args...)...)
		if r.status != 0 || r.stderr != "" {
			t.Fatalf("export %q: status %d, stderr %q", args, r.status, r.stderr)
		}
		table, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
		if err != nil || len(table) < 2 {
			t.Fatalf("export %q wrote %q (%v)", args, r.stdout, err)
		}
		return table
	}

	plain := read("--view", "opportunities")
	redacted := read("--view", "opportunities", "--redact")
	column := slices.Index(plain[0], "prospect_linkedin_url")
	if len(redacted) != len(plain) || column < 0 {
		t.Fatalf("%d rows redacted of %d; header %q", len(redacted), len(plain), plain[0])
	}
	if !slices.ContainsFunc(plain, func(row []string) bool {
		return row[column] == "https://www.linkedin.com/in/jane-smith"
	}) {
		t.Fatalf("the plain export has no prospect URL to hide: %q", plain)
	}
	for i := 1; i < len(plain); i++ {
		url := redacted[i][column]
		if (url != "" && !redactedURL.MatchString(url)) ||
			(url == "") != (plain[i][column] == "") {
			t.Errorf("row %d: prospect URL %q exported as %q", i, plain[i][column], url)
		}
		for j := range plain[i] {
			if j != column && redacted[i][j] != plain[i][j] {
				t.Errorf("row %d: %s %q exported as %q", i, plain[0][j], plain[i][j],
					redacted[i][j])
			}
		}
	}
	for _, secret := range fixtureSecrets(t, fixtureNames(t)) {
		for _, row := range redacted {
			if slices.ContainsFunc(row, func(cell string) bool {
				return strings.Contains(cell, secret)
			}) {
				t.Errorf("redacted export still holds %q in %q", secret, row)
			}
		}
	}

	deliveries := read("--view", "deliveries", "--redact")
	remote := slices.Index(deliveries[0], "remote_addr")
	for _, row := range deliveries[1:] {
		if row[remote] != "redacted" {
			t.Errorf("delivery %s: remote_addr %q", row[0], row[remote])
		}
	}
}
