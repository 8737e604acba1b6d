package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/clustr/clustr-explorer/model"
)

// opportunityPage shows one relationship: the prospect, their company, what
// the client and prospect share, and the engagement timeline newest first.
type opportunityPage struct {
	opp   *model.Opportunity
	seq   uint64 // the delivery it came in
	table table
}

func newOpportunityPage(o *model.Opportunity, seq uint64) *opportunityPage {
	p := &opportunityPage{opp: o, seq: seq}
	p.table = newTable(
		column{title: "DATE", width: 10},
		column{title: "TYPE", width: 20},
		column{title: "TEXT", width: 10, grow: 3},
		column{title: "LINK", width: 10, grow: 2},
	)
	events := o.Engagement.NewestFirst()
	rows := make([][]string, 0, len(events))
	for _, e := range events {
		rows = append(rows, []string{clean(e.Date), eventType(e.Type), clean(e.Text), clean(e.Link)})
	}
	p.table.setRows(rows)
	return p
}

// eventType names the documented types in words and shows any other type
// by its own name, so that nothing new is hidden.
func eventType(t string) string {
	switch t {
	case model.ProspectCommented:
		return "prospect commented"
	case model.ProspectLiked:
		return "prospect liked"
	case model.ProspectReacted:
		return "prospect reacted"
	case model.ProspectRecommended:
		return "prospect recommended"
	case model.ClientCommented:
		return "client commented"
	case model.ClientLiked:
		return "client liked"
	case model.ClientRecommended:
		return "client recommended"
	}
	return clean(t)
}

func (p *opportunityPage) crumb() string { return prospectName(*p.opp) }
func (p *opportunityPage) rows() *table  { return &p.table }

func (p *opportunityPage) open(*App) (page, tea.Cmd) { return nil, nil }

// opportunityCard describes the prospect, their company and the path to
// them, one fact a line.
func opportunityCard(a *App, o *model.Opportunity, width int) string {
	st := &a.styles
	rel := o.Relationship
	se := rel.SharedExperience
	var lines []string
	add := func(label, value string) {
		if value != "" {
			lines = append(lines, st.Label.Render(fmt.Sprintf("%-10s", label))+value)
		}
	}

	add("prospect", st.Crumb.Render(prospectName(*o))+st.Muted.Render("  "+clean(o.Prospect.JobTitle)+
		atCompany(o.Prospect.CompanyName)))
	add("linkedin", clean(o.Prospect.LinkedInURL))

	company := clean(o.Company.Name)
	extras := []string{o.Company.Domain, o.Company.Industry, employees(o.Company.EmployeeCount)}
	for _, extra := range extras {
		if extra != "" {
			company += st.Muted.Render(" · ") + clean(extra)
		}
	}
	if o.IsTargetCompany {
		company += "  " + st.Target.Render("★ target company")
	}
	add("company", company)

	if rel.HasScore {
		add("score", st.Good.Render(score(rel.ConfidenceScore))+" "+
			st.Good.Render(scoreBar(rel.ConfidenceScore, 10))+st.Muted.Render(" of 100"))
	}
	if se.CompanyName != "" {
		when := "past"
		if se.IsCurrent {
			when = "current"
		}
		add("shared", fmt.Sprintf("%s, %d months overlap (%s)",
			clean(se.CompanyName), se.OverlapMonths, when))
		add("roles", "client "+clean(se.ClientRole)+st.Muted.Render(" · ")+
			"prospect "+clean(se.ProspectRole))
	}
	if rel.TotalOverlapMonths > 0 {
		add("overlap", fmt.Sprintf("%d months in all", rel.TotalOverlapMonths))
	}
	if e := o.Engagement; e != nil {
		add("engaged", fmt.Sprintf("%s, last on %s",
			plural(max(e.TotalEngagements, len(e.History)), "time", "times"),
			clean(e.LastEngagementDate)))
	}
	return fitLines(strings.Join(lines, "\n"), width, len(lines))
}

func (p *opportunityPage) view(a *App, width, height int) string {
	st := &a.styles
	o := p.opp

	card := opportunityCard(a, o, width)
	if chart := engagementChart(a, o, width); chart != "" {
		card += "\n" + chart
	}
	cardHeight := min(lipgloss.Height(card), max(height-3, 0))
	card = fitLines(card, width, cardHeight)

	if o.Engagement == nil || len(o.Engagement.History) == 0 {
		msg := "No engagement history in this delivery (the job did not ask for full history)."
		if o.Engagement != nil {
			msg = "Clustr sent the totals above but no history."
		}
		return card + "\n\n" + st.Muted.Render(msg)
	}
	title := st.Header.Render(fmt.Sprintf("Engagement, newest first (%d)", len(o.Engagement.History)))
	detail := p.eventText(a, width, height-cardHeight-4)
	tableHeight := height - cardHeight - 2 - lipgloss.Height(detail) - 1
	p.table.top = cardHeight + 2
	return card + "\n\n" + title + "\n" + p.table.view(width, tableHeight, st) + "\n\n" + detail
}

// eventText shows the selected event in full, since the table cuts long
// text.
func (p *opportunityPage) eventText(a *App, width, room int) string {
	if p.table.len() == 0 || room < 4 {
		return ""
	}
	row := p.table.row(p.table.cursor)
	text := row[2]
	if text == "" {
		text = a.styles.Muted.Render("(no text)")
	}
	wrapped := lipgloss.NewStyle().Width(width).Render(text)
	lines := min(lipgloss.Height(wrapped), max(room/2, 1))
	return fitLines(wrapped, width, lines) + "\n" + a.styles.Muted.Render(fit(row[3], width, false))
}

func employees(count string) string {
	if count == "" {
		return ""
	}
	return count + " employees"
}
