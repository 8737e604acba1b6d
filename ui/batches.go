package ui

import (
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/clustr/clustr-explorer/model"
)

// batchesPage lists one row per batch, newest first, live.
type batchesPage struct {
	table table
	keys  []string // batch key of each row, to keep the cursor on its batch

	// built keeps each batch's cells, so that a live arrival rebuilds only
	// the row of its batch rather than ten thousand of them.
	built map[string]builtRow
}

// builtRow is the cells of a batch's row as of its latest delivery.
type builtRow struct {
	seq        uint64
	fresh      bool
	changed    bool
	deliveries int
	cells      []string
}

func newBatchesPage() *batchesPage {
	return &batchesPage{table: newTable(
		column{title: "", width: 1},
		column{title: "STATUS", width: 10},
		column{title: "RECEIVED", width: 12},
		column{title: "BATCH", width: 14, grow: 2},
		column{title: "JOB", width: 8, grow: 1},
		column{title: "DLV", width: 4, right: true},
		column{title: "CLIENTS", width: 7, right: true},
		column{title: "OPPS", width: 6, right: true},
		column{title: "TARGET", width: 6, right: true},
		column{title: "BEST", width: 5, right: true},
		column{title: "NOTES", width: 8, grow: 3},
	)}
}

func (p *batchesPage) crumb() string { return "Batches" }
func (p *batchesPage) rows() *table  { return &p.table }

// selected returns the batch under the cursor.
func (p *batchesPage) selected(a *App) (*batch, bool) {
	i, ok := p.table.selected()
	if !ok {
		return nil, false
	}
	return a.catalog.byKey[p.keys[i]], true
}

// refresh rebuilds the rows from the catalog, keeping the cursor on the
// batch it was on, so that a live arrival does not move the selection.
func (p *batchesPage) refresh(a *App) {
	// A cursor on the top row follows the newest batch, as a live list
	// should; anywhere else it stays on its batch.
	current, atTop := "", p.table.cursor == 0
	if i, ok := p.table.selected(); ok && i < len(p.keys) {
		current = p.keys[i]
	}

	batches := a.catalog.batches
	rows := make([][]string, 0, len(batches))
	marks := make([]bool, 0, len(batches))
	meta := make([]rowMeta, 0, len(batches))
	p.keys = p.keys[:0]
	cursor := 0
	if p.built == nil {
		p.built = make(map[string]builtRow, len(batches))
	}
	p.buildRows(a, batches)
	for i, b := range batches {
		fresh := a.fresh[b.key]
		rows = append(rows, p.built[b.key].cells)
		marks = append(marks, fresh)
		r := b.latest()
		meta = append(meta, rowMeta{hasScore: r.HasScore, score: r.BestScore,
			target: r.TargetOpportunities > 0})
		p.keys = append(p.keys, b.key)
		if b.key == current {
			cursor = i
		}
	}
	p.table.marks = marks
	p.table.meta = meta
	p.table.setRows(rows)
	if !atTop {
		p.table.selectRow(cursor)
	}
}

// buildRows builds the cells of the batches whose row is missing or out of
// date. A capture opened with ten thousand batches builds them all, which
// is shared between the cores.
func (p *batchesPage) buildRows(a *App, batches []*batch) {
	var stale []*batch
	for _, b := range batches {
		row, ok := p.built[b.key]
		if !ok || row.seq != b.latest().Seq || row.fresh != a.fresh[b.key] ||
			row.deliveries != len(b.deliveries) || row.changed != a.changed[b.key] {
			stale = append(stale, b)
		}
	}

	rows := make([]builtRow, len(stale))
	parts := 1
	if len(stale) >= 2_000 {
		parts = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	for part := range parts {
		lo, hi := len(stale)*part/parts, len(stale)*(part+1)/parts
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				b, fresh, changed := stale[i], a.fresh[stale[i].key], a.changed[stale[i].key]
				rows[i] = builtRow{seq: b.latest().Seq, fresh: fresh, changed: changed,
					deliveries: len(b.deliveries), cells: batchRow(b, fresh, changed)}
			}
		})
	}
	wg.Wait()
	for i, b := range stale {
		p.built[b.key] = rows[i]
	}
}

