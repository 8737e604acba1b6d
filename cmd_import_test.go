package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// writeFile writes body to dir/name and returns its path.
func writeFile(t *testing.T, dir, name string, body []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
	return path
}

// oneLine is a fixture on a single line, as NDJSON holds it.
func oneLine(t *testing.T, name string) []byte {
	t.Helper()
	return bytes.ReplaceAll(readFixture(t, name), []byte("\n"), nil)
}

// checkImported checks that rec is body imported from name, summarised as
// the listener would.
func checkImported(t *testing.T, rec storage.Record, stored []byte, name string, body []byte) {
	t.Helper()
	if !bytes.Equal(stored, body) {
		t.Errorf("%s: the stored body differs from the file's", name)
	}
	want, err := model.Summarize(body)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	req := rec.Request
	if req.Imported != name || req.Method != "IMPORT" || req.Path != "" ||
		req.RemoteAddr != "" || req.Header["Content-Type"][0] != "application/json" {
		t.Errorf("%s: stored with request %+v", name, req)
	}
	if rec.Status != want.Status || rec.JobID != want.JobID || rec.Clients != want.Clients ||
		rec.Opportunities != want.Opportunities || rec.BodySize != int64(len(body)) {
		t.Errorf("%s: stored as %+v, want the digest %+v", name, rec, want)
	}
}

// TestImportFolder checks that a folder's payloads are stored in the order
// of their names and that the files that are not payloads are named, with
// where they break, and left out.
func TestImportFolder(t *testing.T) {
	dir := t.TempDir()
	good := []string{"doc-completed.json", "doc-failed.json", "doc-full-history.json",
		"edge-unicode.json"}
	for _, name := range append(good, "edge-not-json.txt", "edge-truncated.json") {
		writeFile(t, dir, name, readFixture(t, name))
	}
	writeFile(t, dir, "empty.json", nil)
	if err := os.Mkdir(filepath.Join(dir, "nested"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "nested"), "skipped.json", readFixture(t, good[0]))

	db := filepath.Join(t.TempDir(), "capture.db")
	r := runCLI(t, "import", "--db", db, dir)

	wantOut := "Imported 4 deliveries into " + db + "; 3 files were not payloads.\n"
	if r.status != 1 || r.stdout != wantOut {
		t.Errorf("status %d, stdout %q; want 1 and %q", r.status, r.stdout, wantOut)
	}
	for _, want := range []string{
		filepath.Join(dir, "edge-not-json.txt") + ": not a JSON object: " +
			"invalid character 's' at start of value at line 1, column 1\n",
		filepath.Join(dir, "edge-truncated.json") + ": not a JSON object: " +
			"the body ends in the middle of a value at line 27, column 22\n",
		filepath.Join(dir, "empty.json") + ": not a JSON object: " +
			"the body is empty at line 1, column 1\n",
		"clustr-explorer: what is named above was not imported; " +
			"correct it and import it on its own\n",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr %q lacks %q", r.stderr, want)
		}
	}
	if strings.Contains(r.stderr, "\r") {
		t.Errorf("stderr, not a terminal, holds a progress line: %q", r.stderr)
	}

	records, bodies := readRecords(t, db)
	if len(records) != len(good) {
		t.Fatalf("%d deliveries stored, want %d", len(records), len(good))
	}
	for i, name := range good {
		checkImported(t, records[i], bodies[i], filepath.Join(dir, name), readFixture(t, name))
	}
}

// TestImportNDJSON checks that every line of an NDJSON file is a delivery
// named by its line, and that a bad line is left out alone.
func TestImportNDJSON(t *testing.T) {
	dir := t.TempDir()
	lines := [][]byte{oneLine(t, "doc-completed.json"), oneLine(t, "doc-failed.json"),
		[]byte(`{"status": "completed",`), oneLine(t, "edge-unicode.json")}
	stream := writeFile(t, dir, "jobs.ndjson", append(bytes.Join(lines, []byte("\r\n")), '\n'))

	db := filepath.Join(dir, "capture.db")
	r := runCLI(t, "import", "--db", db, stream)

	wantOut := "Imported 3 deliveries into " + db + "; 1 line was not a payload.\n"
	wantErr := stream + ":3: not a JSON object: " +
		"the body ends in the middle of a value at line 1, column 24\n"
	if r.status != 1 || r.stdout != wantOut || !strings.HasPrefix(r.stderr, wantErr) {
		t.Errorf("status %d, stdout %q, stderr %q; want 1, %q and %q",
			r.status, r.stdout, r.stderr, wantOut, wantErr)
	}

	records, bodies := readRecords(t, db)
	if len(records) != 3 {
		t.Fatalf("%d deliveries stored, want 3", len(records))
	}
	for i, n := range []int{1, 2, 4} {
		checkImported(t, records[i], bodies[i], stream+":"+string(rune('0'+n)), lines[n-1])
	}
}

