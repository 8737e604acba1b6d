package model

import (
	"fmt"
	"sort"
	"time"
)

// validate adds what is odd about a payload as a whole: claims that
// disagree with the body and values that cannot be right.
func (d *decoder) validate(p *Payload) {
	warn := func(format string, args ...any) { d.note(fmt.Sprintf(format, args...)) }

	switch p.Status {
	case "completed", "failed":
	case "":
		warn("status: missing")
	default:
		warn("status: %q is not a documented status", p.Status)
	}
	if p.Status == "failed" && p.Error == nil {
		warn("error: a failed job without an error block")
	}

	if p.Timestamp != "" {
		t, err := time.Parse(time.RFC3339Nano, p.Timestamp)
		if err != nil {
			warn("timestamp: unreadable date %q", p.Timestamp)
		}
		p.Time = t
	}

	if p.Summary.Has {
		if p.Summary.TotalProcessed != d.stats.clients {
			warn("summary: total_processed claims %d clients but the body holds %d",
				p.Summary.TotalProcessed, d.stats.clients)
		}
		if p.Summary.TotalOpportunities != d.stats.opportunities {
			warn("summary: total_opportunities claims %d but the body holds %d",
				p.Summary.TotalOpportunities, d.stats.opportunities)
		}
	}
}

// NewestFirst returns the engagement history sorted newest first. Events
// whose date could not be read keep their order, after the dated ones.
func (e *Engagement) NewestFirst() []Event {
	if e == nil {
		return nil
	}
	events := append([]Event(nil), e.History...)
	sort.SliceStable(events, func(i, j int) bool {
		a, b := events[i].Time, events[j].Time
		if a.IsZero() || b.IsZero() {
			return !a.IsZero() && b.IsZero()
		}
		return a.After(b)
	})
	return events
}
