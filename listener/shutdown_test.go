package listener_test

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/clustr/clustr-explorer/listener"
	"github.com/clustr/clustr-explorer/storage"
)

// reopen opens a capture file read-only for the rest of the test.
func reopen(t *testing.T, path string) *storage.Store {
	t.Helper()
	store, err := storage.Open(path, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("reopen %s read-only: %v", path, err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store
}

// TestAcknowledgedIsDurable stops the listener right after a delivery is
// acknowledged and finds it, byte for byte, in the file opened afresh.
func TestAcknowledgedIsDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "capture.db")
	store, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	server, err := listener.New(store, listener.Options{}).Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}

	body := readFixture(t, "doc-full-history.json")
	a := post(t, server.URL()+"hooks/clustr?batch=7", body, map[string]string{
		"X-Clustr-Delivery": "d-42",
	})
	if a.code != http.StatusOK {
		t.Fatalf("answered %d %s", a.code, a.raw)
	}
	seq := seqOf(t, a)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := server.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if err := <-server.Done(); err != nil {
		t.Errorf("the server stopped with %v, want nil after Shutdown", err)
	}
	if err := store.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	size := fileSize(t, path)
	reread := reopen(t, path)
	rec, err := reread.Record(seq)
	if err != nil {
		t.Fatalf("the acknowledged delivery %d is not in the file: %v", seq, err)
	}
	if rec.Status != "completed" || rec.JobID != "job_hist001" ||
		rec.Request.Path != "/hooks/clustr?batch=7" ||
		rec.Request.Header["X-Clustr-Delivery"][0] != "d-42" {
		t.Errorf("reread record: %+v", rec)
	}
	stored, err := reread.Body(seq)
	if err != nil || !bytes.Equal(stored, body) {
		t.Errorf("reread body differs from what was sent (%v)", err)
	}

	if err := reread.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if got := fileSize(t, path); got != size {
		t.Errorf("reading the file changed its size from %d to %d", size, got)
	}
}
