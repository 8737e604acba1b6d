package model

import "strings"

// Changes is what changed for one client between two deliveries: the
// paths that are new, the ones that are gone, the scores that moved and
// the engagements that were added.
type Changes struct {
	Added  []Opportunity
	Gone   []Opportunity
	Moved  []Move
	Engage []Move // opportunities with more engagements than before
}

// Move is one opportunity found in both deliveries, with what it was.
type Move struct {
	Before, After Opportunity
}

// Empty reports whether nothing changed.
func (c Changes) Empty() bool {
	return len(c.Added) == 0 && len(c.Gone) == 0 && len(c.Moved) == 0 && len(c.Engage) == 0
}

// Compare says what changed from before to after, for the same client.
// Opportunities are matched by id, or, when they have none, by the
// prospect's LinkedIn URL or name.
func Compare(before, after Result) Changes {
	earlier := map[string]Opportunity{}
	for _, o := range before.Opportunities {
		earlier[opportunityKey(o)] = o
	}

	var c Changes
	seen := map[string]bool{}
	for _, o := range after.Opportunities {
		k := opportunityKey(o)
		seen[k] = true
		old, ok := earlier[k]
		switch {
		case !ok:
			c.Added = append(c.Added, o)
		case old.Relationship.HasScore != o.Relationship.HasScore ||
			old.Relationship.ConfidenceScore != o.Relationship.ConfidenceScore:
			c.Moved = append(c.Moved, Move{Before: old, After: o})
		}
		if ok && engagements(o) > engagements(old) {
			c.Engage = append(c.Engage, Move{Before: old, After: o})
		}
	}
	for _, o := range before.Opportunities {
		if !seen[opportunityKey(o)] {
			c.Gone = append(c.Gone, o)
		}
	}
	return c
}

// SameClient reports whether two results are of one CRM contact: the same
// record id, or, without one, the same name.
func SameClient(a, b Client) bool {
	if a.RecordID != "" || b.RecordID != "" {
		return a.RecordID == b.RecordID
	}
	return strings.EqualFold(ClientName(a), ClientName(b))
}

func opportunityKey(o Opportunity) string {
	switch {
	case o.ID != "":
		return "id:" + o.ID
	case o.Prospect.LinkedInURL != "":
		return "url:" + o.Prospect.LinkedInURL
	}
	return "name:" + strings.ToLower(o.Prospect.Name) + "@" + strings.ToLower(CompanyName(o))
}

func engagements(o Opportunity) int {
	if o.Engagement == nil {
		return 0
	}
	return max(o.Engagement.TotalEngagements, len(o.Engagement.History))
}
