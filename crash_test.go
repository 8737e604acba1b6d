package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/clustr/clustr-explorer/storage"
)

// TestCrashKeepsAcknowledged captures into a child clustr-explorer while
// 16 senders deliver 2,000 distinct bodies, kills it with SIGKILL part-way,
// and checks that the file it leaves opens cleanly and holds every
// acknowledged delivery, byte for byte, at the seq its answer named.
func TestCrashKeepsAcknowledged(t *testing.T) {
	const senders, total = 16, 2000
	bin := binary(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	random := rand.New(rand.NewPCG(seed, seed>>1))

	for run := range 3 {
		// The kill comes when between 10% and 90% of the deliveries have
		// been acknowledged: the run's own clock, however fast the machine.
		killAt := int64(total/10 + random.IntN(total*8/10))
		t.Run(fmt.Sprintf("run %d, kill after %d", run, killAt), func(t *testing.T) {
			crashRun(t, bin, senders, total, killAt)
		})
	}
}

// ackedDelivery is what a sender was told of one delivery.
type ackedDelivery struct {
	seq  uint64
	body []byte
}

// crashRun is one run of TestCrashKeepsAcknowledged.
func crashRun(t *testing.T, bin string, senders, total int, killAt int64) {
	db := filepath.Join(t.TempDir(), "capture.db")
	cmd := exec.Command(bin, "listen", "--headless", "--addr", "127.0.0.1:0", "--db", db)
	p := startProcess(t, cmd)
	url := p.url(t) + "hooks/clustr"

	client := keepAliveClient(t, senders)
	var (
		mu     sync.Mutex
		acked  []ackedDelivery
		count  atomic.Int64
		next   atomic.Int64
		killed atomic.Bool
		kill   sync.Once
		wg     sync.WaitGroup
	)
	started := time.Now()
	for s := range senders {
		wg.Go(func() {
			for i := int(next.Add(1)); i <= total && !killed.Load(); i = int(next.Add(1)) {
				body := crashBody(s, i)
				code, seq, err := postForSeq(client, url, body)
				if err != nil || code != http.StatusOK {
					if !killed.Load() {
						t.Errorf("delivery %d before the kill: %d %v", i, code, err)
					}
					return
				}

				mu.Lock()
				acked = append(acked, ackedDelivery{seq, body})
				mu.Unlock()
				if count.Add(1) == killAt {
					kill.Do(func() {
						killed.Store(true)
						_ = cmd.Process.Signal(syscall.SIGKILL)
					})
				}
			}
		})
	}
	wg.Wait()
	p.wait(t)
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the capture ended by %v, not by the kill; stderr:\n%s",
			cmd.ProcessState, p.stderr.String())
	}
	t.Logf("%d deliveries acknowledged in %v before the kill", len(acked),
		time.Since(started).Round(time.Millisecond))

	checkAcknowledged(t, db, acked)

	// The sidecar it left behind is known for what it is.
	r := runCLI(t, "open", "--snapshot", db)
	if r.status != 1 || !strings.Contains(r.stderr, "is not running") {
		t.Errorf("open --snapshot after the crash: status %d, stderr %q", r.status, r.stderr)
	}
}

// checkAcknowledged opens the capture at db read-only and checks that every
// acknowledged delivery is there with its body, and that the numbers run
// from 1 without a gap.
func checkAcknowledged(t *testing.T, db string, acked []ackedDelivery) {
	t.Helper()
	store, err := storage.Open(db, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the capture left by the crash does not open: %v", err)
	}
	defer store.Close()

	records, err := store.Records()
	if err != nil {
		t.Fatalf("records: %v", err)
	}
	for i, rec := range records {
		if rec.Seq != uint64(i+1) {
			t.Fatalf("delivery %d of the file is numbered %d", i+1, rec.Seq)
		}
	}
	if len(records) < len(acked) {
		t.Errorf("the file holds %d deliveries, %d were acknowledged", len(records), len(acked))
	}
	for _, a := range acked {
		body, err := store.Body(a.seq)
		if err != nil {
			t.Fatalf("acknowledged delivery %d is not in the file: %v", a.seq, err)
		}
		if !bytes.Equal(body, a.body) {
			t.Fatalf("delivery %d holds %q, not the body acknowledged with its number: %q",
				a.seq, body, a.body)
		}
	}
}

// crashBody is the body of delivery i of sender s, distinct from all others.
func crashBody(s, i int) []byte {
	return fmt.Appendf(nil, `{"status":"completed","job_id":"crash-%d-%d",`+
		`"batch_id":"b-%d","results":[],"n":%d}`, s, i, s, i)
}

// keepAliveClient is an http.Client with a keep-alive connection for each
// of senders concurrent requests.
func keepAliveClient(t *testing.T, senders int) *http.Client {
	transport := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        senders,
		MaxIdleConnsPerHost: senders,
		MaxConnsPerHost:     senders,
	}
	t.Cleanup(transport.CloseIdleConnections)
	return &http.Client{Transport: transport, Timeout: 10 * time.Second}
}

// postForSeq posts body and returns the code and the seq of the answer.
func postForSeq(client *http.Client, url string, body []byte) (int, uint64, error) {
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()

	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, 0, err
	}
	var ack struct {
		Seq uint64 `json:"seq"`
	}
	if err := json.Unmarshal(raw, &ack); err != nil || ack.Seq == 0 {
		return resp.StatusCode, 0, fmt.Errorf("the answer %q names no seq", raw)
	}
	return resp.StatusCode, ack.Seq, nil
}
