package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"strings"

	"github.com/clustr/clustr-explorer/export"
	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/redact"
	"github.com/clustr/clustr-explorer/storage"
)

// exportCmd is `clustr-explorer export FILE [--view V] [--format F] [-o FILE]`.
type exportCmd struct {
	File   string `arg:"" placeholder:"FILE" help:"Capture file to read; it is not modified."`
	View   string `enum:"${export_views}" default:"deliveries" help:"${export_view}"`
	Format string `enum:"${export_formats}" default:"ndjson" help:"${export_format}"`
	Output string `short:"o" placeholder:"FILE" help:"Write to FILE instead of standard output."`
	Redact bool   `help:"${export_redact}"`
}

// exportHelp holds the help texts of export and the names its flags accept,
// which come from the export package so that a new format is offered at once.
var exportHelp = map[string]string{
	"export_views":   commaList(export.Views),
	"export_formats": commaList(export.Formats),
	"export_view": "What to export: deliveries, one row each, oldest first; opportunities, " +
		"one row each from the latest delivery of every batch, oldest batch first; or " +
		"companies, one row per prospect company with the clients that reach it, best first.",
	"export_redact": "Hide emails, LinkedIn URLs and remote addresses, as redact does, " +
		"so that the export can be shared.",
	"export_format": "Output format: csv (with a header row), json (one array of objects) " +
		"or ndjson (one object per line).",
}

// commaList joins names with commas, as kong's enum tag lists them.
func commaList[T ~string](names []T) string {
	list := make([]string, len(names))
	for i, name := range names {
		list[i] = string(name)
	}
	return strings.Join(list, ",")
}

// Run writes one view of the capture file. It reads everything before it
// writes, so that a capture it cannot read leaves an existing --output file
// as it was.
func (c *exportCmd) Run(env *runEnv) error {
	view, err := export.ParseView(c.View)
	if err != nil {
		return fmt.Errorf("%w; check --view", err)
	}
	format, err := export.ParseFormat(c.Format)
	if err != nil {
		return fmt.Errorf("%w; check --format", err)
	}

	store, err := openReadOnly(c.File)
	if err != nil {
		return err
	}
	defer store.Close()

	var r *redact.Redactor
	if c.Redact {
		// A key of this run alone: one person has one placeholder
		// throughout the export, and two exports cannot be matched.
		r = redact.New([]byte(rand.Text()))
	}
	table, err := exportTable(store, view, r)
	if err != nil {
		return err
	}

	if c.Output == "" {
		return table.Write(env.stdout, format)
	}

	// Exports hold people's names and profiles, so, like the capture file,
	// they are readable by their owner only.
	f, err := os.OpenFile(c.Output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("export: %w; check --output", err)
	}
	err = table.Write(f, format)
	if closeErr := f.Close(); err == nil && closeErr != nil {
		err = fmt.Errorf("export to %s: %w", c.Output, closeErr)
	}
	if err != nil {
		// Half an export looks like a whole one; leave none.
		_ = os.Remove(c.Output)
	}
	return err
}

// exportTable reads the table of view from store, redacted by r unless r
// is nil.
func exportTable(store *storage.Store, view export.View, r *redact.Redactor) (
	export.Table, error,
) {
	records, err := store.Records()
	if err != nil {
		return export.Table{}, err
	}
	if view == export.DeliveriesView {
		if r != nil {
			records = redactRecords(records, r)
		}
		return export.Deliveries(records), nil
	}

	rows, err := latestOpportunities(store, records)
	if err != nil {
		return export.Table{}, err
	}
	if r != nil {
		redactOpportunities(rows, r)
	}
	if view == export.OpportunitiesView {
		return export.Opportunities(rows), nil
	}
	return export.Companies(model.CompanyRows(rows)), nil
}

// redactRecords is records as the deliveries view shows them redacted:
// without the remote address, and with the addresses and URLs of a failed
// job's error hidden. Warnings are kept as they are: they say where a body
// is odd, which is what a shared export is usually for.
func redactRecords(records []storage.Record, r *redact.Redactor) []storage.Record {
	redacted := make([]storage.Record, len(records))
	for i, rec := range records {
		rec.Request = redactedRequest(rec.Request)
		if rec.Error != nil {
			jobErr := *rec.Error
			jobErr.Message = r.Text("message", jobErr.Message)
			jobErr.Details = r.Text("details", jobErr.Details)
			rec.Error = &jobErr
		}
		redacted[i] = rec
	}
	return redacted
}

// redactOpportunities hides the prospects' LinkedIn URLs of rows, and any
// email address or LinkedIn URL in their other text. Names stay.
func redactOpportunities(rows []model.OpportunityRow, r *redact.Redactor) {
	for i := range rows {
		o := &rows[i]
		o.ProspectURL = r.Text("prospect_linkedin_url", o.ProspectURL)
		for _, text := range []*string{
			&o.BatchID, &o.JobID, &o.OpportunityID, &o.Client, &o.ClientRecordID,
			&o.Prospect, &o.ProspectTitle, &o.Company, &o.Industry, &o.SharedCompany,
			&o.LastEngagement,
		} {
			*text = r.Text("", *text)
		}
	}
}

// latestOpportunities flattens the opportunities of the latest delivery of
// every batch, oldest batch first: a redelivered batch counts once, as it
// does on the Batches page, and a later failed delivery of a batch means the
// batch has no opportunities.
func latestOpportunities(store *storage.Store, records []storage.Record) (
	[]model.OpportunityRow, error,
) {
	var rows []model.OpportunityRow
	for _, rec := range latestOfBatches(records) {
		body, err := store.Body(rec.Seq)
		if err != nil {
			return nil, fmt.Errorf("read delivery %d: %w", rec.Seq, err)
		}
		payload, err := model.Decode(body)
		if err != nil {
			// The listener decoded this body when it accepted it.
			return nil, fmt.Errorf("read delivery %d: %w; the capture file may be damaged",
				rec.Seq, err)
		}

		delivered := model.OpportunityRows(payload)
		for i := range delivered {
			delivered[i].Seq = rec.Seq
		}
		rows = append(rows, delivered...)
	}
	return rows, nil
}

// latestOfBatches picks from records, which are oldest first, the latest
// delivery of every batch that was not rejected, in the order of those
// deliveries: a batch is as old as its latest delivery, as on the Batches
// page. A delivery without a batch id is a batch of its own.
func latestOfBatches(records []storage.Record) []storage.Record {
	latest := map[string]uint64{}
	for _, rec := range records {
		if rec.Status != model.StatusRejected && rec.BatchID != "" {
			latest[rec.BatchID] = rec.Seq
		}
	}

	var picked []storage.Record
	for _, rec := range records {
		if rec.Status == model.StatusRejected {
			continue
		}
		if rec.BatchID == "" || latest[rec.BatchID] == rec.Seq {
			picked = append(picked, rec)
		}
	}
	return picked
}
