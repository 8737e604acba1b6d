package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Append stores one delivery: its record and its body, in one transaction
// that it commits durably (fsync) before returning, so that a listener may
// acknowledge the delivery as soon as Append succeeds. A failed Append leaves
// nothing of the delivery in the file.
//
// Append numbers the delivery 1, 2, 3... (rec.Seq is ignored), sets BodySize
// from body, sets a zero ReceivedAt to now, and stores ReceivedAt in UTC. It
// returns the record as stored, exactly as Record will read it back. body is
// not kept after Append returns. Every subscriber is signalled after the
// commit.
func (s *Store) Append(rec Record, body []byte) (Record, error) {
	if s.readOnly {
		return Record{}, newFileError(ErrReadOnly, nil,
			"capture file %s is open read-only; it cannot store deliveries", s.path)
	}

	if rec.ReceivedAt.IsZero() {
		rec.ReceivedAt = time.Now()
	}
	rec.ReceivedAt = rec.ReceivedAt.UTC()
	rec.BodySize = int64(len(body))

	var encoded []byte
	err := s.update(func(tx *bolt.Tx) error {
		deliveries, err := s.bucket(tx, bucketDeliveries)
		if err != nil {
			return err
		}
		bodies, err := s.bucket(tx, bucketBodies)
		if err != nil {
			return err
		}
		deliveries.FillPercent = appendFillPercent
		bodies.FillPercent = appendFillPercent

		// The sequence lives in the bucket and is rolled back with the
		// transaction, so a failed Append leaves no gap in the numbers.
		if rec.Seq, err = deliveries.NextSequence(); err != nil {
			return fmt.Errorf("number delivery: %w", err)
		}
		if encoded, err = json.Marshal(rec); err != nil {
			return fmt.Errorf("encode record: %w", err)
		}

		key := seqKey(rec.Seq)
		if err := deliveries.Put(key, encoded); err != nil {
			return fmt.Errorf("write record: %w", err)
		}
		if err := bodies.Put(key, body); err != nil {
			return fmt.Errorf("write body: %w", err)
		}
		return nil
	})
	if err != nil {
		// Errors about the file itself name it already.
		var named *fileError
		if !errors.As(err, &named) {
			err = fmt.Errorf("store delivery in %s: %w", s.path, err)
		}
		return Record{}, err
	}

	s.notify()

	// Decode what was written, the way readers do, so that the caller holds
	// exactly what they will see (JSON compacts Custom and drops empty maps,
	// for example).
	return s.decodeRecord(seqKey(rec.Seq), encoded)
}
