package model

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeDocumentedCompleted(t *testing.T) {
	p, err := Decode(fixture(t, "doc-completed.json"))
	if err != nil {
		t.Fatal(err)
	}

	if p.Status != "completed" || p.JobID != "job_abc123" || p.BatchID != "batch_xyz789" {
		t.Errorf("ids: got %q %q %q", p.Status, p.JobID, p.BatchID)
	}
	o := p.Results[0].Opportunities[0]
	if o.Prospect.Name != "Jane Smith" || o.Relationship.ConfidenceScore != 85.5 ||
		!o.IsTargetCompany || o.Relationship.SharedExperience.CompanyName != "Previous Corp" {
		t.Errorf("opportunity read wrong: %+v", o)
	}
	want := []string{
		"summary: total_processed claims 2 clients but the body holds 1",
		"summary: total_opportunities claims 15 but the body holds 1",
	}
	if !slices.Equal(p.Warnings, want) {
		t.Errorf("warnings:\n got %q\nwant %q", p.Warnings, want)
	}

	d := p.Digest()
	if d.Clients != 1 || d.Opportunities != 1 || d.TargetOpportunities != 1 || d.BestScore != 85.5 {
		t.Errorf("digest counts what the body holds: %+v", d)
	}
	if d.Summary.TotalProcessed != 2 || d.Summary.TotalOpportunities != 15 {
		t.Errorf("digest keeps the claimed totals: %+v", d.Summary)
	}
}

func TestDecodeFailed(t *testing.T) {
	p, err := Decode(fixture(t, "doc-failed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != "failed" || p.Error == nil {
		t.Fatalf("status %q error %+v", p.Status, p.Error)
	}
	e := *p.Error
	if e.Code != "PROCESSING_ERROR" || e.Message != "Failed to process contacts" ||
		e.Details != "Additional error context" {
		t.Errorf("error block: %+v", e)
	}
	if len(p.Warnings) != 0 {
		t.Errorf("documented failed payload warns: %q", p.Warnings)
	}
}

func TestDecodeLooseTypes(t *testing.T) {
	p, err := Decode(fixture(t, "edge-loose-types.json"))
	if err != nil {
		t.Fatal(err)
	}

	if len(p.Results) != 3 {
		t.Fatalf("got %d results, want all 3 kept", len(p.Results))
	}
	o := p.Results[0].Opportunities[0]
	if o.Relationship.ConfidenceScore != 72 || !o.Relationship.HasScore {
		t.Errorf("score sent as a string: got %v", o.Relationship.ConfidenceScore)
	}
	if o.Relationship.TotalOverlapMonths != 18 || !o.Relationship.SharedExperience.IsCurrent {
		t.Errorf("loose relationship: %+v", o.Relationship)
	}
	if o.Company.EmployeeCount != "250" {
		t.Errorf("employee count as number: got %q", o.Company.EmployeeCount)
	}
	if p.Summary.TotalProcessed != 2 || p.Summary.ProcessingTimeSeconds != 12.5 {
		t.Errorf("summary as strings: %+v", p.Summary)
	}
	if len(p.Results[1].Opportunities) != 0 || p.Results[2].Opportunities[0].Prospect.Name != "Sam Partial" {
		t.Errorf("client without opportunities or partial opportunity lost")
	}
	if string(p.Custom) == "" || !strings.Contains(string(p.Custom), `"deep"`) {
		t.Errorf("custom not passed through: %s", p.Custom)
	}

	for _, want := range []string{
		`summary.total_processed: number sent as text "2", read as 2`,
		`results[0].opportunities[0].relationship.confidence_score: number sent as text "72.0", read as 72`,
		`results[0].opportunities[0].company.employee_count: a number 250 where text was expected`,
		`results[0].opportunities[0].is_target_company: null where true or false was expected`,
		`results[0].opportunities[0].ranking_reason: unknown field, kept in the raw body`,
		`summary: total_processed claims 2 clients but the body holds 3`,
	} {
		if !slices.ContainsFunc(p.Warnings, func(w string) bool { return strings.HasPrefix(w, want) }) {
			t.Errorf("missing warning %q in\n%s", want, strings.Join(p.Warnings, "\n"))
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	cases := []struct {
		name, body   string
		line, column int
		reason       string
	}{
		{"form body", "status=completed&job_id=job_form01", 1, 1, "invalid character"},
		{"array", "\n  [1, 2]", 2, 3, "the body is a list, not an object"},
		{"string", `"hello"`, 1, 1, "the body is text, not an object"},
		{"empty", "", 1, 1, "the body is empty"},
		{"trailing", "{}\n{}", 2, 1, "after"},
		{"cut", "{\n  \"status\": \"comp", 2, 18, ""},
		{"bad inside", "{\"results\": [1,,2]}", 1, 16, "invalid character"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode([]byte(c.body))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a SyntaxError", err)
			}
			if se.Line != c.line || se.Column != c.column {
				t.Errorf("at line %d column %d, want %d:%d (%v)", se.Line, se.Column, c.line, c.column, err)
			}
			if !strings.Contains(se.Reason, c.reason) {
				t.Errorf("reason %q lacks %q", se.Reason, c.reason)
			}
		})
	}
}

func TestDecodeTruncatedFixture(t *testing.T) {
	_, err := Decode(fixture(t, "edge-truncated.json"))
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("got %v", err)
	}
	if se.Line != 27 || se.Column != 22 {
		t.Errorf("truncated body breaks at %d:%d, want 27:22", se.Line, se.Column)
	}
}

