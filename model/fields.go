package model

import (
	"io"
	"slices"
	"time"
)

// This file maps each documented field of the payload to the reader of its
// kind. Every member that is not documented goes to unknown.

func (d *decoder) payload() (*Payload, error) {
	kind := d.dec.PeekKind()
	if kind != '{' {
		if kind == 0 {
			_, err := d.dec.ReadToken()
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		return nil, notObjectError{kind}
	}

	p := &Payload{}
	seen := map[string]bool{}
	_, err := d.object(func(key string) (err error) {
		seen[key] = true
		switch key {
		case "status":
			p.Status, err = d.text()
		case "job_id":
			p.JobID, err = d.text()
		case "batch_id":
			p.BatchID, err = d.text()
		case "summary":
			err = d.summary(&p.Summary)
		case "results":
			err = d.results(p)
		case "custom":
			p.Custom, err = d.raw()
		case "error":
			err = d.jobError(p)
		case "timestamp":
			p.Timestamp, err = d.text()
		default:
			err = d.unknown()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, key := range []string{"job_id", "batch_id", "summary", "timestamp"} {
		if !seen[key] {
			d.note(key + ": missing")
		}
	}
	if !seen["results"] && p.Status != "failed" {
		d.note("results: missing")
	}

	// Anything after the closing brace means the body is not one object.
	end := d.dec.InputOffset()
	if _, err := d.dec.ReadToken(); err != io.EOF {
		if err == nil {
			err = trailingError{after: end}
		}
		return nil, err
	}
	return p, nil
}

// trailingError is data after the object; after is the offset of its end.
type trailingError struct{ after int64 }

func (trailingError) Error() string { return "unexpected data after the closing brace" }

func (d *decoder) summary(s *Summary) error {
	ok, err := d.object(func(key string) (err error) {
		switch key {
		case "total_processed":
			s.TotalProcessed, _, err = d.integer()
		case "total_opportunities":
			s.TotalOpportunities, _, err = d.integer()
		case "processing_time_seconds":
			s.ProcessingTimeSeconds, _, err = d.number()
		default:
			err = d.unknown()
		}
		return err
	})
	s.Has = ok
	return err
}

// add counts an opportunity of the client.
func (c *Counts) add(o *Opportunity) {
	c.Opportunities++
	if o.IsTargetCompany {
		c.Targets++
	}
	rel := o.Relationship
	if rel.HasScore && (!c.HasScore || rel.ConfidenceScore > c.BestScore) {
		c.HasScore, c.BestScore = true, rel.ConfidenceScore
	}
}

// count adds an opportunity to the digest's counts.
func (d *decoder) count(o *Opportunity) {
	d.stats.opportunities++
	if o.IsTargetCompany {
		d.stats.targets++
	}
	rel := o.Relationship
	if rel.HasScore && (!d.stats.hasScore || rel.ConfidenceScore > d.stats.best) {
		d.stats.hasScore, d.stats.best = true, rel.ConfidenceScore
	}
}

func (d *decoder) jobError(p *Payload) error {
	e := &JobError{}
	ok, err := d.object(func(key string) (err error) {
		switch key {
		case "code":
			e.Code, err = d.text()
		case "message":
			e.Message, err = d.text()
		case "details":
			// Details are free-form; an object is kept as its JSON text.
			if k := d.dec.PeekKind(); k == '{' || k == '[' {
				raw, rerr := d.raw()
				e.Details = string(raw)
				return rerr
			}
			e.Details, err = d.text()
		default:
			err = d.unknown()
		}
		return err
	})
	if ok {
		p.Error = e
	}
	return err
}

func (d *decoder) results(p *Payload) error {
	_, err := d.array(func(int) error {
		var r Result
		hasClient := false
		ok, err := d.object(func(key string) (err error) {
			switch key {
			case "client":
				hasClient = true
				d.inClient = true
				err = d.client(&r.Client)
				d.inClient = false
			case "opportunities":
				// Opportunities gather in a scratch list reused from client to
				// client and are copied out at their exact number, which spares
				// the garbage of growing a slice for each of 10,000 clients.
				scratch := d.opportunities[:0]
				_, err = d.array(func(int) error {
					var o Opportunity
					err := d.opportunity(&o)
					d.count(&o)
					r.Counts.add(&o)
					if d.keep {
						scratch = append(scratch, o)
					}
					return err
				})
				if len(scratch) > 0 {
					r.Opportunities = slices.Clone(scratch)
				}
				d.opportunities = scratch[:0]
			default:
				err = d.unknown()
			}
			return err
		})
		if ok && err == nil && !hasClient {
			d.warn("no client")
		}
		d.stats.clients++
		if d.keep || d.clients {
			p.Results = append(p.Results, r)
		}
		return err
	})
	return err
}

func (d *decoder) client(c *Client) error {
	_, err := d.object(func(key string) (err error) {
		switch key {
		case "name":
			err = d.str(&c.Name)
		case "first_name":
			err = d.str(&c.FirstName)
		case "last_name":
			err = d.str(&c.LastName)
		case "linkedin_url":
			err = d.str(&c.LinkedInURL)
		case "record_id":
			err = d.str(&c.RecordID)
		case "owner_email":
			err = d.str(&c.OwnerEmail)
		case "job_title":
			err = d.str(&c.JobTitle)
		case "company_name":
			err = d.str(&c.CompanyName)
		default:
			err = d.unknown()
		}
		return err
	})
	return err
}

func (d *decoder) opportunity(o *Opportunity) error {
	seen := map[string]bool{}
	ok, err := d.object(func(key string) (err error) {
		seen[key] = true
		switch key {
		case "opportunity_id":
			err = d.str(&o.ID)
		case "prospect":
			err = d.prospect(&o.Prospect)
		case "company":
			err = d.company(&o.Company)
		case "relationship":
			err = d.relationship(&o.Relationship)
		case "is_target_company":
			o.IsTargetCompany, err = d.boolean()
		case "engagement":
			o.Engagement = &Engagement{}
			err = d.engagement(o.Engagement)
		default:
			err = d.unknown()
		}
		return err
	})
	if ok && err == nil {
		for _, key := range []string{"prospect", "company", "relationship"} {
			if !seen[key] {
				d.warn("no %s", key)
			}
		}
	}
	return err
}

func (d *decoder) prospect(p *Prospect) error {
	_, err := d.object(func(key string) (err error) {
		switch key {
		case "name":
			err = d.str(&p.Name)
		case "linkedin_url":
			err = d.str(&p.LinkedInURL)
		case "job_title":
			err = d.str(&p.JobTitle)
		case "company_name":
			err = d.str(&p.CompanyName)
		default:
			err = d.unknown()
		}
		return err
	})
	return err
}

func (d *decoder) company(c *Company) error {
	_, err := d.object(func(key string) (err error) {
		switch key {
		case "name":
			err = d.str(&c.Name)
		case "domain":
			err = d.str(&c.Domain)
		case "industry":
			err = d.str(&c.Industry)
		case "employee_count":
			err = d.str(&c.EmployeeCount)
		default:
			err = d.unknown()
		}
		return err
	})
	return err
}

func (d *decoder) relationship(r *Relationship) error {
	_, err := d.object(func(key string) (err error) {
		switch key {
		case "confidence_score":
			r.ConfidenceScore, r.HasScore, err = d.number()
			if r.HasScore && (r.ConfidenceScore < 0 || r.ConfidenceScore > 100) {
				d.warn("score %s is outside 0-100", formatFloat(r.ConfidenceScore))
			}
		case "total_overlap_months":
			r.TotalOverlapMonths, _, err = d.integer()
		case "shared_experience":
			err = d.sharedExperience(&r.SharedExperience)
		default:
			err = d.unknown()
		}
		return err
	})
	return err
}

func (d *decoder) sharedExperience(s *SharedExperience) error {
	_, err := d.object(func(key string) (err error) {
		switch key {
		case "company_name":
			err = d.str(&s.CompanyName)
		case "overlap_months":
			s.OverlapMonths, _, err = d.integer()
		case "client_role":
			err = d.str(&s.ClientRole)
		case "prospect_role":
			err = d.str(&s.ProspectRole)
		case "is_current":
			s.IsCurrent, err = d.boolean()
		default:
			err = d.unknown()
		}
		return err
	})
	return err
}

func (d *decoder) engagement(e *Engagement) error {
	events, hasHistory := 0, false
	ok, err := d.object(func(key string) (err error) {
		switch key {
		case "total_engagements":
			e.TotalEngagements, _, err = d.integer()
		case "last_engagement_date":
			e.LastEngagementDate, err = d.text()
			if err == nil && e.LastEngagementDate != "" {
				if _, ok := ParseDate(e.LastEngagementDate); !ok {
					d.warn("unreadable date %q", e.LastEngagementDate)
				}
			}
		case "history":
			scratch := d.events[:0]
			hasHistory, err = d.array(func(int) error {
				var ev Event
				err := d.event(&ev)
				events++
				if d.keep {
					scratch = append(scratch, ev)
				}
				return err
			})
			if len(scratch) > 0 {
				e.History = slices.Clone(scratch)
			}
			d.events = scratch[:0]
		default:
			err = d.unknown()
		}
		return err
	})
	if ok && err == nil && hasHistory && e.TotalEngagements != events {
		d.warn("total_engagements claims %d but history holds %d", e.TotalEngagements, events)
	}
	return err
}

func (d *decoder) event(ev *Event) error {
	_, err := d.object(func(key string) (err error) {
		switch key {
		case "type":
			err = d.str(&ev.Type)
		case "date":
			ev.Date, err = d.text()
			if err == nil {
				var ok bool
				if ev.Time, ok = ParseDate(ev.Date); !ok {
					d.warn("unreadable date %q", ev.Date)
				}
			}
		case "text":
			err = d.str(&ev.Text)
		case "link":
			err = d.str(&ev.Link)
		case "source":
			err = d.str(&ev.Source)
		default:
			err = d.unknown()
		}
		return err
	})
	return err
}

// ParseDate reads the dates Clustr sends: a calendar date or an RFC 3339
// timestamp.
func ParseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.DateOnly, time.RFC3339Nano, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
