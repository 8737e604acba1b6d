package storage

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strconv"

	jsonv2 "github.com/go-json-experiment/json"
	bolt "go.etcd.io/bbolt"

	"github.com/clustr/clustr-explorer/model"
)

// maxIndexedJobID is the longest job id that fits in a redeliveries key
// beside its separator and hash. Clustr's ids are far shorter; a delivery
// with a longer one is stored, but never marked.
const maxIndexedJobID = bolt.MaxKeySize - 1 - sha256.Size

// redeliveryKey returns the key of a delivery in the redeliveries bucket:
// its job id, a zero byte and the SHA-256 of its body. It returns nil for a
// delivery that is never marked: one without a job id, or rejected, whose
// job id if any was not read from a payload Clustr vouches for.
func redeliveryKey(jobID, status string, body []byte) []byte {
	if jobID == "" || status == model.StatusRejected || len(jobID) > maxIndexedJobID {
		return nil
	}

	sum := sha256.Sum256(body)
	key := make([]byte, 0, len(jobID)+1+len(sum))
	key = append(key, jobID...)
	key = append(key, 0)
	return append(key, sum[:]...)
}

// markRedelivery looks key up in index. If an earlier delivery holds it,
// markRedelivery returns that delivery's number; otherwise it records the
// delivery at seqKey as the first and returns 0. A nil key is left alone.
func markRedelivery(index *bolt.Bucket, key, seqKey []byte) (uint64, error) {
	if key == nil {
		return 0, nil
	}

	// A value that is not a number can only come from a damaged file; the
	// delivery at hand takes its place rather than every later delivery of
	// the job failing on it.
	if first, ok := keySeq(index.Get(key)); ok {
		return first, nil
	}
	if err := index.Put(key, seqKey); err != nil {
		return 0, fmt.Errorf("write redelivery index: %w", err)
	}
	return 0, nil
}

// indexRedeliveries brings the redeliveries bucket up to date before the
// Store starts appending: a file written before the bucket existed gets it,
// filled from the deliveries already stored, and one that an older
// clustr-explorer appended to gets the deliveries it left out. Without this,
// the first redelivery of a job captured before an upgrade would not be
// marked.
func (s *Store) indexRedeliveries() error {
	// Look first: most opens find the index up to date, and a write
	// transaction would cost an fsync and touch the file for nothing.
	var behind bool
	err := s.view(func(tx *bolt.Tx) error {
		_, behind = indexStart(tx)
		return nil
	})
	if err != nil || !behind {
		return err
	}

	err = s.update(s.catchUpIndex)
	if err != nil {
		return fmt.Errorf("index the deliveries of %s: %w", s.path, err)
	}
	return nil
}

// indexStart returns the number of the first delivery that the
// redeliveries bucket does not account for, and whether the bucket is
// missing or behind the deliveries.
func indexStart(tx *bolt.Tx) (first uint64, behind bool) {
	deliveries := tx.Bucket(bucketDeliveries)
	if tx.Bucket(bucketRedeliveries) == nil {
		return 1, true
	}

	// A missing or unreadable count means nothing was indexed.
	raw := tx.Bucket(bucketMeta).Get(metaIndexedThrough)
	through, _ := strconv.ParseUint(string(raw), 10, 64)
	return through + 1, through < deliveries.Sequence()
}

// catchUpIndex creates the redeliveries bucket if tx lacks it and indexes
// the deliveries it does not account for. It marks none of them: records
// already written stay as they are.
func (s *Store) catchUpIndex(tx *bolt.Tx) error {
	first, _ := indexStart(tx)

	index, err := tx.CreateBucketIfNotExists(bucketRedeliveries)
	if err != nil {
		return fmt.Errorf("create %s bucket: %w", bucketRedeliveries, err)
	}
	deliveries, err := s.bucket(tx, bucketDeliveries)
	if err != nil {
		return err
	}
	bodies, err := s.bucket(tx, bucketBodies)
	if err != nil {
		return err
	}

	c := deliveries.Cursor()
	for k, v := c.Seek(seqKey(first)); k != nil; k, v = c.Next() {
		// Only the two fields the key needs. A record that cannot be read
		// is left out of the index rather than keeping the file from
		// being written to; reading it says what is wrong.
		var head struct {
			Status string `json:"status"`
			JobID  string `json:"job_id"`
		}
		if jsonv2.Unmarshal(v, &head, recordDecoding) != nil {
			continue
		}

		// A copy of k: bbolt keeps the value given to Put, and k points
		// into the mapped file.
		key := redeliveryKey(head.JobID, head.Status, bodies.Get(k))
		if _, err := markRedelivery(index, key, bytes.Clone(k)); err != nil {
			return err
		}
	}

	through := strconv.FormatUint(deliveries.Sequence(), 10)
	meta, err := s.bucket(tx, bucketMeta)
	if err != nil {
		return err
	}
	if err := meta.Put(metaIndexedThrough, []byte(through)); err != nil {
		return fmt.Errorf("write meta %s: %w", metaIndexedThrough, err)
	}
	return nil
}
