// Package generate makes realistic Clustr webhook payloads of any size, for
// trying an integration, for seeing the interface full, and for benchmarks.
//
// The same Options always give the same bytes: every choice comes from a PCG
// source seeded from Options.Seed, and dates count back from a base date
// that the seed picks, never from the clock. Write streams a payload client
// by client, so that one of hundreds of megabytes needs a few hundred
// kilobytes of memory, as one of a few kilobytes does.
package generate

import (
	"bytes"
	"io"
	"math/rand/v2"
	"time"
)

// Options says what payload to make.
type Options struct {
	// Clients is the number of results, one per CRM contact.
	Clients int

	// Opportunities is the average number of opportunities per client; each
	// client has between none and twice as many.
	Opportunities int

	// History is the average number of engagement events per opportunity,
	// each having between none and twice as many. Zero leaves out the
	// engagement block, as a job that did not ask for full history does.
	History int

	// Seed picks everything else; different seeds give different payloads.
	Seed int64

	// JobID and BatchID name the job; when empty they are derived from Seed.
	JobID, BatchID string

	// Failed makes the payload of a job that failed: status "failed", an
	// error block and no results, as Clustr documents it.
	Failed bool
}

// flushSize is how much of a payload is gathered before it is written: big
// enough that writes are few, small enough that memory stays flat.
const flushSize = 64 << 10

// Payload returns the whole JSON document for opts. For payloads too large
// to hold in memory, use Write.
func Payload(opts Options) []byte {
	var buf bytes.Buffer
	// A bytes.Buffer only fails by running out of memory, which panics.
	_ = Write(&buf, opts)
	return buf.Bytes()
}

// Write writes the JSON document for opts to w, a client at a time. It
// returns the first error w returns.
func Write(w io.Writer, opts Options) error {
	g := newGenerator(opts)

	g.header()
	if opts.Failed {
		g.failure()
		g.trailer()
		return g.flush(w)
	}

	g.raw(`,"results":[`)
	counts := g.opportunityCounts()
	for i := range g.opts.Clients {
		if i > 0 {
			g.raw(",")
		}
		g.result(i, counts.next())
		if len(g.buf) >= flushSize {
			if err := g.flush(w); err != nil {
				return err
			}
		}
	}
	g.raw("]")

	g.trailer()
	return g.flush(w)
}

// The PCG streams of one seed. Choices that must be known before the body
// is written (the opportunity counts the summary totals) and the ids come
// from streams of their own, so that they can be read twice or apart from
// the rest.
const (
	streamBody   = 0x636c75737472 // "clustr"
	streamCounts = 0x636f756e7473 // "counts"
	streamIDs    = 0x696473       // "ids"
)

// generator writes one payload into buf.
type generator struct {
	opts Options
	rng  *rand.Rand

	// base is when the job finished; engagement dates lie in the 18
	// months before it.
	base time.Time

	jobID, batchID string
	owners         []string
	companies      []company

	// totalOpportunities is the sum of the counts, for the summary.
	totalOpportunities int

	buf []byte

	// dates are the days before base as JSON strings, newest first; days
	// and pathBuf are reused for each client and opportunity.
	dates   [][]byte
	days    []int
	pathBuf []path

	// The current client's and prospect's profile addresses, for the
	// links of recommendations.
	clientURL, prospectURL []byte
}

// newGenerator settles everything a payload shares: its ids, base date,
// account owners and the companies its prospects work at.
func newGenerator(opts Options) *generator {
	opts.Clients = max(opts.Clients, 0)
	opts.Opportunities = max(opts.Opportunities, 0)
	opts.History = max(opts.History, 0)

	seed := uint64(opts.Seed)
	g := &generator{
		opts: opts,
		rng:  rand.New(rand.NewPCG(seed, streamBody)),
		buf:  make([]byte, 0, flushSize+flushSize/4),
	}

	// A base date in 2025, picked by the seed, at a working hour.
	day := time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(seed%365))
	g.base = day.Add(time.Duration(7*3600+g.rng.IntN(12*3600)) * time.Second)

	ids := rand.New(rand.NewPCG(seed, streamIDs))
	g.jobID, g.batchID = opts.JobID, opts.BatchID
	if g.jobID == "" {
		g.jobID = "job_" + randomID(ids, 8)
	}
	if g.batchID == "" {
		g.batchID = "batch_" + randomID(ids, 8)
	}

	g.owners = g.ownerEmails()
	g.companies = g.companyPool()

	counts := g.opportunityCounts()
	for range opts.Clients {
		g.totalOpportunities += counts.next()
	}
	return g
}

// opportunityCounts returns the counts of opportunities of each client in
// turn; every call starts again from the first client.
func (g *generator) opportunityCounts() countStream {
	return countStream{
		rng:     rand.New(rand.NewPCG(uint64(g.opts.Seed), streamCounts)),
		average: g.opts.Opportunities,
	}
}

// countStream draws numbers between none and twice an average.
type countStream struct {
	rng     *rand.Rand
	average int
}

func (c countStream) next() int { return c.rng.IntN(2*c.average + 1) }

// flush writes out what has been gathered.
func (g *generator) flush(w io.Writer) error {
	_, err := w.Write(g.buf)
	g.buf = g.buf[:0]
	return err
}

// randomID is n lowercase letters and digits.
func randomID(rng *rand.Rand, n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	id := make([]byte, n)
	for i := range id {
		id[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(id)
}

// pick returns one element of list.
func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }
