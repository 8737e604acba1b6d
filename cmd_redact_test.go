package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

var (
	fixtureEmail    = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`)
	fixtureLinkedIn = regexp.MustCompile(`https?://[A-Za-z0-9.\-]*linkedin\.com/[^"\s\\]*`)
	fixtureComment  = regexp.MustCompile(`"text":\s*("(?:[^"\\]|\\.)*")`)
	redactedURL     = regexp.MustCompile(`^https://www\.linkedin\.com/in/redacted-[0-9a-f]{8}$`)
)

// fixtureSecrets are the emails, LinkedIn URLs and comment texts of the
// reference payloads, each as written and, for comments, as read.
func fixtureSecrets(t *testing.T, names []string) []string {
	t.Helper()
	var found []string
	for _, name := range names {
		body := readFixture(t, name)
		found = append(found, fixtureEmail.FindAllString(string(body), -1)...)
		found = append(found, fixtureLinkedIn.FindAllString(string(body), -1)...)
		for _, m := range fixtureComment.FindAllStringSubmatch(string(body), -1) {
			var text string
			if err := json.Unmarshal([]byte(m[1]), &text); err != nil {
				t.Fatalf("%s: comment %s: %v", name, m[1], err)
			}
			found = append(found, m[1][1:len(m[1])-1], text)
		}
	}
	if !slices.Contains(found, "alice@company.com") ||
		!slices.Contains(found, "https://www.linkedin.com/in/jane-smith") ||
		!slices.Contains(found, "Great insight!") {
		t.Fatalf("the fixtures hold fewer secrets than the test expects: %q", found)
	}
	return found
}

// readRecords opens the capture at path read-only and returns its records
// and bodies.
func readRecords(t *testing.T, path string) ([]storage.Record, [][]byte) {
	t.Helper()
	store, err := storage.Open(path, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer store.Close()

	records, err := store.Records()
	if err != nil {
		t.Fatalf("records of %s: %v", path, err)
	}
	bodies := make([][]byte, len(records))
	for i, rec := range records {
		if bodies[i], err = store.Body(rec.Seq); err != nil {
			t.Fatalf("body %d of %s: %v", rec.Seq, path, err)
		}
	}
	return records, bodies
}

// TestRedact copies a capture of every reference payload and checks what
// the copy holds, record by record and byte by byte.
func TestRedact(t *testing.T) {
	names := fixtureNames(t)
	in := captureFixtures(t, names)
	out := filepath.Join(t.TempDir(), "shared.db")

	r := runCLI(t, "redact", in, out)
	if want := "Redacted 8 deliveries into " + out + ".\n"; r.status != 0 ||
		r.stdout != want || r.stderr != "" {
		t.Fatalf("redact: status %d, stdout %q, stderr %q; want stdout %q",
			r.status, r.stdout, r.stderr, want)
	}

	inRecords, _ := readRecords(t, in)
	outRecords, outBodies := readRecords(t, out)
	if len(outRecords) != len(inRecords) || len(inRecords) != len(names) {
		t.Fatalf("%d deliveries copied of %d (%d fixtures)",
			len(outRecords), len(inRecords), len(names))
	}
	for i, got := range outRecords {
		want := inRecords[i]
		if got.Status != want.Status || got.JobID != want.JobID ||
			got.BatchID != want.BatchID || got.Clients != want.Clients ||
			got.Opportunities != want.Opportunities ||
			got.TargetOpportunities != want.TargetOpportunities ||
			got.BestScore != want.BestScore || got.Reject != want.Reject ||
			!got.ReceivedAt.Equal(want.ReceivedAt) || got.RedeliveryOf != want.RedeliveryOf {
			t.Errorf("%s: copied as\n%+v\nwant\n%+v", names[i], got, want)
		}
		if len(got.Warnings) != len(want.Warnings) {
			t.Errorf("%s: warnings %q, want as many as %q", names[i], got.Warnings,
				want.Warnings)
		}

		req := got.Request
		if req.RemoteAddr != "redacted" || req.Host != "" || req.Method != "POST" {
			t.Errorf("%s: request copied as %+v", names[i], req)
		}
		for name := range req.Header {
			if name != "Content-Type" && name != "Content-Encoding" {
				t.Errorf("%s: header %s kept", names[i], name)
			}
		}
		if got := req.Header["Content-Type"]; !slices.Equal(got, []string{"application/json"}) {
			t.Errorf("%s: Content-Type %q, want application/json", names[i], got)
		}

		if want.Status == model.StatusRejected {
			if !strings.HasPrefix(string(outBodies[i]), "[body of ") {
				t.Errorf("%s: rejected body copied as %q", names[i], outBodies[i])
			}
		} else if _, err := model.Decode(outBodies[i]); err != nil {
			t.Errorf("%s: copied body does not decode: %v", names[i], err)
		}
	}

	// Nothing to hide is anywhere in the file, in a body, a record or a
	// free page; the input file holds it all, so the check can fail.
	inBytes, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	outBytes, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range fixtureSecrets(t, names) {
		if !bytes.Contains(inBytes, []byte(secret)) && !strings.Contains(secret, "\n") {
			t.Errorf("the input capture does not hold %q", secret)
		}
		if bytes.Contains(outBytes, []byte(secret)) {
			t.Errorf("the redacted capture still holds %q", secret)
		}
	}
	if bytes.Contains(outBytes, []byte("127.0.0.1")) {
		t.Error("the redacted capture still holds the remote address")
	}
}

// TestRedactRefusals checks that redact neither overwrites a file nor
// creates one when it has nothing to read.
func TestRedactRefusals(t *testing.T) {
	in := captureFixtures(t, []string{"doc-completed.json"})
	dir := t.TempDir()

	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "redact", in, existing)
	kept, _ := os.ReadFile(existing)
	if r.status != 1 || !strings.Contains(r.stderr, existing+" already exists") ||
		string(kept) != "keep me" {
		t.Errorf("redact onto a file: status %d, stderr %q, file now %q",
			r.status, r.stderr, kept)
	}

	missing := filepath.Join(dir, "missing.db")
	out := filepath.Join(dir, "out.db")
	r = runCLI(t, "redact", missing, out)
	if r.status != 1 || strings.Count(r.stderr, "\n") != 1 ||
		!strings.Contains(r.stderr, missing) || r.stdout != "" {
		t.Errorf("redact of a missing file: status %d, stdout %q, stderr %q",
			r.status, r.stdout, r.stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("redact of a missing file created %s", out)
	}
}
