package ui

import (
	"github.com/clustr/clustr-explorer/export"
	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// This file says, for each page, which delivery it shows, what its
// selected row offers to copy and open, and what its table exports as.

func (p *batchesPage) delivery(a *App) (storage.Record, bool) {
	b, ok := p.selected(a)
	if !ok {
		return storage.Record{}, false
	}
	return b.latest(), true
}

func (p *batchesPage) selection(a *App) (string, any, bool) {
	r, ok := p.delivery(a)
	return "", r, ok
}

func (p *batchesPage) exportTable(a *App) (export.Table, export.View, bool) {
	records := make([]storage.Record, 0, p.table.len())
	for _, i := range p.table.shown {
		records = append(records, a.catalog.byKey[p.keys[i]].latest())
	}
	return export.Deliveries(records), export.DeliveriesView, len(records) > 0
}

func (p *batchPage) delivery(*App) (storage.Record, bool) { return p.record, true }

func (p *batchPage) selection(a *App) (string, any, bool) {
	d, ok := a.cache[p.record.Seq]
	i, selected := p.table.selected()
	if !ok || d.payload == nil || !selected {
		return "", nil, false
	}
	c := d.payload.Results[i].Client
	return c.LinkedInURL, c, true
}

func (p *clientPage) delivery(a *App) (storage.Record, bool) {
	r, ok := a.catalog.bySeq[p.seq]
	return r, ok
}

func (p *clientPage) selection(*App) (string, any, bool) {
	i, ok := p.table.selected()
	if !ok {
		return "", nil, false
	}
	row := p.opportunityRows()[p.order[i]]
	return row.ProspectURL, row, true
}

// opportunityRows flattens the client's opportunities in body order.
func (p *clientPage) opportunityRows() []model.OpportunityRow {
	rows := model.OpportunityRows(&model.Payload{Results: []model.Result{*p.result}})
	for i := range rows {
		rows[i].Seq = p.seq
	}
	return rows
}

func (p *clientPage) exportTable(*App) (export.Table, export.View, bool) {
	rows := p.opportunityRows()
	shown := make([]model.OpportunityRow, 0, p.table.len())
	for _, i := range p.table.shown {
		shown = append(shown, rows[p.order[i]])
	}
	return export.Opportunities(shown), export.OpportunitiesView, len(shown) > 0
}

func (p *opportunityPage) delivery(a *App) (storage.Record, bool) {
	r, ok := a.catalog.bySeq[p.seq]
	return r, ok
}

func (p *opportunityPage) selection(*App) (string, any, bool) {
	var event any
	if i, ok := p.table.selected(); ok {
		event = p.opp.Engagement.NewestFirst()[i]
	}
	if event == nil {
		event = p.opp.Prospect
	}
	return p.opp.Prospect.LinkedInURL, event, true
}

func (l *pathList) delivery(a *App) (storage.Record, bool) {
	row, ok := l.selectedRow()
	if !ok {
		return storage.Record{}, false
	}
	r, ok := a.catalog.bySeq[row.Seq]
	return r, ok
}

func (l *pathList) selection(*App) (string, any, bool) {
	row, ok := l.selectedRow()
	return row.ProspectURL, row, ok
}

func (l *pathList) exportTable(*App) (export.Table, export.View, bool) {
	rows := shownRows(&l.table, l.rows)
	return export.Opportunities(rows), export.OpportunitiesView, len(rows) > 0
}

func (p *companiesPage) selection(*App) (string, any, bool) {
	c, ok := p.selectedCompany()
	return "", c, ok
}

func (p *companiesPage) exportTable(*App) (export.Table, export.View, bool) {
	rows := shownRows(&p.table, p.companies)
	return export.Companies(rows), export.CompaniesView, len(rows) > 0
}

func (p *batchPage) exportTable(a *App) (export.Table, export.View, bool) {
	d, ok := a.cache[p.record.Seq]
	if !ok || d.payload == nil {
		return export.Table{}, "", false
	}

	// The table lists clients; what a user takes away of them is their
	// opportunities, in the order of the clients shown.
	all := model.OpportunityRows(d.payload)
	var rows []model.OpportunityRow
	for _, i := range p.table.shown {
		for _, r := range all {
			if r.ResultIndex == i {
				r.Seq = p.record.Seq
				rows = append(rows, r)
			}
		}
	}
	return export.Opportunities(rows), export.OpportunitiesView, len(rows) > 0
}

func (p *opportunityPage) exportTable(a *App) (export.Table, export.View, bool) {
	d, ok := a.cache[p.seq]
	if !ok || d.payload == nil {
		return export.Table{}, "", false
	}
	for _, r := range model.OpportunityRows(d.payload) {
		o := &d.payload.Results[r.ResultIndex].Opportunities[r.OpportunityIndex]
		if o == p.opp {
			r.Seq = p.seq
			return export.Opportunities([]model.OpportunityRow{r}), export.OpportunitiesView, true
		}
	}
	return export.Table{}, "", false
}
