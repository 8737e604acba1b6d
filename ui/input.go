package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// minScores are the steps the minimum-score key cycles through.
var minScores = []float64{0, 50, 60, 70, 80, 90}

// scroller is a page without a table that the navigation keys scroll.
type scroller interface {
	scroll(delta int)
	scrollTo(line int)
}

// key handles one key press: the filter input first while it is open, then
// the keys that work everywhere, then those of the page on top.
func (a *App) key(msg tea.KeyPressMsg) tea.Cmd {
	if msg.String() == "ctrl+c" {
		return tea.Quit
	}
	if a.filtering {
		return a.filterKey(msg)
	}
	if key.Matches(msg, a.keys.Quit) {
		return tea.Quit
	}
	if a.showHelp {
		if key.Matches(msg, a.keys.Help, a.keys.Back) {
			a.showHelp = false
		}
		return nil
	}

	switch {
	case key.Matches(msg, a.keys.Help):
		a.showHelp = true
		return nil
	case key.Matches(msg, a.keys.Batches):
		return a.switchTo(batchesView)
	case key.Matches(msg, a.keys.Opportunities):
		return a.switchTo(opportunitiesView)
	case key.Matches(msg, a.keys.Companies):
		return a.switchTo(companiesView)
	case key.Matches(msg, a.keys.NextView):
		return a.switchTo((a.active + 1) % len(a.views))
	case key.Matches(msg, a.keys.PrevView):
		return a.switchTo((a.active + len(a.views) - 1) % len(a.views))
	case key.Matches(msg, a.keys.Samples):
		return a.sendSamples()
	}

	top := a.top()
	t := top.rows()
	if cmd, ok := a.actionKey(msg, top); ok {
		return cmd
	}
	switch {
	case key.Matches(msg, a.keys.Back):
		if t != nil && t.narrowed() {
			a.input.SetValue("")
			t.clearNarrowing()
			return nil
		}
		a.pop()
	case key.Matches(msg, a.keys.Open):
		next, cmd := top.open(a)
		if next != nil {
			a.push(next)
		}
		return cmd
	case key.Matches(msg, a.keys.Earlier, a.keys.Later):
		if bp, ok := top.(*batchPage); ok {
			step := 1
			if key.Matches(msg, a.keys.Earlier) {
				step = -1
			}
			return bp.step(a, step)
		}
	case t != nil:
		return a.tableKey(msg, t)
	default:
		if s, ok := top.(scroller); ok {
			a.scrollKey(msg, s)
		}
	}
	return nil
}

// tableKey moves, filters, sorts and narrows the table of the page on top.
func (a *App) tableKey(msg tea.KeyPressMsg, t *table) tea.Cmd {
	switch {
	case key.Matches(msg, a.keys.Up):
		t.move(-1)
	case key.Matches(msg, a.keys.Down):
		t.move(1)
	case key.Matches(msg, a.keys.PageUp):
		t.move(-t.page())
	case key.Matches(msg, a.keys.PageDown):
		t.move(t.page())
	case key.Matches(msg, a.keys.Top):
		t.first()
	case key.Matches(msg, a.keys.Bottom):
		t.bottom()
	case key.Matches(msg, a.keys.Filter):
		a.filtering = true
		a.input.SetValue(t.query)
		a.input.CursorEnd()
		return a.input.Focus()
	case key.Matches(msg, a.keys.Sort):
		t.cycleSort()
	case key.Matches(msg, a.keys.Reverse):
		t.reverse()
	case key.Matches(msg, a.keys.TargetOnly):
		if !t.narrowable() {
			return a.say(true, "This table has no target companies to narrow to.")
		}
		t.setTargetOnly(!t.targetOnly)
	case key.Matches(msg, a.keys.MinScore):
		if !t.narrowable() {
			return a.say(true, "This table has no scores to narrow by.")
		}
		next := 0
		for i, s := range minScores {
			if s == t.minScore {
				next = (i + 1) % len(minScores)
			}
		}
		t.setMinScore(minScores[next])
	}
	return nil
}

