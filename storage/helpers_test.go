package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/clustr/clustr-explorer/model"
)

// sampleRecord returns a record with every kind of field filled, so that a
// round trip through the file exercises all of them.
func sampleRecord(i int) Record {
	return Record{
		Request: Request{
			Method:     "POST",
			Path:       fmt.Sprintf("/hooks/delivery-%d", i),
			RemoteAddr: "127.0.0.1:53211",
			Host:       "abc.ngrok.app",
			Header: map[string][]string{
				"Content-Type":     {"application/json"},
				"Content-Encoding": {"gzip"},
			},
			ContentEncoding: "gzip",
			WireSize:        int64(100 + i),
		},
		Digest: model.Digest{
			Status:              "completed",
			JobID:               fmt.Sprintf("job-%d", i),
			BatchID:             "batch-7",
			Timestamp:           "2026-03-01T10:00:00Z",
			Clients:             2,
			Opportunities:       5,
			TargetOpportunities: 1,
			HasScore:            true,
			BestScore:           85.5,
			Summary: model.Summary{
				Has: true, TotalProcessed: 2, TotalOpportunities: 5, ProcessingTimeSeconds: 1.25,
			},
			Custom:   json.RawMessage(`{"crm": "hubspot", "run": 7}`),
			Warnings: []string{"results[0].opportunities[1].relationship: score is a string"},
		},
	}
}

// sampleBody returns a body that differs for every i.
func sampleBody(i int) []byte {
	return fmt.Appendf(nil, `{"status":"completed","job_id":"job-%d"}`, i)
}

// newCapture creates a capture file with n deliveries in a temporary
// directory, closes it and returns its path.
func newCapture(t *testing.T, n int) string {
	t.Helper()

	path := filepath.Join(t.TempDir(), "capture.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open for writing: %v", err)
	}
	for i := range n {
		if _, err := s.Append(sampleRecord(i), sampleBody(i)); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return path
}

// fileState is what a test remembers of a file to prove it was not touched.
type fileState struct {
	data  []byte
	mtime time.Time
}

// snapshot backdates path's modification time, so that any write would
// visibly move it, and remembers the file's bytes and that time.
func snapshot(t *testing.T, path string) fileState {
	t.Helper()

	past := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(path, past, past); err != nil {
		t.Fatalf("backdate %s: %v", path, err)
	}
	return readState(t, path)
}

// readState reads path's bytes and modification time.
func readState(t *testing.T, path string) fileState {
	t.Helper()

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	return fileState{data: data, mtime: info.ModTime()}
}

// assertUnchanged fails the test if path differs from before.
func assertUnchanged(t *testing.T, path string, before fileState) {
	t.Helper()

	after := readState(t, path)
	if !bytes.Equal(after.data, before.data) {
		t.Errorf("%s changed: %d bytes before, %d after", path, len(before.data), len(after.data))
	}
	if !after.mtime.Equal(before.mtime) {
		t.Errorf("%s modification time moved from %v to %v", path, before.mtime, after.mtime)
	}
}
