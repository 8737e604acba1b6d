package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// exportCmd is `clustr-explorer export FILE [--format ndjson] [-o FILE]`.
type exportCmd struct {
	File   string `arg:"" placeholder:"FILE" help:"Capture file to read; it is not modified."`
	Format string `enum:"ndjson" default:"ndjson" help:"${export_format}"`
	Output string `short:"o" placeholder:"FILE" help:"Write to FILE instead of standard output."`
}

var exportHelp = map[string]string{
	"export_format": "Output format: ndjson, the only one for now.",
}

// receivedLayout is RFC 3339 with a fixed number of decimals, so that the
// times of an export sort as text.
const receivedLayout = "2006-01-02T15:04:05.000Z07:00"

// exportedDelivery is one line of the NDJSON export. Its fields are in the
// order they are written, which scripts may rely on.
type exportedDelivery struct {
	Seq                 uint64   `json:"seq"`
	ReceivedAt          string   `json:"received_at"`
	Status              string   `json:"status"`
	JobID               string   `json:"job_id"`
	BatchID             string   `json:"batch_id"`
	Clients             int      `json:"clients"`
	Opportunities       int      `json:"opportunities"`
	TargetOpportunities int      `json:"target_opportunities"`
	BestScore           *float64 `json:"best_score"`
	Warnings            []string `json:"warnings"`
	Error               string   `json:"error"`
	RemoteAddr          string   `json:"remote_addr"`
	Bytes               int64    `json:"bytes"`
}

// Run writes every delivery of the capture file, oldest first.
func (c *exportCmd) Run(env *runEnv) error {
	store, err := openReadOnly(c.File)
	if err != nil {
		return err
	}
	defer store.Close()

	if c.Output == "" {
		return exportDeliveries(store, env.stdout)
	}

	f, err := os.Create(c.Output)
	if err != nil {
		return fmt.Errorf("export: %w; check --output", err)
	}
	err = exportDeliveries(store, f)
	if closeErr := f.Close(); err == nil && closeErr != nil {
		err = fmt.Errorf("export to %s: %w", c.Output, closeErr)
	}
	if err != nil {
		// Half an export looks like a whole one; leave none.
		_ = os.Remove(c.Output)
	}
	return err
}

// exportDeliveries writes one JSON object per delivery of store to out.
func exportDeliveries(store *storage.Store, out io.Writer) error {
	records, err := store.Records()
	if err != nil {
		return err
	}

	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, rec := range records {
		if err := enc.Encode(exported(rec)); err != nil {
			return fmt.Errorf("export delivery %d: %w", rec.Seq, err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// exported is the export line of one delivery.
func exported(rec storage.Record) exportedDelivery {
	line := exportedDelivery{
		Seq:                 rec.Seq,
		ReceivedAt:          rec.ReceivedAt.UTC().Format(receivedLayout),
		Status:              rec.Status,
		JobID:               rec.JobID,
		BatchID:             rec.BatchID,
		Clients:             rec.Clients,
		Opportunities:       rec.Opportunities,
		TargetOpportunities: rec.TargetOpportunities,
		Warnings:            rec.Warnings,
		Error:               deliveryError(rec.Digest),
		RemoteAddr:          rec.Request.RemoteAddr,
		Bytes:               rec.BodySize,
	}
	if rec.HasScore {
		score := rec.BestScore
		line.BestScore = &score
	}
	if line.Warnings == nil {
		line.Warnings = []string{}
	}
	return line
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
