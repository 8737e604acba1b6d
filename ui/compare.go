package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// earlier is what a client looked like in the latest delivery before the
// one shown, and what changed since.
type earlier struct {
	record  storage.Record
	changes model.Changes
}

// earlierMsg carries the comparison of a client with its earlier delivery;
// found is false when no earlier delivery has the client.
type earlierMsg struct {
	seq    uint64
	client model.Client
	found  bool
	earlier
}

// findEarlier looks, newest first, through the accepted deliveries before
// seq for the client, and compares the two. It runs off the UI goroutine;
// each body is first read for its clients alone, and decoded whole only
// when the client is there.
func findEarlier(store *storage.Store, records []storage.Record, seq uint64,
	now model.Result) tea.Cmd {
	return func() tea.Msg {
		msg := earlierMsg{seq: seq, client: now.Client}
		for i := len(records) - 1; i >= 0; i-- {
			r := records[i]
			if r.Seq >= seq || r.Status == model.StatusRejected || r.Clients == 0 {
				continue
			}
			before, ok := clientIn(store, r.Seq, now.Client)
			if !ok {
				continue
			}
			msg.found = true
			msg.earlier = earlier{record: r, changes: model.Compare(before, now)}
			return msg
		}
		return msg
	}
}

// clientIn returns the client's result in delivery seq, if it has one.
func clientIn(store *storage.Store, seq uint64, c model.Client) (model.Result, bool) {
	var found model.Result
	var ok bool
	_ = store.ReadBody(seq, func(body []byte) error {
		list, err := model.DecodeClients(body)
		if err != nil {
			return nil
		}
		at := -1
		for i, r := range list.Results {
			if model.SameClient(r.Client, c) {
				at = i
				break
			}
		}
		if at < 0 {
			return nil
		}
		full, err := model.Decode(body)
		if err != nil || at >= len(full.Results) {
			return nil
		}
		found, ok = full.Results[at], true
		return nil
	})
	return found, ok
}

// changesView says what changed for the client since its earlier delivery,
// in at most room lines.
func (p *clientPage) changesView(a *App, width, room int) []string {
	st := &a.styles
	switch {
	case !p.compared:
		return []string{st.Muted.Render("Looking for this client in earlier deliveries…")}
	case p.earlier == nil:
		return nil
	}
	c := p.earlier.changes
	head := st.Header.Render(fmt.Sprintf("Since delivery %d of %s:", p.earlier.record.Seq,
		p.earlier.record.ReceivedAt.Local().Format("2006-01-02 15:04")))
	if c.Empty() {
		return []string{head + st.Muted.Render(" no change")}
	}

	var lines []string
	for _, o := range c.Added {
		lines = append(lines, st.Good.Render("+ new   ")+pathText(o))
	}
	for _, o := range c.Gone {
		lines = append(lines, st.Bad.Render("− gone  ")+pathText(o))
	}
	for _, m := range c.Moved {
		lines = append(lines, st.Warn.Render("~ score ")+pathText(m.After)+
			st.Muted.Render(fmt.Sprintf("  %s → %s", scoreOf(m.Before), scoreOf(m.After))))
	}
	for _, m := range c.Engage {
		lines = append(lines, st.Good.Render("✚ engaged ")+prospectName(m.After)+
			st.Muted.Render(fmt.Sprintf("  %d new", engagementCount(m.After)-engagementCount(m.Before))))
	}
	if len(lines) > room-1 {
		keep := max(room-2, 0)
		more := len(lines) - keep
		lines = append(lines[:keep], st.Muted.Render(fmt.Sprintf("and %d more", more)))
	}
	out := append([]string{head}, lines...)
	for i := range out {
		out[i] = fitLines(out[i], width, 1)
	}
	return out
}

func pathText(o model.Opportunity) string {
	return prospectName(o) + atCompany(model.CompanyName(o))
}

func scoreOf(o model.Opportunity) string {
	if !o.Relationship.HasScore {
		return "no score"
	}
	return score(o.Relationship.ConfidenceScore)
}

func engagementCount(o model.Opportunity) int {
	if o.Engagement == nil {
		return 0
	}
	return max(o.Engagement.TotalEngagements, len(o.Engagement.History))
}

// clientKey names a client for routing a comparison to its page.
func clientKey(c model.Client) string {
	if c.RecordID != "" {
		return "id:" + c.RecordID
	}
	return "name:" + strings.ToLower(model.ClientName(c))
}
