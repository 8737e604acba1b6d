package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// batchPage shows one delivery of a batch: its summary, custom fields and
// warnings, then its clients.
type batchPage struct {
	batch  *batch
	record storage.Record
	table  table
	built  bool
}

func (p *batchPage) crumb() string {
	if p.record.BatchID != "" {
		return p.record.BatchID
	}
	return fmt.Sprintf("delivery %d", p.record.Seq)
}

func (p *batchPage) rows() *table { return &p.table }

// build fills the clients table once the body is decoded.
func (p *batchPage) build(payload *model.Payload) {
	p.built = true
	p.table = newTable(
		column{title: "CLIENT", width: 12, grow: 2},
		column{title: "TITLE", width: 8, grow: 2},
		column{title: "COMPANY", width: 8, grow: 2},
		column{title: "OPPS", width: 5, right: true},
		column{title: "TARGET", width: 6, right: true},
		column{title: "BEST", width: 11, numeric: true},
	)
	rows := make([][]string, 0, len(payload.Results))
	meta := make([]rowMeta, 0, len(payload.Results))
	for _, r := range payload.Results {
		best, targets, has := r.Counts.BestScore, r.Counts.Targets, r.Counts.HasScore
		bestText := ""
		if has {
			bestText = scoreCell(best)
		}
		rows = append(rows, []string{
			clientName(r.Client), clean(r.Client.JobTitle), clean(r.Client.CompanyName),
			fmt.Sprint(r.Counts.Opportunities), fmt.Sprint(targets), bestText,
		})
		meta = append(meta, rowMeta{hasScore: has, score: best, target: targets > 0})
	}
	p.table.meta = meta
	p.table.setRows(rows)
}

func (p *batchPage) view(a *App, width, height int) string {
	d, ok := a.cache[p.record.Seq]
	if !ok {
		// The list of clients, read first from a large body, shows while
		// their opportunities are read.
		clients, listed := a.clientLists[p.record.Seq]
		if !listed {
			return a.spinner.View() + " Reading delivery " + fmt.Sprint(p.record.Seq) + "…"
		}
		d = clients
	}
	if p.record.Status == model.StatusRejected || d.err != nil {
		reason := p.record.Reject
		if reason == "" && d.err != nil {
			reason = d.err.Error()
		}
		return a.styles.Bad.Render(clean(reason)) + "\n\n" +
			a.styles.Muted.Render("Press r to see the delivery as it was received.")
	}
	if !p.built {
		p.build(d.payload)
	}

	card := p.card(a, d.payload)
	cardHeight := min(strings.Count(card, "\n")+1, max(height-3, 0))
	card = fitLines(card, width, cardHeight)
	if p.table.total() == 0 {
		return card + "\n\n" + a.styles.Muted.Render("This delivery holds no clients.")
	}
	p.table.top = cardHeight + 1
	return card + "\n\n" + p.table.view(width, height-cardHeight-1, &a.styles)
}

// card is the summary of the delivery above its clients.
func (p *batchPage) card(a *App, payload *model.Payload) string {
	st := &a.styles
	r := p.record
	var lines []string
	add := func(label, value string) {
		lines = append(lines, st.Label.Render(fmt.Sprintf("%-14s", label))+value)
	}

	status := statusBadge(r.Status)
	if r.Status == "failed" {
		status = st.Bad.Render(status)
	} else {
		status = st.Good.Render(status)
	}
	add("status", status+st.Muted.Render(fmt.Sprintf("   delivery %d, received %s",
		r.Seq, r.ReceivedAt.Local().Format("2006-01-02 15:04:05"))))
	add("job", clean(payload.JobID)+st.Muted.Render("   batch ")+clean(payload.BatchID))
	if r.RedeliveryOf > 0 {
		add("redelivery", st.Warn.Render(fmt.Sprintf("the same body as delivery %d: the sender retried",
			r.RedeliveryOf)))
	}
	if n := len(p.batch.deliveries); n > 1 {
		add("deliveries", fmt.Sprintf("%d of %d in this batch", p.index()+1, n)+
			st.Muted.Render("   [ and ] show the others"))
	}

	sum := payload.Summary
	clients := fmt.Sprintf("%s, %s, %s at target companies",
		plural(r.Clients, "client", "clients"), plural(r.Opportunities, "opportunity", "opportunities"),
		count(r.TargetOpportunities))
	if sum.Has && (sum.TotalProcessed != r.Clients || sum.TotalOpportunities != r.Opportunities) {
		clients += st.Warn.Render(fmt.Sprintf("   (summary claims %s, %s)",
			plural(sum.TotalProcessed, "client", "clients"),
			plural(sum.TotalOpportunities, "opportunity", "opportunities")))
	}
	add("body holds", clients)
	if sum.Has {
		add("processing", fmt.Sprintf("%gs", sum.ProcessingTimeSeconds))
	}
	if payload.Timestamp != "" {
		add("timestamp", clean(payload.Timestamp))
	}
	if e := payload.Error; e != nil {
		add("error", st.Bad.Render(clean(jobErrorText(e))))
		if e.Details != "" {
			add("details", clean(e.Details))
		}
	}
	if spread := scoreSpread(a, payload); spread != "" {
		add("scores", spread)
	}
	for _, f := range model.Fields(payload.Custom) {
		add("custom", clean(f.Key)+" = "+clean(f.Value))
	}
	for i, w := range payload.Warnings {
		if i == 8 {
			add("", st.Muted.Render(fmt.Sprintf("and %d more; r shows them all",
				len(payload.Warnings)-8)))
			break
		}
		add("warning", st.Warn.Render(clean(w)))
	}
	return strings.Join(lines, "\n")
}

// index is the position of the shown delivery among the batch's.
func (p *batchPage) index() int {
	for i, r := range p.batch.deliveries {
		if r.Seq == p.record.Seq {
			return i
		}
	}
	return 0
}

// step shows the delivery of the same batch step places later (or earlier).
func (p *batchPage) step(a *App, step int) tea.Cmd {
	i := p.index() + step
	if i < 0 || i >= len(p.batch.deliveries) {
		return nil
	}
	p.record = p.batch.deliveries[i]
	p.built = false
	p.table = table{}
	_, _, cmd := a.payload(p.record.Seq)
	return cmd
}

func (p *batchPage) open(a *App) (page, tea.Cmd) {
	d, ok := a.cache[p.record.Seq]
	i, selected := p.table.selected()
	if !selected {
		return nil, nil
	}
	if !ok {
		return nil, a.say(false, "Still reading the opportunities of this delivery…")
	}
	if d.payload == nil {
		return nil, nil
	}
	next := newClientPage(d.payload, i, p.record.Seq)
	return next, findEarlier(a.opts.Store, a.catalog.before(p.record.Seq), p.record.Seq,
		*next.result)
}

func clientName(c model.Client) string { return clean(model.ClientName(c)) }
