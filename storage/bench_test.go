package storage

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkAppend measures durable appends of small deliveries, each body
// a new one, from 1, 16 and 64 writers at once, as the listener sees them
// behind one sender or a busy one. Concurrent writers share commits, so
// their rate is the figure to watch; ns/op is the time per append overall,
// not the latency of one.
func BenchmarkAppend(b *testing.B) {
	for _, writers := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s := openBench(b)
			rec := sampleRecord(1)
			commitsBefore := s.commits.Load()

			b.ReportAllocs()
			b.ResetTimer()
			var next atomic.Int64
			var wg sync.WaitGroup
			for range writers {
				wg.Go(func() {
					for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
						body := fmt.Appendf(nil, `{"status":"completed","job_id":"job-1","n":%d}`, i)
						if _, err := s.Append(rec, body); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()

			reportRate(b, "appends/s")
			commits := s.commits.Load() - commitsBefore
			b.ReportMetric(float64(b.N)/float64(max(commits, 1)), "appends/commit")
		})
	}
}

// BenchmarkFsync measures this disk's bare fsync after a small write, the
// floor under every durable commit (bbolt syncs twice per commit: its pages,
// then its meta page).
func BenchmarkFsync(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "fsync"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()

	data := []byte(`{"status":"completed","job_id":"job-1"}`)
	for b.Loop() {
		if _, err := f.WriteAt(data, 0); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecords measures listing a capture of 10,000 deliveries, as the
// Batches page does when it opens, and the reads that follow along.
func BenchmarkRecords(b *testing.B) {
	const deliveries = 10_000

	s := openBench(b)

	// Filling the file durably would take a long while for nothing; the
	// records and bodies are the same without the fsyncs.
	s.db.NoSync = true
	for i := range deliveries {
		if _, err := s.Append(sampleRecord(i), sampleBody(i)); err != nil {
			b.Fatal(err)
		}
	}
	s.db.NoSync = false

	b.Run(fmt.Sprintf("all-%d", deliveries), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			records, err := s.Records()
			if err != nil {
				b.Fatal(err)
			}
			if len(records) != deliveries {
				b.Fatalf("%d records, want %d", len(records), deliveries)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*deliveries), "ns/record")
	})

	b.Run("after-last-10", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			records, err := s.RecordsAfter(deliveries - 10)
			if err != nil {
				b.Fatal(err)
			}
			if len(records) != 10 {
				b.Fatalf("%d records, want 10", len(records))
			}
		}
	})

	b.Run("count", func(b *testing.B) {
		for b.Loop() {
			if n, err := s.Count(); err != nil || n != deliveries {
				b.Fatalf("Count() = %d, %v", n, err)
			}
		}
	})

	b.Run("body", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Body(deliveries / 2); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// openBench opens a new capture for a benchmark and closes it afterwards.
func openBench(b *testing.B) *Store {
	b.Helper()

	s, err := Open(filepath.Join(b.TempDir(), "capture.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// reportRate reports how many operations a second the benchmark ran.
func reportRate(b *testing.B, unit string) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit)
}
