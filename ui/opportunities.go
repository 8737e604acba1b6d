package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/clustr/clustr-explorer/model"
)

// pathList is a table of opportunity rows: every opportunity of every
// batch in the Opportunities view, or the paths to one company.
type pathList struct {
	title string
	rows  []model.OpportunityRow
	table table
}

func newPathList(title string) pathList {
	columns := append([]column{{title: "CLIENT", width: 8, grow: 2}}, opportunityColumns()...)
	columns = append(columns,
		column{title: "LAST", width: 10}, column{title: "BATCH", width: 6, grow: 1})
	return pathList{title: title, table: newTable(columns...)}
}

// opportunityColumns are the columns of opportunityCells, in its order.
func opportunityColumns() []column {
	return []column{
		{title: "PROSPECT", width: 8, grow: 2},
		{title: "TITLE", width: 6, grow: 2},
		{title: "COMPANY", width: 8, grow: 2},
		{title: "SCORE", width: 11, numeric: true},
		{title: "OVERLAP", width: 7, right: true},
		{title: "SHARED", width: 6, grow: 1},
		{title: "WHEN", width: 7},
		{title: "TARGET", width: 6},
		{title: "ENG", width: 3, right: true},
	}
}

// setRows fills the table; the cells are cleaned here, once.
func (l *pathList) setRows(rows []model.OpportunityRow) {
	l.rows = rows
	cells := make([][]string, len(rows))
	meta := make([]rowMeta, len(rows))
	for i, r := range rows {
		cells[i] = pathCells(r)
		meta[i] = rowMeta{hasScore: r.HasScore, score: r.Score, target: r.Target}
	}
	l.table.meta = meta
	l.table.setRows(cells)
}

func pathCells(r model.OpportunityRow) []string {
	cells := append([]string{clean(r.Client)}, opportunityCells(r)...)
	return append(cells, clean(r.LastEngagement), clean(r.BatchID))
}

// opportunityCells are the cells of one path, from the prospect to the
// number of engagements, as every table of opportunities shows them.
func opportunityCells(r model.OpportunityRow) []string {
	scoreText := ""
	if r.HasScore {
		scoreText = scoreCell(r.Score)
	}
	overlap := ""
	if r.OverlapMonths > 0 {
		overlap = fmt.Sprintf("%d mo", r.OverlapMonths)
	}
	when := ""
	if r.SharedCompany != "" {
		when = "past"
		if r.Current {
			when = "current"
		}
	}
	target := ""
	if r.Target {
		target = "★ yes"
	}
	engagements := ""
	if r.Engagements > 0 {
		engagements = fmt.Sprint(r.Engagements)
	}
	prospect := r.Prospect
	if prospect == "" {
		prospect = "(no name) " + r.OpportunityID
	}
	return []string{
		clean(prospect), clean(r.ProspectTitle), clean(r.Company), scoreText, overlap,
		clean(r.SharedCompany), when, target, engagements,
	}
}

// selectedRow returns the opportunity row under the cursor.
func (l *pathList) selectedRow() (model.OpportunityRow, bool) {
	i, ok := l.table.selected()
	if !ok {
		return model.OpportunityRow{}, false
	}
	return l.rows[i], true
}

func (l *pathList) crumb() string { return l.title }

func (l *pathList) open(a *App) (page, tea.Cmd) {
	r, ok := l.selectedRow()
	if !ok {
		return nil, nil
	}
	_, o, ok := a.opportunity(r)
	if !ok {
		return nil, nil
	}
	return newOpportunityPage(o, r.Seq), nil
}

func (l *pathList) detail(a *App, width, height int) string {
	r, ok := l.selectedRow()
	if !ok {
		return ""
	}
	_, o, ok := a.opportunity(r)
	if !ok {
		return ""
	}
	return a.styles.Label.Render("client    ") + clean(r.Client) + "\n" +
		opportunityCard(a, o, width) + "\n\n" + engagementChart(a, o, width)
}

// opportunitiesPage is the root of the Opportunities view.
type opportunitiesPage struct{ pathList }

func newOpportunitiesPage() *opportunitiesPage {
	p := &opportunitiesPage{newPathList("Opportunities")}
	p.table.sortCol, p.table.sortDesc = 4, true // strongest paths first
	return p
}

func (p *opportunitiesPage) rows() *table { return &p.table }

// refresh rebuilds the rows from every batch, keeping the filter and sort.
func (p *opportunitiesPage) refresh(a *App) { p.setRows(a.every.rows) }

func (p *opportunitiesPage) view(a *App, width, height int) string {
	return a.acrossView(&p.table,
		"No opportunities yet: no completed delivery holds any.", width, height)
}

// companyPaths lists the paths to one company, best first.
type companyPaths struct{ pathList }

func (p *companyPaths) rows() *table { return &p.table }

func (p *companyPaths) view(a *App, width, height int) string {
	p.table.top = 0
	return p.table.view(width, height, &a.styles)
}
