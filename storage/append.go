package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Append stores one delivery: its record and its body, committed durably
// (fsync) before it returns, so that a listener may acknowledge the delivery
// as soon as Append succeeds. A failed Append leaves nothing of the delivery
// in the file.
//
// Appends from many goroutines share commits: the Store's committer writes
// every Append waiting when it starts a transaction in that one transaction,
// and starts as soon as there is one, never waiting for company. When the
// transaction fails (a full disk, for example, with an error wrapping
// ErrFull), every Append in it fails and none of them is in the file. A
// record that cannot be encoded fails only its own Append.
//
// Append numbers the delivery 1, 2, 3... (rec.Seq is ignored), sets
// RedeliveryOf when the same body was stored before for the same job (the
// given value is ignored), sets BodySize from body, sets a zero ReceivedAt
// to now, and stores ReceivedAt in UTC. It returns the record as stored,
// exactly as Record will read it back. body is not kept after Append
// returns. Every subscriber is signalled after the commit.
//
// TODO: bodies are not chunked, so bbolt copies a 176 MB one twice: 430 MB and 2-3 s.
func (s *Store) Append(rec Record, body []byte) (Record, error) {
	if s.readOnly {
		return Record{}, newFileError(ErrReadOnly, nil,
			"capture file %s is open read-only; it cannot store deliveries", s.path)
	}

	p, err := s.prepare(rec, body)
	if err != nil {
		return Record{}, fmt.Errorf("store delivery in %s: %w", s.path, err)
	}

	if err := s.enqueue(p); err != nil {
		return Record{}, err
	}
	return s.await(p)
}

// await waits for the commit of a queued append and returns its record as
// stored.
func (s *Store) await(p *pendingAppend) (Record, error) {
	<-p.done

	if err := p.err; err != nil {
		// Errors about the file itself name it already.
		var named *fileError
		if !errors.As(err, &named) {
			err = fmt.Errorf("store delivery in %s: %w", s.path, err)
		}
		return Record{}, err
	}

	// Decode what was written, the way readers do, so that the caller holds
	// exactly what they will see (JSON compacts Custom and drops empty maps,
	// for example).
	return s.decodeRecord(seqKey(p.seq), p.stored)
}

// prepare does, on the caller's goroutine, all of an append that needs no
// transaction: it fills in the record, encodes it and hashes the body, and
// checks that bbolt will take both, so that one bad delivery fails alone
// instead of failing the whole commit it would have joined.
func (s *Store) prepare(rec Record, body []byte) (*pendingAppend, error) {
	if rec.ReceivedAt.IsZero() {
		rec.ReceivedAt = time.Now()
	}
	rec.ReceivedAt = rec.ReceivedAt.UTC()
	rec.BodySize = int64(len(body))

	// The committer writes in the numbers; see withNumbers.
	rec.Seq, rec.RedeliveryOf = 0, 0
	encoded, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	if !hasSeqPrefix(encoded) {
		return nil, fmt.Errorf("encode record: it begins %.20q, not with its number", encoded)
	}

	if int64(len(encoded)+numbersRoom) > bolt.MaxValueSize {
		return nil, fmt.Errorf("its record is %d bytes, over bbolt's limit of %d",
			len(encoded), bolt.MaxValueSize)
	}
	if int64(len(body)) > bolt.MaxValueSize {
		return nil, fmt.Errorf("its body is %d bytes, over bbolt's limit of %d",
			len(body), bolt.MaxValueSize)
	}

	return &pendingAppend{
		encoded:  encoded,
		body:     body,
		indexKey: redeliveryKey(rec.JobID, rec.Status, body),
		done:     make(chan struct{}),
	}, nil
}
