package listener_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/clustr/clustr-explorer/listener"
	"github.com/clustr/clustr-explorer/storage"
)

// received is one request that a forward target saw.
type received struct {
	at     time.Time
	header http.Header
	body   []byte
}

// target is a loopback application that answers each forward with the next
// of its codes, and the last one for ever after.
type target struct {
	*httptest.Server
	mu    sync.Mutex
	codes []int
	got   []received
}

func newTarget(t *testing.T, codes ...int) *target {
	t.Helper()
	tg := &target{codes: codes}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		tg.mu.Lock()
		code := tg.codes[min(len(tg.got), len(tg.codes)-1)]
		tg.got = append(tg.got, received{at: time.Now(), header: r.Header.Clone(), body: body})
		tg.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(tg.Close)
	return tg
}

func (tg *target) requests() []received {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return append([]received(nil), tg.got...)
}

// forwarding is a real listener on a loopback port that forwards.
type forwarding struct {
	store    *storage.Store
	listener *listener.Listener
	server   *listener.Server
}

// startForwarding serves a listener forwarding with opts; it is stopped,
// forwards and all, when the test ends.
func startForwarding(t *testing.T, opts listener.Options) *forwarding {
	t.Helper()
	store, err := storage.Open(filepath.Join(t.TempDir(), "capture.db"), storage.Options{})
	if err != nil {
		t.Fatalf("open capture: %v", err)
	}
	opts.Logger = logger(io.Discard)
	l := listener.New(store, opts)
	server, err := l.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() {
		stopServer(t, server)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := l.StopForwarding(ctx); err != nil {
			t.Errorf("stop forwarding: %v", err)
		}
		if err := store.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return &forwarding{store: store, listener: l, server: server}
}

// waitAttempts waits until delivery seq has n forward attempts recorded.
func waitAttempts(t *testing.T, store *storage.Store, seq uint64, n int) []storage.ForwardAttempt {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		attempts, err := store.ForwardAttempts(seq)
		if err != nil {
			t.Fatalf("ForwardAttempts: %v", err)
		}
		if len(attempts) >= n || time.Now().After(deadline) {
			return attempts
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestForwardRetries forwards a delivery to a target that fails twice and
// then takes it, and checks the attempts, what the target got, and that
// the sender was answered before any retry.
func TestForwardRetries(t *testing.T) {
	tg := newTarget(t, http.StatusServiceUnavailable, http.StatusServiceUnavailable,
		http.StatusOK)
	backoff := 300 * time.Millisecond
	c := startForwarding(t, listener.Options{
		Forward:        tg.URL + "/app/hook",
		ForwardBackoff: []time.Duration{backoff, backoff, backoff, backoff},
		Secret:         "forward-test-secret-123",
	})

	body := readFixture(t, "doc-completed.json")
	start := time.Now()
	a := post(t, c.server.URL()+"hooks/forward-test-secret-123", body, map[string]string{
		"X-Sender-Trace": "abc",
	})
	acked := time.Now()
	if a.code != http.StatusOK {
		t.Fatalf("delivery answered %d %s", a.code, a.raw)
	}
	seq := seqOf(t, a)
	if ack := acked.Sub(start); ack >= backoff {
		t.Errorf("the sender waited %v for its answer, longer than the first backoff", ack)
	}

	attempts := waitAttempts(t, c.store, seq, 3)
	if len(attempts) != 3 {
		t.Fatalf("%d attempts recorded, want 3: %+v", len(attempts), attempts)
	}
	for i, want := range []int{503, 503, 200} {
		got := attempts[i]
		if got.Attempt != i+1 || got.Status != want || got.OK() != (want == 200) {
			t.Errorf("attempt %d: %+v, want number %d status %d", i, got, i+1, want)
		}
		if i > 0 && got.At.Before(attempts[i-1].At) {
			t.Errorf("attempt %d recorded before attempt %d", i+1, i)
		}
	}

	got := tg.requests()
	if len(got) != 3 {
		t.Fatalf("the target got %d requests, want 3", len(got))
	}
	if !acked.Before(got[1].at) {
		t.Errorf("the sender was answered at %v, after the first retry at %v", acked, got[1].at)
	}
	stored, err := c.store.Body(seq)
	if err != nil {
		t.Fatalf("Body: %v", err)
	}
	for i, r := range got {
		if !bytes.Equal(r.body, body) || !bytes.Equal(r.body, stored) {
			t.Errorf("request %d: body differs from the one sent (%d bytes, want %d)",
				i, len(r.body), len(body))
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("request %d: Content-Type %q", i, ct)
		}
		if s := r.header.Get(listener.SeqHeader); s != strconv.FormatUint(seq, 10) {
			t.Errorf("request %d: %s %q, want %d", i, listener.SeqHeader, s, seq)
		}
		if tr := r.header.Get("X-Sender-Trace"); tr != "abc" {
			t.Errorf("request %d: the sender's header X-Sender-Trace is %q", i, tr)
		}
		if _, ok := r.header[listener.SecretHeader]; ok {
			t.Errorf("request %d: the secret header was forwarded", i)
		}
	}

	if lastErr, failing := c.listener.ForwardStatus(); failing || lastErr != "" {
		t.Errorf("ForwardStatus after success: %q, %v", lastErr, failing)
	}
}

// TestForwardGivesUp forwards to a target that never takes a delivery and
// checks the attempts stop at the limit and the status says it fails.
func TestForwardGivesUp(t *testing.T) {
	tg := newTarget(t, http.StatusInternalServerError)
	c := startForwarding(t, listener.Options{
		Forward:        tg.URL,
		ForwardBackoff: []time.Duration{time.Millisecond, 2 * time.Millisecond},
	})

	a := post(t, c.server.URL(), readFixture(t, "doc-completed.json"), nil)
	seq := seqOf(t, a)

	waitAttempts(t, c.store, seq, 3)
	// Give a fourth attempt, which must not come, time to show.
	time.Sleep(100 * time.Millisecond)
	attempts, err := c.store.ForwardAttempts(seq)
	if err != nil {
		t.Fatalf("ForwardAttempts: %v", err)
	}
	if len(attempts) != 3 || len(tg.requests()) != 3 {
		t.Fatalf("%d attempts recorded and %d made, want 3: %+v",
			len(attempts), len(tg.requests()), attempts)
	}
	for i, got := range attempts {
		if got.Status != 500 || got.OK() || got.Error == "" {
			t.Errorf("attempt %d: %+v, want a failed 500", i+1, got)
		}
	}

	lastErr, failing := c.listener.ForwardStatus()
	if !failing || lastErr == "" {
		t.Errorf("ForwardStatus = %q, %v; want failing with a reason", lastErr, failing)
	}
}

// TestForwardOnlyAccepted checks a rejected delivery is not forwarded.
func TestForwardOnlyAccepted(t *testing.T) {
	tg := newTarget(t, http.StatusOK)
	c := startForwarding(t, listener.Options{Forward: tg.URL})

	a := post(t, c.server.URL(), []byte(`{"cut":`), nil)
	if a.code != http.StatusBadRequest {
		t.Fatalf("a cut body answered %d", a.code)
	}
	ok := post(t, c.server.URL(), readFixture(t, "doc-completed.json"), nil)
	waitAttempts(t, c.store, seqOf(t, ok), 1)

	if got := tg.requests(); len(got) != 1 || got[0].header.Get(listener.SeqHeader) != "2" {
		t.Errorf("the target got %d requests, want only delivery 2", len(got))
	}
	if attempts, _ := c.store.ForwardAttempts(seqOf(t, a)); len(attempts) != 0 {
		t.Errorf("the rejected delivery has attempts: %+v", attempts)
	}
}

// TestRelayHeader checks what a relay leaves out of the stored headers.
func TestRelayHeader(t *testing.T) {
	got := listener.RelayHeader(map[string][]string{
		"Content-Type":             {"application/json"},
		"Content-Encoding":         {"gzip"},
		"Content-Length":           {"12"},
		"Connection":               {"keep-alive, X-Hop"},
		"X-Hop":                    {"1"},
		"Transfer-Encoding":        {"chunked"},
		"Host":                     {"abc.ngrok.app"},
		"X-Clustr-Explorer-Secret": {"[secret]"},
		"X-Forwarded-For":          {"1.2.3.4"},
		"user-agent":               {"Clustr/1"},
	})
	want := http.Header{
		"Content-Type":    {"application/json"},
		"X-Forwarded-For": {"1.2.3.4"},
		"User-Agent":      {"Clustr/1"},
	}
	if len(got) != len(want) {
		t.Fatalf("RelayHeader = %v, want %v", got, want)
	}
	for k, v := range want {
		if got.Get(k) != v[0] {
			t.Errorf("RelayHeader %s = %q, want %q", k, got.Get(k), v[0])
		}
	}
}

// TestStopForwardingBounded stops a forwarder that is retrying a target that
// never answers 2xx and checks the wait ends at its bound.
func TestStopForwardingBounded(t *testing.T) {
	tg := newTarget(t, http.StatusServiceUnavailable)
	c := startForwarding(t, listener.Options{
		Forward:        tg.URL,
		ForwardBackoff: []time.Duration{time.Hour},
	})
	seq := seqOf(t, post(t, c.server.URL(), readFixture(t, "doc-completed.json"), nil))
	waitAttempts(t, c.store, seq, 1)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := c.listener.StopForwarding(ctx); err == nil {
		t.Errorf("StopForwarding with a retry pending returned nil")
	}
	if waited := time.Since(start); waited > 3*time.Second {
		t.Errorf("StopForwarding waited %v past its bound", waited)
	}
}

// TestForwardNoLoop points a listener's forward at itself and checks that
// the relayed delivery is stored but not forwarded again.
func TestForwardNoLoop(t *testing.T) {
	store, err := storage.Open(filepath.Join(t.TempDir(), "capture.db"), storage.Options{})
	if err != nil {
		t.Fatalf("open capture: %v", err)
	}
	defer store.Close()
	ln, err := listener.Bind("127.0.0.1:0")
	if err != nil {
		t.Fatalf("bind: %v", err)
	}
	l := listener.New(store, listener.Options{
		Forward: "http://" + ln.Addr().String() + "/", Logger: logger(io.Discard),
	})
	server := l.Serve(ln)

	post(t, server.URL(), readFixture(t, "doc-completed.json"), nil)
	waitAttempts(t, store, 1, 1)
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.StopForwarding(ctx); err != nil {
		t.Errorf("stop forwarding: %v", err)
	}
	stopServer(t, server)

	if n, err := store.Count(); err != nil || n != 2 {
		t.Errorf("%d deliveries stored (%v), want the sent one and its relay", n, err)
	}
	if attempts, _ := store.ForwardAttempts(2); len(attempts) != 0 {
		t.Errorf("the relay was forwarded again: %+v", attempts)
	}
}
