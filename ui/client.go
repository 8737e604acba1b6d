package ui

import (
	"fmt"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/clustr/clustr-explorer/model"
)

// clientPage shows one client's card and their opportunities, best first.
type clientPage struct {
	seq    uint64 // the delivery the client came in
	result *model.Result
	order  []int // indexes into result.Opportunities, best score first
	table  table

	// compared is set once earlier deliveries were searched; earlier is
	// the client's latest earlier delivery, nil when there is none.
	compared bool
	earlier  *earlier
}

func newClientPage(payload *model.Payload, index int, seq uint64) *clientPage {
	r := &payload.Results[index]
	p := &clientPage{result: r, seq: seq}

	p.order = make([]int, len(r.Opportunities))
	for i := range p.order {
		p.order[i] = i
	}
	sort.SliceStable(p.order, func(i, j int) bool {
		a, b := r.Opportunities[p.order[i]].Relationship, r.Opportunities[p.order[j]].Relationship
		if a.HasScore != b.HasScore {
			return a.HasScore
		}
		return a.ConfidenceScore > b.ConfidenceScore
	})

	p.table = newTable(opportunityColumns()...)
	all := p.opportunityRows()
	rows := make([][]string, 0, len(r.Opportunities))
	meta := make([]rowMeta, 0, len(r.Opportunities))
	for _, i := range p.order {
		o := all[i]
		rows = append(rows, opportunityCells(o))
		meta = append(meta, rowMeta{hasScore: o.HasScore, score: o.Score, target: o.Target})
	}
	p.table.meta = meta
	p.table.setRows(rows)
	return p
}

func prospectName(o model.Opportunity) string {
	if o.Prospect.Name == "" {
		return "(no name) " + clean(o.ID)
	}
	return clean(o.Prospect.Name)
}

func (p *clientPage) crumb() string { return clientName(p.result.Client) }
func (p *clientPage) rows() *table  { return &p.table }

func (p *clientPage) view(a *App, width, height int) string {
	st := &a.styles
	c := p.result.Client
	var lines []string
	add := func(label, value string) {
		if value != "" {
			lines = append(lines, st.Label.Render(fmt.Sprintf("%-10s", label))+value)
		}
	}
	add("client", st.Crumb.Render(clientName(c))+st.Muted.Render("  "+clean(c.JobTitle)+
		atCompany(c.CompanyName)))
	add("record", clean(c.RecordID))
	add("owner", clean(c.OwnerEmail))
	add("linkedin", clean(c.LinkedInURL))
	if changes := p.changesView(a, width, max(height/3, 2)); len(changes) > 0 {
		lines = append(append(lines, ""), changes...)
	}

	card := strings.Join(lines, "\n")
	cardHeight := min(len(lines), max(height-3, 0))
	card = fitLines(card, width, cardHeight)
	if p.table.total() == 0 {
		return card + "\n\n" + st.Muted.Render("Clustr found no opportunities for this client.")
	}
	p.table.top = cardHeight + 1
	return card + "\n\n" + p.table.view(width, height-cardHeight-1, st)
}

// selectedOpportunity returns the opportunity under the cursor.
func (p *clientPage) selectedOpportunity() (*model.Opportunity, bool) {
	i, ok := p.table.selected()
	if !ok {
		return nil, false
	}
	return &p.result.Opportunities[p.order[i]], true
}

func (p *clientPage) detail(a *App, width, height int) string {
	o, ok := p.selectedOpportunity()
	if !ok {
		return ""
	}
	return opportunityCard(a, o, width) + "\n\n" + engagementChart(a, o, width)
}

func atCompany(name string) string {
	if name == "" {
		return ""
	}
	return " at " + clean(name)
}

func (p *clientPage) open(a *App) (page, tea.Cmd) {
	o, ok := p.selectedOpportunity()
	if !ok {
		return nil, nil
	}
	return newOpportunityPage(o, p.seq), nil
}
