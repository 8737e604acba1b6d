package generate

import (
	"strconv"
	"strings"
)

// person is a client or a prospect. The address spells an ASCII name as
// slugFirst-slugLast, and any other name as its slug.
type person struct {
	first, last, name   string
	slug                string
	slugFirst, slugLast string
}

// lowerFirstNames and lowerLastNames are the names as addresses spell
// them, worked out once.
var lowerFirstNames, lowerLastNames = lowered(firstNames), lowered(lastNames)

func lowered(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.ToLower(n)
	}
	return out
}

// unicodeShare is the part of people whose names are not plain ASCII.
const unicodeShare = 0.1

// person picks someone: nine times in ten from the ASCII names, otherwise
// from names in other scripts.
func (g *generator) person() person {
	if g.rng.Float64() < unicodeShare {
		u := pick(g.rng, unicodePeople)
		return person{first: u.first, last: u.last, name: u.name, slug: u.slug}
	}
	f, l := g.rng.IntN(len(firstNames)), g.rng.IntN(len(lastNames))
	return person{
		first:     firstNames[f],
		last:      lastNames[l],
		slugFirst: lowerFirstNames[f],
		slugLast:  lowerLastNames[l],
	}
}

// appendName appends the person's full name as a JSON string.
func (g *generator) appendName(p person) {
	if p.name != "" {
		g.str(p.name)
		return
	}
	g.raw(`"`)
	g.raw(p.first)
	g.raw(" ")
	g.raw(p.last)
	g.raw(`"`)
}

// profileURL sets url to a LinkedIn address for p, with the short number
// LinkedIn adds to tell people of the same name apart, and returns it.
func (g *generator) profileURL(url []byte, p person) []byte {
	url = append(url[:0], "https://www.linkedin.com/in/"...)
	if p.slug != "" {
		url = append(url, p.slug...)
	} else {
		url = append(url, p.slugFirst...)
		url = append(url, '-')
		url = append(url, p.slugLast...)
	}
	url = append(url, '-')
	return strconv.AppendUint(url, uint64(g.rng.Uint32()), 36)
}
