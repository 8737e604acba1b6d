package storage

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// The bounds of one group commit. A transaction holds its dirty pages in
// memory until it commits, and every caller in it waits for the last write,
// so a commit takes at most this many appends, and no more bodies than
// maxCommitBodyBytes unless its first append alone is larger.
const (
	maxCommitAppends   = 256
	maxCommitBodyBytes = 64 << 20
)

// encodedSeqPrefix is how every record encoded with a zero Seq and a zero
// RedeliveryOf begins: Seq is Record's first field and RedeliveryOf, second,
// is left out when zero.
var encodedSeqPrefix = []byte(`{"seq":0`)

// numbersRoom is the most that withNumbers adds to a record: two numbers of
// up to 20 digits, and the name of the second.
const numbersRoom = 2*20 + len(`,"redelivery_of":`)

// pendingAppend is one Append waiting for the committer: what to write, and
// once done is closed, how it went.
type pendingAppend struct {
	// encoded is the record as JSON with Seq and RedeliveryOf zero; the
	// committer writes in the numbers it picks.
	encoded []byte
	body    []byte

	// indexKey is the delivery's key in the redeliveries bucket, or nil if
	// the delivery is never marked.
	indexKey []byte

	// The outcome, set by the committer or by Close before closing done.
	// stored is the record as written, valid only when err is nil.
	stored []byte
	seq    uint64
	err    error
	done   chan struct{}
}

// answer tells the waiting Append how its commit went.
func (p *pendingAppend) answer(err error) {
	p.err = err
	close(p.done)
}

// startCommitter starts the goroutine that commits queued appends. Only a
// writable Store has one.
func (s *Store) startCommitter() {
	s.wake = make(chan struct{}, 1)
	s.committerDone = make(chan struct{})
	go s.commitQueued()
}

// enqueue hands appends to the committer, all at once, or fails if the
// Store is closed. Append hands one; tests hand several to have them share
// a commit.
func (s *Store) enqueue(appends ...*pendingAppend) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return closedError(s.path)
	}
	s.queue = append(s.queue, appends...)

	// Under mu, so that Close cannot close wake in between. A pending
	// signal already covers this append.
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// commitQueued is the committer: it commits whatever is queued the moment
// it wakes, without waiting for more, and again for what queued meanwhile,
// until Close closes wake.
func (s *Store) commitQueued() {
	defer close(s.committerDone)

	for range s.wake {
		for {
			batch := s.takeBatch()
			if len(batch) == 0 {
				break
			}
			s.commit(batch)
		}
	}
}

// takeBatch removes from the queue the appends for the next commit: the
// oldest, and as many after it as the bounds allow. It takes none once the
// Store is closed, leaving them for Close to refuse.
func (s *Store) takeBatch() []*pendingAppend {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return nil
	}

	n, bodyBytes := 0, 0
	for n < len(s.queue) && n < maxCommitAppends {
		bodyBytes += len(s.queue[n].body)
		if n > 0 && bodyBytes > maxCommitBodyBytes {
			break
		}
		n++
	}

	batch := slices.Clone(s.queue[:n])
	// Delete clears the slots it frees, so the queue keeps no body alive.
	s.queue = slices.Delete(s.queue, 0, n)
	return batch
}

// commit writes batch in one transaction, signals the subscribers if it
// committed, and then answers every append in it.
func (s *Store) commit(batch []*pendingAppend) {
	err := s.update(func(tx *bolt.Tx) error { return s.writeBatch(tx, batch) })
	s.commits.Add(1)

	if err == nil {
		// Before the answers, so that a subscriber has its signal by the
		// time an Append returns.
		s.notify()
	}
	for _, p := range batch {
		p.answer(err)
	}
}

// writeBatch numbers, marks and writes the appends of batch in tx. Append
// has checked each of them already, so an error here is about the
// transaction, and fails all of them.
func (s *Store) writeBatch(tx *bolt.Tx, batch []*pendingAppend) error {
	deliveries, err := s.bucket(tx, bucketDeliveries)
	if err != nil {
		return err
	}
	bodies, err := s.bucket(tx, bucketBodies)
	if err != nil {
		return err
	}
	index, err := s.bucket(tx, bucketRedeliveries)
	if err != nil {
		return err
	}
	meta, err := s.bucket(tx, bucketMeta)
	if err != nil {
		return err
	}
	deliveries.FillPercent = appendFillPercent
	bodies.FillPercent = appendFillPercent

	for _, p := range batch {
		// The sequence lives in the bucket and is rolled back with the
		// transaction, so a failed commit leaves no gap in the numbers.
		if p.seq, err = deliveries.NextSequence(); err != nil {
			return fmt.Errorf("number delivery: %w", err)
		}
		key := seqKey(p.seq)

		// An earlier append of this batch is already in the index, so a
		// body sent twice within one commit is marked too.
		var first uint64
		if first, err = markRedelivery(index, p.indexKey, key); err != nil {
			return err
		}

		p.stored = withNumbers(p.encoded, p.seq, first)
		if err := deliveries.Put(key, p.stored); err != nil {
			return fmt.Errorf("write record: %w", err)
		}
		if err := bodies.Put(key, p.body); err != nil {
			return fmt.Errorf("write body: %w", err)
		}
	}

	last := strconv.FormatUint(batch[len(batch)-1].seq, 10)
	if err := meta.Put(metaIndexedThrough, []byte(last)); err != nil {
		return fmt.Errorf("write meta %s: %w", metaIndexedThrough, err)
	}
	return nil
}

// withNumbers returns encoded, a record encoded with a zero Seq and no
// RedeliveryOf, with seq and redeliveryOf written in. Encoding the record
// once more inside the transaction would be simpler, but every append of a
// group would then wait for the others' encoding on the one committer;
// Append encodes on its own goroutine instead, and this costs one copy.
func withNumbers(encoded []byte, seq, redeliveryOf uint64) []byte {
	rest := encoded[len(encodedSeqPrefix):]

	out := make([]byte, 0, len(encoded)+numbersRoom)
	out = append(out, `{"seq":`...)
	out = strconv.AppendUint(out, seq, 10)
	if redeliveryOf != 0 {
		out = append(out, `,"redelivery_of":`...)
		out = strconv.AppendUint(out, redeliveryOf, 10)
	}
	return append(out, rest...)
}

// hasSeqPrefix reports whether encoded starts as withNumbers expects. It
// always does for a Record; the check keeps a change to Record's fields
// from silently writing records that say the wrong number.
func hasSeqPrefix(encoded []byte) bool {
	if !bytes.HasPrefix(encoded, encodedSeqPrefix) {
		return false
	}
	next := encoded[len(encodedSeqPrefix):]
	return len(next) > 0 && (next[0] == ',' || next[0] == '}')
}