func batchRow(b *batch, fresh, changed bool) []string {
	r := b.latest()
	mark := ""
	if fresh {
		mark = "●"
	}
	best := ""
	if r.HasScore {
		best = score(r.BestScore)
	}
	batchID, jobID := clean(r.BatchID), clean(r.JobID)
	if batchID == "" {
		batchID = "—"
	}
	if r.Status == model.StatusRejected {
		return []string{mark, statusBadge(r.Status), receivedAt(r.ReceivedAt), batchID, jobID,
			deliveries(b), "", "", "", "", notes(b, changed)}
	}
	return []string{
		mark,
		statusBadge(r.Status),
		receivedAt(r.ReceivedAt),
		batchID,
		jobID,
		deliveries(b),
		fmt.Sprint(r.Clients),
		fmt.Sprint(r.Opportunities),
		fmt.Sprint(r.TargetOpportunities),
		best,
		notes(b, changed),
	}
}

// notes is the last column: why a delivery failed, else its custom fields.
func notes(b *batch, changed bool) string {
	r := b.latest()
	switch {
	case r.Status == model.StatusRejected:
		return clean(strings.TrimPrefix(r.Reject, "not a JSON object: "))
	case r.Error != nil:
		return clean(jobErrorText(r.Error))
	}
	var parts []string
	for _, f := range model.Fields(r.Custom) {
		if f.Key == "" {
			parts = append(parts, clean(f.Value))
			continue
		}
		parts = append(parts, clean(f.Key)+"="+clean(f.Value))
	}
	if len(r.Warnings) > 0 {
		parts = append([]string{"⚠ " + plural(len(r.Warnings), "warning", "warnings")}, parts...)
	}
	if n := b.redeliveries(); n > 0 {
		parts = append([]string{fmt.Sprintf("↻ %s", plural(n, "redelivery", "redeliveries"))},
			parts...)
	}
	if changed {
		parts = append([]string{"Δ changed"}, parts...)
	}
	return strings.Join(parts, " ")
}

// deliveries counts the deliveries of a batch, marked ↻ when some of them
// were redeliveries of a body already received; the notes say how many.
func deliveries(b *batch) string {
	if b.redeliveries() > 0 {
		return fmt.Sprintf("%d↻", len(b.deliveries))
	}
	return fmt.Sprint(len(b.deliveries))
}

func jobErrorText(e *model.JobError) string {
	text := e.Code
	if e.Message != "" {
		text = strings.TrimPrefix(text+": "+e.Message, ": ")
	}
	return text
}

func (p *batchesPage) view(a *App, width, height int) string {
	if !a.loaded {
		return a.spinner.View() + " Reading the capture…"
	}
	if p.table.total() == 0 {
		return a.emptyView(width)
	}
	p.table.top = 0
	return p.table.view(width, height, &a.styles)
}

// detail is the selected batch's summary, from its record alone.
func (p *batchesPage) detail(a *App, width, height int) string {
	b, ok := p.selected(a)
	if !ok {
		return ""
	}
	st := &a.styles
	r := b.latest()
	var lines []string
	add := func(label, value string) {
		lines = append(lines, st.Label.Render(fmt.Sprintf("%-10s", label))+value)
	}
	add("status", statusBadge(r.Status)+st.Muted.Render(fmt.Sprintf("  delivery %d", r.Seq)))
	add("received", r.ReceivedAt.Local().Format("2006-01-02 15:04:05"))
	if r.Request.Imported != "" {
		add("imported", clean(r.Request.Imported))
	} else {
		add("from", clean(r.Request.RemoteAddr))
	}
	if r.Status == model.StatusRejected {
		add("rejected", st.Bad.Render(clean(r.Reject)))
		lines = append(lines, "", st.Muted.Render("Enter shows the body as it was received."))
		return strings.Join(lines, "\n")
	}
	add("batch", clean(r.BatchID))
	add("job", clean(r.JobID))
	add("holds", fmt.Sprintf("%s, %s", plural(r.Clients, "client", "clients"),
		plural(r.Opportunities, "opportunity", "opportunities")))
	if r.Summary.Has && (r.Summary.TotalProcessed != r.Clients ||
		r.Summary.TotalOpportunities != r.Opportunities) {
		add("claims", st.Warn.Render(fmt.Sprintf("%s, %s",
			plural(r.Summary.TotalProcessed, "client", "clients"),
			plural(r.Summary.TotalOpportunities, "opportunity", "opportunities"))))
	}
	if r.HasScore {
		add("best", score(r.BestScore)+" "+scoreBar(r.BestScore, 10))
	}
	if r.Error != nil {
		add("error", st.Bad.Render(clean(jobErrorText(r.Error))))
	}
	for _, f := range model.Fields(r.Custom) {
		add("custom", clean(f.Key)+" = "+clean(f.Value))
	}
	if n := len(r.Warnings); n > 0 {
		add("warnings", st.Warn.Render(plural(n, "warning", "warnings")))
	}
	if n := len(b.deliveries); n > 1 {
		add("batch of", plural(n, "delivery", "deliveries"))
	}
	if n := b.redeliveries(); n > 0 {
		add("retried", st.Warn.Render(plural(n, "redelivery", "redeliveries")+
			" of a body already received"))
	}
	return strings.Join(lines, "\n")
}

