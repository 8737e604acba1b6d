package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// everything is the state of the views across all batches: the
// opportunities of the latest accepted delivery of every batch, and the
// companies they reach. Their bodies are decoded one at a time in the
// background, only once a view that needs them is opened.
type everything struct {
	wanted bool
	rows   []model.OpportunityRow
	built  []uint64 // the deliveries rows were built from

	// sources are the deliveries to build from, taken from the catalog when
	// it changes, and next the first of them that may not be read yet: so
	// neither a frame nor a decoded body walks every batch again.
	sources []storage.Record
	next    int
	ready   bool
}

// resetSources takes the deliveries to build from afresh, after the
// catalog changed.
func (a *App) resetSources() {
	a.every.sources = a.catalog.sources()
	a.every.next = 0
	a.every.ready = sameSeqs(a.every.built, a.every.sources)
}

// sources returns the deliveries the views across batches are built from,
// oldest batch first.
func (c *catalog) sources() []storage.Record {
	var out []storage.Record
	for i := len(c.batches) - 1; i >= 0; i-- {
		b := c.batches[i]
		for j := len(b.deliveries) - 1; j >= 0; j-- {
			if r := b.deliveries[j]; r.Status != model.StatusRejected {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// readEverything decodes the next body the views across batches need, and
// rebuilds their rows once all are read.
func (a *App) readEverything() tea.Cmd {
	if !a.every.wanted {
		return nil
	}
	sources := a.every.sources
	for ; a.every.next < len(sources); a.every.next++ {
		r := sources[a.every.next]
		if _, ok := a.cache[r.Seq]; ok {
			continue
		}
		if a.pending[r.Seq] {
			return nil
		}
		a.pending[r.Seq] = true
		return decodeBody(a.opts.Store, r.Seq)
	}

	if a.every.ready {
		return nil
	}
	a.every.ready = true
	a.every.built = a.every.built[:0]
	a.every.rows = a.every.rows[:0]
	for _, r := range sources {
		a.every.built = append(a.every.built, r.Seq)
		d := a.cache[r.Seq]
		if d.payload == nil {
			continue
		}
		rows := model.OpportunityRows(d.payload)
		for i := range rows {
			rows[i].Seq = r.Seq
		}
		a.every.rows = append(a.every.rows, rows...)
	}
	a.changed = changedBatches(a.cache, sources)
	a.batchesPage().refresh(a)
	a.opportunitiesPage().refresh(a)
	a.companiesPage().refresh(a)
	return nil
}

// eagerBytes and eagerDeliveries bound a capture whose bodies are read as
// soon as it opens, for the views across batches and the Batches page's
// marks of what changed; a larger one is read when those views are opened.
const (
	eagerBytes      = 64 << 20
	eagerDeliveries = 500
)

// readSmallCaptures asks for every batch's body at once when they are few
// and small enough to read without being asked.
func (a *App) readSmallCaptures() {
	if a.every.wanted {
		return
	}
	sources := a.every.sources
	if len(sources) > eagerDeliveries {
		return
	}
	var total int64
	for _, r := range sources {
		total += r.BodySize
	}
	if total <= eagerBytes {
		a.every.wanted = true
	}
}

// changedBatches names the batches in which a client's paths differ from
// the client's latest earlier batch: a path new or gone, a score moved, an
// engagement added.
func changedBatches(cache map[uint64]decoded, sources []storage.Record) map[string]bool {
	changed := map[string]bool{}
	seen := map[string]model.Result{}
	for _, r := range sources { // oldest batch first
		d := cache[r.Seq]
		if d.payload == nil {
			continue
		}
		for _, res := range d.payload.Results {
			k := clientKey(res.Client)
			if prev, ok := seen[k]; ok && !model.Compare(prev, res).Empty() {
				changed[batchKey(r)] = true
			}
			seen[k] = res
		}
	}
	return changed
}

// progress says how many of the bodies the views need are read.
func (a *App) progress() (done, total int) {
	return a.every.next, len(a.every.sources)
}

// acrossView draws a view across batches: the progress while their bodies
// are read, what to expect when there is nothing, or its table.
func (a *App) acrossView(t *table, empty string, width, height int) string {
	if !a.ready() {
		done, total := a.progress()
		return fmt.Sprintf("%s Reading deliveries %d of %d…", a.spinner.View(), done, total)
	}
	if t.total() == 0 {
		return a.styles.Muted.Render(empty)
	}
	t.top = 0
	return t.view(width, height, &a.styles)
}

// ready reports whether the views across batches show every delivery.
func (a *App) ready() bool { return a.every.ready }

func sameSeqs(built []uint64, sources []storage.Record) bool {
	if len(built) != len(sources) {
		return false
	}
	for i, r := range sources {
		if built[i] != r.Seq {
			return false
		}
	}
	return true
}

func (a *App) opportunitiesPage() *opportunitiesPage {
	return a.views[opportunitiesView].stack[0].(*opportunitiesPage)
}

func (a *App) companiesPage() *companiesPage {
	return a.views[companiesView].stack[0].(*companiesPage)
}

// opportunity finds the opportunity a row was made from.
func (a *App) opportunity(r model.OpportunityRow) (*model.Payload, *model.Opportunity, bool) {
	d, ok := a.cache[r.Seq]
	if !ok || d.payload == nil || r.ResultIndex >= len(d.payload.Results) {
		return nil, nil, false
	}
	res := &d.payload.Results[r.ResultIndex]
	if r.OpportunityIndex >= len(res.Opportunities) {
		return nil, nil, false
	}
	return d.payload, &res.Opportunities[r.OpportunityIndex], true
}
