package listener_test

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clustr/clustr-explorer/generate"
	"github.com/clustr/clustr-explorer/listener"
)

// BenchmarkDeliveries measures acknowledged deliveries per second through a
// real listener on loopback into a real capture file, each one committed
// durably before its answer, with 1, 16 and 64 senders at once sharing one
// keep-alive client.
func BenchmarkDeliveries(b *testing.B) {
	for _, senders := range []int{1, 16, 64} {
		b.Run(fmt.Sprint(senders), func(b *testing.B) {
			c := startCapture(b, listener.Options{})
			client := senderClient(b, senders)
			url := c.url + "hooks/clustr"

			// Warm the connections, so that dialling is not measured.
			var warm sync.WaitGroup
			for s := range senders {
				warm.Go(func() { _, _, _ = deliverOne(client, url, distinctBody(s, -1)) })
			}
			warm.Wait()

			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for s := range senders {
				wg.Go(func() {
					for i := int(next.Add(1)); i <= b.N; i = int(next.Add(1)) {
						code, _, err := deliverOne(client, url, distinctBody(s, i))
						if err != nil || code != http.StatusOK {
							b.Errorf("delivery %d: %d %v", i, code, err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
		})
	}
}

// BenchmarkDeliver10000Clients measures receiving, storing durably and
// acknowledging one delivery of the design's reference size: 10,000
// clients, about 150,000 opportunities with full history, some 175 MB.
func BenchmarkDeliver10000Clients(b *testing.B) {
	body := generate.Payload(generate.Options{Clients: 10_000, Opportunities: 15, History: 3, Seed: 1})
	c := startCapture(b, listener.Options{MaxBody: 512 << 20})
	client := senderClient(b, 1)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for range b.N {
		code, seq, err := deliverOne(client, c.url, body)
		if err != nil || code != http.StatusOK || seq == 0 {
			b.Fatalf("answered %d (seq %d): %v", code, seq, err)
		}
	}
}
