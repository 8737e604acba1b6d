package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clustr/clustr-explorer/generate"
	"github.com/clustr/clustr-explorer/listener"
	"github.com/clustr/clustr-explorer/storage"
)

// startListener serves a real listener over a new capture file until the
// test ends.
func startListener(t *testing.T, opts listener.Options) (*storage.Store, *listener.Server) {
	t.Helper()

	store, err := storage.Open(filepath.Join(t.TempDir(), "capture.db"), storage.Options{})
	if err != nil {
		t.Fatalf("open capture: %v", err)
	}
	server, err := listener.New(store, opts).Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(ctx)
		_ = store.Close()
	})
	return store, server
}

// TestSend posts the built-in samples to a real listener and checks the
// three answers printed and the three deliveries stored.
func TestSend(t *testing.T) {
	store, server := startListener(t, listener.Options{})

	r := runCLI(t, "send", server.URL())
	if r.status != 0 || r.stderr != "" {
		t.Fatalf("send: status %d, stderr %q", r.status, r.stderr)
	}

	want := []string{
		`doc-completed.json -> 200 {"ok":true,"seq":1,"job_id":"job_abc123",`,
		`doc-failed.json -> 200 {"ok":true,"seq":2,"job_id":"job_abc123",`,
		`doc-full-history.json -> 200 {"ok":true,"seq":3,"job_id":"job_hist001",`,
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("send printed %d lines, want %d:\n%s", len(lines), len(want), r.stdout)
	}
	for i, line := range lines {
		if !strings.HasPrefix(line, want[i]) || !strings.HasSuffix(line, "}") {
			t.Errorf("line %d: %q, want it to start %q", i+1, line, want[i])
		}
	}

	records, err := store.Records()
	if err != nil || len(records) != 3 {
		t.Fatalf("the capture holds %d deliveries (%v), want 3", len(records), err)
	}
	for _, rec := range records {
		if got := rec.Request.Header["User-Agent"]; len(got) != 1 || got[0] != "clustr-explorer/dev" {
			t.Errorf("delivery %d sent with User-Agent %q", rec.Seq, got)
		}
		if got := rec.Request.Header["Content-Type"]; len(got) != 1 || got[0] != "application/json" {
			t.Errorf("delivery %d sent with Content-Type %q", rec.Seq, got)
		}
	}
}

// TestSendOneSample checks --sample, with and without .json.
func TestSendOneSample(t *testing.T) {
	_, server := startListener(t, listener.Options{})

	r := runCLI(t, "send", server.URL(), "--sample", "doc-failed")
	if r.status != 0 || !regexp.MustCompile(`^doc-failed.json -> 200 \{"ok":true,"seq":1,`).
		MatchString(r.stdout) || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("send --sample doc-failed: status %d, stdout %q", r.status, r.stdout)
	}

	r = runCLI(t, "send", server.URL(), "--sample", "nope.json")
	if r.status != 1 || !strings.Contains(r.stderr, `no built-in sample is named "nope.json"`) ||
		!strings.Contains(r.stderr, "doc-completed.json") {
		t.Errorf("send --sample nope.json: status %d, stderr %q", r.status, r.stderr)
	}
}

// TestSendRefused checks that answers other than 2xx are printed and make
// send fail.
func TestSendRefused(t *testing.T) {
	_, server := startListener(t, listener.Options{MaxBody: 100})

	r := runCLI(t, "send", server.URL())
	if r.status != 1 || strings.Count(r.stdout, " -> 413 {\"ok\":false,") != 3 {
		t.Errorf("send over the limit: status %d, stdout %q", r.status, r.stdout)
	}
	if !strings.Contains(r.stderr, "3 of 3 samples were not accepted") ||
		strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("send over the limit: stderr %q", r.stderr)
	}
}

