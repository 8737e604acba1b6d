package model

import "encoding/json"

// StatusRejected is the status of a delivery whose body could not be read as
// a JSON object. Every other status is the payload's own.
const StatusRejected = "rejected"

// Digest is the small summary of one delivery that is kept apart from its
// body, so that a capture of thousands of deliveries can be listed without
// decoding any of them. Counts are of what the body holds, not of what its
// summary block claims.
type Digest struct {
	Status              string          `json:"status"`
	JobID               string          `json:"job_id,omitempty"`
	BatchID             string          `json:"batch_id,omitempty"`
	Timestamp           string          `json:"timestamp,omitempty"`
	Clients             int             `json:"clients"`
	Opportunities       int             `json:"opportunities"`
	TargetOpportunities int             `json:"target_opportunities"`
	HasScore            bool            `json:"has_score,omitempty"`
	BestScore           float64         `json:"best_score,omitempty"`
	Summary             Summary         `json:"summary"`
	Custom              json.RawMessage `json:"custom,omitempty"`
	Error               *JobError       `json:"error,omitempty"`
	Warnings            []string        `json:"warnings,omitempty"`

	// Reject says why the body was refused; empty for an accepted delivery.
	// Line and Column point into the body where it broke, when known.
	Reject       string `json:"reject,omitempty"`
	RejectLine   int    `json:"reject_line,omitempty"`
	RejectColumn int    `json:"reject_column,omitempty"`
}

// Digest summarises the payload for the capture file's summary record.
func (p *Payload) Digest() Digest {
	d := Digest{
		Status:    p.Status,
		JobID:     p.JobID,
		BatchID:   p.BatchID,
		Timestamp: p.Timestamp,
		Clients:   len(p.Results),
		Summary:   p.Summary,
		Custom:    p.Custom,
		Error:     p.Error,
		Warnings:  p.Warnings,
	}

	for _, r := range p.Results {
		d.Opportunities += len(r.Opportunities)
		for _, o := range r.Opportunities {
			if o.IsTargetCompany {
				d.TargetOpportunities++
			}
			if o.Relationship.HasScore && (!d.HasScore || o.Relationship.ConfidenceScore > d.BestScore) {
				d.HasScore = true
				d.BestScore = o.Relationship.ConfidenceScore
			}
		}
	}
	return d
}

// RejectedDigest is the digest of a body that is not a JSON object.
func RejectedDigest(err error) Digest {
	d := Digest{Status: StatusRejected, Reject: err.Error()}
	if se, ok := err.(*SyntaxError); ok {
		d.RejectLine, d.RejectColumn = se.Line, se.Column
	}
	return d
}