// emptyView tells a new user how to get a first delivery in.
func (a *App) emptyView(width int) string {
	st := &a.styles
	lines := []string{"", st.EmptyTitle.Render("No deliveries yet."), ""}
	if a.opts.ListenURL == "" {
		lines = append(lines, "This capture file holds no deliveries.")
		return strings.Join(lines, "\n")
	}
	// ngrok forwards to the port; the path, with its secret, goes after the
	// public URL it prints.
	port, path := "8080", "/"
	if u, err := url.Parse(a.opts.ListenURL); err == nil {
		port, path = u.Port(), u.EscapedPath()
	}
	tunnel := st.Muted.Render("From the internet, run ") + "ngrok http " + port +
		st.Muted.Render(" and give Clustr the https URL it prints.")
	if path != "/" && path != "" {
		tunnel = st.Muted.Render("From the internet, run ") + "ngrok http " + port +
			st.Muted.Render(" and give Clustr the https URL it prints followed by ") + path
	}
	if public, ok := a.publicURL(); ok {
		tunnel = st.Muted.Render("From the internet, through ngrok: ") + st.Good.Render(public)
	}
	lines = append(lines,
		"Send Clustr's webhook to:  "+st.Good.Render(a.opts.ListenURL),
		"",
		tunnel,
		st.Muted.Render("To try it now, press ")+st.Good.Render("p")+
			st.Muted.Render(" to send the three built-in sample payloads."),
	)
	return strings.Join(lines, "\n")
}

func (p *batchesPage) open(a *App) (page, tea.Cmd) {
	b, ok := p.selected(a)
	if !ok {
		return nil, nil
	}
	if a.fresh[b.key] {
		delete(a.fresh, b.key)
		p.refresh(a)
	}
	// A rejected body has nothing to drill into; its raw form explains it.
	if b.latest().Status == model.StatusRejected {
		return newRawPage(b.latest()).opened(a)
	}
	next := &batchPage{batch: b, record: b.latest()}
	if _, ok := a.cache[next.record.Seq]; !ok && next.record.BodySize > clientsFirstAbove &&
		!a.pending[next.record.Seq] {
		return next, decodeClients(a.opts.Store, next.record.Seq)
	}
	_, _, cmd := a.payload(next.record.Seq)
	return next, cmd
}

// clientsFirstAbove is the body size above which a batch's clients are
// read on their own first: below it, the whole body decodes about as fast.
const clientsFirstAbove = 4 << 20

func statusBadge(status string) string {
	switch status {
	case "completed":
		return "✓ done"
	case "failed":
		return "✗ failed"
	case model.StatusRejected:
		return "⊘ rejected"
	case "":
		return "?"
	}
	return clean(status)
}

// receivedAt shows the time of day for today's deliveries and the date for
// older ones, in local time.
func receivedAt(t time.Time) string {
	t = t.Local()
	now := time.Now()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05")
	}
	return t.Format("Jan 02 15:04")
}

func score(f float64) string { return fmt.Sprintf("%.1f", f) }

// scoreCell is a score with its bar, the number padded so that bars line up.
func scoreCell(f float64) string { return fmt.Sprintf("%5.1f %s", f, scoreBar(f, 5)) }
