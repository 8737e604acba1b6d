package generate

import (
	"io"
	"testing"
)

// countingDiscard counts what it is given and keeps nothing.
type countingDiscard struct{ n int64 }

func (c *countingDiscard) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// BenchmarkWrite measures streaming a 1,000-client payload with 15
// opportunities per client, with and without history; MB/s is the figure to
// report. Three events per opportunity, as in the documented example, make
// 10,000 such clients the 175 MB payload of the performance targets.
func BenchmarkWrite(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts Options
	}{
		{"1000x15/history3", Options{Clients: 1000, Opportunities: 15, History: 3, Seed: 1}},
		{"1000x15/nohistory", Options{Clients: 1000, Opportunities: 15, Seed: 1}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			size := &countingDiscard{}
			if err := Write(size, bc.opts); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size.n)
			b.ReportAllocs()

			for b.Loop() {
				if err := Write(io.Discard, bc.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
