package ui

import (
	"cmp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// column describes one column of a table. A column with grow > 0 takes a
// share of the width left over by the fixed ones; width is its minimum.
type column struct {
	title   string
	width   int  // fixed width, or the minimum of a growing column
	grow    int  // share of the spare width
	right   bool // align right, and sort as a number
	numeric bool // sort as a number, aligned left (a number with its bar)
}

// rowMeta is what the score and target narrowing read of a row.
type rowMeta struct {
	hasScore bool
	score    float64
	target   bool
}

// table is a windowed list of rows with a filter and a sort. It keeps every
// row, the indexes of those that pass the filter in display order, the
// cursor and the first visible row, and draws only the rows that fit. Cells
// are plain text, cleaned when the rows were built; styling happens per
// visible row. Everything that depends on the number of rows (measuring,
// folding for the filter, sort keys) is computed once per change of data or
// of the filter, never per frame.
type table struct {
	columns []column
	rows    [][]string
	meta    []rowMeta // per row; nil when the rows have no score or target
	marks   []bool    // rows drawn with the "new" mark; may be shorter than rows
	natural []int     // widest cell of each column

	shown  []int // indexes into rows, in display order
	cursor int   // position in shown
	offset int   // first visible position in shown
	height int   // rows that fit, set on every draw
	top    int   // screen line of the header, relative to the page, for clicks

	query      string
	sortCol    int // -1 for the rows' own order
	sortDesc   bool
	targetOnly bool
	minScore   float64

	haystack  []string // per row: its cells folded and joined by cellSep, for the filter
	textKeys  map[int][]string
	numKeys   map[int][]float64
	lastQuery string
	lastShown []int // what lastQuery matched, to narrow as the user types
	sorted    []int // every row in the order of sortedBy
	sortedBy  [2]int
}

// setRows replaces the rows. It measures every cell once here, so that
// drawing a frame never depends on the number of rows.
func (t *table) setRows(rows [][]string) {
	t.rows = rows
	t.natural = make([]int, len(t.columns))
	for i, c := range t.columns {
		t.natural[i] = ansi.StringWidth(c.title)
	}
	for _, row := range rows {
		for i, cell := range row {
			// A cell is never wider than its bytes, so one no longer than
			// the widest so far need not be measured.
			if i < len(t.natural) && len(cell) > t.natural[i] {
				t.natural[i] = max(t.natural[i], width(cell))
			}
		}
	}
	t.haystack, t.textKeys, t.numKeys, t.sorted = nil, nil, nil, nil
	t.lastQuery, t.lastShown = "", nil
	t.apply()
}

// newTable returns an empty table of the given columns in the rows' order.
func newTable(columns ...column) table {
	return table{columns: columns, sortCol: -1}
}

// selectRow puts the cursor on row r when it is shown.
func (t *table) selectRow(r int) {
	if at := slices.Index(t.shown, r); at >= 0 {
		t.cursor = at
		t.clamp()
	}
}

// len is the number of rows shown; total is the number of rows in all.
func (t *table) len() int   { return len(t.shown) }
func (t *table) total() int { return len(t.rows) }

// selected returns the index into rows of the row under the cursor.
func (t *table) selected() (int, bool) {
	if t.cursor < 0 || t.cursor >= len(t.shown) {
		return 0, false
	}
	return t.shown[t.cursor], true
}

// row returns the cells of the i-th row shown.
func (t *table) row(i int) []string { return t.rows[t.shown[i]] }

// move shifts the cursor by delta rows, keeping it on the table.
func (t *table) move(delta int) {
	t.cursor += delta
	t.clamp()
}

func (t *table) bottom() { t.cursor = len(t.shown) - 1; t.clamp() }
func (t *table) first()  { t.cursor = 0; t.clamp() }

func (t *table) page() int { return max(1, t.height-1) }

// clamp keeps cursor and offset valid after any change of rows or size.
func (t *table) clamp() {
	t.cursor = min(max(t.cursor, 0), max(len(t.shown)-1, 0))
	if t.height <= 0 {
		return
	}
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+t.height {
		t.offset = t.cursor - t.height + 1
	}
	t.offset = min(max(t.offset, 0), max(len(t.shown)-t.height, 0))
}

// setQuery filters the rows as the user types.
func (t *table) setQuery(q string) {
	t.query = q
	t.apply()
}

// cycleSort sorts by the next column, numbers largest first and text A to
// Z, and after the last column returns to the rows' own order.
func (t *table) cycleSort() {
	t.sortCol++
	if t.sortCol >= len(t.columns) {
		t.sortCol = -1
	}
	for t.sortCol >= 0 && t.columns[t.sortCol].title == "" {
		t.sortCol++
		if t.sortCol >= len(t.columns) {
			t.sortCol = -1
		}
	}
	t.sortDesc = t.sortCol >= 0 && t.columns[t.sortCol].sortsAsNumber()
	t.cursor = 0 // a new order is read from its top
	t.apply()
	t.cursor, t.offset = 0, 0
}

func (c column) sortsAsNumber() bool { return c.right || c.numeric }

// sortBy sorts by column col, largest or last first when desc.
func (t *table) sortBy(col int, desc bool) {
	t.sortCol, t.sortDesc = col, desc
	t.apply()
}

// reverse flips the direction of the sort.
func (t *table) reverse() {
	if t.sortCol < 0 {
		return
	}
	t.sortDesc = !t.sortDesc
	t.apply()
	t.cursor, t.offset = 0, 0
}

func (t *table) setTargetOnly(on bool) { t.targetOnly = on; t.apply() }
func (t *table) setMinScore(s float64) { t.minScore = s; t.apply() }

// narrowable reports whether the rows carry scores and target flags.
func (t *table) narrowable() bool { return t.meta != nil }

// apply recomputes the rows shown from the filter, the narrowing and the
// sort, keeping the cursor on the row it was on when that row still shows.
func (t *table) apply() {
	current, hadCurrent := t.selected()

	shown := t.matching()
	if t.meta != nil && (t.targetOnly || t.minScore > 0) {
		kept := shown[:0:0]
		for _, i := range shown {
			m := t.meta[i]
			if t.targetOnly && !m.target {
				continue
			}
			if t.minScore > 0 && (!m.hasScore || m.score < t.minScore) {
				continue
			}
			kept = append(kept, i)
		}
		shown = kept
	}
	if t.sortCol >= 0 && t.sortCol < len(t.columns) {
		shown = t.inSortOrder(shown)
	}
	t.shown = shown

	t.cursor = 0
	if hadCurrent {
		if at := slices.Index(shown, current); at >= 0 {
			t.cursor = at
		}
	}
	t.clamp()
}

// matching returns the indexes of the rows that match the query, in the
// rows' own order. Every word of the query must match one cell of the row
// fuzzily: its letters in order, ignoring case and accents, so that "jose
// alv" finds "José Álvarez". When the query only grew since the last call,
// just the rows that matched then are searched.
//
// The match is a plain subsequence test over cells folded once, rather than
// a scoring fuzzy finder: on 150,000 rows the sahilm/fuzzy library took
// 190 ms a keystroke, four times the budget, and the table keeps its own
// sort rather than a match score's order anyway.
func (t *table) matching() []int {
	words := strings.Fields(fold(t.query))
	if len(words) == 0 {
		t.lastQuery, t.lastShown = "", nil
		all := make([]int, len(t.rows))
		for i := range all {
			all[i] = i
		}
		return all
	}

	t.buildHaystack()
	var candidates []int
	if t.lastShown != nil && t.lastQuery != "" && strings.HasPrefix(t.query, t.lastQuery) {
		candidates = t.lastShown
	}
	for _, w := range words {
		candidates = t.match(w, candidates)
	}
	t.lastQuery, t.lastShown = t.query, candidates
	return slices.Clone(candidates)
}

// match keeps the candidates (all rows when nil) that have a cell that w
// matches. Large tables are searched on every core, in order-keeping
// parts, since a keystroke must not wait on a single one.
func (t *table) match(w string, candidates []int) []int {
	if candidates == nil {
		candidates = make([]int, len(t.rows))
		for i := range candidates {
			candidates[i] = i
		}
	}

	parts := 1
	if len(candidates) >= 20_000 {
		parts = runtime.GOMAXPROCS(0)
	}
	kept := make([][]int, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := len(candidates)*p/parts, len(candidates)*(p+1)/parts
		wg.Go(func() { kept[p] = t.matchRange(w, candidates[lo:hi]) })
	}
	wg.Wait()
	return slices.Concat(kept...)
}

// matchRange keeps the rows among candidates that w matches.
func (t *table) matchRange(w string, candidates []int) []int {
	var kept []int
	for _, r := range candidates {
		row := t.haystack[r]
		for row != "" {
			cell, rest, _ := strings.Cut(row, cellSep)
			if subsequence(w, cell) {
				kept = append(kept, r)
				break
			}
			row = rest
		}
	}
	return kept
}

// subsequence reports whether w matches s as a user typing a filter means
// it: w is the start of a word of s ("smi" finds "Jane Smith"), or runs on
// over the starts of the words that follow ("jsmith" and "jasmi" find
// "Jane Smith", "acme" finds "Acme Corp" but not "Arcadia Media"). Letters
// scattered over a long cell do not match.
func subsequence(w, s string) bool {
	first, _ := utf8.DecodeRuneInString(w)
	for start := 0; start < len(s); {
		i := strings.IndexRune(s[start:], first)
		if i < 0 {
			return false
		}
		at := start + i
		if wordStart(s, at) && fromWordStarts(w, s[at:]) {
			return true
		}
		start = at + utf8.RuneLen(first)
	}
	return false
}

// fromWordStarts reports whether w can be read off s, which starts at a
// word, as a prefix of that word followed by what matches from the starts
// of the next words.
func fromWordStarts(w, s string) bool {
	if w == "" {
		return true
	}
	common := 0
	for common < len(w) && common < len(s) && w[common] == s[common] {
		common++
	}
	for k := common; k > 0; k-- {
		if k < len(w) && !utf8.RuneStart(w[k]) {
			continue // never split a letter
		}
		if k == len(w) {
			return true
		}
		next := nextWord(s[k:])
		if next >= 0 && fromWordStarts(w[k:], s[k+next:]) {
			return true
		}
	}
	return false
}

// nextWord returns the offset in s of the start of its next word, or -1.
func nextWord(s string) int {
	inWord := true
	for i, r := range s {
		letter := unicode.IsLetter(r) || unicode.IsDigit(r)
		if letter && !inWord {
			return i
		}
		inWord = letter
	}
	return -1
}

// wordStart reports whether s has a word starting at byte i.
func wordStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	prev, _ := utf8.DecodeLastRuneInString(s[:i])
	return !unicode.IsLetter(prev) && !unicode.IsDigit(prev)
}

