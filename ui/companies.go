package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/clustr/clustr-explorer/model"
)

// companiesPage is the root of the Companies view: one row per prospect
// company, with how many paths reach it and how strong the best one is.
type companiesPage struct {
	companies []model.CompanyRow
	table     table
}

func newCompaniesPage() *companiesPage {
	return &companiesPage{table: newTable(
		column{title: "COMPANY", width: 10, grow: 2},
		column{title: "PATHS", width: 5, right: true},
		column{title: "BEST", width: 11, numeric: true},
		column{title: "TARGET", width: 6},
		column{title: "CLIENTS WHO REACH IT", width: 10, grow: 3},
	)}
}

func (p *companiesPage) crumb() string { return "Companies" }
func (p *companiesPage) rows() *table  { return &p.table }

// refresh rebuilds the companies from every batch's opportunities.
func (p *companiesPage) refresh(a *App) {
	p.companies = model.CompanyRows(a.every.rows)
	cells := make([][]string, len(p.companies))
	meta := make([]rowMeta, len(p.companies))
	for i, c := range p.companies {
		best := ""
		if c.HasScore {
			best = scoreCell(c.BestScore)
		}
		target := ""
		if c.Target {
			target = "★ yes"
		}
		clients := make([]string, len(c.Clients))
		for j, name := range c.Clients {
			clients[j] = clean(name)
		}
		cells[i] = []string{clean(c.Company), fmt.Sprint(c.Paths), best, target,
			strings.Join(clients, ", ")}
		meta[i] = rowMeta{hasScore: c.HasScore, score: c.BestScore, target: c.Target}
	}
	p.table.meta = meta
	p.table.setRows(cells)
}

func (p *companiesPage) selectedCompany() (model.CompanyRow, bool) {
	i, ok := p.table.selected()
	if !ok {
		return model.CompanyRow{}, false
	}
	return p.companies[i], true
}

func (p *companiesPage) view(a *App, width, height int) string {
	return a.acrossView(&p.table,
		"No companies yet: no completed delivery holds an opportunity.", width, height)
}

// paths returns the company's opportunity rows, best first.
func (p *companiesPage) paths(a *App, c model.CompanyRow) []model.OpportunityRow {
	rows := make([]model.OpportunityRow, len(c.Rows))
	for i, r := range c.Rows {
		rows[i] = a.every.rows[r]
	}
	return rows
}

func (p *companiesPage) open(a *App) (page, tea.Cmd) {
	c, ok := p.selectedCompany()
	if !ok {
		return nil, nil
	}
	next := &companyPaths{newPathList(c.Company)}
	next.setRows(p.paths(a, c))
	return next, nil
}

func (p *companiesPage) detail(a *App, width, height int) string {
	c, ok := p.selectedCompany()
	if !ok {
		return ""
	}
	st := &a.styles
	lines := []string{
		st.Crumb.Render(clean(c.Company)),
		fmt.Sprintf("%s, %s", plural(c.Paths, "path", "paths"),
			plural(len(c.Clients), "client", "clients")),
		"",
		st.Header.Render("Best paths"),
	}
	for i, r := range p.paths(a, c) {
		if i == height-5 {
			break
		}
		s := "     "
		if r.HasScore {
			s = fmt.Sprintf("%5.1f", r.Score)
		}
		lines = append(lines, fmt.Sprintf("%s  %s → %s", s, clean(r.Client), clean(r.Prospect)))
	}
	return strings.Join(lines, "\n")
}
