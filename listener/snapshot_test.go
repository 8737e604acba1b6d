package listener_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clustr/clustr-explorer/listener"
	"github.com/clustr/clustr-explorer/storage"
)

const testToken = "snapshot-token-for-tests"

// TestSnapshotNeedsItsToken checks that /_snapshot answers only a GET with
// the token that did not come through a tunnel, and counts the others.
func TestSnapshotNeedsItsToken(t *testing.T) {
	c := startCapture(t, listener.Options{SnapshotToken: testToken, Secret: testSecret})

	cases := []struct {
		name   string
		method string
		header map[string]string
		code   int
	}{
		{"no token", http.MethodGet, nil, http.StatusUnauthorized},
		{"a wrong token", http.MethodGet, map[string]string{"Authorization": "Bearer x"},
			http.StatusUnauthorized},
		{"the token without Bearer", http.MethodGet,
			map[string]string{"Authorization": testToken}, http.StatusUnauthorized},
		{"the secret instead", http.MethodGet,
			map[string]string{listener.SecretHeader: testSecret}, http.StatusUnauthorized},
		{"through a tunnel", http.MethodGet, map[string]string{
			"Authorization": "Bearer " + testToken, "X-Forwarded-For": "203.0.113.9",
		}, http.StatusForbidden},
		{"a POST", http.MethodPost, map[string]string{"Authorization": "Bearer " + testToken,
			listener.SecretHeader: testSecret}, http.StatusMethodNotAllowed},
	}
	for i, tc := range cases {
		a := send(t, tc.method, c.url+"_snapshot", nil, tc.header)
		if a.code != tc.code || a.json["ok"] != false {
			t.Errorf("%s: answered %d %s, want %d", tc.name, a.code, a.raw, tc.code)
		}
		if bytes.Contains(a.raw, []byte(testToken)) {
			t.Errorf("%s: the answer gives the token away: %s", tc.name, a.raw)
		}
		if want := uint64(min(i+1, 5)); c.listener.Unauthorized() != want {
			t.Errorf("%s: %d refusals counted, want %d", tc.name, c.listener.Unauthorized(), want)
		}
	}
}

// TestSnapshotWithoutToken checks that without a token /_snapshot is an
// ordinary webhook path and serves nothing.
func TestSnapshotWithoutToken(t *testing.T) {
	c := startCapture(t, listener.Options{})
	a := send(t, http.MethodGet, c.url+"_snapshot", nil, map[string]string{
		"Authorization": "Bearer ",
	})
	if a.code != http.StatusMethodNotAllowed || a.header.Get("Allow") != "POST" {
		t.Errorf("GET /_snapshot without a token set: %d %s, want 405", a.code, a.raw)
	}
}

// TestSnapshotWhileCapturing takes snapshots while 8 senders deliver, and
// checks that each one opens as a capture file holding deliveries 1 to N
// with the bodies that were acknowledged, and that the live file goes on
// taking deliveries.
func TestSnapshotWhileCapturing(t *testing.T) {
	const senders, snapshots = 8, 5
	c := startCapture(t, listener.Options{SnapshotToken: testToken})
	client := senderClient(t, senders)

	// Deliveries go on until the snapshots are taken, at most 20,000.
	var acked sync.Map
	var next atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := int(next.Add(1)); i <= 20000; i = int(next.Add(1)) {
				select {
				case <-done:
					return
				default:
				}
				body := distinctBody(s, i)
				code, seq, err := deliverOne(client, c.url+"hooks/clustr", body)
				if err != nil || code != http.StatusOK {
					t.Errorf("delivery %d: %d %v", i, code, err)
					return
				}
				acked.Store(seq, body)
			}
		})
	}

	live := listener.Live{PID: os.Getpid(), URL: c.url, Token: testToken}
	dir := t.TempDir()
	var sizes []int
	for n := range snapshots {
		waitForDeliveries(&next, 200*(n+1))
		path := filepath.Join(dir, fmt.Sprintf("snapshot-%d.db", n))
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := live.Download(context.Background(), f); err != nil {
			t.Fatalf("snapshot %d: %v", n, err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, checkSnapshot(t, path, &acked))
	}
	close(done)
	wg.Wait()
	t.Logf("snapshots of %v deliveries", sizes)
	if !slices.IsSorted(sizes) || sizes[0] == sizes[len(sizes)-1] {
		t.Errorf("snapshots of %v deliveries: they should grow as deliveries arrive", sizes)
	}

	if total, err := c.store.Count(); err != nil || total < sizes[len(sizes)-1] {
		t.Errorf("the live file holds %d deliveries (%v), fewer than its snapshot", total, err)
	}
}

// waitForDeliveries waits, for at most 5 s, until n deliveries are under way.
func waitForDeliveries(next *atomic.Int64, n int) {
	deadline := time.Now().Add(5 * time.Second)
	for next.Load() < int64(n) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

// checkSnapshot opens a snapshot and checks that it holds deliveries 1 to
// N, each with the body acknowledged for it, and returns N.
func checkSnapshot(t *testing.T, path string, acked *sync.Map) int {
	t.Helper()
	store, err := storage.Open(path, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the snapshot does not open: %v", err)
	}
	defer store.Close()

	records, err := store.Records()
	if err != nil {
		t.Fatalf("the snapshot's records: %v", err)
	}
	for i, rec := range records {
		if rec.Seq != uint64(i+1) {
			t.Fatalf("the snapshot's delivery %d is numbered %d", i+1, rec.Seq)
		}
		body, err := store.Body(rec.Seq)
		if err != nil {
			t.Fatalf("the snapshot's body %d: %v", rec.Seq, err)
		}
		// A delivery committed whose answer had not yet been read when the
		// snapshot was taken is not known here, but must be one sent.
		if want, ok := acked.Load(rec.Seq); ok && !bytes.Equal(body, want.([]byte)) {
			t.Fatalf("the snapshot's body %d is not the one acknowledged", rec.Seq)
		}
	}
	return len(records)
}

// TestSnapshotOfAClosedStore checks that a snapshot that cannot be taken is
// answered 503, and that the client reports it.
func TestSnapshotOfAClosedStore(t *testing.T) {
	c := startCapture(t, listener.Options{SnapshotToken: testToken})
	if err := c.store.Close(); err != nil {
		t.Fatal(err)
	}

	live := listener.Live{PID: os.Getpid(), URL: c.url, Token: testToken}
	n, err := live.Download(context.Background(), io.Discard)
	if err == nil || n != 0 || !bytes.Contains([]byte(err.Error()), []byte("503")) {
		t.Errorf("snapshot of a closed capture: %d bytes, %v; want a 503 error", n, err)
	}
}
