package storage

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// stored is what an Append returned, kept to check the file against.
type stored struct {
	rec  Record
	body []byte
}

// writerBody is the body that writer w sends as its i-th delivery: one of a
// kind, and long enough that a swapped body could not go unseen.
func writerBody(w, i int) []byte {
	return fmt.Appendf(nil, `{"status":"completed","job_id":"job-w%d-%d","writer":%d,"pad":%q}`,
		w, i, w, strings.Repeat("x", 200+w))
}

// writerRecord is the record that goes with writerBody(w, i).
func writerRecord(w, i int) Record {
	rec := sampleRecord(i)
	rec.JobID = fmt.Sprintf("job-w%d-%d", w, i)
	rec.Request.Path = fmt.Sprintf("/hooks/w%d/d%d", w, i)
	return rec
}

// checkFile reopens the capture at path read-only and checks that it holds
// exactly the deliveries in want, each with its own record and body.
func checkFile(t *testing.T, path string, want []stored) {
	t.Helper()

	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("reopen read-only: %v", err)
	}
	defer ro.Close()

	records, err := ro.Records()
	if err != nil {
		t.Fatalf("Records after reopening: %v", err)
	}
	if len(records) != len(want) {
		t.Errorf("the file holds %d deliveries, want the %d that were acknowledged",
			len(records), len(want))
	}

	bySeq := make(map[uint64]stored, len(want))
	for _, w := range want {
		bySeq[w.rec.Seq] = w
	}
	for _, rec := range records {
		w, ok := bySeq[rec.Seq]
		if !ok {
			t.Errorf("the file holds delivery %d (%s), which no Append acknowledged",
				rec.Seq, rec.Request.Path)
			continue
		}
		if !reflect.DeepEqual(rec, w.rec) {
			t.Errorf("delivery %d reads back as\n%+v\nAppend returned\n%+v", rec.Seq, rec, w.rec)
		}
		body, err := ro.Body(rec.Seq)
		if err != nil {
			t.Fatalf("Body(%d): %v", rec.Seq, err)
		}
		if !bytes.Equal(body, w.body) {
			t.Errorf("delivery %d has a body of %d bytes, not the %d its Append sent",
				rec.Seq, len(body), len(w.body))
		}
	}
}

func TestGroupCommitConcurrentAppends(t *testing.T) {
	const writers, perWriter = 64, 80

	path := filepath.Join(t.TempDir(), "capture.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	commitsBefore := s.commits.Load()

	results := make([][]stored, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				body := writerBody(w, i)
				rec, err := s.Append(writerRecord(w, i), body)
				if err != nil {
					errs[w] = fmt.Errorf("writer %d, delivery %d: %w", w, i, err)
					return
				}
				results[w] = append(results[w], stored{rec, body})
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}

	seen := make(map[uint64]string)
	var all []stored
	for w, rs := range results {
		for i, r := range rs {
			path := fmt.Sprintf("/hooks/w%d/d%d", w, i)
			if other, dup := seen[r.rec.Seq]; dup {
				t.Fatalf("Seq %d was returned to both %s and %s", r.rec.Seq, other, path)
			}
			seen[r.rec.Seq] = path
			if r.rec.Request.Path != path || r.rec.RedeliveryOf != 0 {
				t.Errorf("%s got back record %d of path %s, marked a redelivery of %d",
					path, r.rec.Seq, r.rec.Request.Path, r.rec.RedeliveryOf)
			}

			body, err := s.Body(r.rec.Seq)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(body, r.body) {
				t.Fatalf("Body(%d) is %.60q…, not the body %s sent", r.rec.Seq, body, path)
			}
			all = append(all, r)
		}
	}

	if n, err := s.Count(); err != nil || n != writers*perWriter {
		t.Errorf("Count() = %d, %v; want %d", n, err, writers*perWriter)
	}
	for seq := uint64(1); seq <= writers*perWriter; seq++ {
		if _, ok := seen[seq]; !ok {
			t.Fatalf("no Append got Seq %d: the numbers are not 1..%d", seq, writers*perWriter)
		}
	}

	commits := s.commits.Load() - commitsBefore
	t.Logf("%d appends from %d writers in %d commits, %.1f appends a commit",
		len(all), writers, commits, float64(len(all))/float64(commits))

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, all)
}

func TestGroupCommitGroups(t *testing.T) {
	const writers = 64

	s := openTemp(t)
	commitsBefore := s.commits.Load()

	start := make(chan struct{})
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			<-start
			_, err := s.Append(writerRecord(w, 0), writerBody(w, 0))
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	// Each commit costs an fsync, during which the other writers queue up:
	// they cannot all have had a commit of their own.
	commits := s.commits.Load() - commitsBefore
	t.Logf("%d concurrent appends took %d commits", writers, commits)
	if commits >= writers {
		t.Errorf("%d concurrent appends took %d commits: they were not grouped", writers, commits)
	}
	if n, err := s.Count(); err != nil || n != writers {
		t.Errorf("Count() = %d, %v; want %d", n, err, writers)
	}
}

