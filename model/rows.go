package model

import (
	"cmp"
	"slices"
	"strings"
)

// OpportunityRow is one opportunity flattened with its client, as the
// Opportunities view and its export show it. Seq is the delivery it came in,
// filled in by whoever knows it.
type OpportunityRow struct {
	Seq              uint64  `json:"seq"`
	BatchID          string  `json:"batch_id"`
	JobID            string  `json:"job_id"`
	OpportunityID    string  `json:"opportunity_id"`
	Client           string  `json:"client"`
	ClientRecordID   string  `json:"client_record_id"`
	Prospect         string  `json:"prospect"`
	ProspectTitle    string  `json:"prospect_title"`
	ProspectURL      string  `json:"prospect_linkedin_url"`
	Company          string  `json:"company"`
	Industry         string  `json:"industry"`
	HasScore         bool    `json:"-"`
	Score            float64 `json:"score"`
	OverlapMonths    int     `json:"overlap_months"`
	SharedCompany    string  `json:"shared_company"`
	Current          bool    `json:"current"`
	Target           bool    `json:"target_company"`
	Engagements      int     `json:"engagements"`
	LastEngagement   string  `json:"last_engagement"`
	ResultIndex      int     `json:"-"`
	OpportunityIndex int     `json:"-"`
}

// OpportunityRows flattens every opportunity of a payload, in body order.
func OpportunityRows(p *Payload) []OpportunityRow {
	var rows []OpportunityRow
	for i, r := range p.Results {
		for j, o := range r.Opportunities {
			row := OpportunityRow{
				BatchID:          p.BatchID,
				JobID:            p.JobID,
				OpportunityID:    o.ID,
				Client:           ClientName(r.Client),
				ClientRecordID:   r.Client.RecordID,
				Prospect:         o.Prospect.Name,
				ProspectTitle:    o.Prospect.JobTitle,
				ProspectURL:      o.Prospect.LinkedInURL,
				Company:          CompanyName(o),
				Industry:         o.Company.Industry,
				HasScore:         o.Relationship.HasScore,
				Score:            o.Relationship.ConfidenceScore,
				OverlapMonths:    o.Relationship.TotalOverlapMonths,
				SharedCompany:    o.Relationship.SharedExperience.CompanyName,
				Current:          o.Relationship.SharedExperience.IsCurrent,
				Target:           o.IsTargetCompany,
				ResultIndex:      i,
				OpportunityIndex: j,
			}
			if e := o.Engagement; e != nil {
				row.Engagements = max(e.TotalEngagements, len(e.History))
				row.LastEngagement = e.LastEngagementDate
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// ClientName is the client's name, or their first and last names, or their
// CRM record id when the payload has no name at all.
func ClientName(c Client) string {
	if c.Name != "" {
		return c.Name
	}
	if name := strings.TrimSpace(c.FirstName + " " + c.LastName); name != "" {
		return name
	}
	return strings.TrimSpace("(no name) " + c.RecordID)
}

// CompanyName is the prospect company's name from the company block, or
// from the prospect when the company block is missing.
func CompanyName(o Opportunity) string {
	if o.Company.Name != "" {
		return o.Company.Name
	}
	return o.Prospect.CompanyName
}

// CompanyRow is one prospect company and every path that reaches it.
type CompanyRow struct {
	Company   string   `json:"company"`
	Paths     int      `json:"paths"`
	HasScore  bool     `json:"-"`
	BestScore float64  `json:"best_score"`
	Target    bool     `json:"target_company"`
	Clients   []string `json:"clients"`
	// Rows are the indexes, into the opportunity rows the companies were
	// built from, of this company's paths, best score first.
	Rows []int `json:"-"`
}

// CompanyRows groups opportunity rows by prospect company, case-blind,
// best company first. A company is a target when any path says so.
func CompanyRows(opps []OpportunityRow) []CompanyRow {
	index := map[string]int{}
	var companies []CompanyRow
	for i, o := range opps {
		name := o.Company
		if name == "" {
			name = "(no company)"
		}
		key := strings.ToLower(strings.TrimSpace(name))
		ci, ok := index[key]
		if !ok {
			ci = len(companies)
			index[key] = ci
			companies = append(companies, CompanyRow{Company: name})
		}
		c := &companies[ci]
		c.Paths++
		c.Target = c.Target || o.Target
		if o.HasScore && (!c.HasScore || o.Score > c.BestScore) {
			c.HasScore, c.BestScore = true, o.Score
		}
		if !slices.Contains(c.Clients, o.Client) {
			c.Clients = append(c.Clients, o.Client)
		}
		c.Rows = append(c.Rows, i)
	}

	for ci := range companies {
		slices.SortStableFunc(companies[ci].Rows, func(a, b int) int {
			return compareScore(opps[a], opps[b])
		})
	}
	slices.SortStableFunc(companies, func(a, b CompanyRow) int {
		if a.HasScore != b.HasScore {
			if a.HasScore {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.BestScore, a.BestScore); c != 0 {
			return c
		}
		return cmp.Compare(b.Paths, a.Paths)
	})
	return companies
}

// compareScore orders the stronger path first; unscored paths come last.
func compareScore(a, b OpportunityRow) int {
	if a.HasScore != b.HasScore {
		if a.HasScore {
			return -1
		}
		return 1
	}
	return cmp.Compare(b.Score, a.Score)
}
