package generate

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/clustr/clustr-explorer/model"
)

// decode reads a generated payload the way the listener does, failing the
// test on any warning: generated payloads are meant to be flawless.
func decode(t *testing.T, body []byte) *model.Payload {
	t.Helper()
	p, err := model.Decode(body)
	if err != nil {
		t.Fatalf("the generated payload does not decode: %v", err)
	}
	if len(p.Warnings) > 0 {
		t.Fatalf("the generated payload has %d warnings, first %q", len(p.Warnings), p.Warnings[0])
	}
	return p
}

// TestSameOptionsSameBytes checks that a payload depends on its options
// only, and that Payload and Write agree.
func TestSameOptionsSameBytes(t *testing.T) {
	opts := Options{Clients: 300, Opportunities: 6, History: 3, Seed: 7}
	first := Payload(opts)

	if again := Payload(opts); !bytes.Equal(first, again) {
		t.Fatalf("two payloads of the same options differ (%d and %d bytes)", len(first), len(again))
	}
	var streamed bytes.Buffer
	if err := Write(&streamed, opts); err != nil || !bytes.Equal(first, streamed.Bytes()) {
		t.Fatalf("Write (%v) wrote %d bytes unlike Payload's %d", err, streamed.Len(), len(first))
	}

	opts.Seed = 8
	if other := Payload(opts); bytes.Equal(first, other) {
		t.Error("seeds 7 and 8 gave the same payload")
	}
}

// TestDecodesWithoutWarnings checks payloads of many shapes against the
// decoder, and that they hold what their options ask for.
func TestDecodesWithoutWarnings(t *testing.T) {
	cases := map[string]Options{
		"empty":          {},
		"one client":     {Clients: 1, Opportunities: 1, Seed: 1},
		"no history":     {Clients: 40, Opportunities: 10, Seed: 2},
		"full history":   {Clients: 40, Opportunities: 10, History: 6, Seed: 3},
		"negative seed":  {Clients: 5, Opportunities: 3, History: 1, Seed: -99},
		"negative sizes": {Clients: -1, Opportunities: -5, History: -2, Seed: 4},
		"failed":         {Clients: 40, Opportunities: 10, History: 6, Seed: 5, Failed: true},
		"given ids": {Clients: 2, Opportunities: 2, Seed: 6,
			JobID: `job "quoted" \ é`, BatchID: "batch_\x01\xff"},
	}
	for name, opts := range cases {
		t.Run(name, func(t *testing.T) {
			p := decode(t, Payload(opts))

			wantStatus, wantClients := "completed", max(opts.Clients, 0)
			if opts.Failed {
				wantStatus, wantClients = "failed", 0
			}
			if p.Status != wantStatus || len(p.Results) != wantClients {
				t.Errorf("status %q with %d clients, want %q with %d",
					p.Status, len(p.Results), wantStatus, wantClients)
			}
			if opts.Failed && (p.Error == nil || p.Error.Code == "" || p.Error.Message == "") {
				t.Errorf("a failed payload has error %+v", p.Error)
			}
			if !p.Summary.Has || p.Time.IsZero() || len(p.Custom) == 0 {
				t.Errorf("summary %+v, time %v, custom %s: want all three", p.Summary, p.Time, p.Custom)
			}
			if opts.JobID != "" && (p.JobID != opts.JobID ||
				p.BatchID != strings.ToValidUTF8(opts.BatchID, "\uFFFD")) {
				t.Errorf("ids %q and %q, want %q and %q", p.JobID, p.BatchID, opts.JobID, opts.BatchID)
			}

			for _, r := range p.Results {
				for _, o := range r.Opportunities {
					if (o.Engagement != nil) != (opts.History > 0) {
						t.Fatalf("engagement %v with History %d", o.Engagement, opts.History)
					}
				}
			}
		})
	}
}