func TestLoneAppendIsPrompt(t *testing.T) {
	s := openTemp(t)
	if _, err := s.Append(sampleRecord(0), sampleBody(0)); err != nil {
		t.Fatal(err)
	}

	// After a pause the committer is idle; a lone delivery must not wait
	// for others to join it.
	time.Sleep(50 * time.Millisecond)
	commitsBefore := s.commits.Load()
	start := time.Now()
	rec, err := s.Append(sampleRecord(1), sampleBody(1))
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}

	// Timing on shared machines is not asserted; the bound only catches a
	// hang or a batch window.
	t.Logf("a lone append after idling took %v", elapsed)
	if elapsed > time.Second {
		t.Errorf("a lone append took %v", elapsed)
	}
	if rec.Seq != 2 {
		t.Errorf("lone append got Seq %d, want 2", rec.Seq)
	}
	if commits := s.commits.Load() - commitsBefore; commits != 1 {
		t.Errorf("a lone append took %d commits, want 1", commits)
	}
}

func TestBadRecordFailsOnlyItsOwnAppend(t *testing.T) {
	const writers, bad = 16, 7

	path := filepath.Join(t.TempDir(), "capture.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// Custom that is not JSON cannot be encoded; it must not take down
	// the appends that would share its commit.
	start := make(chan struct{})
	results := make([]stored, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			rec, body := writerRecord(w, 0), writerBody(w, 0)
			if w == bad {
				rec.Custom = []byte("{not json")
			}
			<-start
			got, err := s.Append(rec, body)
			results[w], errs[w] = stored{got, body}, err
		})
	}
	close(start)
	wg.Wait()

	var good []stored
	for w, err := range errs {
		switch {
		case w == bad && err == nil:
			t.Errorf("the append with invalid Custom succeeded as delivery %d", results[w].rec.Seq)
		case w == bad:
			t.Logf("the bad append: %v", err)
			want := "store delivery in " + path + ": encode record: "
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("the bad append's error reads %q, want it to start %q", err, want)
			}
		case err != nil:
			t.Errorf("writer %d failed beside a bad record: %v", w, err)
		default:
			good = append(good, results[w])
		}
	}

	// The good ones are numbered 1..15: the bad one left no gap.
	seqs := make(map[uint64]bool)
	for _, g := range good {
		seqs[g.rec.Seq] = true
	}
	for seq := uint64(1); seq < writers; seq++ {
		if !seqs[seq] {
			t.Errorf("no append got Seq %d", seq)
		}
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, good)
}

func TestCloseWhileAppending(t *testing.T) {
	const writers, perWriter = 16, 200

	path := filepath.Join(t.TempDir(), "capture.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}

	results := make([][]stored, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				body := writerBody(w, i)
				rec, err := s.Append(writerRecord(w, i), body)
				if err != nil {
					errs[w] = err
					return
				}
				results[w] = append(results[w], stored{rec, body})
			}
		})
	}

	// Close once the writers are well under way, with appends queued.
	for deadline := time.Now().Add(5 * time.Second); s.commits.Load() < 5; {
		if time.Now().After(deadline) {
			t.Fatal("fewer than 5 commits within 5s")
		}
		time.Sleep(time.Millisecond)
	}
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()

	// Bounded waits: a hang is the failure this test is for.
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return within 10s while appends were in flight")
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatal("appends still waiting 10s after Close returned")
	}

	var acked []stored
	refusals := make(map[string]int)
	for w := range writers {
		acked = append(acked, results[w]...)
		err := errs[w]
		if err == nil {
			t.Errorf("writer %d finished all %d appends before Close", w, perWriter)
			continue
		}
		if !errors.Is(err, ErrClosed) {
			t.Errorf("writer %d: %v, want an error wrapping ErrClosed", w, err)
		}
		refusals[err.Error()]++
	}
	t.Logf("%d appends acknowledged before Close; the others were told: %v",
		len(acked), refusals)
	for msg := range refusals {
		if !strings.HasPrefix(msg, "capture file "+path+" is closed") &&
			!strings.HasPrefix(msg, "capture file "+path+" was closed before") {
			t.Errorf("a refused append was told %q", msg)
		}
	}

	checkFile(t, path, acked)
}

