package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/clustr/clustr-explorer/model"
)

// eighths are the block characters that fill a cell from left to right.
var eighths = []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

// scoreBar draws a score of 0 to 100 as a bar width cells wide, to an
// eighth of a cell.
func scoreBar(score float64, width int) string {
	score = min(max(score, 0), 100)
	units := int(score/100*float64(width*8) + 0.5)
	bar := strings.Repeat("█", units/8) + eighths[units%8]
	return bar + strings.Repeat(" ", width-(units+7)/8)
}

// levels are the block characters that fill a cell from the bottom.
var levels = []rune(" ▁▂▃▄▅▆▇█")

// spark draws counts as one line of bars, the largest a full block. A
// count above zero is never drawn empty.
func spark(counts []int) string {
	most := 0
	for _, c := range counts {
		most = max(most, c)
	}
	var b strings.Builder
	for _, c := range counts {
		level := 0
		if most > 0 && c > 0 {
			level = max(1, c*(len(levels)-1)/most)
		}
		b.WriteRune(levels[level])
	}
	return b.String()
}

// scoreSpread is how the scores of a delivery are spread over ten bands of
// ten points, as one line.
func scoreSpread(a *App, p *model.Payload) string {
	bands := make([]int, 10)
	n := 0
	for _, r := range p.Results {
		for _, o := range r.Opportunities {
			if !o.Relationship.HasScore {
				continue
			}
			s := min(max(o.Relationship.ConfidenceScore, 0), 100)
			bands[min(int(s/10), 9)]++
			n++
		}
	}
	if n == 0 {
		return ""
	}
	st := &a.styles
	return st.Muted.Render("0 ") + st.Good.Render(spark(bands)) + st.Muted.Render(" 100") +
		st.Muted.Render(fmt.Sprintf("   %s, by bands of ten points", plural(n, "score", "scores")))
}

// engagementChart shows engagement per month over the year up to the
// newest event, as one line with its first and last month.
func engagementChart(a *App, o *model.Opportunity, width int) string {
	if o.Engagement == nil {
		return ""
	}
	var newest time.Time
	for _, e := range o.Engagement.History {
		if e.Time.After(newest) {
			newest = e.Time
		}
	}
	if newest.IsZero() {
		return ""
	}

	const months = 12
	end := time.Date(newest.Year(), newest.Month(), 1, 0, 0, 0, 0, time.UTC)
	start := end.AddDate(0, -(months - 1), 0)
	counts := make([]int, months)
	for _, e := range o.Engagement.History {
		if e.Time.IsZero() || e.Time.Before(start) {
			continue
		}
		m := (e.Time.Year()-start.Year())*12 + int(e.Time.Month()) - int(start.Month())
		if m >= 0 && m < months {
			counts[m]++
		}
	}
	st := &a.styles
	line := st.Label.Render("per month ") + st.Muted.Render(start.Format("Jan 2006")+" ") +
		st.Good.Render(spark(counts)) + st.Muted.Render(" "+end.Format("Jan 2006"))
	return fitLines(line, width, 1)
}
