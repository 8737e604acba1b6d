// Package ui is the Bubble Tea interface of clustr-explorer: the Batches,
// Opportunities and Companies views, the pages they drill into, their
// tables, the raw view, the status line and the help screen. It reads
// deliveries through storage only.
package ui

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/clustr/clustr-explorer/storage"
)

// Options wires the interface to a capture file and, when one runs, to the
// listener in the same process.
type Options struct {
	Store *storage.Store

	// ListenURL is where Clustr should send deliveries; empty when the
	// capture was opened without a listener.
	ListenURL string

	// SendSamples posts the built-in sample payloads to the listener; nil
	// when there is no listener.
	SendSamples func(context.Context) error

	// Unauthorized counts the requests the listener refused for a wrong
	// or missing secret; nil when there is no listener or no secret.
	Unauthorized func() uint64

	// Tunnel reports the public URL of the ngrok tunnel to the listener,
	// without the listener's path; ok is false when there is none. Nil
	// when no tunnel is watched.
	Tunnel func() (publicURL string, ok bool)

	// TunnelProblem says why a tunnel opened by this process is not up, in
	// one sentence; nil when the process opens none.
	TunnelProblem func() string

	// Replay resends a stored delivery to the Forward URL, as stored, and
	// returns the answer; nil without --forward.
	Replay func(ctx context.Context, seq uint64) (code int, answer string, err error)

	// Forward is where the listener relays accepted deliveries; empty for
	// none. ForwardStatus says whether relaying is failing, and why.
	Forward       string
	ForwardStatus func() (lastErr string, failing bool)

	// SnapshotOf is the capture file that Store is a copy of, taken from
	// the clustr-explorer capturing into it; empty when Store is the file.
	SnapshotOf string

	// ExportDir is where exports of the screen are written; empty for the
	// working directory.
	ExportDir string

	Logger *slog.Logger
}

// page is one level of a drill-down.
type page interface {
	// crumb names the page in the breadcrumb.
	crumb() string
	// view draws the page in width by height cells.
	view(a *App, width, height int) string
	// rows is the page's table, which the navigation keys move; nil when
	// the page has none.
	rows() *table
	// open returns the page that Enter leads to, or nil.
	open(a *App) (page, tea.Cmd)
}

// A view is one of the tabs: its own stack of pages, so that switching
// tabs and back returns to where the user was.
type view struct {
	name  string
	stack []page
}

const (
	batchesView = iota
	opportunitiesView
	companiesView
)

// App is the root model: it owns the layout, the views and the keys that
// work everywhere, and hands the rest to the page on top.
type App struct {
	opts    Options
	keys    KeyMap
	styles  Styles
	help    help.Model
	spinner spinner.Model
	input   textinput.Model

	width, height int
	showHelp      bool
	filtering     bool

	catalog *catalog
	loaded  bool
	fresh   map[string]bool // batches that arrived while the interface ran
	cache   map[uint64]decoded
	pending map[uint64]bool

	// clientLists are the clients of large deliveries, read first while
	// the whole body is decoded.
	clientLists map[uint64]decoded
	every       everything
	changed     map[string]bool // batches whose clients changed since earlier ones

	changes     <-chan struct{}
	unsubscribe func()

	views  []*view
	active int

	notice      string
	noticeBad   bool
	noticeGen   int
	sendPending bool
}

// New builds the interface over a capture. Its change subscription is
// released by Close.
func New(opts Options) *App {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	a := &App{
		opts:    opts,
		keys:    newKeyMap(),
		help:    help.New(),
		spinner: spinner.New(spinner.WithSpinner(spinner.Dot)),
		input:   textinput.New(),
		catalog: newCatalog(),
		fresh:   map[string]bool{},
		cache:   map[uint64]decoded{},
		pending: map[uint64]bool{},

		clientLists: map[uint64]decoded{},
	}
	a.setStyles(true)
	a.input.Prompt = "/"
	a.input.Placeholder = "filter"
	a.keys.Samples.SetEnabled(opts.SendSamples != nil)
	a.keys.CopyPublicURL.SetEnabled(opts.Tunnel != nil)
	if !opts.Store.ReadOnly() {
		a.changes, a.unsubscribe = opts.Store.Subscribe()
	}
	a.views = []*view{
		{name: "Batches", stack: []page{newBatchesPage()}},
		{name: "Opportunities", stack: []page{newOpportunitiesPage()}},
		{name: "Companies", stack: []page{newCompaniesPage()}},
	}
	return a
}

