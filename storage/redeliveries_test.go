package storage

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/clustr/clustr-explorer/model"
)

// delivery builds the record and body of a delivery of job with body.
func delivery(job, status, body string) (Record, []byte) {
	rec := sampleRecord(0)
	rec.JobID, rec.Status = job, status
	rec.RedeliveryOf = 99 // ignored by Append
	return rec, []byte(body)
}

// appendOrFail appends a delivery of job with body and returns its record.
func appendOrFail(t *testing.T, s *Store, job, status, body string) Record {
	t.Helper()

	rec, err := s.Append(delivery(job, status, body))
	if err != nil {
		t.Fatalf("Append of job %q: %v", job, err)
	}
	return rec
}

func TestRedeliveryMarks(t *testing.T) {
	s := openTemp(t)
	const bodyA, bodyB = `{"job_id":"job-1","n":1}`, `{"job_id":"job-1","n":2}`

	first := appendOrFail(t, s, "job-1", "completed", bodyA)
	again := appendOrFail(t, s, "job-1", "completed", bodyA)
	otherJob := appendOrFail(t, s, "job-2", "completed", bodyA)
	otherBody := appendOrFail(t, s, "job-1", "completed", bodyB)
	thrice := appendOrFail(t, s, "job-1", "completed", bodyA)
	failedJob := appendOrFail(t, s, "job-3", "failed", bodyA)
	failedAgain := appendOrFail(t, s, "job-3", "failed", bodyA)

	// Neither a rejected delivery nor one without a job is ever marked,
	// nor counts as a first.
	rejected := appendOrFail(t, s, "job-1", model.StatusRejected, bodyA)
	noJob := appendOrFail(t, s, "", "completed", bodyA)
	noJobAgain := appendOrFail(t, s, "", "completed", bodyA)
	rejectedFirst := appendOrFail(t, s, "job-4", model.StatusRejected, bodyA)
	afterRejected := appendOrFail(t, s, "job-4", "completed", bodyA)

	for _, tc := range []struct {
		what string
		rec  Record
		want uint64
	}{
		{"the first delivery", first, 0},
		{"the same body for the same job", again, first.Seq},
		{"the same body for another job", otherJob, 0},
		{"another body for the same job", otherBody, 0},
		{"the same body a third time", thrice, first.Seq},
		{"a failed job", failedJob, 0},
		{"a failed job sent again", failedAgain, failedJob.Seq},
		{"a rejected delivery", rejected, 0},
		{"a delivery without a job", noJob, 0},
		{"a delivery without a job, again", noJobAgain, 0},
		{"a rejected delivery of a new job", rejectedFirst, 0},
		{"an accepted one after it", afterRejected, 0},
	} {
		if tc.rec.RedeliveryOf != tc.want {
			t.Errorf("%s (delivery %d) is marked a redelivery of %d, want %d",
				tc.what, tc.rec.Seq, tc.rec.RedeliveryOf, tc.want)
		}
		read, err := s.Record(tc.rec.Seq)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(read, tc.rec) {
			t.Errorf("%s reads back as %+v, Append returned %+v", tc.what, read, tc.rec)
		}
	}
}

func TestRedeliveryWithinOneCommit(t *testing.T) {
	s := openTemp(t)
	first := appendOrFail(t, s, "job-0", "completed", `{"other":true}`)

	// Queued together, so that the committer takes both in one
	// transaction, as it would two copies that arrive at once.
	var pending []*pendingAppend
	for range 2 {
		p, err := s.prepare(delivery("job-1", "completed", `{"same":true}`))
		if err != nil {
			t.Fatal(err)
		}
		pending = append(pending, p)
	}
	commitsBefore := s.commits.Load()
	if err := s.enqueue(pending...); err != nil {
		t.Fatal(err)
	}
	var recs []Record
	for _, p := range pending {
		rec, err := s.await(p)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}

	if commits := s.commits.Load() - commitsBefore; commits != 1 {
		t.Fatalf("the two appends took %d commits, want them in 1", commits)
	}
	if recs[0].Seq != first.Seq+1 || recs[1].Seq != first.Seq+2 {
		t.Errorf("the two appends got Seq %d and %d, want %d and %d",
			recs[0].Seq, recs[1].Seq, first.Seq+1, first.Seq+2)
	}
	if recs[0].RedeliveryOf != 0 || recs[1].RedeliveryOf != recs[0].Seq {
		t.Errorf("the two copies are marked redeliveries of %d and %d, want 0 and %d",
			recs[0].RedeliveryOf, recs[1].RedeliveryOf, recs[0].Seq)
	}

	records, err := s.Records()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(records[1:], recs) {
		t.Errorf("Records() gives\n%+v\nAppend returned\n%+v", records[1:], recs)
	}
}

func TestRedeliveryIndexSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "capture.db")
	const body = `{"status":"completed","job_id":"job-1"}`

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	first := appendOrFail(t, s, "job-1", "completed", body)
	appendOrFail(t, s, "job-1", "completed", body)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	third := appendOrFail(t, s, "job-1", "completed", body)
	if third.Seq != 3 || third.RedeliveryOf != first.Seq {
		t.Errorf("third delivery after reopening: Seq %d, a redelivery of %d; want 3, %d",
			third.Seq, third.RedeliveryOf, first.Seq)
	}
}

// olderWriter edits the capture at path as a clustr-explorer from before
// the redeliveries index would: it drops the index and its meta key when
// dropIndex is set, then appends the given deliveries without indexing
// them.
func olderWriter(t *testing.T, path string, dropIndex bool, bodies ...string) {
	t.Helper()

	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	err = db.Update(func(tx *bolt.Tx) error {
		if dropIndex {
			if err := tx.DeleteBucket(bucketRedeliveries); err != nil {
				return err
			}
			if err := tx.Bucket(bucketMeta).Delete(metaIndexedThrough); err != nil {
				return err
			}
		}

		deliveries, bodiesBucket := tx.Bucket(bucketDeliveries), tx.Bucket(bucketBodies)
		for _, body := range bodies {
			seq, err := deliveries.NextSequence()
			if err != nil {
				return err
			}
			rec, _ := delivery("job-1", "completed", body)
			rec.Seq, rec.RedeliveryOf, rec.BodySize = seq, 0, int64(len(body))
			encoded, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			if err := deliveries.Put(seqKey(seq), encoded); err != nil {
				return err
			}
			if err := bodiesBucket.Put(seqKey(seq), []byte(body)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRedeliveryIndexOfOlderFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "capture.db")
	const bodyA, bodyB = `{"n":"a"}`, `{"n":"b"}`

	// A file of schema 1 as written before the index: two deliveries of A.
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	olderWriter(t, path, true, bodyA, bodyA)

	// It reads as it did, and opening it read-only adds nothing.
	before := snapshot(t, path)
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("Open read-only of a file without the index: %v", err)
	}
	records, err := ro.Records()
	if err != nil || len(records) != 2 || records[1].RedeliveryOf != 0 {
		t.Errorf("Records() of a file without the index = %+v, %v", records, err)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	assertUnchanged(t, path, before)

	// Opened for writing, it learns of the deliveries it holds.
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("Open for writing of a file without the index: %v", err)
	}
	if got := appendOrFail(t, s, "job-1", "completed", bodyA); got.RedeliveryOf != 1 {
		t.Errorf("A once more after the upgrade is marked a redelivery of %d, want 1",
			got.RedeliveryOf)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// An older clustr-explorer appends B to the file without indexing it;
	// the next writable open catches up.
	olderWriter(t, path, false, bodyB)
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := appendOrFail(t, s, "job-1", "completed", bodyB); got.Seq != 5 || got.RedeliveryOf != 4 {
		t.Errorf("B after an older writer stored it as 4: Seq %d, a redelivery of %d; want 5, 4",
			got.Seq, got.RedeliveryOf)
	}
}

func TestRedeliveryOfLongJobID(t *testing.T) {
	s := openTemp(t)

	// A job id too long for a bbolt key is stored, never marked.
	long := strings.Repeat("j", maxIndexedJobID+1)
	for range 2 {
		rec := appendOrFail(t, s, long, "completed", `{}`)
		if rec.RedeliveryOf != 0 || rec.JobID != long {
			t.Errorf("delivery %d of a job id of %d bytes: job id of %d bytes, redelivery of %d",
				rec.Seq, len(long), len(rec.JobID), rec.RedeliveryOf)
		}
	}
	if _, err := s.Record(3); !errors.Is(err, ErrNotFound) {
		t.Errorf("Record(3): %v, want ErrNotFound", err)
	}
}
