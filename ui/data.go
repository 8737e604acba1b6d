package ui

import (
	"fmt"
	"sort"
	"strconv"

	tea "charm.land/bubbletea/v2"

	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// batch groups the deliveries of one batch_id. A rejected delivery has no
// batch to belong to and stands alone.
type batch struct {
	key        string
	deliveries []storage.Record // oldest first
}

// latest is the delivery the Batches page shows for the batch.
func (b *batch) latest() storage.Record { return b.deliveries[len(b.deliveries)-1] }

// redeliveries counts the deliveries that repeat an earlier one's body
// for the same job: the sender retried.
func (b *batch) redeliveries() int {
	n := 0
	for _, r := range b.deliveries {
		if r.RedeliveryOf > 0 {
			n++
		}
	}
	return n
}

func batchKey(r storage.Record) string {
	if r.Status == model.StatusRejected || r.BatchID == "" {
		return "seq:" + strconv.FormatUint(r.Seq, 10)
	}
	return "batch:" + r.BatchID
}

// catalog is what the interface knows of the capture: its summary records
// grouped into batches, newest first. It never holds a body.
type catalog struct {
	byKey   map[string]*batch
	bySeq   map[uint64]storage.Record
	batches []*batch // newest delivery first
	lastSeq uint64
	count   int
}

func newCatalog() *catalog {
	return &catalog{byKey: map[string]*batch{}, bySeq: map[uint64]storage.Record{}}
}

// add files records, which arrive oldest first, and reorders the batches.
// It returns the keys of the batches that received a delivery.
func (c *catalog) add(records []storage.Record) []string {
	var touched []string
	for _, r := range records {
		if r.Seq <= c.lastSeq {
			continue // already filed: a change signal may overlap a load
		}
		c.lastSeq = r.Seq
		c.count++
		c.bySeq[r.Seq] = r

		key := batchKey(r)
		b, ok := c.byKey[key]
		if !ok {
			b = &batch{key: key}
			c.byKey[key] = b
			c.batches = append(c.batches, b)
		}
		b.deliveries = append(b.deliveries, r)
		touched = append(touched, key)
	}

	sort.SliceStable(c.batches, func(i, j int) bool {
		return c.batches[i].latest().Seq > c.batches[j].latest().Seq
	})
	return touched
}

// before returns the records of the deliveries before seq, oldest first.
func (c *catalog) before(seq uint64) []storage.Record {
	var out []storage.Record
	for s, r := range c.bySeq {
		if s < seq {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// recordsMsg carries summary records read from the store.
type recordsMsg struct {
	records []storage.Record
	initial bool
	err     error
}

// changedMsg says the store holds deliveries the interface has not read.
type changedMsg struct{}

// loadRecords reads every summary record; it runs once, at start.
func loadRecords(store *storage.Store) tea.Cmd {
	return func() tea.Msg {
		records, err := store.Records()
		return recordsMsg{records: records, initial: true, err: err}
	}
}

// loadAfter reads the records newer than seq, after a change signal.
func loadAfter(store *storage.Store, seq uint64) tea.Cmd {
	return func() tea.Msg {
		records, err := store.RecordsAfter(seq)
		return recordsMsg{records: records, err: err}
	}
}

// waitForChange blocks, in its own goroutine, until the store signals a
// new delivery. The store coalesces signals, so a burst of deliveries costs
// one read. It returns nil once the store is closed.
func waitForChange(changes <-chan struct{}) tea.Cmd {
	if changes == nil {
		return nil
	}
	return func() tea.Msg {
		if _, ok := <-changes; !ok {
			return nil
		}
		return changedMsg{}
	}
}

// decoded is the outcome of decoding one delivery's body. The body itself
// is not kept: a large one would double the memory, and only the raw view
// needs it, which reads it again.
type decoded struct {
	payload *model.Payload
	err     error
}

// decodedMsg carries a body decoded in the background.
type decodedMsg struct {
	seq uint64
	decoded
}

// decodeBody decodes the body of delivery seq off the UI goroutine, where
// it lies in the capture file, without copying it first.
func decodeBody(store *storage.Store, seq uint64) tea.Cmd {
	return func() tea.Msg {
		var p *model.Payload
		var decodeErr error
		err := store.ReadBody(seq, func(body []byte) error {
			p, decodeErr = model.Decode(body)
			return nil
		})
		if err != nil {
			return decodedMsg{seq: seq, decoded: decoded{err: fmt.Errorf("read delivery %d: %w", seq, err)}}
		}
		return decodedMsg{seq: seq, decoded: decoded{payload: p, err: decodeErr}}
	}
}

// clientsMsg carries the clients of a large body, read before the rest.
type clientsMsg struct {
	seq uint64
	decoded
}

// decodeClients reads the clients of delivery seq alone, off the UI
// goroutine, so that a large batch lists them in half the time.
func decodeClients(store *storage.Store, seq uint64) tea.Cmd {
	return func() tea.Msg {
		var p *model.Payload
		var decodeErr error
		err := store.ReadBody(seq, func(body []byte) error {
			p, decodeErr = model.DecodeClients(body)
			return nil
		})
		if err != nil {
			return clientsMsg{seq: seq, decoded: decoded{err: fmt.Errorf("read delivery %d: %w", seq, err)}}
		}
		return clientsMsg{seq: seq, decoded: decoded{payload: p, err: decodeErr}}
	}
}

// rawBodyMsg carries a body read for the raw view, with the attempts to
// forward it.
type rawBodyMsg struct {
	seq      uint64
	body     []byte
	forwards []storage.ForwardAttempt
	err      error
}

// readRaw reads the body of delivery seq off the UI goroutine.
func readRaw(store *storage.Store, seq uint64) tea.Cmd {
	return func() tea.Msg {
		body, err := store.Body(seq)
		forwards, _ := store.ForwardAttempts(seq)
		return rawBodyMsg{seq: seq, body: body, forwards: forwards, err: err}
	}
}
