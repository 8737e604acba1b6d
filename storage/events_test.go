package storage

import (
	"path/filepath"
	"testing"
	"time"
)

// openTemp opens a new capture for writing and closes it when the test ends.
func openTemp(t *testing.T) *Store {
	t.Helper()

	s, err := Open(filepath.Join(t.TempDir(), "capture.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// receive waits for a signal or a close on ch; ok is false when it was
// closed.
func receive(t *testing.T, ch <-chan struct{}) (ok bool) {
	t.Helper()

	select {
	case _, ok = <-ch:
		return ok
	case <-time.After(5 * time.Second):
		t.Fatal("no signal within 5s")
		return false
	}
}

func TestSubscribeSignalsAppends(t *testing.T) {
	s := openTemp(t)
	first, cancelFirst := s.Subscribe()
	defer cancelFirst()
	second, cancelSecond := s.Subscribe()
	defer cancelSecond()

	if _, err := s.Append(sampleRecord(0), sampleBody(0)); err != nil {
		t.Fatal(err)
	}
	if !receive(t, first) || !receive(t, second) {
		t.Fatal("a subscriber's channel closed instead of signalling")
	}

	// Appends while nobody reads never block the writer and leave one
	// signal pending, which leads the reader to all of them.
	for i := 1; i <= 5; i++ {
		if _, err := s.Append(sampleRecord(i), sampleBody(i)); err != nil {
			t.Fatal(err)
		}
	}
	if len(first) != 1 {
		t.Errorf("%d signals pending after 5 appends, want them coalesced into 1", len(first))
	}
	receive(t, first)
	recs, err := s.RecordsAfter(1)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 || recs[0].Seq != 2 || recs[4].Seq != 6 {
		t.Errorf("RecordsAfter(1) after the signal gave %d records", len(recs))
	}
	select {
	case <-first:
		t.Error("a second signal was pending for the same appends")
	default:
	}
}

func TestSubscribeCancel(t *testing.T) {
	s := openTemp(t)
	changes, cancel := s.Subscribe()
	kept, cancelKept := s.Subscribe()
	defer cancelKept()

	cancel()
	if receive(t, changes) {
		t.Fatal("a cancelled channel delivered a signal instead of being closed")
	}
	cancel() // twice is harmless

	// Appends after the cancel reach the other subscriber and do not panic
	// on the closed channel.
	if _, err := s.Append(sampleRecord(0), sampleBody(0)); err != nil {
		t.Fatal(err)
	}
	if !receive(t, kept) {
		t.Fatal("the remaining subscriber was not signalled")
	}
}

func TestCloseClosesSubscribers(t *testing.T) {
	s := openTemp(t)
	changes, cancel := s.Subscribe()

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if receive(t, changes) {
		t.Fatal("Close did not close the subscriber's channel")
	}
	cancel() // after Close, harmless

	late, cancelLate := s.Subscribe()
	defer cancelLate()
	if receive(t, late) {
		t.Fatal("Subscribe on a closed Store gave an open channel")
	}
}