func TestDecodeKeepsWhatItCannotType(t *testing.T) {
	body := `{"status":"completed","job_id":12345678901234567890,"summary":"soon",
	"results":[{"client":{"name":"A<FF>B"},"opportunities":[{"relationship":
	{"confidence_score":140},"engagement":{"total_engagements":2,"history":[
	{"type":"PROSPECT_WAVED","date":"yesterday"}]}}]}],
	"custom":{"id":12345678901234567890,"f":1.10},"timestamp":"not a time"}`
	p, err := Decode([]byte(strings.Replace(body, "<FF>", "\xff", 1)))
	if err != nil {
		t.Fatal(err)
	}

	if p.JobID != "12345678901234567890" {
		t.Errorf("a large numeric id was rounded: %q", p.JobID)
	}
	if got := Fields(p.Custom); len(got) != 2 || got[0].Value != "12345678901234567890" ||
		got[1].Value != "1.10" {
		t.Errorf("custom numbers changed: %+v", got)
	}
	if name := p.Results[0].Client.Name; name != "A\uFFFDB" {
		t.Errorf("invalid UTF-8 not marked: %q", name)
	}
	if ev := p.Results[0].Opportunities[0].Engagement.History[0]; ev.Type != "PROSPECT_WAVED" {
		t.Errorf("unknown engagement type dropped: %+v", ev)
	}
	for _, want := range []string{
		"summary: text where an object was expected",
		"score 140 is outside 0-100",
		`unreadable date "yesterday"`,
		`timestamp: unreadable date "not a time"`,
		"total_engagements claims 2 but history holds 1",
	} {
		if !slices.ContainsFunc(p.Warnings, func(w string) bool { return strings.Contains(w, want) }) {
			t.Errorf("missing warning %q in\n%s", want, strings.Join(p.Warnings, "\n"))
		}
	}
}

func TestNewestFirst(t *testing.T) {
	p, err := Decode(fixture(t, "doc-full-history.json"))
	if err != nil {
		t.Fatal(err)
	}
	events := p.Results[0].Opportunities[0].Engagement.NewestFirst()
	var dates []string
	for _, e := range events {
		dates = append(dates, e.Date)
	}
	if want := []string{"2025-03-15", "2025-02-10", "2024-11-02"}; !slices.Equal(dates, want) {
		t.Errorf("got %v, want %v", dates, want)
	}

	e := &Engagement{History: []Event{{Date: "?"}, {Date: "2024-01-01"}, {Date: "2025-01-01"}}}
	for i := range e.History {
		e.History[i].Time, _ = ParseDate(e.History[i].Date)
	}
	dates = dates[:0]
	for _, ev := range e.NewestFirst() {
		dates = append(dates, ev.Date)
	}
	if want := []string{"2025-01-01", "2024-01-01", "?"}; !slices.Equal(dates, want) {
		t.Errorf("undated events should sort last: got %v", dates)
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"doc-completed.json", "doc-failed.json", "doc-full-history.json",
		"edge-escape.json", "edge-loose-types.json", "edge-not-json.txt", "edge-truncated.json",
		"edge-unicode.json"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "fixtures", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := Decode(body)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Line < 1 || se.Column < 1 {
				t.Fatalf("error without a position: %v", err)
			}
			return
		}
		d := p.Digest()
		if d.Clients != len(p.Results) {
			t.Fatalf("digest clients %d, results %d", d.Clients, len(p.Results))
		}
		s, err := Summarize(body)
		if err != nil || !reflect.DeepEqual(s, d) {
			t.Fatalf("Summarize disagrees with Decode:\n%+v (%v)\n%+v", s, err, d)
		}
	})
}