func (a *App) setStyles(isDark bool) {
	a.styles = newStyles(isDark, os.Getenv("NO_COLOR") != "")
	a.help.Styles = a.styles.Help
}

// Close releases the change subscription.
func (a *App) Close() {
	if a.unsubscribe != nil {
		a.unsubscribe()
	}
}

// Run shows the interface until the user quits or ctx is done.
func Run(ctx context.Context, opts Options) error {
	a := New(opts)
	defer a.Close()

	p := tea.NewProgram(a, tea.WithContext(ctx))
	if _, err := p.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("run the interface: %w", err)
	}
	return nil
}

// Init reads the capture's summary records and starts listening for new
// deliveries.
func (a *App) Init() tea.Cmd {
	return tea.Batch(
		loadRecords(a.opts.Store),
		waitForChange(a.changes),
		tea.RequestBackgroundColor,
		a.spinner.Tick,
		a.pollStatus(),
	)
}

// noticeExpiredMsg clears a notice, unless a newer one replaced it.
type noticeExpiredMsg struct{ gen int }

// samplesSentMsg reports the outcome of sending the built-in samples.
type samplesSentMsg struct{ err error }

// noticeMsg shows the outcome of work done in a command.
type noticeMsg struct {
	text string
	bad  bool
}

// Update routes a message: data and window events to the root, keys first
// to the keys that work everywhere, then to the page on top.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		a.help.SetWidth(msg.Width)
		return a, nil

	case tea.BackgroundColorMsg:
		a.setStyles(msg.IsDark())
		return a, nil

	case spinner.TickMsg:
		var cmd tea.Cmd
		a.spinner, cmd = a.spinner.Update(msg)
		return a, cmd

	case recordsMsg:
		return a, a.filed(msg)

	case changedMsg:
		return a, tea.Batch(loadAfter(a.opts.Store, a.catalog.lastSeq), waitForChange(a.changes))

	case decodedMsg:
		delete(a.pending, msg.seq)
		delete(a.clientLists, msg.seq)
		a.cache[msg.seq] = msg.decoded
		if msg.err != nil {
			a.opts.Logger.Warn("decode delivery", "seq", msg.seq, "err", msg.err)
		}
		return a, a.readEverything()

	case earlierMsg:
		for _, v := range a.views {
			for _, pg := range v.stack {
				cp, ok := pg.(*clientPage)
				if !ok || cp.seq != msg.seq || clientKey(cp.result.Client) != clientKey(msg.client) {
					continue
				}
				cp.compared = true
				if msg.found {
					e := msg.earlier
					cp.earlier = &e
				}
			}
		}
		return a, nil

	case clientsMsg:
		a.clientLists[msg.seq] = msg.decoded
		_, _, cmd := a.payload(msg.seq)
		return a, cmd

	case rawBodyMsg:
		for _, v := range a.views {
			for _, p := range v.stack {
				if rp, ok := p.(*rawPage); ok && rp.record.Seq == msg.seq && rp.body == nil {
					rp.body, rp.err, rp.forwards = msg.body, msg.err, msg.forwards
					if rp.body == nil && rp.err == nil {
						rp.body = []byte{}
					}
				}
			}
		}
		return a, nil

	case samplesSentMsg:
		a.sendPending = false
		if msg.err != nil {
			return a, a.say(true, "Could not send the samples: %v", msg.err)
		}
		return a, a.say(false, "Sent the 3 built-in sample payloads to %s", a.opts.ListenURL)

	case noticeMsg:
		return a, a.say(msg.bad, "%s", msg.text)

	case statusTickMsg:
		return a, a.pollStatus()

	case noticeExpiredMsg:
		if msg.gen == a.noticeGen {
			a.notice = ""
		}
		return a, nil

	case tea.KeyPressMsg:
		if cmd, ok := a.tunnelKey(msg); ok {
			return a, cmd
		}
		return a, a.key(msg)

	case tea.MouseWheelMsg:
		a.wheel(msg)
		return a, nil

	case tea.MouseClickMsg:
		return a, a.click(msg)
	}
	return a, nil
}

