package storage

import (
	"errors"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// WriteSnapshot writes to w a copy of the capture file as it stands at one
// commit, while deliveries go on being appended, and returns the number of
// bytes written. The copy is a capture file of its own. It is taken inside
// a read transaction, never by copying bytes from under the writer; a file
// that must grow meanwhile waits for the copy to end.
func (s *Store) WriteSnapshot(w io.Writer) (int64, error) {
	var n int64
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		// Errors about the file itself name it already.
		var named *fileError
		if !errors.As(err, &named) {
			err = fmt.Errorf("copy capture %s: %w", s.path, err)
		}
	}
	return n, err
}
