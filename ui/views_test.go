package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/clustr/clustr-explorer/demo"
	"github.com/clustr/clustr-explorer/generate"
	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// demoCapture is the demo command's built-in capture.
func demoCapture(t *testing.T) *storage.Store {
	t.Helper()
	store, err := demo.Build(t.TempDir(), "clustr-explorer/test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// uniqueProspect returns a prospect name that exactly one opportunity of
// the views across batches has, read from the capture as the views are.
func uniqueProspect(t *testing.T, store *storage.Store) string {
	t.Helper()
	c := newCatalog()
	records, err := store.Records()
	if err != nil {
		t.Fatal(err)
	}
	c.add(records)
	seen := map[string]int{}
	var order []string
	for _, r := range c.sources() {
		body, err := store.Body(r.Seq)
		if err != nil {
			t.Fatal(err)
		}
		p, err := model.Decode(body)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range model.OpportunityRows(p) {
			if seen[row.Prospect] == 0 {
				order = append(order, row.Prospect)
			}
			seen[row.Prospect]++
		}
	}
	for _, name := range order {
		if seen[name] == 1 && strings.Count(name, " ") == 1 && isPlainASCII(name) {
			return name
		}
	}
	t.Fatal("no prospect name occurs once")
	return ""
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// richCapture is the documented payloads, the hard cases and two generated
// batches with full history, for tests that need a fixture at a known place.
func richCapture(t *testing.T) *storage.Store {
	t.Helper()
	store := capture(t, "doc-completed.json", "doc-failed.json", "doc-full-history.json",
		"edge-unicode.json", "edge-loose-types.json", "edge-truncated.json")
	for seed := int64(1); seed <= 2; seed++ {
		body := generate.Payload(generate.Options{Clients: 12, Opportunities: 4, History: 3, Seed: seed})
		appendBody(t, store, body)
	}
	return store
}

var rowCount = regexp.MustCompile(`([\d,]+) of ([\d,]+) rows`)

// rowsShown reads "N of M rows" off the view bar.
func rowsShown(t *testing.T, screen string) (shown, total int) {
	t.Helper()
	m := rowCount.FindStringSubmatch(screen)
	if m == nil {
		t.Fatalf("no row count on screen:\n%s", screen)
	}
	shown, _ = strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	total, _ = strconv.Atoi(strings.ReplaceAll(m[2], ",", ""))
	return shown, total
}

// scores reads the scores of the table rows on screen, top to bottom.
func scores(screen string) []float64 {
	re := regexp.MustCompile(`\s(\d{1,3}\.\d) [█▏▎▍▌▋▊▉ ]{5}`)
	var out []float64
	for _, line := range strings.Split(screen, "\n") {
		if m := re.FindStringSubmatch(line); m != nil {
			f, _ := strconv.ParseFloat(m[1], 64)
			out = append(out, f)
		}
	}
	return out
}

func TestOpportunitiesViewIsSortedByScore(t *testing.T) {
	tm := start(t, Options{Store: demoCapture(t)}, 110, 50)
	waitFor(t, tm, "8 deliveries")
	press(tm, "2")
	waitFor(t, tm, "sort score ↓", "SCORE↓")

	out := screen(t, tm)
	got := scores(out)
	if len(got) < 20 {
		t.Fatalf("only %d scored rows on screen:\n%s", len(got), out)
	}
	for i := 1; i < len(got); i++ {
		if got[i] > got[i-1] {
			t.Fatalf("row %d scores %.1f after %.1f: not sorted by score\n%s", i, got[i], got[i-1], out)
		}
	}
	if shown, total := rowsShown(t, out); shown != total || total < 100 {
		t.Errorf("header says %d of %d rows, want every opportunity of every batch", shown, total)
	}
}

func TestFilterNarrowsToOneProspect(t *testing.T) {
	store := demoCapture(t)
	name := uniqueProspect(t, store)
	tm := start(t, Options{Store: store}, 110, 40)
	waitFor(t, tm, "8 deliveries")
	press(tm, "2")
	waitFor(t, tm, "SCORE↓")
	press(tm, "/")
	tm.Type(name)
	waitFor(t, tm, "1 of ")
	press(tm, "enter")

	out := screen(t, tm)
	if shown, _ := rowsShown(t, out); shown != 1 {
		t.Fatalf("filter %q shows %d rows, want 1:\n%s", name, shown, out)
	}
	if !strings.Contains(out, "filter "+name) {
		t.Errorf("the active filter is not shown:\n%s", out)
	}

	// Typed without its capitals and by its initial and surname, it is
	// still found.
	tm = start(t, Options{Store: store}, 110, 40)
	waitFor(t, tm, "8 deliveries")
	press(tm, "2")
	waitFor(t, tm, "SCORE↓")
	press(tm, "/")
	first, last, _ := strings.Cut(strings.ToLower(name), " ")
	tm.Type(first[:1] + last)
	waitFor(t, tm, "/"+first[:1]+last)
	press(tm, "enter")
	out = screen(t, tm)
	if !strings.Contains(out, name) {
		t.Errorf("%q does not find %q:\n%s", first[:1]+last, name, out)
	}
}

func TestFilterFoldsAccents(t *testing.T) {
	tm := start(t, Options{Store: richCapture(t)}, 110, 40)
	waitFor(t, tm, "batch_hist001")
	press(tm, "2")
	waitFor(t, tm, "SCORE↓")
	press(tm, "/")
	tm.Type("jose alvarez")
	waitFor(t, tm, "1 of ")
	press(tm, "enter")
	out := screen(t, tm)
	if !strings.Contains(out, "José 🚀") {
		t.Errorf("jose alvarez does not find José 🚀 Álvarez:\n%s", out)
	}
}

func TestFilterToNothingThenEnterThenClear(t *testing.T) {
	tm := start(t, Options{Store: demoCapture(t)}, 100, 30)
	waitFor(t, tm, "8 deliveries")
	press(tm, "2")
	waitFor(t, tm, "SCORE↓")
	press(tm, "/")
	tm.Type("zzzzqqqq")
	waitFor(t, tm, "0 of ")
	press(tm, "enter", "enter") // leave the input, then try to open nothing
	press(tm, "esc")            // clears the filter rather than leaving the view
	out := screen(t, tm)
	if shown, total := rowsShown(t, out); shown != total {
		t.Errorf("after Esc %d of %d rows show, want all", shown, total)
	}
	if strings.Contains(out, "›") {
		t.Errorf("Enter on no rows opened a page:\n%s", out)
	}
}

func TestTargetOnlyAndMinimumScoreNarrowTheCount(t *testing.T) {
	tm := start(t, Options{Store: demoCapture(t)}, 110, 40)
	waitFor(t, tm, "8 deliveries")
	press(tm, "2")
	waitFor(t, tm, "SCORE↓")

	press(tm, "t")
	waitFor(t, tm, "★ target companies only")
	press(tm, "m", "m", "m", "m") // 50, 60, 70, 80
	waitFor(t, tm, "score ≥ 80")

	out := screen(t, tm)
	shown, total := rowsShown(t, out)
	if shown == 0 || shown >= total {
		t.Fatalf("narrowing left %d of %d rows", shown, total)
	}
	for _, s := range scores(out) {
		if s < 80 {
			t.Errorf("a row scores %.1f under the minimum of 80", s)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if scores(line) != nil && !strings.Contains(line, "★ yes") {
			t.Errorf("a row of a company that is not a target: %q", line)
		}
	}
}

func TestCompaniesViewListsPathsBestFirst(t *testing.T) {
	tm := start(t, Options{Store: demoCapture(t)}, 110, 50)
	waitFor(t, tm, "8 deliveries")
	press(tm, "3")
	waitFor(t, tm, "CLIENTS WHO REACH IT")

	// Pick the company with the most paths, to see an order.
	press(tm, "s", "s") // sort by PATHS, largest first
	waitFor(t, tm, "sort paths ↓")
	press(tm, "enter")
	waitFor(t, tm, "Companies › ")

	out := screen(t, tm)
	got := scores(out)
	if len(got) < 2 {
		t.Fatalf("want several paths to the company:\n%s", out)
	}
	for i := 1; i < len(got); i++ {
		if got[i] > got[i-1] {
			t.Fatalf("paths are not best first: %v\n%s", got, out)
		}
	}
}

func TestRawViewPrettyPrintsAndShowsHeaders(t *testing.T) {
	tm := start(t, Options{Store: richCapture(t)}, 110, 60)
	waitFor(t, tm, "batch_hist001")
	for range 5 {
		press(tm, "down") // the rows are newest first; doc-full-history is the 6th
	}
	press(tm, "r")
	waitFor(t, tm, "raw 3", `"confidence_score": 85.5`, "POST /", "2,506 bytes stored")
	press(tm, "G")
	waitFor(t, tm, `"crm_batch_id": "batch_001"`, `"triggered_by": "daily-sync"`)
}

func TestExportWritesWhatIsOnScreen(t *testing.T) {
	dir := t.TempDir()
	tm := start(t, Options{Store: richCapture(t), ExportDir: dir}, 110, 40)
	waitFor(t, tm, "batch_hist001")
	press(tm, "2")
	waitFor(t, tm, "SCORE↓")
	press(tm, "/")
	tm.Type("Jane Smith")
	press(tm, "enter", "e")
	waitFor(t, tm, "Exported")

	files, _ := filepath.Glob(filepath.Join(dir, "clustr-opportunities-*.csv"))
	if len(files) != 1 {
		t.Fatalf("want one CSV export in %s, got %v", dir, files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	out := screen(t, tm)
	shown, _ := rowsShown(t, out)
	if len(lines) != shown+1 {
		t.Errorf("the export has %d rows, the screen %d", len(lines)-1, shown)
	}
	for _, l := range lines[1:] {
		if !strings.Contains(l, "Jane Smith") {
			t.Errorf("exported a row the filter hides: %q", l)
		}
	}
}

func TestCopyURLUsesOSC52(t *testing.T) {
	tm := start(t, Options{Store: capture(t, "doc-full-history.json")}, 100, 30)
	waitFor(t, tm, "batch_hist001")
	press(tm, "2")
	waitFor(t, tm, "Jane Smith")
	press(tm, "y")
	waitFor(t, tm, "Copied https://www.linkedin.com/in/jane-smith")
}

// Every view fits every terminal: no line wider than it, no more lines
// than it has, at the sizes people use and at absurd ones.
func TestEveryViewFitsEverySize(t *testing.T) {
	paths := map[string][]string{
		"opportunities":  {"2"},
		"opportunity":    {"2", "enter"},
		"companies":      {"3"},
		"company paths":  {"3", "enter"},
		"raw":            {"r"},
		"raw rejected":   {"G", "enter"},
		"help":           {"?"},
		"filter":         {"2", "/", "j"},
		"batch detail":   {"down", "down"},
		"deep timeline":  {"1", "down", "down", "down", "enter", "enter", "enter", "G"},
		"narrowed to no": {"2", "m", "m", "m", "m", "m", "t"},
	}
	sizes := [][2]int{{200, 50}, {120, 40}, {80, 24}, {40, 12}, {10, 3}, {80, 3}, {1, 1}}
	for name, keys := range paths {
		t.Run(name, func(t *testing.T) {
			tm := start(t, Options{Store: demoCapture(t)}, 130, 40)
			waitFor(t, tm, "8 deliveries")
			for _, k := range keys {
				press(tm, k)
				time.Sleep(15 * time.Millisecond)
			}
			time.Sleep(100 * time.Millisecond)
			for _, size := range sizes {
				tm.Send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			}
			// Ask the final model to draw each size once more, directly.
			if err := tm.Quit(); err != nil {
				t.Fatal(err)
			}
			a := tm.FinalModel(t).(*App)
			for _, size := range sizes {
				w, h := size[0], size[1]
				a.Update(tea.WindowSizeMsg{Width: w, Height: h})
				lines := strings.Split(ansi.Strip(a.render()), "\n")
				if len(lines) > h {
					t.Errorf("%dx%d: %d lines", w, h, len(lines))
				}
				for _, l := range lines {
					if lw := ansi.StringWidth(l); lw > w {
						t.Errorf("%dx%d: a line %d wide: %q", w, h, lw, l)
						break
					}
				}
				if tbl := a.top().rows(); tbl != nil && tbl.len() > 0 &&
					(tbl.cursor < 0 || tbl.cursor >= tbl.len()) {
					t.Errorf("%dx%d: cursor %d outside %d rows", w, h, tbl.cursor, tbl.len())
				}
			}
		})
	}
}

func BenchmarkKeypressOn150000Rows(b *testing.B) {
	a := benchApp(b, 150_000)
	b.ResetTimer()
	for i := range b.N {
		k := tea.KeyPressMsg{Code: tea.KeyDown}
		if i%2 == 1 {
			k = tea.KeyPressMsg{Code: tea.KeyUp}
		}
		a.Update(k)
		_ = a.render()
	}
}

func BenchmarkFilterKeystrokeOver150000Rows(b *testing.B) {
	a := benchApp(b, 150_000)
	t := a.top().rows()
	t.buildHaystack() // once per change of rows; measured by BenchmarkFirstFilter
	b.ResetTimer()
	for i := range b.N {
		// Alternate between a fresh query and one that grew by a letter,
		// the two cases a user's typing produces.
		if i%2 == 0 {
			t.setQuery("ja")
		} else {
			t.setQuery("jan")
		}
		_ = a.render()
	}
}

func BenchmarkFirstFilterOver150000Rows(b *testing.B) {
	a := benchApp(b, 150_000)
	t := a.top().rows()
	b.ResetTimer()
	for range b.N {
		t.haystack = nil // as after new rows arrive
		t.setQuery("j")
		_ = a.render()
	}
}

// benchApp is the interface on the Opportunities view of n generated rows,
// built without a capture so that only the table is measured.
func benchApp(b *testing.B, n int) *App {
	b.Helper()
	store, err := storage.Open(filepath.Join(b.TempDir(), "bench.db"), storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })

	body := generate.Payload(generate.Options{Clients: n / 15, Opportunities: 15, Seed: 7})
	p, err := model.Decode(body)
	if err != nil {
		b.Fatal(err)
	}
	a := New(Options{Store: store})
	a.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
	a.every.rows = model.OpportunityRows(p)
	a.every.ready = true
	a.loaded = true
	a.active = opportunitiesView
	a.opportunitiesPage().refresh(a)
	if !strings.Contains(a.render(), "SCORE↓") {
		b.Fatalf("the Opportunities view is not drawn:\n%s", a.render())
	}
	if got := a.opportunitiesPage().table.total(); got < n*9/10 {
		b.Fatalf("only %d rows generated", got)
	}
	b.ReportMetric(float64(a.opportunitiesPage().table.total()), "rows")
	return a
}

func TestMouseWheelScrollsAndClickSelects(t *testing.T) {
	tm := start(t, Options{Store: demoCapture(t)}, 100, 40)
	waitFor(t, tm, "8 deliveries")
	press(tm, "2")
	waitFor(t, tm, "SCORE↓")

	tm.Send(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	// The table's header is on screen line 2; its rows start on line 3.
	tm.Send(tea.MouseClickMsg{Button: tea.MouseLeft, X: 5, Y: 3 + 7})
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	a := tm.FinalModel(t).(*App)
	if got := a.opportunitiesPage().table.cursor; got != 7 {
		t.Errorf("after a wheel and a click on the 8th row the cursor is on row %d, want 7", got)
	}
}

func TestNoColorDrawsTheSelectionInReverse(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	a := New(Options{Store: capture(t, "doc-completed.json")})
	if !a.styles.Selected.GetReverse() {
		t.Error("with NO_COLOR the selected row is not drawn in reverse video")
	}
	t.Setenv("NO_COLOR", "")
	if New(Options{Store: capture(t)}).styles.Selected.GetReverse() {
		t.Error("with colour the selection should use its background, not reverse video")
	}
}

func TestLongCutBodyOpensAtItsMark(t *testing.T) {
	store := capture(t)
	var b strings.Builder
	b.WriteString("{\"results\": [\n")
	for i := range 9000 {
		fmt.Fprintf(&b, "  {\"client\": {\"name\": \"client %d\"}},\n", i)
	}
	b.WriteString("  {\"client\": {\"name\": \"cut he")
	body := []byte(b.String())
	_, err := model.Decode(body)
	rec := storage.Record{Digest: model.RejectedDigest(err)}
	if _, err := store.Append(rec, body); err != nil {
		t.Fatal(err)
	}

	tm := start(t, Options{Store: store}, 100, 30)
	waitFor(t, tm, "rejected")
	press(tm, "enter")
	waitFor(t, tm, "9002   {\"client\": {\"name\": \"cut he", "^ it breaks here")
	press(tm, "g")
	waitFor(t, tm, "rejected    not a JSON object: the body ends in the middle of a value at line 9002")
}

// Identifiers sent as large numbers keep every digit in the raw view, in
// the custom fields and unknown fields alike.
func TestRawViewKeepsLargeNumbersExact(t *testing.T) {
	store := capture(t)
	body := []byte(`{"status":"completed","job_id":"j","batch_id":"b","results":[],` +
		`"custom":{"crm_id":12345678901234567890,"ratio":1.10},"extra_id":98765432109876543210}`)
	appendBody(t, store, body)
	tm := start(t, Options{Store: store}, 160, 40)
	waitFor(t, tm, "custom    crm_id = 12345678901234567890")
	press(tm, "r")
	waitFor(t, tm, `"crm_id": 12345678901234567890`, `"ratio": 1.10`,
		`"extra_id": 98765432109876543210`)
}

// A large batch lists its clients from a first, lighter pass, and opens a
// client once the whole body is read.
func TestLargeBatchListsClientsFirst(t *testing.T) {
	store := capture(t)
	body := generate.Payload(generate.Options{Clients: 400, Opportunities: 15, History: 3, Seed: 5})
	if len(body) <= clientsFirstAbove {
		t.Fatalf("the body is %d bytes, not over %d", len(body), clientsFirstAbove)
	}
	appendBody(t, store, body)

	tm := start(t, Options{Store: store}, 120, 40)
	waitFor(t, tm, "1 delivery")
	press(tm, "enter")
	waitFor(t, tm, "400 clients", "CLIENT", "OPPS")

	// The spread of scores needs every opportunity: it shows once the
	// whole body is read, and then a client opens.
	waitFor(t, tm, "by bands of ten points")
	press(tm, "enter")
	waitFor(t, tm, "PROSPECT", "SCORE")
}

// A client seen in an earlier delivery says what changed since: paths
// added and gone, scores that moved, new engagement.
func TestClientPageSaysWhatChanged(t *testing.T) {
	delivery := func(batch string, opps ...string) []byte {
		return []byte(`{"status":"completed","job_id":"job_` + batch + `","batch_id":"` + batch +
			`","timestamp":"2025-03-15T14:30:00Z","results":[{"client":{"name":"Dana Client",` +
			`"record_id":"CRM_7"},"opportunities":[` + strings.Join(opps, ",") + `]}]}`)
	}
	opp := func(id, name string, score float64, engagements int) string {
		return fmt.Sprintf(`{"opportunity_id":%q,"prospect":{"name":%q},"company":{"name":"Co %s"},`+
			`"relationship":{"confidence_score":%g},"engagement":{"total_engagements":%d}}`,
			id, name, name, score, engagements)
	}
	store := capture(t)
	for _, body := range [][]byte{
		delivery("batch_mon", opp("o1", "Ada Kept", 70, 1), opp("o2", "Bo Gone", 60, 0)),
		delivery("batch_tue", opp("o1", "Ada Kept", 82.5, 3), opp("o3", "Cy New", 50, 0)),
	} {
		appendBody(t, store, body)
	}

	tm := start(t, Options{Store: store}, 120, 40)
	waitFor(t, tm, "batch_tue", "Δ changed")
	for _, line := range strings.Split(screen(t, tm), "\n") {
		if strings.Contains(line, "batch_mon") && strings.Contains(line, "Δ changed") {
			t.Errorf("the first batch is marked changed: %q", line)
		}
	}

	tm = start(t, Options{Store: store}, 120, 40)
	waitFor(t, tm, "batch_tue")
	press(tm, "enter")
	waitFor(t, tm, "Dana Client")
	press(tm, "enter")
	waitFor(t, tm, "Since delivery 1 of", "+ new   Cy New at Co Cy New",
		"− gone  Bo Gone at Co Bo Gone", "~ score Ada Kept at Co Ada Kept  70.0 → 82.5",
		"✚ engaged Ada Kept  2 new")

	// The earliest delivery has nothing before it to compare with.
	tm = start(t, Options{Store: store}, 120, 40)
	waitFor(t, tm, "batch_mon")
	press(tm, "down", "enter")
	waitFor(t, tm, "Dana Client")
	press(tm, "enter")
	waitFor(t, tm, "Ada Kept", "Bo Gone")
	if out := screen(t, tm); strings.Contains(out, "Since delivery") {
		t.Errorf("the first delivery claims an earlier one:\n%s", out)
	}
}
