package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// column describes one column of a table. A column with grow > 0 takes a
// share of the width left over by the fixed ones; min keeps it readable.
type column struct {
	title string
	width int  // fixed width, or the minimum of a growing column
	grow  int  // share of the spare width
	right bool // align right, for numbers
}

// table is a windowed list of rows: it keeps the cursor and the first
// visible row, and draws only the rows that fit. Cells are plain text that
// was cleaned when the rows were built; styling happens per visible cell.
type table struct {
	columns []column
	rows    [][]string
	marks   []bool // rows drawn with the "new" mark; may be shorter than rows
	natural []int  // widest cell of each column, so growing columns take no more
	cursor  int
	offset  int
	height  int // rows that fit, set on every draw
}

// setRows replaces the rows. It measures every cell once here, on a change
// of data, so that drawing a frame never depends on the number of rows.
func (t *table) setRows(rows [][]string) {
	t.rows = rows
	t.natural = make([]int, len(t.columns))
	for i, c := range t.columns {
		t.natural[i] = ansi.StringWidth(c.title)
	}
	for _, row := range rows {
		for i, cell := range row {
			if i < len(t.natural) {
				t.natural[i] = max(t.natural[i], ansi.StringWidth(cell))
			}
		}
	}
	t.clamp()
}

func (t *table) len() int { return len(t.rows) }

// move shifts the cursor by delta rows, keeping it on the table.
func (t *table) move(delta int) {
	t.cursor += delta
	t.clamp()
}

func (t *table) top()    { t.cursor = 0; t.clamp() }
func (t *table) bottom() { t.cursor = len(t.rows) - 1; t.clamp() }

func (t *table) page() int { return max(1, t.height-1) }

// clamp keeps cursor and offset valid after any change of rows or size.
func (t *table) clamp() {
	t.cursor = min(max(t.cursor, 0), max(len(t.rows)-1, 0))
	if t.height <= 0 {
		return
	}
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+t.height {
		t.offset = t.cursor - t.height + 1
	}
	t.offset = min(max(t.offset, 0), max(len(t.rows)-t.height, 0))
}

// widths lays the columns out in width cells, one space between columns.
// Growing columns share what the fixed ones leave; when even the fixed ones
// do not fit, the last columns are dropped rather than squeezed to nothing.
func (t *table) widths(width int) []int {
	ws := make([]int, len(t.columns))
	used, grow := 0, 0
	for i, c := range t.columns {
		need := c.width
		if i > 0 {
			need++
		}
		if used+need > width {
			break
		}
		ws[i] = c.width
		used += need
		grow += c.grow
	}

	// Growing columns take their share of the spare width, but no more than
	// their widest cell needs; what is left goes to the last of them.
	spare := width - used
	if spare > 0 && grow > 0 {
		given, last := 0, -1
		for i, c := range t.columns {
			if ws[i] == 0 || c.grow == 0 {
				continue
			}
			extra := spare * c.grow / grow
			if i < len(t.natural) {
				extra = min(extra, max(t.natural[i]-ws[i], 0))
			}
			ws[i] += extra
			given += extra
			last = i
		}
		// Columns still short of their widest cell take what is left, in
		// order, so that identifiers come out whole before notes grow.
		for i, c := range t.columns {
			if ws[i] == 0 || c.grow == 0 || i >= len(t.natural) || given >= spare {
				continue
			}
			extra := min(max(t.natural[i]-ws[i], 0), spare-given)
			ws[i] += extra
			given += extra
		}
		if last >= 0 {
			ws[last] += spare - given
		}
	}
	return ws
}

// view draws the header and the visible rows in width by height cells.
func (t *table) view(width, height int, st *Styles) string {
	if width <= 0 || height <= 0 {
		return ""
	}
	t.height = max(height-1, 0)
	t.clamp()

	ws := t.widths(width)
	var b strings.Builder

	header := make([]string, 0, len(t.columns))
	for i, c := range t.columns {
		if ws[i] > 0 {
			header = append(header, fit(c.title, ws[i], c.right))
		}
	}
	b.WriteString(st.Header.Render(fit(strings.Join(header, " "), width, false)))

	end := min(t.offset+t.height, len(t.rows))
	for r := t.offset; r < end; r++ {
		b.WriteByte('\n')
		line := t.line(r, ws)
		switch {
		case r == t.cursor:
			b.WriteString(st.Selected.Render(fit(line, width, false)))
		case r < len(t.marks) && t.marks[r]:
			b.WriteString(st.New.Render(fit(line, width, false)))
		default:
			b.WriteString(fit(line, width, false))
		}
	}
	return b.String()
}

// line renders the cells of row r into their column widths.
func (t *table) line(r int, ws []int) string {
	row := t.rows[r]
	cells := make([]string, 0, len(ws))
	for i, c := range t.columns {
		if ws[i] == 0 {
			continue
		}
		cell := ""
		if i < len(row) {
			cell = row[i]
		}
		cells = append(cells, fit(cell, ws[i], c.right))
	}
	return strings.Join(cells, " ")
}

// fit truncates s with an ellipsis or pads it so that it is exactly width
// cells wide. Wide characters (CJK, emoji) count as two cells.
func fit(s string, width int, right bool) string {
	if width <= 0 {
		return ""
	}
	w := ansi.StringWidth(s)
	if w > width {
		s = ansi.Truncate(s, width, "…")
		w = ansi.StringWidth(s)
	}
	pad := strings.Repeat(" ", max(width-w, 0))
	if right {
		return pad + s
	}
	return s + pad
}

// fitLines cuts every line of s to width and keeps at most height lines, so
// that no block can push the layout past the terminal's edges.
func fitLines(s string, width, height int) string {
	if width <= 0 || height <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > height {
		lines = lines[:height]
	}
	for i, l := range lines {
		if lipgloss.Width(l) > width {
			lines[i] = ansi.Truncate(l, width, "…")
		}
	}
	return strings.Join(lines, "\n")
}
