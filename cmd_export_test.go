package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clustr/clustr-explorer/model"
)

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

	r = runCLI(t, "export", missing, "--format", "csv")
	if r.status == 0 || !strings.Contains(r.stderr, "--format") {
		t.Errorf("export --format csv: status %d, stderr %q", r.status, r.stderr)
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