func TestDecodeNamesMissingSections(t *testing.T) {
	p, err := Decode([]byte(`{"status":"completed","results":[{"opportunities":[{"prospect":{"name":"A"}}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"job_id: missing", "batch_id: missing", "summary: missing", "timestamp: missing",
		"results[0]: no client",
		"results[0].opportunities[0]: no company", "results[0].opportunities[0]: no relationship",
	} {
		if !slices.Contains(p.Warnings, want) {
			t.Errorf("missing warning %q in\n%s", want, strings.Join(p.Warnings, "\n"))
		}
	}

	failed, err := Decode(fixture(t, "doc-failed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(failed.Warnings, "results: missing") {
		t.Errorf("a failed job is not expected to carry results: %q", failed.Warnings)
	}
}

func TestDecodeRefusesNonFiniteScores(t *testing.T) {
	for _, v := range []string{`"NaN"`, `"Inf"`, `"-Infinity"`, `1e999`} {
		body := `{"results":[{"opportunities":[{"relationship":{"confidence_score":` + v + `}}]}]}`
		p, err := Decode([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		rel := p.Results[0].Opportunities[0].Relationship
		if rel.HasScore {
			t.Errorf("%s read as the score %v", v, rel.ConfidenceScore)
		}
		if _, err := json.Marshal(p.Digest()); err != nil {
			t.Errorf("%s: the digest cannot be stored: %v", v, err)
		}
	}
}

func TestSummarizeMatchesDecode(t *testing.T) {
	for _, name := range []string{"doc-completed.json", "doc-failed.json", "doc-full-history.json",
		"edge-escape.json", "edge-loose-types.json", "edge-unicode.json"} {
		body := fixture(t, name)
		p, err := Decode(body)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Summarize(body)
		if err != nil {
			t.Fatal(err)
		}
		if want := p.Digest(); !reflect.DeepEqual(s, want) {
			t.Errorf("%s: Summarize\n%+v\nDecode().Digest()\n%+v", name, s, want)
		}
	}
	for _, name := range []string{"edge-not-json.txt", "edge-truncated.json"} {
		_, errD := Decode(fixture(t, name))
		_, errS := Summarize(fixture(t, name))
		if errD == nil || errS == nil || errD.Error() != errS.Error() {
			t.Errorf("%s: Decode says %v, Summarize %v", name, errD, errS)
		}
	}
}

func TestWarningsAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"status":"completed","job_id":"j","batch_id":"b","timestamp":"2025-01-01T00:00:00Z",` +
		`"summary":{"total_processed":1,"total_opportunities":500},"results":[{"client":{"name":"c"},` +
		`"opportunities":[`)
	for i := range 500 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"prospect":{"name":"p"},"company":{"name":"x"},"relationship":{"confidence_score":"50"}}`)
	}
	b.WriteString(`]}]}`)
	p, err := Decode([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Warnings) != maxWarnings+1 || p.Warnings[maxWarnings] != "and 300 more warnings" {
		t.Errorf("got %d warnings ending %q", len(p.Warnings), p.Warnings[len(p.Warnings)-1])
	}
	if len(p.Results[0].Opportunities) != 500 {
		t.Errorf("capping warnings dropped opportunities: %d", len(p.Results[0].Opportunities))
	}
}

func TestDecodeClientsKeepsClientsAndTheirCounts(t *testing.T) {
	for _, name := range []string{"doc-full-history.json", "edge-loose-types.json", "edge-unicode.json"} {
		body := fixture(t, name)
		full, err := Decode(body)
		if err != nil {
			t.Fatal(err)
		}
		light, err := DecodeClients(body)
		if err != nil {
			t.Fatal(err)
		}
		if len(light.Results) != len(full.Results) || !slices.Equal(light.Warnings, full.Warnings) {
			t.Fatalf("%s: %d clients and warnings %q, want %d and %q", name,
				len(light.Results), light.Warnings, len(full.Results), full.Warnings)
		}
		for i, r := range light.Results {
			f := full.Results[i]
			if r.Client != f.Client || r.Counts != f.Counts || len(r.Opportunities) != 0 {
				t.Errorf("%s client %d: %+v %+v, want %+v %+v and no opportunities", name, i,
					r.Client, r.Counts, f.Client, f.Counts)
			}
			if f.Counts.Opportunities != len(f.Opportunities) {
				t.Errorf("%s client %d counts %d opportunities of %d", name, i,
					f.Counts.Opportunities, len(f.Opportunities))
			}
		}
	}
}
