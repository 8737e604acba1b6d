package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// defaultLockTimeout is how long Open waits for another process's lock when
// Options.Timeout is zero: long enough to ride out a brief overlap, short
// enough that a user learns within a second that the file is in use.
const defaultLockTimeout = 500 * time.Millisecond

// Options says how Open treats the file.
type Options struct {
	// ReadOnly opens an existing file for reading only; the file is never
	// created or modified.
	ReadOnly bool

	// Timeout is how long to wait for another process's lock; 0 means 500ms
	// and a negative value fails at once.
	Timeout time.Duration

	// MaxSize, when above 0, is the size in bytes past which a writable
	// Store may not grow the file. An Append that needs the file to grow
	// further fails with an error wrapping ErrFull, as on a full disk, and
	// leaves nothing behind. bbolt grows the file in steps (doubling up to
	// 16 MiB, then 16 MiB at a time), so it stops short of MaxSize by up to
	// one step. A file already larger opens, and only its free pages are
	// written to.
	MaxSize int64
}

// contents is what Open found inside a bbolt file.
type contents int

const (
	// contentsCapture is a capture file this package can read.
	contentsCapture contents = iota

	// contentsBlank is a bbolt file with no buckets at all: one that bbolt
	// created but whose first transaction never ran, so it holds nothing.
	contentsBlank
)

// Open opens the capture file at path.
//
// For writing, a missing file is created (mode 0600) with its buckets and
// meta; so is an empty file or a bbolt file with nothing in it. Read-only, the
// file must exist and be a capture, and nothing is ever written to it.
//
// The errors wrap ErrLocked, ErrNotCapture or ErrNewerSchema, or the
// file system's error, and say which file they are about.
func Open(path string, opts Options) (*Store, error) {
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = defaultLockTimeout
	}

	// bbolt would create a missing file even when asked to read it, and
	// would write its first pages into an empty one: look before it does.
	info, err := os.Stat(path)
	exists := err == nil
	switch {
	case errors.Is(err, fs.ErrNotExist) && opts.ReadOnly:
		return nil, newFileError(err, nil, "open capture %s: no such file", path)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("open capture %s: %w", path, err)
	case exists && info.IsDir():
		return nil, fmt.Errorf("open capture %s: it is a directory", path)
	}

	if opts.ReadOnly {
		return openReadOnly(path, info.Size(), timeout)
	}
	return openWritable(path, exists && info.Size() > 0, timeout, opts.MaxSize)
}

// openReadOnly opens an existing file for reading and checks that it is a
// capture.
func openReadOnly(path string, size int64, timeout time.Duration) (*Store, error) {
	if size == 0 {
		return nil, notCaptureError(path, "it is empty", nil)
	}

	db, err := openBolt(path, true, timeout, 0)
	if err != nil {
		return nil, err
	}

	s := newStore(db, path, true)
	found, err := s.inspect()
	if err == nil && found == contentsBlank {
		err = notCaptureError(path, "it is a bbolt file that holds nothing", nil)
	}
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// openWritable opens or creates a capture file for writing, brings its
// redeliveries index up to date and starts its committer.
func openWritable(path string, existing bool, timeout time.Duration, maxSize int64) (
	*Store, error,
) {
	// bbolt's write-mode open reads pages that a truncated file lacks and can
	// write to the file (it rebuilds a missing freelist), so an existing file
	// is first looked at read-only and only opened for writing once it is
	// known to be a capture. The shared lock taken for the look also reports
	// a writer in another process.
	if existing {
		if err := probe(path, timeout); err != nil {
			return nil, err
		}
	}

	db, err := openBolt(path, false, timeout, maxSize)
	if err != nil {
		return nil, err
	}

	s := newStore(db, path, false)
	s.maxSize = maxSize
	found, err := s.inspect()
	if err == nil {
		err = s.makeWritable(found)
	}
	if err != nil {
		_ = db.Close()
		return nil, err
	}

	s.startCommitter()
	return s, nil
}

// makeWritable readies an inspected file for appends: a blank one becomes a
// capture, and a capture's redeliveries index is brought up to date.
func (s *Store) makeWritable(found contents) error {
	if found == contentsBlank {
		if err := s.update(initialise); err != nil {
			return fmt.Errorf("create capture %s: %w", s.path, err)
		}
		return nil
	}
	return s.indexRedeliveries()
}

// probe checks, through a read-only open, that an existing file is a capture
// or a blank bbolt file that may become one.
func probe(path string, timeout time.Duration) error {
	db, err := openBolt(path, true, timeout, 0)
	if err != nil {
		return err
	}

	_, err = newStore(db, path, true).inspect()
	if closeErr := db.Close(); err == nil && closeErr != nil {
		err = fmt.Errorf("open capture %s: %w", path, closeErr)
	}
	return err
}

// openBolt opens path with bbolt and turns its errors into ours. It survives
// bbolt panicking or faulting on a damaged file. maxSize is Options.MaxSize.
func openBolt(path string, readOnly bool, timeout time.Duration, maxSize int64) (
	db *bolt.DB, err error,
) {
	// Keep the file bbolt opens: if bbolt panics it loses its handle, and
	// only closing the file releases the lock it holds.
	var file *os.File
	opts := &bolt.Options{
		Timeout:  timeout,
		ReadOnly: readOnly,
		MaxSize:  int(min(maxSize, math.MaxInt)),
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, perm)
			file = f
			return f, err
		},
	}

	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if file != nil {
				_ = file.Close()
			}
			db, err = nil, notCaptureError(path, describePanic(r), nil)
		}
	}()

	db, err = bolt.Open(path, 0o600, opts)
	if err != nil {
		return nil, openError(path, err)
	}
	return db, nil
}

