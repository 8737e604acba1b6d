package storage

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketForwards maps a delivery's number to the JSON list of the attempts
// made to forward it (listen --forward). Files written before forwarding
// existed lack it; it is made by the first attempt recorded, and a file
// without it simply has no attempts.
var bucketForwards = []byte("forwards")

// ForwardAttempt is one try at relaying a stored delivery to the user's own
// application.
type ForwardAttempt struct {
	// Attempt counts the tries for one delivery from 1.
	Attempt int `json:"attempt"`

	// At is when the attempt started, in UTC.
	At time.Time `json:"at"`

	// Duration is how long it took to get an answer or to fail.
	Duration time.Duration `json:"duration_ns"`

	// Status is the HTTP status answered; 0 when none came back.
	Status int `json:"status,omitempty"`

	// Error says why the attempt failed, as in "503 Service Unavailable"
	// or "connection refused"; empty for a success.
	Error string `json:"error,omitempty"`
}

// OK reports whether the attempt delivered: a 2xx answer.
func (a ForwardAttempt) OK() bool { return a.Error == "" && a.Status >= 200 && a.Status < 300 }

// AddForwardAttempt appends a to the attempts recorded for delivery seq and
// commits durably. The delivery must be stored; an unknown seq is an error
// wrapping ErrNotFound.
func (s *Store) AddForwardAttempt(seq uint64, a ForwardAttempt) error {
	if s.readOnly {
		return newFileError(ErrReadOnly, nil,
			"capture file %s is open read-only; it cannot record forwards", s.path)
	}
	a.At = a.At.UTC()

	err := s.update(func(tx *bolt.Tx) error {
		deliveries, err := s.bucket(tx, bucketDeliveries)
		if err != nil {
			return err
		}
		key := seqKey(seq)
		if deliveries.Get(key) == nil {
			return s.notFound(seq)
		}

		forwards, err := tx.CreateBucketIfNotExists(bucketForwards)
		if err != nil {
			return fmt.Errorf("create %s bucket: %w", bucketForwards, err)
		}
		attempts, err := s.decodeAttempts(seq, forwards.Get(key))
		if err != nil {
			return err
		}

		encoded, err := json.Marshal(append(attempts, a))
		if err != nil {
			return fmt.Errorf("encode forward attempt: %w", err)
		}
		return forwards.Put(key, encoded)
	})
	if err != nil {
		return fmt.Errorf("record forward of delivery %d: %w", seq, err)
	}
	return nil
}

// ForwardAttempts returns the attempts recorded for delivery seq, oldest
// first; none for a delivery never forwarded or a file without forwards.
func (s *Store) ForwardAttempts(seq uint64) ([]ForwardAttempt, error) {
	var attempts []ForwardAttempt
	err := s.view(func(tx *bolt.Tx) error {
		forwards := tx.Bucket(bucketForwards)
		if forwards == nil {
			return nil
		}
		var err error
		attempts, err = s.decodeAttempts(seq, forwards.Get(seqKey(seq)))
		return err
	})
	if err != nil {
		return nil, err
	}
	return attempts, nil
}

// decodeAttempts decodes the stored list of attempts of delivery seq; nil
// value is an empty list. Unmarshal copies, so the list outlives the
// transaction.
func (s *Store) decodeAttempts(seq uint64, value []byte) ([]ForwardAttempt, error) {
	if value == nil {
		return nil, nil
	}
	var attempts []ForwardAttempt
	if err := json.Unmarshal(value, &attempts); err != nil {
		return nil, damagedError(s.path,
			fmt.Sprintf("the forwards of delivery %d cannot be decoded: %v", seq, err), err)
	}
	return attempts, nil
}
