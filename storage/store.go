// Package storage is the bbolt capture file: every delivery the listener
// receives is written here before it is answered, and the interface lists and
// opens deliveries from here, live or later from a saved file.
//
// A capture file has four buckets. meta holds the schema version and who
// wrote the file. deliveries maps each delivery's sequence number (8 bytes,
// big-endian) to a small JSON Record. bodies maps the same key to the raw
// body. Keeping bodies apart lets ten thousand deliveries be listed without
// reading one of them. redeliveries maps a job id, a zero byte and the
// SHA-256 of a body to the number of the first delivery of that body for
// that job, so that Append can mark the ones Clustr sends again; files
// written before it existed lack it, and gain it when opened for writing.
//
// Appends are committed in groups: every Append waiting when a commit
// starts shares its transaction and its fsync, so concurrent senders are
// not held to one commit each.
package storage

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"

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
	bucketMeta         = []byte("meta")
	bucketDeliveries   = []byte("deliveries")
	bucketBodies       = []byte("bodies")
	bucketRedeliveries = []byte("redeliveries")

	metaSchema    = []byte("schema")
	metaCreatedAt = []byte("created_at")
	metaApp       = []byte("app")

	// metaIndexedThrough is the number of the last delivery that the
	// redeliveries bucket accounts for, in decimal. A clustr-explorer that
	// predates the bucket appends without updating either, and the gap this
	// leaves is filled when the file is next opened for writing.
	metaIndexedThrough = []byte("redeliveries_indexed_through")
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
	maxSize  int64

	// mu guards closed, subscribers and the append queue, so that no signal
	// is ever sent on a channel that Close or a cancel has closed, and no
	// Append is queued after Close has answered the waiting ones.
	mu          sync.Mutex
	closed      bool
	subscribers map[chan struct{}]struct{}

	// queue holds the appends waiting for the committer, oldest first; wake
	// tells the committer that it is not empty, and Close closes it to stop
	// the committer, which then closes committerDone. A read-only Store has
	// no committer and these stay nil.
	queue         []*pendingAppend
	wake          chan struct{}
	committerDone chan struct{}

	// commits counts the write transactions the committer has run, so that
	// tests can see appends share them.
	commits atomic.Uint64
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

// Close closes every subscriber's channel and then the file. A commit in
// progress finishes, and its appends return as it went; appends still
// waiting for a commit return an error wrapping ErrClosed. Closing a closed
// Store does nothing.
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
	if s.wake != nil {
		close(s.wake)
	}
	s.mu.Unlock()

	if s.committerDone != nil {
		<-s.committerDone
	}

	// The committer has stopped and no Append can queue any more, so the
	// appends left in the queue would wait for ever: refuse them.
	s.mu.Lock()
	waiting := s.queue
	s.queue = nil
	s.mu.Unlock()
	refusal := closedBeforeStoredError(s.path)
	for _, p := range waiting {
		p.answer(refusal)
	}

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
	if full := fullError(s.path, s.maxSize, err); full != nil {
		return full
	}

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