func (a *App) scrollKey(msg tea.KeyPressMsg, s scroller) {
	page := max(a.height-6, 1)
	switch {
	case key.Matches(msg, a.keys.Up):
		s.scroll(-1)
	case key.Matches(msg, a.keys.Down):
		s.scroll(1)
	case key.Matches(msg, a.keys.PageUp):
		s.scroll(-page)
	case key.Matches(msg, a.keys.PageDown):
		s.scroll(page)
	case key.Matches(msg, a.keys.Top):
		s.scrollTo(0)
	case key.Matches(msg, a.keys.Bottom):
		s.scrollTo(1 << 30)
	}
}

// filterKey edits the filter as the user types; the table follows each
// keystroke. Enter keeps the filter, Esc drops it.
func (a *App) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	t := a.top().rows()
	if t == nil {
		a.filtering = false
		return nil
	}
	switch msg.String() {
	case "esc":
		a.filtering = false
		a.input.Blur()
		a.input.SetValue("")
		t.setQuery("")
		return nil
	case "enter":
		a.filtering = false
		a.input.Blur()
		return nil
	case "up", "down", "pgup", "pgdown":
		return a.tableKey(msg, t)
	}

	var cmd tea.Cmd
	a.input, cmd = a.input.Update(msg)
	if q := a.input.Value(); q != t.query {
		t.setQuery(q)
	}
	return cmd
}

// switchTo shows another view, reading every delivery's body first when
// the view needs them.
func (a *App) switchTo(v int) tea.Cmd {
	a.active = v
	if v == opportunitiesView || v == companiesView {
		a.every.wanted = true
		return a.readEverything()
	}
	return nil
}

// viewBar is the second line: the state of the table on screen, or the
// filter being typed.
func (a *App) viewBar(width int) string {
	st := &a.styles
	t := a.top().rows()
	if t == nil {
		return ""
	}
	var parts []string
	if t.total() > 0 || t.narrowed() {
		parts = append(parts, fmt.Sprintf("%s of %s rows", count(t.len()), count(t.total())))
	}
	if t.sortCol >= 0 && t.sortCol < len(t.columns) {
		dir := "↑"
		if t.sortDesc {
			dir = "↓"
		}
		parts = append(parts, "sort "+strings.ToLower(t.columns[t.sortCol].title)+" "+dir)
	}
	if t.targetOnly {
		parts = append(parts, "★ target companies only")
	}
	if t.minScore > 0 {
		parts = append(parts, fmt.Sprintf("score ≥ %g", t.minScore))
	}

	line := st.Muted.Render(strings.Join(parts, "  ·  "))
	switch {
	case a.filtering:
		a.input.SetWidth(max(width/3, 10))
		line = a.input.View() + "   " + line
	case t.query != "":
		line = st.Warn.Render("filter "+clean(t.query)) + st.Muted.Render("  ·  ") + line
	}
	return fitLines(line, width, 1)
}

// count writes n with thousands separators, as 150,000.
func count(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// wheel scrolls the table or page under the pointer.
func (a *App) wheel(msg tea.MouseWheelMsg) {
	delta := 0
	switch msg.Button {
	case tea.MouseWheelUp:
		delta = -3
	case tea.MouseWheelDown:
		delta = 3
	default:
		return
	}
	top := a.top()
	if t := top.rows(); t != nil {
		t.move(delta)
	} else if s, ok := top.(scroller); ok {
		s.scroll(delta)
	}
}

// click selects the table row under the pointer; a click on a selected row
// opens it, as a double click would.
func (a *App) click(msg tea.MouseClickMsg) tea.Cmd {
	if msg.Button != tea.MouseLeft || a.showHelp {
		return nil
	}
	top := a.top()
	t := top.rows()
	if t == nil {
		return nil
	}
	if _, split := top.(detailer); split && a.width >= splitAt && t.len() > 0 &&
		msg.X >= a.width-detailWidth(a.width)-1 {
		return nil
	}
	pos, ok := t.rowAt(msg.Y - bodyTop - t.top)
	if !ok {
		return nil
	}
	if pos == t.cursor {
		next, cmd := top.open(a)
		if next != nil {
			a.push(next)
		}
		return cmd
	}
	t.cursor = pos
	t.clamp()
	return nil
}