// TestImportStdin checks that - reads NDJSON from standard input and that
// a clean import ends with status 0.
func TestImportStdin(t *testing.T) {
	lines := [][]byte{oneLine(t, "doc-completed.json"), nil, oneLine(t, "doc-failed.json")}
	importStdin = bytes.NewReader(bytes.Join(lines, []byte("\n")))
	defer func() { importStdin = os.Stdin }()

	db := filepath.Join(t.TempDir(), "capture.db")
	r := runCLI(t, "import", "--db", db, "-")

	if want := "Imported 2 deliveries into " + db + ".\n"; r.status != 0 ||
		r.stdout != want || r.stderr != "" {
		t.Errorf("status %d, stdout %q, stderr %q; want 0 and %q", r.status, r.stdout,
			r.stderr, want)
	}
	records, bodies := readRecords(t, db)
	if len(records) != 2 {
		t.Fatalf("%d deliveries stored, want 2", len(records))
	}
	checkImported(t, records[0], bodies[0], "stdin:1", lines[0])
	checkImported(t, records[1], bodies[1], "stdin:3", lines[2])
}

// TestImportMissingSource checks that a mistyped path is one sentence and
// leaves the capture as it was, even when the other sources are good.
func TestImportMissingSource(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.json", readFixture(t, "doc-completed.json"))
	db := filepath.Join(dir, "capture.db")
	if r := runCLI(t, "import", "--db", db, good); r.status != 0 {
		t.Fatalf("first import: status %d, stderr %q", r.status, r.stderr)
	}
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}

	missing := filepath.Join(dir, "nope.json")
	r := runCLI(t, "import", "--db", db, good, missing)

	want := "clustr-explorer: " + missing + " does not exist; give a payload file, " +
		"a folder of them, an NDJSON file or - for standard input\n"
	if r.status != 1 || r.stdout != "" || r.stderr != want {
		t.Errorf("status %d, stdout %q, stderr %q; want 1 and %q", r.status, r.stdout,
			r.stderr, want)
	}
	if after, err := os.ReadFile(db); err != nil || !bytes.Equal(after, before) {
		t.Errorf("the capture changed (%v)", err)
	}

	fresh := filepath.Join(dir, "fresh.db")
	runCLI(t, "import", "--db", fresh, missing)
	if _, err := os.Stat(fresh); err == nil {
		t.Errorf("a failed import created %s", fresh)
	}
}

// TestImportLocked checks that a capture another process writes is refused
// with storage's sentence, and nothing is read into it.
func TestImportLocked(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.json", readFixture(t, "doc-completed.json"))
	db := filepath.Join(dir, "capture.db")
	store, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}

	r := runCLI(t, "import", "--db", db, good)
	if r.status != 1 || !strings.Contains(r.stderr, "capture file "+db+" is in use") {
		t.Errorf("status %d, stderr %q; want 1 and that the file is in use", r.status, r.stderr)
	}
	if n, err := store.Count(); err != nil || n != 0 {
		t.Errorf("%d deliveries in the locked capture (%v)", n, err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestImportProgress checks the progress line of a large import, as a
// terminal would be shown it: nothing while the input is small, then one
// line rewritten in place, and cleared at the end.
func TestImportProgress(t *testing.T) {
	var screen bytes.Buffer
	p := &importProgress{w: &screen, totalFiles: 2, totalBytes: 4 << 20}
	p.read(1 << 20)
	p.fileDone()
	if screen.Len() != 0 {
		t.Errorf("a 4 MiB import drew %q", screen.String())
	}

	p.totalBytes = 20 << 20
	p.read(9 << 20)
	p.fileDone()
	p.clear()
	want := "\r\x1b[KImporting: 2 of 2 files, 10.0 MiB of 20.0 MiB\r\x1b[K"
	if !strings.HasSuffix(screen.String(), want) {
		t.Errorf("drew %q, want it to end %q", screen.String(), want)
	}
}