// TestSendUnreachable checks the advice given when nothing listens.
func TestSendUnreachable(t *testing.T) {
	// A port that was free a moment ago is, in all likelihood, still free.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/"
	ln.Close()

	r := runCLI(t, "send", url)
	want := "clustr-explorer: send to " + url + ": connection refused: is the listener running?\n"
	if r.status != 1 || r.stdout != "" || r.stderr != want {
		t.Errorf("send to a closed port: status %d, stdout %q, stderr %q, want %q",
			r.status, r.stdout, r.stderr, want)
	}

	r = runCLI(t, "send", "ftp://example.com/")
	if r.status != 1 || !strings.Contains(r.stderr, "is not an http or https URL") {
		t.Errorf("send to ftp: status %d, stderr %q", r.status, r.stderr)
	}
}

// TestSendGenerated posts generated payloads to a real listener and checks
// the answers printed, and that each stored body is the payload of its seed.
func TestSendGenerated(t *testing.T) {
	store, server := startListener(t, listener.Options{})

	r := runCLI(t, "send", server.URL(), "--generate", "--clients", "20", "--history", "2",
		"--count", "3", "--seed", "41")
	if r.status != 0 || r.stderr != "" {
		t.Fatalf("send --generate: status %d, stderr %q", r.status, r.stderr)
	}

	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("send --generate printed %d lines, want 3:\n%s", len(lines), r.stdout)
	}
	for i, line := range lines {
		want := regexp.MustCompile(fmt.Sprintf(`^generated seed %d \([0-9.]+ kB\) -> 200 `+
			`\{"ok":true,"seq":%d,"job_id":"job_[a-z0-9]{8}","batch_id":"batch_[a-z0-9]{8}",`+
			`"warnings":(null|\[\])\}$`, 41+i, i+1))
		if !want.MatchString(line) {
			t.Errorf("line %d: %q, want it to match %s", i+1, line, want)
		}
	}

	records, err := store.Records()
	if err != nil || len(records) != 3 {
		t.Fatalf("the capture holds %d deliveries (%v), want 3", len(records), err)
	}
	for i, rec := range records {
		opts := generate.Options{Clients: 20, Opportunities: 15, History: 2, Seed: int64(41 + i)}
		body, err := store.Body(rec.Seq)
		if err != nil || !bytes.Equal(body, generate.Payload(opts)) {
			t.Errorf("delivery %d is not the payload of seed %d (%v)", rec.Seq, opts.Seed, err)
		}
		if rec.Status != "completed" || rec.Clients != 20 || len(rec.Warnings) != 0 ||
			rec.Opportunities != rec.Summary.TotalOpportunities {
			t.Errorf("delivery %d: %s, %d clients, %d opportunities of %d claimed, warnings %q",
				rec.Seq, rec.Status, rec.Clients, rec.Opportunities,
				rec.Summary.TotalOpportunities, rec.Warnings)
		}
	}
}

// TestSendGeneratedLarge streams a payload of tens of megabytes and checks
// that the listener stored all of it.
func TestSendGeneratedLarge(t *testing.T) {
	store, server := startListener(t, listener.Options{})

	r := runCLI(t, "send", server.URL(), "--generate", "--clients", "1000", "--history", "3")
	if r.status != 0 || !regexp.MustCompile(`^generated seed 1 \(17\.[0-9] MB\) -> 200 `).
		MatchString(r.stdout) {
		t.Fatalf("send a large payload: status %d, stdout %q, stderr %q",
			r.status, r.stdout, r.stderr)
	}

	records, err := store.Records()
	if err != nil || len(records) != 1 || records[0].Clients != 1000 ||
		records[0].BodySize < 17_000_000 || len(records[0].Warnings) != 0 {
		t.Fatalf("the capture holds %+v (%v), want one delivery of 1,000 clients", records, err)
	}
}

