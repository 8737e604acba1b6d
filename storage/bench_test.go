package storage

import (
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
)

// BenchmarkAppend measures durable appends of a small delivery: one writer,
// and 64 at once as the listener sees them behind a busy sender.
func BenchmarkAppend(b *testing.B) {
	rec := sampleRecord(1)
	body := sampleBody(1)

	b.Run("small-body/1-writer", func(b *testing.B) {
		s := openBench(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Append(rec, body); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b, "appends/s")
	})

	b.Run("small-body/64-writers", func(b *testing.B) {
		s := openBench(b)
		b.ReportAllocs()
		b.SetParallelism(max(1, 64/maxProcs()))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Append(rec, body); err != nil {
					b.Error(err)
					return
				}
			}
		})
		reportRate(b, "appends/s")
	})
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

// maxProcs is GOMAXPROCS, which RunParallel multiplies by the parallelism.
func maxProcs() int { return runtime.GOMAXPROCS(0) }