// cellSep joins the folded cells of a row. Cells are cleaned, so they
// never hold a control character.
const cellSep = "\x1f"

// buildHaystack folds every row once, on the first filter after a change
// of rows: one string a row keeps the allocations few.
func (t *table) buildHaystack() {
	if t.haystack != nil {
		return
	}
	t.haystack = make([]string, len(t.rows))
	for i, row := range t.rows {
		t.haystack[i] = fold(strings.Join(row, cellSep))
	}
}

// fold lowers the case of s and strips its accents, so that a query typed
// without them still matches.
func fold(s string) string {
	if !hasAccents(s) {
		return strings.ToLower(s)
	}
	stripped, _, err := transform.String(stripMarks, s)
	if err != nil {
		stripped = s
	}
	return unaccented.Replace(strings.ToLower(stripped))
}

// unaccented spells the Latin letters that do not decompose into a base
// letter and a mark the way a user types them without the accent.
var unaccented = strings.NewReplacer("ł", "l", "ø", "o", "đ", "d", "ß", "ss", "æ", "ae",
	"œ", "oe", "ı", "i", "þ", "th", "ð", "d", "ħ", "h")

// hasAccents reports whether s holds a Latin letter with a diacritic, the
// only ones folding changes; most cells, including CJK text and the score
// bars, skip the costly decomposition.
func hasAccents(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < utf8.RuneSelf {
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r >= 0xc0 && r <= 0x24f) || (r >= 0x1e00 && r <= 0x1eff) {
			return true
		}
		i += size - 1
	}
	return false
}

