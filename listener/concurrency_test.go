package listener_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clustr/clustr-explorer/listener"
)

// senderClient returns an http.Client whose keep-alive connections suffice
// for senders concurrent requests to one listener.
func senderClient(t testing.TB, senders int) *http.Client {
	transport := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        senders,
		MaxIdleConnsPerHost: senders,
		MaxConnsPerHost:     senders,
		IdleConnTimeout:     time.Minute,
	}
	t.Cleanup(transport.CloseIdleConnections)
	return &http.Client{Transport: transport, Timeout: 30 * time.Second}
}

// deliverOne posts body and returns the code and the seq of the answer.
func deliverOne(client *http.Client, url string, body []byte) (int, uint64, error) {
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()

	var ack struct {
		Seq uint64 `json:"seq"`
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, 0, err
	}
	if err := json.Unmarshal(raw, &ack); err != nil {
		return resp.StatusCode, 0, fmt.Errorf("the answer %q is not JSON: %w", raw, err)
	}
	return resp.StatusCode, ack.Seq, nil
}

// distinctBody is the body of delivery i of sender s: distinct for every
// pair, so that a body stored at the wrong seq shows.
func distinctBody(s, i int) []byte {
	return fmt.Appendf(nil, `{"status":"completed","job_id":"job-%d-%d","batch_id":"b%d",`+
		`"summary":{"total_processed":0,"total_opportunities":0},"results":[],"n":%d}`,
		s, i, s, s*100000+i)
}

// TestConcurrentSenders sends 5,000 deliveries from 64 senders at once
// through a real listener into a real capture file, and checks that every
// one is acknowledged with a seq of its own that holds its own body.
func TestConcurrentSenders(t *testing.T) {
	const senders, total = 64, 5000
	c := startCapture(t, listener.Options{})
	client := senderClient(t, senders)

	bodies := make(map[uint64][]byte, total)
	var mu sync.Mutex
	var next atomic.Int64
	var failures atomic.Int64
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= total || failures.Load() > 10 {
					return
				}
				body := distinctBody(s, i)
				code, seq, err := deliverOne(client, c.url+"hooks/clustr", body)
				if err != nil || code != http.StatusOK || seq == 0 {
					failures.Add(1)
					t.Errorf("delivery %d: %d seq %d: %v", i, code, seq, err)
					continue
				}

				mu.Lock()
				if _, taken := bodies[seq]; taken {
					t.Errorf("seq %d was acknowledged twice", seq)
				}
				bodies[seq] = body
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	if len(bodies) != total {
		t.Fatalf("%d deliveries acknowledged, want %d", len(bodies), total)
	}
	if n, err := c.store.Count(); err != nil || n != total {
		t.Errorf("the capture holds %d deliveries (%v), want %d", n, err, total)
	}
	for seq, want := range bodies {
		if got, err := c.store.Body(seq); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("seq %d holds %q (%v), not the body its ack was for: %q",
				seq, got, err, want)
		}
	}
}
