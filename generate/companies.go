package generate

import (
	"math"
	"strings"
)

// company is an employer of prospects, written the same way wherever it
// appears.
type company struct {
	quotedName []byte // the name as a JSON string
	object     []byte // the whole company object
	target     bool
}

// suffixIndustries are the industries that some company names give away.
var suffixIndustries = map[string]string{
	"Bank": "Financial Services", "Capital": "Financial Services", "Health": "Healthcare",
	"Biotech": "Biotechnology", "Energy": "Energy", "Foods": "Retail",
	"Insurance": "Insurance", "Logistics": "Logistics", "Media": "Media",
	"Robotics": "Manufacturing", "Software": "Technology", "Cloud": "Technology",
}

// targetShare is the part of companies, and so about the part of
// opportunities, that are on the user's target account list.
const targetShare = 0.3

// companyPool picks the companies this payload's prospects work at. The
// pool grows with the payload but stays small enough that each company is
// reached by several clients, as real target accounts are.
func (g *generator) companyPool() []company {
	size := g.opts.Clients * g.opts.Opportunities / 6
	size = min(max(size, 12), len(companyStems)*len(companySuffixes))

	// About one company in ten has a name that is not plain ASCII.
	unicodeCount := min(max(size/10, 1), len(unicodeCompanies))
	pool := make([]company, 0, size)
	for _, i := range g.rng.Perm(len(unicodeCompanies))[:unicodeCount] {
		c := unicodeCompanies[i]
		pool = append(pool, g.newCompany(c.name, c.domain, pick(g.rng, industries)))
	}

	for _, i := range g.rng.Perm(len(companyStems) * len(companySuffixes))[:size-unicodeCount] {
		stem := companyStems[i/len(companySuffixes)]
		suffix := companySuffixes[i%len(companySuffixes)]
		industry, known := suffixIndustries[suffix]
		if !known {
			industry = pick(g.rng, industries)
		}
		domain := slug(stem) + "-" + slug(suffix) + pick(g.rng, topLevelDomains)
		pool = append(pool, g.newCompany(stem+" "+suffix, domain, industry))
	}

	// Interleave the unicode companies with the rest, and put an exact share
	// on the target list, so that even a small payload has about that share
	// of target opportunities.
	g.rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	for i := range int(math.Round(targetShare * float64(len(pool)))) {
		pool[i].target = true
	}
	g.rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	return pool
}

// newCompany renders one company's object once, for every opportunity at it.
func (g *generator) newCompany(name, domain, industry string) company {
	c := company{quotedName: appendQuoted(nil, name)}

	b := append([]byte(nil), `{"name":`...)
	b = append(b, c.quotedName...)
	b = append(b, `,"domain":`...)
	b = appendQuoted(b, domain)
	b = append(b, `,"industry":`...)
	b = appendQuoted(b, industry)
	b = append(b, `,"employee_count":`...)
	b = appendQuoted(b, pick(g.rng, employeeRanges))
	c.object = append(b, '}')
	return c
}

// ownerEmails are the account owners of the CRM, at the user's own domain.
func (g *generator) ownerEmails() []string {
	domain := slug(pick(g.rng, companyStems)) + pick(g.rng, topLevelDomains)
	owners := make([]string, 2+g.rng.IntN(5))
	for i := range owners {
		owners[i] = slug(pick(g.rng, firstNames)) + "@" + domain
	}
	return owners
}

// companyName appends the name of a company that is not in the pool: a
// client's employer, or the one client and prospect shared.
func (g *generator) companyName() {
	if g.rng.IntN(10) == 0 {
		g.quote(pick(g.rng, unicodeCompanies).name)
		return
	}
	g.raw(`"`)
	g.raw(pick(g.rng, companyStems))
	g.raw(" ")
	g.raw(pick(g.rng, companySuffixes))
	g.raw(`"`)
}

// slug is the lowercase, space-free form of an ASCII name, as in addresses.
func slug(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, " ", ""))
}