// TestSendGeneratedRefused checks that a payload over the listener's limit
// is answered 413 and makes send fail, without hanging the sender.
func TestSendGeneratedRefused(t *testing.T) {
	_, server := startListener(t, listener.Options{MaxBody: 1 << 20})

	r := runCLI(t, "send", server.URL(), "--generate", "--clients", "500", "--history", "3",
		"--count", "2")
	if r.status != 1 || strings.Count(r.stdout, " -> 413 {\"ok\":false,") != 2 {
		t.Errorf("send over the limit: status %d, stdout %q", r.status, r.stdout)
	}
	if !strings.Contains(r.stderr, "2 of 2 generated payloads were not accepted") {
		t.Errorf("send over the limit: stderr %q", r.stderr)
	}
}

// TestSendGenerateFlags checks the advice given for flags that do not fit
// together.
func TestSendGenerateFlags(t *testing.T) {
	_, server := startListener(t, listener.Options{})

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--clients", "5"}, "add --generate to send them"},
		{[]string{"--seed", "0"}, "add --generate to send them"},
		{[]string{"--generate"}, "--generate needs --clients N"},
		{[]string{"--generate", "--clients=-1"}, "--clients -1 is too few; give 0 or more"},
		{[]string{"--generate", "--clients", "5", "--count", "0"},
			"--count 0 is too few; give 1 or more"},
		{[]string{"--generate", "--clients", "5", "--sample", "doc-failed"},
			"--sample and --generate can't be used together"},
	} {
		r := runCLI(t, append([]string{"send", server.URL()}, c.args...)...)
		if r.status == 0 || r.stdout != "" || !strings.Contains(r.stderr, c.want) {
			t.Errorf("send %s: status %d, stdout %q, stderr %q, want it to say %q",
				strings.Join(c.args, " "), r.status, r.stdout, r.stderr, c.want)
		}
	}
}

// TestSendReplay stores a compressed delivery through a real listener and
// replays it to a loopback target, which must get the stored body byte for
// byte and the stored headers, less the encoding, the host and the secret.
func TestSendReplay(t *testing.T) {
	const secret = "replay-test-secret-123"
	store, server := startListener(t, listener.Options{Secret: secret})

	body := readFixture(t, "doc-completed.json")
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = zw.Write(body)
	_ = zw.Close()
	req, err := http.NewRequest(http.MethodPost, server.URL(), &zipped)
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("User-Agent", "Clustr-Webhooks/2.1")
	req.Header.Set("X-Clustr-Signature", "sha256=abc")
	req.Header.Set(listener.SecretHeader, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("delivery answered %d", resp.StatusCode)
	}

	// The capture must be let go of before it can be opened read-only.
	stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := server.Shutdown(stopCtx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	path := store.Path()
	if err := store.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	var got struct {
		header http.Header
		body   []byte
	}
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.header = r.Header.Clone()
		got.body, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"received":true}`)
	}))
	defer target.Close()

	r := runCLI(t, "send", target.URL+"/app", "--replay", "1", "--db", path)
	if r.status != 0 || r.stderr != "" {
		t.Fatalf("send --replay: status %d, stderr %q", r.status, r.stderr)
	}
	if want := "delivery 1 -> 200 {\"received\":true}\n"; r.stdout != want {
		t.Errorf("send --replay printed %q, want %q", r.stdout, want)
	}

	if !bytes.Equal(got.body, body) {
		t.Errorf("the target got %d bytes, not the %d stored", len(got.body), len(body))
	}
	for _, name := range []string{"Content-Type", "User-Agent", "X-Clustr-Signature"} {
		if got.header.Get(name) != req.Header.Get(name) {
			t.Errorf("%s: replayed %q, stored %q", name, got.header.Get(name),
				req.Header.Get(name))
		}
	}
	for _, name := range []string{"Content-Encoding", listener.SecretHeader} {
		if v, ok := got.header[name]; ok {
			t.Errorf("%s was replayed: %q", name, v)
		}
	}

	r = runCLI(t, "send", target.URL, "--replay", "9", "--db", path)
	if r.status != 1 || !strings.Contains(r.stderr, "no delivery 9") {
		t.Errorf("replay of a missing delivery: status %d, stderr %q", r.status, r.stderr)
	}
}