// filed adds newly read records to the catalog and marks live arrivals.
func (a *App) filed(msg recordsMsg) tea.Cmd {
	if msg.err != nil {
		a.opts.Logger.Error("read capture", "err", msg.err)
		return a.say(true, "Could not read the capture: %v", msg.err)
	}

	touched := a.catalog.add(msg.records)
	if !msg.initial && a.loaded {
		for _, k := range touched {
			a.fresh[k] = true
		}
	}
	a.loaded = true
	a.resetSources()
	a.batchesPage().refresh(a)
	a.readSmallCaptures()
	cmds := []tea.Cmd{a.readEverything()}

	if !msg.initial && len(msg.records) > 0 {
		last := msg.records[len(msg.records)-1]
		what := last.BatchID
		if what == "" {
			what = fmt.Sprintf("delivery %d", last.Seq)
		}
		if len(msg.records) > 1 {
			cmds = append(cmds, a.say(false, "%d new deliveries, the last: %s (%s)",
				len(msg.records), clean(what), last.Status))
		} else if last.RedeliveryOf > 0 {
			cmds = append(cmds, a.say(false, "New delivery: %s (%s), a redelivery of delivery %d",
				clean(what), last.Status, last.RedeliveryOf))
		} else {
			cmds = append(cmds, a.say(false, "New delivery: %s (%s)", clean(what), last.Status))
		}
	}
	return tea.Batch(cmds...)
}

func (a *App) sendSamples() tea.Cmd {
	if a.opts.SendSamples == nil || a.sendPending {
		return nil
	}
	a.sendPending = true
	send := a.opts.SendSamples
	return tea.Batch(
		a.say(false, "Sending the built-in samples to %s…", a.opts.ListenURL),
		func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			return samplesSentMsg{err: send(ctx)}
		},
	)
}

// say shows a notice for a few seconds.
func (a *App) say(bad bool, format string, args ...any) tea.Cmd {
	a.noticeGen++
	a.notice = fmt.Sprintf(format, args...)
	a.noticeBad = bad
	gen := a.noticeGen
	return tea.Tick(6*time.Second, func(time.Time) tea.Msg { return noticeExpiredMsg{gen: gen} })
}

// payload returns the decoded delivery seq, starting its decode when it is
// neither cached nor under way. ok is false while it is being read.
func (a *App) payload(seq uint64) (decoded, bool, tea.Cmd) {
	if d, ok := a.cache[seq]; ok {
		return d, true, nil
	}
	if a.pending[seq] {
		return decoded{}, false, nil
	}
	a.pending[seq] = true
	return decoded{}, false, decodeBody(a.opts.Store, seq)
}

func (a *App) stack() []page { return a.views[a.active].stack }
func (a *App) top() page     { s := a.stack(); return s[len(s)-1] }

func (a *App) push(p page) { v := a.views[a.active]; v.stack = append(v.stack, p) }

func (a *App) pop() {
	if v := a.views[a.active]; len(v.stack) > 1 {
		v.stack = v.stack[:len(v.stack)-1]
	}
}

func (a *App) batchesPage() *batchesPage {
	return a.views[batchesView].stack[0].(*batchesPage)
}

