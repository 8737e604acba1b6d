// Package storage is the bbolt capture file: every delivery the listener
// receives is written here before it is answered, and the interface lists and
// opens deliveries from here, live or later from a saved file.
//
// A capture file has three buckets. meta holds the schema version and who
// wrote the file. deliveries maps each delivery's sequence number (8 bytes,
// big-endian) to a small JSON Record. bodies maps the same key to the raw
// body. Keeping bodies apart lets ten thousand deliveries be listed without
// reading one of them.
package storage

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the capture file layout this package writes, and the
// newest it reads.
const SchemaVersion = 1

// appName is what the meta bucket's app key holds in every capture file.
const appName = "clustr-explorer"

// The names of the buckets and of the meta keys.
var (
	bucketMeta       = []byte("meta")
	bucketDeliveries = []byte("deliveries")
	bucketBodies     = []byte("bodies")

	metaSchema    = []byte("schema")
	metaCreatedAt = []byte("created_at")
	metaApp       = []byte("app")
)

// appendFillPercent packs the delivery and body pages nearly full. Keys only
// ever grow, so a page once split is never written again, and bbolt's default
// of half-full pages would double the file for nothing.
const appendFillPercent = 0.9

// Store is an open capture file. Its methods are safe for concurrent use.
type Store struct {
	db       *bolt.DB
	path     string
	readOnly bool

	// mu guards closed and subscribers, so that no signal is ever sent on a
	// channel that Close or a cancel has closed.
	mu          sync.Mutex
	closed      bool
	subscribers map[chan struct{}]struct{}
}

// newStore wraps an open bbolt database.
func newStore(db *bolt.DB, path string, readOnly bool) *Store {
	return &Store{
		db:          db,
		path:        path,
		readOnly:    readOnly,
		subscribers: make(map[chan struct{}]struct{}),
	}
}

// Path returns the path the Store was opened with.
func (s *Store) Path() string { return s.path }

// ReadOnly reports whether the Store was opened read-only.
func (s *Store) ReadOnly() bool { return s.readOnly }

// Close closes every subscriber's channel and then the file, waiting for
// transactions in progress to finish. Closing a closed Store does nothing.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for ch := range s.subscribers {
		close(ch)
	}
	clear(s.subscribers)
	s.mu.Unlock()

	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close capture %s: %w", s.path, err)
	}
	return nil
}

// view runs fn in a read transaction. A damaged file can make bbolt panic or
// touch memory past the end of the mapped file; view turns both into an error
// instead of bringing the program down.
func (s *Store) view(fn func(tx *bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = damagedError(s.path, describePanic(r), nil)
		}
	}()

	return s.translate(s.db.View(fn))
}

// update runs fn in a write transaction and commits it durably, with the
// same protection against damaged files as view. bbolt rolls the transaction
// back when fn fails or panics, so nothing of it reaches the file.
func (s *Store) update(fn func(tx *bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = damagedError(s.path, describePanic(r), nil)
		}
	}()

	return s.translate(s.db.Update(fn))
}

// describePanic says what a recovered panic from bbolt means for the file.
func describePanic(r any) string {
	// With SetPanicOnFault, a fault on the mapped file panics with an error
	// that has an Addr method: bbolt followed a page the file does not hold.
	if _, ok := r.(interface{ Addr() uintptr }); ok {
		return "part of it is missing (was it cut short?)"
	}
	return fmt.Sprint(r)
}

// translate turns bbolt's errors about the database's state into ours.
func (s *Store) translate(err error) error {
	switch {
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return closedError(s.path)
	case errors.Is(err, berrors.ErrDatabaseReadOnly), errors.Is(err, berrors.ErrTxNotWritable):
		return newFileError(ErrReadOnly, err, "capture file %s is open read-only", s.path)
	}
	return err
}

// bucket returns one of the capture buckets of tx. Open has checked that they
// exist, so a missing one means the file changed under us or is damaged.
func (s *Store) bucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	b := tx.Bucket(name)
	if b == nil {
		return nil, damagedError(s.path, fmt.Sprintf("it has no %s bucket", name), nil)
	}
	return b, nil
}
