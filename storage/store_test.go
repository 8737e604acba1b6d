package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestAppendRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "capture.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()

	if s.Path() != path || s.ReadOnly() {
		t.Errorf("Path() = %q, ReadOnly() = %v; want %q, false", s.Path(), s.ReadOnly(), path)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("new capture file has mode %v, want 0600", perm)
	}

	// The second delivery brings its own time, in another zone; the third
	// has an empty body.
	given := time.Date(2026, 3, 1, 12, 30, 0, 123456789, time.FixedZone("CET", 3600))
	inputs := []Record{sampleRecord(0), sampleRecord(1), sampleRecord(2)}
	inputs[1].ReceivedAt = given
	inputs[2].Truncated = true
	inputs[2].Seq = 77 // ignored
	bodies := [][]byte{sampleBody(0), bytes.Repeat([]byte("x"), 100_000), {}}

	before := time.Now()
	var stored []Record
	for i, in := range inputs {
		rec, err := s.Append(in, bodies[i])
		if err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
		stored = append(stored, rec)
	}

	for i, rec := range stored {
		if rec.Seq != uint64(i+1) {
			t.Errorf("delivery %d got Seq %d, want %d", i, rec.Seq, i+1)
		}
		if rec.BodySize != int64(len(bodies[i])) {
			t.Errorf("delivery %d BodySize = %d, want %d", i, rec.BodySize, len(bodies[i]))
		}
		if rec.ReceivedAt.Location() != time.UTC {
			t.Errorf("delivery %d ReceivedAt %v is not in UTC", i, rec.ReceivedAt)
		}
		if rec.JobID != inputs[i].JobID || rec.Request.Path != inputs[i].Request.Path {
			t.Errorf("delivery %d stored as job %q path %q, want %q %q", i,
				rec.JobID, rec.Request.Path, inputs[i].JobID, inputs[i].Request.Path)
		}
	}
	if got := stored[0].ReceivedAt; got.Before(before.Add(-time.Second)) || got.After(time.Now()) {
		t.Errorf("zero ReceivedAt was set to %v, not to the time of Append", got)
	}
	if !stored[1].ReceivedAt.Equal(given) {
		t.Errorf("given ReceivedAt %v was stored as %v", given, stored[1].ReceivedAt)
	}
	if !stored[2].Truncated || stored[0].Truncated {
		t.Errorf("Truncated = %v, %v; want false, true", stored[0].Truncated, stored[2].Truncated)
	}
	if got := string(stored[0].Custom); got != `{"crm":"hubspot","run":7}` {
		t.Errorf("Custom stored as %s", got)
	}

	records, err := s.Records()
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	if !reflect.DeepEqual(records, stored) {
		t.Errorf("Records() differs from what Append returned:\n got %+v\nwant %+v",
			records, stored)
	}

	for i, want := range stored {
		rec, err := s.Record(want.Seq)
		if err != nil {
			t.Fatalf("Record(%d): %v", want.Seq, err)
		}
		if !reflect.DeepEqual(rec, want) {
			t.Errorf("Record(%d) = %+v, want %+v", want.Seq, rec, want)
		}

		body, err := s.Body(want.Seq)
		if err != nil {
			t.Fatalf("Body(%d): %v", want.Seq, err)
		}
		if !bytes.Equal(body, bodies[i]) || body == nil {
			t.Errorf("Body(%d) = %d bytes (nil %v), want %d",
				want.Seq, len(body), body == nil, len(bodies[i]))
		}
	}

	for _, tc := range []struct {
		after uint64
		want  []uint64
	}{
		{0, []uint64{1, 2, 3}},
		{1, []uint64{2, 3}},
		{2, []uint64{3}},
		{3, nil},
		{1000, nil},
		{math.MaxUint64, nil},
	} {
		recs, err := s.RecordsAfter(tc.after)
		if err != nil {
			t.Fatalf("RecordsAfter(%d): %v", tc.after, err)
		}
		var seqs []uint64
		for _, r := range recs {
			seqs = append(seqs, r.Seq)
		}
		if !reflect.DeepEqual(seqs, tc.want) {
			t.Errorf("RecordsAfter(%d) gave seqs %v, want %v", tc.after, seqs, tc.want)
		}
	}

	if n, err := s.Count(); err != nil || n != 3 {
		t.Errorf("Count() = %d, %v; want 3", n, err)
	}

	_, err = s.Record(4)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("Record(4) error = %v, want ErrNotFound", err)
	}
	if want := "capture file " + path + " has no delivery 4"; err == nil || err.Error() != want {
		t.Errorf("Record(4) error reads %q, want %q", err, want)
	}
	if _, err := s.Body(0); !errors.Is(err, ErrNotFound) {
		t.Errorf("Body(0) error = %v, want ErrNotFound", err)
	}
}

