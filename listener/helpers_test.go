package listener_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/clustr/clustr-explorer/listener"
	"github.com/clustr/clustr-explorer/storage"
)

// fixtures is where the project's copies of the vendor's payloads live.
const fixtures = "../testdata/fixtures"

// capture is a real listener on a loopback port over a real capture file.
type capture struct {
	store    *storage.Store
	listener *listener.Listener
	server   *listener.Server
	url      string
	path     string
	log      *syncBuffer
}

// startCapture opens a capture file in a temporary directory and serves a
// listener on it; both are stopped when the test ends.
func startCapture(t testing.TB, opts listener.Options) *capture {
	t.Helper()

	path := filepath.Join(t.TempDir(), "capture.db")
	store, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatalf("open capture: %v", err)
	}

	logs := &syncBuffer{}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	l := listener.New(store, opts)
	server, err := l.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}

	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := server.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := store.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return &capture{store: store, listener: l, server: server, url: server.URL(), path: path,
		log: logs}
}

// answer is what the sender of a request sees.
type answer struct {
	code   int
	header http.Header
	raw    []byte
	json   map[string]any
}

// send makes one request and reads its JSON answer, failing the test when
// the answer is not JSON.
func send(t *testing.T, method, url string, body []byte, header map[string]string) answer {
	t.Helper()

	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()

	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	a := answer{code: resp.StatusCode, header: resp.Header, raw: raw}
	if got := resp.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("%s %s: Content-Type %q, want application/json", method, url, got)
	}
	if method != http.MethodHead {
		if err := json.Unmarshal(raw, &a.json); err != nil {
			t.Fatalf("%s %s: answer is not a JSON object: %v\n%s", method, url, err, raw)
		}
	}
	return a
}

// post sends a JSON body, with extra headers when given.
func post(t *testing.T, url string, body []byte, header map[string]string) answer {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range header {
		h[k] = v
	}
	return send(t, http.MethodPost, url, body, h)
}

// seqOf returns the seq of an answer, failing when it has none.
func seqOf(t *testing.T, a answer) uint64 {
	t.Helper()
	seq, ok := a.json["seq"].(float64)
	if !ok || seq < 1 {
		t.Fatalf("answer has no seq: %s", a.raw)
	}
	return uint64(seq)
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return body
}

// syncBuffer is a bytes.Buffer that the server's goroutines may log into
// while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logger logs as text into w.
func logger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// stopServer shuts a server down, waiting for the deliveries in flight.
func stopServer(t *testing.T, server *listener.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := server.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}
