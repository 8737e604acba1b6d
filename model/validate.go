package model

import (
	"fmt"
	"sort"
	"time"
)

// validate lists what is odd about a payload that decoded: claims that
// disagree with the body and values that cannot be right.
func validate(p *Payload) []string {
	var warnings []string
	warn := func(format string, args ...any) {
		warnings = append(warnings, fmt.Sprintf(format, args...))
	}

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

	opportunities := 0
	for _, r := range p.Results {
		opportunities += len(r.Opportunities)
	}
	if p.Summary.Has {
		if p.Summary.TotalProcessed != len(p.Results) {
			warn("summary: total_processed claims %d clients but the body holds %d",
				p.Summary.TotalProcessed, len(p.Results))
		}
		if p.Summary.TotalOpportunities != opportunities {
			warn("summary: total_opportunities claims %d but the body holds %d",
				p.Summary.TotalOpportunities, opportunities)
		}
	}

	for i, r := range p.Results {
		for j, o := range r.Opportunities {
			e := o.Engagement
			if e == nil || e.History == nil || e.TotalEngagements == len(e.History) {
				continue
			}
			warn("results[%d].opportunities[%d].engagement: total_engagements claims %d "+
				"but history holds %d", i, j, e.TotalEngagements, len(e.History))
		}
	}
	return warnings
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