// TestIDsFromSeed checks that ids are derived from the seed when not given.
func TestIDsFromSeed(t *testing.T) {
	a := decode(t, Payload(Options{Seed: 11}))
	b := decode(t, Payload(Options{Seed: 11, Clients: 3}))
	c := decode(t, Payload(Options{Seed: 12}))

	id := regexp.MustCompile(`^(job|batch)_[a-z0-9]{8}$`)
	if !id.MatchString(a.JobID) || !id.MatchString(a.BatchID) {
		t.Errorf("ids %q and %q do not look like Clustr's", a.JobID, a.BatchID)
	}
	if a.JobID != b.JobID || a.BatchID != b.BatchID {
		t.Errorf("seed 11 named its job %q and then %q", a.JobID, b.JobID)
	}
	if a.JobID == c.JobID || a.BatchID == c.BatchID {
		t.Errorf("seeds 11 and 12 both named their job %q", a.JobID)
	}
	if !a.Time.Equal(b.Time) || a.Time.Equal(c.Time) {
		t.Errorf("seed 11 finished at %v and %v, seed 12 at %v", a.Time, b.Time, c.Time)
	}
}

// TestVariety checks that a large payload looks like real data: sizes near
// the averages asked for, a tenth of names in other scripts, a third of
// target companies, every engagement type, and dates, scores and order as
// Clustr sends them.
func TestVariety(t *testing.T) {
	opts := Options{Clients: 600, Opportunities: 8, History: 4, Seed: 2025}
	body := Payload(opts)
	p := decode(t, body)

	if !regexp.MustCompile(`^\{"status":"completed","job_id":`).Match(body) {
		t.Errorf("the payload starts %q", body[:40])
	}
	for _, score := range regexp.MustCompile(`"confidence_score":[^,}]*`).FindAll(body, -1) {
		if !regexp.MustCompile(`^"confidence_score":(100|[1-9]?[0-9])\.[0-9]$`).Match(score) {
			t.Fatalf("score written as %s, want 0.0 to 100.0 with one decimal", score)
		}
	}

	var opportunities, targets, events, unicodeNames, people int
	types := map[string]int{}
	earliest := p.Time.AddDate(0, -18, -1)
	for _, r := range p.Results {
		people++
		if !isASCII(r.Client.Name) {
			unicodeNames++
		}
		for j, o := range r.Opportunities {
			opportunities++
			people++
			if !isASCII(o.Prospect.Name) {
				unicodeNames++
			}
			if o.IsTargetCompany {
				targets++
			}
			if j > 0 && o.Relationship.ConfidenceScore > r.Opportunities[j-1].Relationship.ConfidenceScore {
				t.Errorf("client %s: opportunity %d scores above the one before", r.Client.RecordID, j)
			}
			rel := o.Relationship
			if rel.SharedExperience.OverlapMonths > rel.TotalOverlapMonths || rel.TotalOverlapMonths < 1 {
				t.Errorf("overlap of %d months at one employer, %d in all",
					rel.SharedExperience.OverlapMonths, rel.TotalOverlapMonths)
			}
			if o.Company.Name != o.Prospect.CompanyName || o.Company.Domain == "" ||
				o.Company.Industry == "" || o.Company.EmployeeCount == "" {
				t.Errorf("company %+v of prospect at %q", o.Company, o.Prospect.CompanyName)
			}

			history := o.Engagement.History
			events += len(history)
			if len(history) > 0 && o.Engagement.LastEngagementDate != history[0].Date {
				t.Errorf("last engagement %s, newest event %s",
					o.Engagement.LastEngagementDate, history[0].Date)
			}
			for k, e := range history {
				types[e.Type]++
				commented := strings.HasSuffix(e.Type, "_COMMENTED")
				if commented == (e.Text == "") || e.Link == "" || e.Source != "linkedin" {
					t.Errorf("event %+v: text, link or source missing or misplaced", e)
				}
				if e.Time.After(p.Time) || e.Time.Before(earliest) {
					t.Errorf("event on %s, outside the 18 months before %s", e.Date, p.Timestamp)
				}
				if k > 0 && e.Time.After(history[k-1].Time) {
					t.Errorf("event on %s listed after one on %s", e.Date, history[k-1].Date)
				}
			}
		}
	}

	near := func(what string, got, want, tolerance float64) {
		t.Helper()
		if got < want-tolerance || got > want+tolerance {
			t.Errorf("%s: %.3f, want %.3f ± %.3f", what, got, want, tolerance)
		}
	}
	near("opportunities per client", float64(opportunities)/float64(len(p.Results)), 8, 0.5)
	near("events per opportunity", float64(events)/float64(opportunities), 4, 0.25)
	near("share of unicode names", float64(unicodeNames)/float64(people), 0.1, 0.03)
	near("share of target opportunities", float64(targets)/float64(opportunities), 0.3, 0.05)

	for _, kind := range []string{model.ProspectCommented, model.ProspectLiked,
		model.ProspectReacted, model.ProspectRecommended, model.ClientCommented,
		model.ClientLiked, model.ClientRecommended} {
		if types[kind] == 0 {
			t.Errorf("no %s event among %d", kind, events)
		}
	}
	if len(types) != 7 {
		t.Errorf("event types %v, want the 7 documented", types)
	}
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// failingWriter accepts limit bytes and then fails.
type failingWriter struct {
	limit, written, calls int
}

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	w.calls++
	if w.written+len(p) > w.limit {
		return 0, errDiskFull
	}
	w.written += len(p)
	return len(p), nil
}