// View lays out the tabs and breadcrumb, the view bar, the page, the
// notice or key reminder and the status line, cut to the terminal so that
// nothing wraps.
func (a *App) View() tea.View {
	v := tea.NewView(a.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "clustr-explorer"
	return v
}

// bodyTop is the screen line where pages start.
const bodyTop = 2

func (a *App) render() string {
	w, h := a.width, a.height
	if w <= 0 || h <= 0 {
		return ""
	}

	head := []string{a.tabs(w), a.viewBar(w)}
	bottom := []string{a.footer(w), a.status(w)}
	bodyHeight := max(h-len(head)-len(bottom), 0)

	var body string
	switch {
	case a.showHelp:
		body = a.helpView(w, bodyHeight)
	default:
		body = a.pageView(w, bodyHeight)
	}
	body = fitLines(body, w, bodyHeight)
	if pad := bodyHeight - lipgloss.Height(body); pad > 0 && bodyHeight > 0 {
		if body == "" {
			pad--
		}
		body += strings.Repeat("\n", pad)
	}

	parts := head
	if bodyHeight > 0 {
		parts = append(parts, body)
	}
	parts = append(parts, bottom...)
	return fitLines(strings.Join(parts, "\n"), w, h)
}

// splitAt is the narrowest terminal that shows a detail pane beside the
// table: below it, the wide tables would lose more than the pane adds.
const splitAt = 150

// detailWidth is the width of the detail pane on a terminal of width w.
func detailWidth(w int) int { return min(70, w*2/5) }

// pageView draws the page on top, with its detail pane beside it on wide
// terminals.
func (a *App) pageView(width, height int) string {
	top := a.top()
	d, ok := top.(detailer)
	if !ok || width < splitAt {
		return top.view(a, width, height)
	}

	right := detailWidth(width)
	left := width - right - 1
	detail := fitLines(d.detail(a, right-1, height), right-1, height)
	if detail == "" {
		return top.view(a, width, height) // nothing selected: no pane
	}
	list := fitLines(top.view(a, left, height), left, height)
	sep := strings.TrimSuffix(strings.Repeat(a.styles.Muted.Render("│")+"\n", max(height, 1)), "\n")
	return lipgloss.JoinHorizontal(lipgloss.Top,
		lipgloss.NewStyle().Width(left).Render(list), sep, " "+strings.ReplaceAll(detail, "\n", "\n "))
}

// tabs is the first line: the name, the views and the breadcrumb.
func (a *App) tabs(width int) string {
	st := &a.styles
	var b strings.Builder
	b.WriteString(st.Title.Render("clustr-explorer") + " ")
	for i, v := range a.views {
		label := fmt.Sprintf(" %d %s ", i+1, v.name)
		if i == a.active {
			b.WriteString(st.TabActive.Render(label))
		} else {
			b.WriteString(st.Tab.Render(label))
		}
	}

	stack := a.stack()
	if len(stack) > 1 {
		crumbs := make([]string, 0, len(stack))
		for _, p := range stack {
			crumbs = append(crumbs, st.Crumb.Render(clean(p.crumb())))
		}
		b.WriteString("  " + strings.Join(crumbs, st.CrumbSep.Render(" › ")))
	}
	return fitLines(b.String(), width, 1)
}

func (a *App) footer(width int) string {
	if a.notice != "" {
		style := a.styles.Notice
		if a.noticeBad {
			style = a.styles.NoticeBad
		}
		return style.Render(fit(clean(a.notice), width, false))
	}
	return fitLines(a.help.ShortHelpView(a.keys.ShortHelp()), width, 1)
}

// status is the bottom line: where to send, which file, how many
// deliveries, and how many arrived while the interface was open.
func (a *App) status(width int) string {
	st := &a.styles
	var parts []string
	if a.opts.ListenURL != "" {
		parts = append(parts,
			st.StatusKey.Render("● listening")+st.StatusBar.Render(" "+a.opts.ListenURL))
	} else {
		parts = append(parts, st.StatusKey.Render("read-only"))
	}
	if tunnel := a.tunnelStatus(); tunnel != "" {
		parts = append(parts, tunnel)
	}
	capture := "capture " + filepath.Base(a.opts.Store.Path())
	if a.opts.SnapshotOf != "" {
		capture = "snapshot of " + filepath.Base(a.opts.SnapshotOf)
	}
	parts = append(parts,
		st.StatusBar.Render(capture),
		st.StatusBar.Render(plural(a.catalog.count, "delivery", "deliveries")))
	if n := len(a.fresh); n > 0 {
		parts = append(parts, st.StatusKey.Render(fmt.Sprintf("%d new", n)))
	}
	if a.opts.Forward != "" && a.opts.ForwardStatus != nil {
		if reason, failing := a.opts.ForwardStatus(); failing {
			parts = append(parts, st.StatusBad.Render("forward failing: "+clean(reason)))
		} else {
			parts = append(parts, st.StatusBar.Render("forwarding → "+clean(a.opts.Forward)))
		}
	}
	if a.opts.Unauthorized != nil {
		if n := a.opts.Unauthorized(); n > 0 {
			parts = append(parts, st.StatusBad.Render(fmt.Sprintf("%s refused: wrong secret",
				count(int(n)))))
		}
	}
	line := strings.Join(parts, st.StatusBar.Render("  ·  "))
	if pad := width - lipgloss.Width(line); pad > 0 {
		line += st.StatusBar.Render(strings.Repeat(" ", pad))
	}
	return fitLines(line, width, 1)
}

func (a *App) helpView(width, height int) string {
	title := a.styles.Title.Render("Keys") + a.styles.Muted.Render("   ? or esc to close")
	return fitLines(title+"\n\n"+a.help.FullHelpView(a.keys.FullHelp()), width, height)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return count(n) + " " + many
}