// stripMarks decomposes letters and drops their combining accents.
var stripMarks = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)

// inSortOrder returns the rows of shown, which are in the rows' own order,
// in the order of the sort. Every row is sorted once per sort, and each
// filter only picks its rows out of that order, which keeps a keystroke
// linear in the number of rows.
func (t *table) inSortOrder(shown []int) []int {
	if t.sorted == nil || t.sortedBy != [2]int{t.sortCol, boolInt(t.sortDesc)} {
		all := make([]int, len(t.rows))
		for i := range all {
			all[i] = i
		}
		t.sort(all)
		t.sorted, t.sortedBy = all, [2]int{t.sortCol, boolInt(t.sortDesc)}
	}
	if len(shown) == len(t.rows) {
		return slices.Clone(t.sorted)
	}
	keep := make([]bool, len(t.rows))
	for _, r := range shown {
		keep[r] = true
	}
	out := shown[:0]
	for _, r := range t.sorted {
		if keep[r] {
			out = append(out, r)
		}
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sort orders rows by the sort column; ties keep the rows' own order.
func (t *table) sort(shown []int) {
	col := t.sortCol
	sign := 1
	if t.sortDesc {
		sign = -1
	}
	if t.columns[col].sortsAsNumber() {
		keys := t.numbers(col)
		slices.SortStableFunc(shown, func(a, b int) int { return sign * cmp.Compare(keys[a], keys[b]) })
		return
	}
	keys := t.texts(col)
	slices.SortStableFunc(shown, func(a, b int) int {
		return sign * strings.Compare(keys[a], keys[b])
	})
}

// numbers reads the leading number of every cell of col, once. Cells with
// no number sort below every number.
func (t *table) numbers(col int) []float64 {
	if keys, ok := t.numKeys[col]; ok {
		return keys
	}
	keys := make([]float64, len(t.rows))
	for i, row := range t.rows {
		keys[i] = -1e308
		if col < len(row) {
			field, _, _ := strings.Cut(strings.TrimSpace(row[col]), " ")
			if f, err := strconv.ParseFloat(strings.ReplaceAll(field, ",", ""), 64); err == nil {
				keys[i] = f
			}
		}
	}
	if t.numKeys == nil {
		t.numKeys = map[int][]float64{}
	}
	t.numKeys[col] = keys
	return keys
}

// texts folds the case of every cell of col, once.
func (t *table) texts(col int) []string {
	if keys, ok := t.textKeys[col]; ok {
		return keys
	}
	keys := make([]string, len(t.rows))
	for i, row := range t.rows {
		if col < len(row) {
			keys[i] = strings.ToLower(row[col])
		}
	}
	if t.textKeys == nil {
		t.textKeys = map[int][]string{}
	}
	t.textKeys[col] = keys
	return keys
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
		if ws[i] == 0 {
			continue
		}
		title := c.title
		if i == t.sortCol {
			title += map[bool]string{true: "↓", false: "↑"}[t.sortDesc]
		}
		header = append(header, fit(title, ws[i], c.right))
	}
	b.WriteString(st.Header.Render(fit(strings.Join(header, " "), width, false)))

	if len(t.shown) == 0 && t.narrowed() && t.height > 0 {
		note := fit("No rows match; esc shows them all again.", width, false)
		b.WriteString("\n" + st.Muted.Render(note))
	}
	end := min(t.offset+t.height, len(t.shown))
	for pos := t.offset; pos < end; pos++ {
		b.WriteByte('\n')
		r := t.shown[pos]
		line := fit(t.line(r, ws), width, false)
		switch {
		case pos == t.cursor:
			b.WriteString(st.Selected.Render(line))
		case r < len(t.marks) && t.marks[r]:
			b.WriteString(st.New.Render(line))
		default:
			b.WriteString(line)
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

// rowAt returns the position in shown of the row drawn on line y of the
// table (the header is line 0), for mouse clicks.
func (t *table) rowAt(y int) (int, bool) {
	pos := t.offset + y - 1
	if y < 1 || pos >= len(t.shown) || y > t.height {
		return 0, false
	}
	return pos, true
}

// fit truncates s with an ellipsis or pads it so that it is exactly cells
// wide. Wide characters (CJK, emoji) count as two cells.
func fit(s string, cells int, right bool) string {
	if cells <= 0 {
		return ""
	}
	w := width(s)
	if w > cells {
		s = ansi.Truncate(s, cells, "…")
		w = ansi.StringWidth(s)
	}
	pad := strings.Repeat(" ", max(cells-w, 0))
	if right {
		return pad + s
	}
	return s + pad
}

// width is the number of cells s takes. Cells are cleaned text, so one
// made of printable ASCII takes one cell a byte, which spares the grapheme
// segmentation for most of them.
func width(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
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

// narrowed reports whether a filter or a narrowing hides rows.
func (t *table) narrowed() bool {
	return t.query != "" || t.targetOnly || t.minScore > 0
}

// clearNarrowing shows every row again, keeping the sort.
func (t *table) clearNarrowing() {
	t.query, t.targetOnly, t.minScore = "", false, 0
	t.apply()
}
