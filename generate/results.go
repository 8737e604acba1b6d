package generate

import (
	"math"
	"strconv"
)

// result writes client number i with its n opportunities, best first.
func (g *generator) result(i, n int) {
	client := g.person()
	g.clientURL = g.profileURL(g.clientURL, client)

	g.raw(`{"client":{"name":`)
	g.appendName(client)
	g.raw(`,"first_name":`)
	g.str(client.first)
	g.raw(`,"last_name":`)
	g.str(client.last)
	g.raw(`,"linkedin_url":"`)
	g.buf = append(g.buf, g.clientURL...)
	g.raw(`","record_id":"CRM_`)
	g.int(10000 + i)
	g.raw(`","owner_email":`)
	g.str(pick(g.rng, g.owners))
	g.raw(`,"job_title":`)
	g.str(pick(g.rng, clientTitles))
	g.raw(`,"company_name":`)
	g.companyName()
	g.raw(`},"opportunities":[`)

	// Clustr lists the strongest paths first, so scores are drawn first and
	// the opportunities written in their order.
	paths := g.paths(n)
	for j, p := range paths {
		if j > 0 {
			g.raw(",")
		}
		g.opportunity(p)
	}
	g.raw("]}")
}

// path is the relationship part of one opportunity.
type path struct {
	score        float64
	totalMonths  int
	sharedMonths int
	current      bool
}

// paths draws n relationships and sorts them best first.
func (g *generator) paths(n int) []path {
	g.pathBuf = g.pathBuf[:0]
	for range n {
		p := path{totalMonths: 3 + g.rng.IntN(94), current: g.rng.IntN(100) < 15}

		// Most overlaps are at one employer; some add up several.
		p.sharedMonths = p.totalMonths
		if g.rng.IntN(10) < 3 {
			p.sharedMonths = max(1, p.totalMonths-g.rng.IntN(p.totalMonths/2+1))
		}

		// Longer overlaps and current colleagues make stronger paths.
		score := 22 + 48*float64(min(p.totalMonths, 60))/60 + 11*g.rng.NormFloat64()
		if p.current {
			score += 5
		}
		p.score = math.Round(min(max(score, 0), 100)*10) / 10
		g.pathBuf = append(g.pathBuf, p)
	}

	sortPaths(g.pathBuf)
	return g.pathBuf
}

// sortPaths orders paths by score, highest first; an insertion sort, since
// a client has a few dozen at most.
func sortPaths(paths []path) {
	for i := 1; i < len(paths); i++ {
		for j := i; j > 0 && paths[j].score > paths[j-1].score; j-- {
			paths[j], paths[j-1] = paths[j-1], paths[j]
		}
	}
}

// opportunity writes one opportunity of the current client.
func (g *generator) opportunity(p path) {
	prospect := g.person()
	g.prospectURL = g.profileURL(g.prospectURL, prospect)
	employer := pick(g.rng, g.companies)

	g.raw(`{"opportunity_id":"opp_`)
	g.buf = strconv.AppendUint(g.buf, g.rng.Uint64(), 36)
	g.raw(`","prospect":{"name":`)
	g.appendName(prospect)
	g.raw(`,"linkedin_url":"`)
	g.buf = append(g.buf, g.prospectURL...)
	g.raw(`","job_title":`)
	g.str(pick(g.rng, prospectTitles))
	g.raw(`,"company_name":`)
	g.buf = append(g.buf, employer.quotedName...)
	g.raw(`},"company":`)
	g.buf = append(g.buf, employer.object...)

	g.raw(`,"relationship":{"confidence_score":`)
	g.buf = strconv.AppendFloat(g.buf, p.score, 'f', 1, 64)
	g.raw(`,"total_overlap_months":`)
	g.int(p.totalMonths)
	g.raw(`,"shared_experience":{"company_name":`)
	g.companyName()
	g.raw(`,"overlap_months":`)
	g.int(p.sharedMonths)
	g.raw(`,"client_role":`)
	g.str(pick(g.rng, roles))
	g.raw(`,"prospect_role":`)
	g.str(pick(g.rng, roles))
	g.raw(`,"is_current":`)
	g.raw(strconv.FormatBool(p.current))
	g.raw(`}},"is_target_company":`)
	g.raw(strconv.FormatBool(employer.target))

	if g.opts.History > 0 {
		g.raw(`,"engagement":`)
		g.engagement(g.rng.IntN(2*g.opts.History + 1))
	}
	g.raw("}")
}