// TestWriteStreams checks that a big payload reaches the writer in pieces
// of bounded size, and that Write stops at the writer's first error.
func TestWriteStreams(t *testing.T) {
	opts := Options{Clients: 2000, Opportunities: 10, History: 3, Seed: 9}

	w := &failingWriter{limit: 1 << 40}
	if err := Write(w, opts); err != nil {
		t.Fatal(err)
	}
	if w.calls < 20 || w.written/w.calls > 2*flushSize {
		t.Errorf("%d bytes written in %d calls, want pieces of about %d",
			w.written, w.calls, flushSize)
	}

	failing := &failingWriter{limit: 5 * flushSize}
	if err := Write(failing, opts); !errors.Is(err, errDiskFull) {
		t.Errorf("Write to a failing writer returned %v, want %v", err, errDiskFull)
	}
	if failing.calls > 6 {
		t.Errorf("Write went on for %d calls after the writer failed", failing.calls-6)
	}
}

// TestVocabularyNeedsNoEscaping holds the word lists to what the writers
// assume: valid UTF-8 with nothing that JSON would escape.
func TestVocabularyNeedsNoEscaping(t *testing.T) {
	lists := [][]string{firstNames, lastNames, companyStems, companySuffixes,
		topLevelDomains, industries, employeeRanges, clientTitles, prospectTitles, roles,
		comments, triggers, eventTypes}
	for _, p := range unicodePeople {
		lists = append(lists, []string{p.first, p.last, p.name, p.slug})
	}
	for _, e := range errorCodes {
		lists = append(lists, []string{e.code, e.message, e.details})
	}

	for _, list := range lists {
		for _, word := range list {
			if !utf8.ValidString(word) || strings.ContainsAny(word, "\"\\") ||
				strings.ContainsFunc(word, func(r rune) bool { return r < 0x20 }) || word == "" {
				t.Errorf("%q cannot be written between quotes as it is", word)
			}
		}
	}

	for _, p := range unicodePeople {
		if !isASCII(p.slug) || strings.Contains(p.slug, " ") {
			t.Errorf("the address of %s would hold %q", p.name, p.slug)
		}
	}
}

// TestBaseDateIsFixed checks that the timestamp does not follow the clock.
func TestBaseDateIsFixed(t *testing.T) {
	p := decode(t, Payload(Options{Seed: 0}))
	day := time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)
	if p.Time.Before(day) || p.Time.After(day.Add(24*time.Hour)) {
		t.Errorf("seed 0 finished its job at %v, want on %v", p.Time, day.Format(time.DateOnly))
	}
}
