package storage

import (
	"errors"
	"fmt"
	"syscall"

	berrors "go.etcd.io/bbolt/errors"
)

// The sentinel errors below are what callers test with errors.Is. The errors
// this package returns wrap them, but read as a sentence of their own that
// names the file.
var (
	// ErrNotFound means the capture file holds no delivery with that number.
	ErrNotFound = errors.New("delivery not found")

	// ErrLocked means another process holds the capture file's lock.
	ErrLocked = errors.New("capture file is in use by another process")

	// ErrNotCapture means the file cannot be read as a capture: it is not a
	// bbolt file, it belongs to another program, or it is truncated or damaged.
	ErrNotCapture = errors.New("not a clustr-explorer capture file")

	// ErrNewerSchema means the file was written by a newer clustr-explorer
	// whose schema this one does not know.
	ErrNewerSchema = errors.New("capture file was written by a newer clustr-explorer")

	// ErrClosed means the Store has been closed.
	ErrClosed = errors.New("capture file is closed")

	// ErrReadOnly means the Store was opened read-only and cannot store
	// deliveries.
	ErrReadOnly = errors.New("capture file is open read-only")

	// ErrFull means a delivery could not be stored because the capture file
	// may not grow: its disk is full, or it reached Options.MaxSize.
	ErrFull = errors.New("capture file is full")
)

// fileError is an error whose message is written out in full, so that it
// reads as one sentence, while errors.Is and errors.As still reach both its
// sentinel and the error that caused it.
type fileError struct {
	msg   string
	wraps []error
}

// Error returns the sentence.
func (e *fileError) Error() string { return e.msg }

// Unwrap returns the sentinel and the cause, leaving out a missing cause.
func (e *fileError) Unwrap() []error { return e.wraps }

// newFileError builds a fileError from a sentinel, an optional cause and a
// formatted message.
func newFileError(sentinel, cause error, format string, args ...any) error {
	wraps := []error{sentinel}
	if cause != nil {
		wraps = append(wraps, cause)
	}
	return &fileError{msg: fmt.Sprintf(format, args...), wraps: wraps}
}

// notCaptureError says that path cannot be read as a capture, and why.
func notCaptureError(path, reason string, cause error) error {
	return newFileError(ErrNotCapture, cause,
		"%s is not a clustr-explorer capture file: %s", path, reason)
}

// damagedError says that a capture file opened well but then held something
// unreadable. It matches ErrNotCapture too: the file cannot be read as one.
func damagedError(path, reason string, cause error) error {
	return newFileError(ErrNotCapture, cause,
		"capture file %s is damaged: %s", path, reason)
}

// lockedError says that another process holds the lock on path.
func lockedError(path string, cause error) error {
	return newFileError(ErrLocked, cause,
		"capture file %s is in use by another process "+
			"(is clustr-explorer already capturing into it?)", path)
}

// newerSchemaError says that path was written with a schema this build
// cannot read.
func newerSchemaError(path string, schema uint64) error {
	return newFileError(ErrNewerSchema, nil,
		"capture file %s was written by a newer clustr-explorer "+
			"(schema %d, this one reads up to %d); upgrade clustr-explorer to open it",
		path, schema, SchemaVersion)
}

// fullError says that a write to path failed for want of room, or returns
// nil when err is about something else.
func fullError(path string, maxSize int64, err error) error {
	switch {
	case errors.Is(err, berrors.ErrMaxSizeReached):
		return newFileError(ErrFull, err,
			"capture file %s is full: it may not grow past its limit of %d bytes", path, maxSize)
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return newFileError(ErrFull, err,
			"capture file %s is full: no space is left for it on the disk", path)
	}
	return nil
}

// closedError says that the Store for path has been closed.
func closedError(path string) error {
	return newFileError(ErrClosed, nil, "capture file %s is closed", path)
}

// closedBeforeStoredError says that the Store for path was closed while a
// delivery waited for its commit, so it was not stored.
func closedBeforeStoredError(path string) error {
	return newFileError(ErrClosed, nil,
		"capture file %s was closed before the delivery could be stored", path)
}
