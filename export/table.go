package export

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// Table is rows ready to write: the column names, and per row one cell per
// column, in column order.
type Table struct {
	Columns []string
	Rows    [][]Cell
}

// Cell is one value of a table. Its kind decides how each format writes it;
// the zero Cell is a missing value, null in JSON and empty in CSV.
type Cell struct {
	kind cellKind

	// text is the text of a text cell, or the JSON literal of a number or
	// a boolean, so that CSV and JSON spell a number the same way.
	text string

	// items are the strings of a list cell.
	items []string
}

type cellKind uint8

const (
	nullCell cellKind = iota
	textCell
	literalCell // a number or a boolean, never guarded or quoted in JSON
	listCell
)

// Null is a missing value.
func Null() Cell { return Cell{} }

// Text is a string from a payload or the store.
func Text(s string) Cell { return Cell{kind: textCell, text: s} }

// Int is a whole number.
func Int(n int64) Cell { return Cell{kind: literalCell, text: strconv.FormatInt(n, 10)} }

// Uint is a whole number that is never negative, such as a sequence number.
func Uint(n uint64) Cell { return Cell{kind: literalCell, text: strconv.FormatUint(n, 10)} }

// Float is a number, written as encoding/json writes it: the shortest text
// that reads back as the same number, so a score of 85.5 stays 85.5. JSON
// has no NaN or infinity; those are written as a missing value.
func Float(f float64) Cell {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Null()
	}
	literal, _ := json.Marshal(f) // cannot fail for a finite number
	return Cell{kind: literalCell, text: string(literal)}
}

// Score is a number that may be missing, as scores are.
func Score(f float64, ok bool) Cell {
	if !ok {
		return Null()
	}
	return Float(f)
}

// Bool is true or false.
func Bool(b bool) Cell { return Cell{kind: literalCell, text: strconv.FormatBool(b)} }

// List is a list of strings: an array in JSON, joined with "; " in CSV. A
// nil list is an empty one, never null.
func List(items []string) Cell { return Cell{kind: listCell, items: items} }

// deliveryColumns are the fields of the deliveries export, in the order
// that the NDJSON export has always written them; scripts may rely on it.
var deliveryColumns = []string{
	"seq", "received_at", "status", "job_id", "batch_id", "clients", "opportunities",
	"target_opportunities", "best_score", "warnings", "error", "remote_addr", "bytes",
}

// receivedLayout is RFC 3339 with a fixed number of decimals, so that the
// received times of an export sort as text.
const receivedLayout = "2006-01-02T15:04:05.000Z07:00"

// Deliveries is one row per delivery, in the order given.
func Deliveries(records []storage.Record) Table {
	t := Table{Columns: deliveryColumns, Rows: make([][]Cell, 0, len(records))}
	for _, rec := range records {
		t.Rows = append(t.Rows, []Cell{
			Uint(rec.Seq),
			Text(rec.ReceivedAt.UTC().Format(receivedLayout)),
			Text(rec.Status),
			Text(rec.JobID),
			Text(rec.BatchID),
			Int(int64(rec.Clients)),
			Int(int64(rec.Opportunities)),
			Int(int64(rec.TargetOpportunities)),
			Score(rec.BestScore, rec.HasScore),
			List(rec.Warnings),
			Text(deliveryError(rec.Digest)),
			Text(rec.Request.RemoteAddr),
			Int(rec.BodySize),
		})
	}
	return t
}

// deliveryError says what went wrong with a delivery: why it was rejected,
// or the failed job's own error.
func deliveryError(d model.Digest) string {
	switch {
	case d.Status == model.StatusRejected:
		return d.Reject
	case d.Error == nil:
		return ""
	case d.Error.Code == "":
		return d.Error.Message
	case d.Error.Message == "":
		return d.Error.Code
	}
	return d.Error.Code + ": " + d.Error.Message
}

var opportunityColumns = []string{
	"seq", "batch_id", "job_id", "client", "client_record_id", "prospect",
	"prospect_title", "company", "industry", "score", "overlap_months", "shared_company",
	"current", "target_company", "engagements", "last_engagement", "prospect_linkedin_url",
	"opportunity_id",
}

// Opportunities is one row per opportunity, in the order given, so that the
// interface can pass the rows it shows, filtered and sorted.
func Opportunities(rows []model.OpportunityRow) Table {
	t := Table{Columns: opportunityColumns, Rows: make([][]Cell, 0, len(rows))}
	for _, o := range rows {
		t.Rows = append(t.Rows, []Cell{
			Uint(o.Seq),
			Text(o.BatchID),
			Text(o.JobID),
			Text(o.Client),
			Text(o.ClientRecordID),
			Text(o.Prospect),
			Text(o.ProspectTitle),
			Text(o.Company),
			Text(o.Industry),
			Score(o.Score, o.HasScore),
			Int(int64(o.OverlapMonths)),
			Text(o.SharedCompany),
			Bool(o.Current),
			Bool(o.Target),
			Int(int64(o.Engagements)),
			Text(o.LastEngagement),
			Text(o.ProspectURL),
			Text(o.OpportunityID),
		})
	}
	return t
}

var companyColumns = []string{"company", "paths", "best_score", "target_company", "clients"}

// Companies is one row per company, in the order given.
func Companies(rows []model.CompanyRow) Table {
	t := Table{Columns: companyColumns, Rows: make([][]Cell, 0, len(rows))}
	for _, c := range rows {
		t.Rows = append(t.Rows, []Cell{
			Text(c.Company),
			Int(int64(c.Paths)),
			Score(c.BestScore, c.HasScore),
			Bool(c.Target),
			List(c.Clients),
		})
	}
	return t
}