func TestAppendFailsWhenFull(t *testing.T) {
	const maxSize = 1 << 20

	path := filepath.Join(t.TempDir(), "capture.db")
	s, err := Open(path, Options{MaxSize: maxSize})
	if err != nil {
		t.Fatal(err)
	}

	// Fill the file one delivery at a time until it refuses one.
	var acked []stored
	var full error
	for i := 0; full == nil; i++ {
		if i == 1000 {
			t.Fatalf("1000 appends of 8 KiB fitted in a file limited to %d bytes", maxSize)
		}
		body := bytes.Repeat(fmt.Appendf(nil, "%07d ", i), 1024)
		rec, err := s.Append(writerRecord(0, i), body)
		if err != nil {
			full = err
			break
		}
		acked = append(acked, stored{rec, body})
	}
	t.Logf("%d appends fitted; then: %v", len(acked), full)

	if !errors.Is(full, ErrFull) {
		t.Errorf("the refused append: %v, want an error wrapping ErrFull", full)
	}
	want := fmt.Sprintf("capture file %s is full: it may not grow past its limit of %d bytes",
		path, maxSize)
	if full.Error() != want {
		t.Errorf("the refused append's error reads\n%q\nwant\n%q", full, want)
	}

	// A group commit that does not fit fails as a whole: every caller is
	// told, and whatever did fit on free pages is acknowledged.
	const writers = 8
	results := make([]stored, writers)
	errs := make([]error, writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			body := bytes.Repeat([]byte{byte('a' + w)}, 64<<10)
			<-start
			rec, err := s.Append(writerRecord(w+1, 0), body)
			results[w], errs[w] = stored{rec, body}, err
		})
	}
	close(start)
	wg.Wait()
	var failed int
	for w, err := range errs {
		switch {
		case err == nil:
			acked = append(acked, results[w])
		case errors.Is(err, ErrFull):
			failed++
		default:
			t.Errorf("writer %d: %v, want an error wrapping ErrFull", w, err)
		}
	}
	t.Logf("of %d concurrent 64 KiB appends to the full file, %d failed", writers, failed)
	if failed == 0 {
		t.Errorf("all %d appends of 64 KiB fitted in the full file", writers)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() > maxSize {
		t.Errorf("the file grew to %d bytes, past its limit of %d", info.Size(), maxSize)
	}
	checkFile(t, path, acked)

	// Without the limit the file takes deliveries again, numbered on from
	// the last acknowledged one.
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec, err := s.Append(sampleRecord(0), sampleBody(0))
	if err != nil {
		t.Fatalf("Append once the limit is lifted: %v", err)
	}
	if want := uint64(len(acked) + 1); rec.Seq != want {
		t.Errorf("first append once the limit is lifted got Seq %d, want %d", rec.Seq, want)
	}
}

func TestCloseRefusesQueuedAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "capture.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}

	// Hold bbolt's writer lock, so that the committer, once it has taken
	// the first append, waits in its transaction while others queue.
	tx, err := s.db.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	queued := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.queue)
	}
	waitFor := func(what string, done func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !done(); {
			if time.Now().After(deadline) {
				_ = tx.Rollback()
				t.Fatalf("%s: not within 5s", what)
			}
			time.Sleep(time.Millisecond)
		}
	}

	type outcome struct {
		rec Record
		err error
	}
	outcomes := make([]chan outcome, 3)
	for i := range outcomes {
		outcomes[i] = make(chan outcome, 1)
	}

	// The first append is queued here, so that it is known to be the one
	// the committer takes; the next two are Appends of their own.
	first, err := s.prepare(writerRecord(0, 0), writerBody(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.enqueue(first); err != nil {
		t.Fatal(err)
	}
	go func() {
		rec, err := s.await(first)
		outcomes[0] <- outcome{rec, err}
	}()
	waitFor("the committer takes the first append", func() bool { return queued() == 0 })

	for i := 1; i < len(outcomes); i++ {
		go func() {
			rec, err := s.Append(writerRecord(0, i), writerBody(0, i))
			outcomes[i] <- outcome{rec, err}
		}()
	}
	waitFor("two appends queue behind the commit", func() bool { return queued() == 2 })

	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	waitFor("Close begins", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.closed
	})
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}

	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return within 10s")
	}

	// The commit under way finishes and is acknowledged; the appends that
	// waited for the next one are told the file closed first.
	var committed outcome
	select {
	case committed = <-outcomes[0]:
	case <-time.After(10 * time.Second):
		t.Fatal("the append being committed did not return")
	}
	if committed.err != nil || committed.rec.Seq != 1 {
		t.Errorf("the append committed during Close: Seq %d, %v; want 1, nil",
			committed.rec.Seq, committed.err)
	}
	want := "capture file " + path + " was closed before the delivery could be stored"
	for i, ch := range outcomes[1:] {
		select {
		case o := <-ch:
			if !errors.Is(o.err, ErrClosed) || o.err.Error() != want {
				t.Errorf("queued append %d: %v, want %q wrapping ErrClosed", i+1, o.err, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("queued append %d still waits 10s after Close", i+1)
		}
	}

	checkFile(t, path, []stored{{committed.rec, writerBody(0, 0)}})
}