func TestNewFileMeta(t *testing.T) {
	path := newCapture(t, 1)

	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte("meta"))
		if meta == nil {
			return errors.New("no meta bucket")
		}
		if got := string(meta.Get([]byte("schema"))); got != strconv.Itoa(SchemaVersion) {
			t.Errorf("meta schema = %q, want %q", got, strconv.Itoa(SchemaVersion))
		}
		if got := string(meta.Get([]byte("app"))); got != "clustr-explorer" {
			t.Errorf("meta app = %q", got)
		}
		created, err := time.Parse(time.RFC3339Nano, string(meta.Get([]byte("created_at"))))
		if err != nil || time.Since(created) > time.Minute {
			t.Errorf("meta created_at = %q (%v)", meta.Get([]byte("created_at")), err)
		}

		// The record is small and holds no body; the body is apart.
		key := []byte{0, 0, 0, 0, 0, 0, 0, 1}
		rec := tx.Bucket([]byte("deliveries")).Get(key)
		var fields map[string]any
		if err := json.Unmarshal(rec, &fields); err != nil {
			t.Errorf("record is not JSON: %v", err)
		}
		if fields["seq"] != 1.0 || fields["job_id"] != "job-0" || fields["status"] != "completed" {
			t.Errorf("record fields: seq %v job_id %v status %v",
				fields["seq"], fields["job_id"], fields["status"])
		}
		if got := tx.Bucket([]byte("bodies")).Get(key); !bytes.Equal(got, sampleBody(0)) {
			t.Errorf("bodies[1] = %q, want %q", got, sampleBody(0))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestReopenReadOnlyLeavesFileUntouched(t *testing.T) {
	path := newCapture(t, 0)

	// Write again through a reopened Store, so the numbering carries on.
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 20_000)
	var stored []Record
	for i, body := range [][]byte{sampleBody(0), big, sampleBody(2)} {
		rec, err := s.Append(sampleRecord(i), body)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, rec)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	before := snapshot(t, path)

	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("Open read-only: %v", err)
	}
	if !ro.ReadOnly() {
		t.Error("ReadOnly() = false for a read-only Store")
	}

	records, err := ro.Records()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(records, stored) {
		t.Errorf("records read back differ:\n got %+v\nwant %+v", records, stored)
	}
	body, err := ro.Body(2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, big) {
		t.Errorf("big body read back as %d bytes, want %d byte for byte", len(body), len(big))
	}
	if n, err := ro.Count(); err != nil || n != 3 {
		t.Errorf("Count() = %d, %v; want 3", n, err)
	}

	_, err = ro.Append(sampleRecord(9), sampleBody(9))
	if !errors.Is(err, ErrReadOnly) {
		t.Errorf("Append on a read-only Store: %v, want ErrReadOnly", err)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}

	// The records were copied out of the mapped file, which is gone now.
	custom := string(records[0].Custom)
	if !reflect.DeepEqual(records, stored) || custom != `{"crm":"hubspot","run":7}` {
		t.Errorf("records changed after Close: %+v", records)
	}

	assertUnchanged(t, path, before)
}

func TestAppendAfterClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "capture.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(sampleRecord(0), sampleBody(0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	_, err = s.Append(sampleRecord(1), sampleBody(1))
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v, want ErrClosed", err)
	}
	if want := "capture file " + path + " is closed"; err.Error() != want {
		t.Errorf("error reads %q, want %q", err, want)
	}

	if _, err := s.Records(); !errors.Is(err, ErrClosed) {
		t.Errorf("Records after Close: %v, want ErrClosed", err)
	}
	if _, err := s.Body(1); !errors.Is(err, ErrClosed) {
		t.Errorf("Body after Close: %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestFailedAppendLeavesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "capture.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// Custom that is not JSON fails inside the transaction, after the
	// sequence number was taken.
	bad := sampleRecord(0)
	bad.Custom = []byte("{not json")
	if _, err := s.Append(bad, sampleBody(0)); err == nil {
		t.Fatal("Append of a record with invalid Custom succeeded")
	}

	if n, err := s.Count(); err != nil || n != 0 {
		t.Errorf("Count() after a failed Append = %d, %v; want 0", n, err)
	}
	if _, err := s.Body(1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Body(1) after a failed Append: %v, want ErrNotFound", err)
	}

	rec, err := s.Append(sampleRecord(1), sampleBody(1))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Seq != 1 {
		t.Errorf("first successful Append got Seq %d, want 1: the failed one left a gap", rec.Seq)
	}
}

func TestConcurrentAppends(t *testing.T) {
	const writers, perWriter = 16, 50

	path := filepath.Join(t.TempDir(), "capture.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// A reader follows along the way the interface does, to let the race
	// detector see reads and writes together.
	done := make(chan struct{})
	readerErr := make(chan error, 1)
	go func() {
		var last uint64
		for {
			select {
			case <-done:
				readerErr <- nil
				return
			default:
			}
			recs, err := s.RecordsAfter(last)
			if err != nil {
				readerErr <- err
				return
			}
			for _, r := range recs {
				if r.Seq <= last {
					readerErr <- fmt.Errorf("RecordsAfter(%d) returned seq %d", last, r.Seq)
					return
				}
				last = r.Seq
			}
		}
	}()

	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter)
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				rec := sampleRecord(i)
				rec.Request.Path = fmt.Sprintf("/hooks/w%d/d%d", w, i)
				body := fmt.Appendf(nil, `{"writer":%d,"delivery":%d}`, w, i)
				if _, err := s.Append(rec, body); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(done)
	close(errs)
	for err := range errs {
		t.Fatalf("Append: %v", err)
	}
	if err := <-readerErr; err != nil {
		t.Fatalf("reader: %v", err)
	}

	records, err := s.Records()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != writers*perWriter {
		t.Fatalf("%d records, want %d", len(records), writers*perWriter)
	}

	paths := make(map[string]bool)
	for i, rec := range records {
		if rec.Seq != uint64(i+1) {
			t.Fatalf("record %d has Seq %d: the numbers are not 1..%d", i, rec.Seq, len(records))
		}
		paths[rec.Request.Path] = true

		var w, d int
		if _, err := fmt.Sscanf(rec.Request.Path, "/hooks/w%d/d%d", &w, &d); err != nil {
			t.Fatalf("record %d path %q: %v", rec.Seq, rec.Request.Path, err)
		}
		body, err := s.Body(rec.Seq)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf(`{"writer":%d,"delivery":%d}`, w, d); string(body) != want {
			t.Errorf("delivery %d (%s) has body %s, want %s", rec.Seq, rec.Request.Path, body, want)
		}
	}
	if len(paths) != writers*perWriter {
		t.Errorf("%d distinct deliveries stored, want %d", len(paths), writers*perWriter)
	}
}

func TestReadSurvivesFileCutWhileOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "capture.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		if _, err := s.Append(sampleRecord(i), bytes.Repeat([]byte{byte(i)}, 20_000)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()

	// Another program cuts the file while it is open and mapped: reading
	// the pages now past its end faults, which must be an error, not a crash.
	if err := os.Truncate(path, 3*4096); err != nil {
		t.Fatal(err)
	}
	var readErr error
	for seq := uint64(40); seq >= 1 && readErr == nil; seq-- {
		_, readErr = ro.Body(seq)
	}
	if !errors.Is(readErr, ErrNotCapture) {
		t.Fatalf("reading a file cut while open: %v, want an error wrapping ErrNotCapture", readErr)
	}
	want := "capture file " + path + " is damaged: part of it is missing (was it cut short?)"
	if readErr.Error() != want {
		t.Errorf("error reads %q, want %q", readErr, want)
	}
}

func TestDamagedRecord(t *testing.T) {
	// Enough deliveries that Records decodes them on several goroutines.
	path := filepath.Join(t.TempDir(), "capture.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.db.NoSync = true // setup only; the file's contents are the same
	for i := range 2000 {
		if _, err := s.Append(sampleRecord(i), sampleBody(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		broken := []byte(`{"seq":1500,"clients":"many`)
		return tx.Bucket([]byte("deliveries")).Put(seqKey(1500), broken)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()

	for name, read := range map[string]func() error{
		"Records":          func() error { _, err := ro.Records(); return err },
		"RecordsAfter(10)": func() error { _, err := ro.RecordsAfter(10); return err },
		"Record(1500)":     func() error { _, err := ro.Record(1500); return err },
	} {
		err := read()
		if !errors.Is(err, ErrNotCapture) {
			t.Errorf("%s: %v, want an error wrapping ErrNotCapture", name, err)
			continue
		}
		prefix := "capture file " + path +
			" is damaged: the record of delivery 1500 cannot be decoded"
		if !strings.HasPrefix(err.Error(), prefix) {
			t.Errorf("%s error reads %q, want it to start %q", name, err, prefix)
		}
	}

	// The rest of the file still reads.
	recs, err := ro.RecordsAfter(1500)
	if err != nil || len(recs) != 500 {
		t.Errorf("RecordsAfter(1500) = %d records, %v; want 500", len(recs), err)
	}
	if rec, err := ro.Record(1499); err != nil || rec.JobID != "job-1498" {
		t.Errorf("Record(1499) = job %q, %v; want job-1498", rec.JobID, err)
	}
}

func TestCustomPassesThroughAsSent(t *testing.T) {
	s := openTemp(t)

	// The model keeps custom JSON as sent, even with a repeated name or
	// bytes that are not UTF-8; neither may make the capture unreadable.
	rec := sampleRecord(0)
	rec.Custom = []byte("{\"run\": 1, \"run\": 2, \"note\": \"caf\xe9\"}")
	rec.Request.Header = map[string][]string{"X-Bad": {"caf\xe9"}}
	stored, err := s.Append(rec, sampleBody(0))
	if err != nil {
		t.Fatal(err)
	}

	records, err := s.Records()
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	want := "{\"run\":1,\"run\":2,\"note\":\"caf\xe9\"}"
	if got := string(records[0].Custom); got != want {
		t.Errorf("Custom read back as %q, want %q", got, want)
	}
	if !reflect.DeepEqual(records[0], stored) {
		t.Errorf("record read back differs from the one Append returned:\n got %+v\nwant %+v",
			records[0], stored)
	}
}