// openError turns an error from bolt.Open into one that says what is wrong
// with the file.
func openError(path string, err error) error {
	var pathErr *fs.PathError
	var errno syscall.Errno
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return lockedError(path, err)
	case errors.As(err, &pathErr):
		// The path error repeats the path; say it once.
		return newFileError(err, nil, "open capture %s: %v", path, pathErr.Err)
	case errors.As(err, &errno):
		return fmt.Errorf("open capture %s: %w", path, err)
	case errors.Is(err, berrors.ErrInvalid):
		return notCaptureError(path, "it is not a bbolt database", err)
	case errors.Is(err, berrors.ErrVersionMismatch):
		return notCaptureError(path, "it is a bbolt database of another version", err)
	case errors.Is(err, berrors.ErrChecksum):
		return notCaptureError(path, "its header is damaged", err)
	}

	// bbolt has no sentinel for a file shorter than its two header pages,
	// only this message; anything else left is described by its own.
	if strings.HasPrefix(err.Error(), "file size too small") {
		return notCaptureError(path, "it is too short to be a bbolt database", err)
	}
	return notCaptureError(path, err.Error(), err)
}

// inspect reports what the open file holds, and fails unless it is a capture
// of a schema this package reads or a blank bbolt file.
func (s *Store) inspect() (contents, error) {
	// bbolt maps the file without checking that it is as long as its header
	// says; a truncated file would fault on the first page past the end.
	info, err := os.Stat(s.path)
	if err != nil {
		return 0, fmt.Errorf("open capture %s: %w", s.path, err)
	}

	found := contentsCapture
	err = s.view(func(tx *bolt.Tx) error {
		if tx.Size() > info.Size() {
			return notCaptureError(s.path, fmt.Sprintf(
				"it is truncated (%d of its %d bytes are present)", info.Size(), tx.Size()), nil)
		}

		if k, _ := tx.Cursor().First(); k == nil {
			found = contentsBlank
			return nil
		}
		return s.checkMeta(tx)
	})
	return found, err
}

// checkMeta checks that tx holds a capture of a schema this package reads.
func (s *Store) checkMeta(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil || meta.Get(metaApp) == nil {
		return notCaptureError(s.path, "it has no clustr-explorer metadata", nil)
	}

	// %q, because the name came from the file and may hold anything.
	if app := meta.Get(metaApp); string(app) != appName {
		return notCaptureError(s.path, fmt.Sprintf("it was written by %q", app), nil)
	}

	raw := meta.Get(metaSchema)
	schema, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil || schema == 0 {
		return notCaptureError(s.path, fmt.Sprintf("its schema version %q is not valid", raw), err)
	}
	if schema > SchemaVersion {
		return newerSchemaError(s.path, schema)
	}

	for _, name := range [][]byte{bucketDeliveries, bucketBodies} {
		if tx.Bucket(name) == nil {
			return notCaptureError(s.path, fmt.Sprintf("it has no %s bucket", name), nil)
		}
	}
	return nil
}

// initialise writes the buckets and meta of a new capture file.
func initialise(tx *bolt.Tx) error {
	meta, err := tx.CreateBucket(bucketMeta)
	if err != nil {
		return fmt.Errorf("create meta bucket: %w", err)
	}

	created := time.Now().UTC().Format(time.RFC3339Nano)
	for _, kv := range [][2]string{
		{string(metaSchema), strconv.Itoa(SchemaVersion)},
		{string(metaCreatedAt), created},
		{string(metaApp), appName},
	} {
		if err := meta.Put([]byte(kv[0]), []byte(kv[1])); err != nil {
			return fmt.Errorf("write meta %s: %w", kv[0], err)
		}
	}

	for _, name := range [][]byte{bucketDeliveries, bucketBodies, bucketRedeliveries} {
		if _, err := tx.CreateBucket(name); err != nil {
			return fmt.Errorf("create %s bucket: %w", name, err)
		}
	}
	return nil
}
