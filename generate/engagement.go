package generate

import (
	"slices"
	"strconv"
	"time"

	"github.com/clustr/clustr-explorer/model"
)

// historyDays is how far back engagement goes: 18 months before the job.
const historyDays = 548

// eventTypes holds each engagement type as often, out of 100, as it comes:
// likes are common, recommendations rare.
var eventTypes = weighted([]struct {
	name   string
	weight int
}{
	{model.ProspectLiked, 28}, {model.ProspectReacted, 14}, {model.ProspectCommented, 18},
	{model.ProspectRecommended, 3}, {model.ClientLiked, 20}, {model.ClientCommented, 14},
	{model.ClientRecommended, 3},
})

func weighted(entries []struct {
	name   string
	weight int
}) []string {
	var out []string
	for _, e := range entries {
		for range e.weight {
			out = append(out, e.name)
		}
	}
	return out
}

// dateStrings returns the quoted dates of the days before base, index 0
// being base's own day, so that events need no date arithmetic.
func dateStrings(base time.Time) [][]byte {
	dates := make([][]byte, historyDays)
	for d := range dates {
		b := append([]byte(nil), '"')
		b = base.AddDate(0, 0, -d).AppendFormat(b, time.DateOnly)
		dates[d] = append(b, '"')
	}
	return dates
}

// engagement writes an engagement block of n events, newest first, with
// totals that agree with them.
func (g *generator) engagement(n int) {
	if g.dates == nil {
		g.dates = dateStrings(g.base)
	}

	g.days = g.days[:0]
	for range n {
		g.days = append(g.days, g.rng.IntN(historyDays))
	}
	slices.Sort(g.days)

	g.raw(`{"total_engagements":`)
	g.int(n)
	if n > 0 {
		g.raw(`,"last_engagement_date":`)
		g.buf = append(g.buf, g.dates[g.days[0]]...)
	}
	g.raw(`,"history":[`)
	for i, d := range g.days {
		if i > 0 {
			g.raw(",")
		}
		g.event(d)
	}
	g.raw("]}")
}

// event writes one engagement event, d days before the job.
func (g *generator) event(d int) {
	kind := pick(g.rng, eventTypes)
	g.raw(`{"type":"`)
	g.raw(kind)
	g.raw(`","date":`)
	g.buf = append(g.buf, g.dates[d]...)

	switch kind {
	case model.ProspectCommented, model.ClientCommented:
		g.raw(`,"text":`)
		g.str(pick(g.rng, comments))
	}

	// A recommendation shows on the profile of the one recommended; other
	// events link to the post.
	g.raw(`,"link":"`)
	switch kind {
	case model.ProspectRecommended:
		g.buf = append(g.buf, g.clientURL...)
		g.raw("/details/recommendations/")
	case model.ClientRecommended:
		g.buf = append(g.buf, g.prospectURL...)
		g.raw("/details/recommendations/")
	default:
		g.raw("https://www.linkedin.com/feed/update/urn:li:activity:")
		g.buf = strconv.AppendUint(g.buf, 7_000_000_000_000_000_000+g.rng.Uint64N(1e18), 10)
	}
	g.raw(`","source":"linkedin"}`)
}
