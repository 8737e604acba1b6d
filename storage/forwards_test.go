package storage

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// TestForwardAttempts records attempts for a delivery, reads them back in
// order after a reopen, and checks a file without forwards reads as none.
func TestForwardAttempts(t *testing.T) {
	path := newCapture(t, 2)

	// A file written before forwards existed has none, even read-only.
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("Open read-only: %v", err)
	}
	if got, err := ro.ForwardAttempts(1); err != nil || len(got) != 0 {
		t.Fatalf("ForwardAttempts on a file without forwards: %v, %v", got, err)
	}
	if err := ro.AddForwardAttempt(1, ForwardAttempt{Attempt: 1}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("AddForwardAttempt read-only: %v, want ErrReadOnly", err)
	}
	if err := ro.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open for writing: %v", err)
	}
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	want := []ForwardAttempt{
		{Attempt: 1, At: at, Duration: 3 * time.Millisecond, Status: 503,
			Error: "503 Service Unavailable"},
		{Attempt: 2, At: at.Add(time.Second), Duration: time.Millisecond,
			Error: "connection refused"},
		{Attempt: 3, At: at.Add(2 * time.Second), Duration: time.Millisecond, Status: 200},
	}
	for _, a := range want {
		if err := s.AddForwardAttempt(2, a); err != nil {
			t.Fatalf("AddForwardAttempt: %v", err)
		}
	}
	if err := s.AddForwardAttempt(9, want[0]); !errors.Is(err, ErrNotFound) {
		t.Errorf("AddForwardAttempt of a missing delivery: %v, want ErrNotFound", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	ro, err = Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("reopen read-only: %v", err)
	}
	defer ro.Close()
	got, err := ro.ForwardAttempts(2)
	if err != nil {
		t.Fatalf("ForwardAttempts: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ForwardAttempts(2) = %+v\nwant %+v", got, want)
	}
	if !got[2].OK() || got[0].OK() || got[1].OK() {
		t.Errorf("OK: %v %v %v, want false false true", got[0].OK(), got[1].OK(), got[2].OK())
	}
	if none, err := ro.ForwardAttempts(1); err != nil || len(none) != 0 {
		t.Errorf("ForwardAttempts(1) = %v, %v; want none", none, err)
	}
}
