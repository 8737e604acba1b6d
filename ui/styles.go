package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles holds every style the interface draws with. It is built once for
// the terminal's background and rebuilt only when that becomes known.
type Styles struct {
	Title      lipgloss.Style
	Crumb      lipgloss.Style
	CrumbSep   lipgloss.Style
	Header     lipgloss.Style
	Selected   lipgloss.Style
	Muted      lipgloss.Style
	Label      lipgloss.Style
	Value      lipgloss.Style
	Good       lipgloss.Style
	Bad        lipgloss.Style
	Warn       lipgloss.Style
	New        lipgloss.Style
	Target     lipgloss.Style
	StatusBar  lipgloss.Style
	StatusKey  lipgloss.Style
	StatusBad  lipgloss.Style
	Notice     lipgloss.Style
	NoticeBad  lipgloss.Style
	Card       lipgloss.Style
	Help       help.Styles
	EmptyTitle lipgloss.Style
	Tab        lipgloss.Style
	TabActive  lipgloss.Style

	// JSON syntax colours of the raw view.
	JSONKey    lipgloss.Style
	JSONString lipgloss.Style
	JSONNumber lipgloss.Style
	JSONLit    lipgloss.Style
	LineNo     lipgloss.Style
}

// newStyles builds the styles for a dark or a light background. Colours are
// chosen to keep their contrast on both; the colour profile the program
// detects (and NO_COLOR) decides how much of them reaches the terminal.
// Without colour the selection and the active tab are drawn in reverse
// video, which needs none.
func newStyles(isDark, noColor bool) Styles {
	ld := lipgloss.LightDark(isDark)
	accent := ld(lipgloss.Color("#5A3FC0"), lipgloss.Color("#B7A6FF"))
	muted := ld(lipgloss.Color("#6B6B6B"), lipgloss.Color("#8F8F8F"))
	green := ld(lipgloss.Color("#1A7F37"), lipgloss.Color("#56D364"))
	red := ld(lipgloss.Color("#CF222E"), lipgloss.Color("#FF7B72"))
	amber := ld(lipgloss.Color("#9A6700"), lipgloss.Color("#E3B341"))
	barBg := ld(lipgloss.Color("#E6E6EF"), lipgloss.Color("#26233A"))
	selBg := ld(lipgloss.Color("#DDD6FE"), lipgloss.Color("#3B3363"))

	st := Styles{
		Title:      lipgloss.NewStyle().Bold(true).Foreground(accent),
		Crumb:      lipgloss.NewStyle().Bold(true),
		CrumbSep:   lipgloss.NewStyle().Foreground(muted),
		Header:     lipgloss.NewStyle().Bold(true).Foreground(muted),
		Selected:   lipgloss.NewStyle().Background(selBg).Bold(true),
		Muted:      lipgloss.NewStyle().Foreground(muted),
		Label:      lipgloss.NewStyle().Foreground(muted),
		Value:      lipgloss.NewStyle(),
		Good:       lipgloss.NewStyle().Foreground(green).Bold(true),
		Bad:        lipgloss.NewStyle().Foreground(red).Bold(true),
		Warn:       lipgloss.NewStyle().Foreground(amber),
		New:        lipgloss.NewStyle().Foreground(accent).Bold(true),
		Target:     lipgloss.NewStyle().Foreground(amber).Bold(true),
		StatusBar:  lipgloss.NewStyle().Background(barBg),
		StatusKey:  lipgloss.NewStyle().Background(barBg).Foreground(accent).Bold(true),
		StatusBad:  lipgloss.NewStyle().Background(barBg).Foreground(red).Bold(true),
		Notice:     lipgloss.NewStyle().Foreground(green),
		NoticeBad:  lipgloss.NewStyle().Foreground(red),
		Card:       lipgloss.NewStyle().PaddingLeft(1),
		Help:       help.DefaultStyles(isDark),
		EmptyTitle: lipgloss.NewStyle().Bold(true).Foreground(accent),
		Tab:        lipgloss.NewStyle().Foreground(muted),
		TabActive:  lipgloss.NewStyle().Background(selBg).Bold(true),
		JSONKey:    lipgloss.NewStyle().Foreground(accent),
		JSONString: lipgloss.NewStyle().Foreground(green),
		JSONNumber: lipgloss.NewStyle().Foreground(amber),
		JSONLit:    lipgloss.NewStyle().Foreground(red),
		LineNo:     lipgloss.NewStyle().Foreground(muted),
	}
	if noColor {
		st.Selected = lipgloss.NewStyle().Reverse(true)
		st.TabActive = lipgloss.NewStyle().Reverse(true).Bold(true)
	}
	return st
}
