package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/charmbracelet/x/vt"

	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// capture writes the named fixtures into a new capture file the way the
// listener does, and returns it open for writing.
func capture(t *testing.T, fixtures ...string) *storage.Store {
	t.Helper()
	store, err := storage.Open(filepath.Join(t.TempDir(), "capture.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	for _, name := range fixtures {
		deliver(t, store, name)
	}
	return store
}

func deliver(t *testing.T, store *storage.Store, fixture string) storage.Record {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("..", "testdata", "fixtures", fixture))
	if err != nil {
		t.Fatal(err)
	}
	return appendBody(t, store, body)
}

// appendBody stores body as the listener would: summarised, or rejected
// with where it broke.
func appendBody(tb testing.TB, store *storage.Store, body []byte) storage.Record {
	tb.Helper()
	rec := storage.Record{
		Request: storage.Request{Method: "POST", Path: "/", RemoteAddr: "127.0.0.1:5555"},
	}
	if digest, err := model.Summarize(body); err != nil {
		rec.Digest = model.RejectedDigest(err)
	} else {
		rec.Digest = digest
	}
	rec, err := store.Append(rec, body)
	if err != nil {
		tb.Fatal(err)
	}
	return rec
}

// session is the real program under teatest, with a virtual terminal that
// its output is played into, so that tests read the screen a user would see
// rather than the renderer's stream of partial updates.
type session struct {
	*teatest.TestModel
	emu *vt.Emulator
}

// start runs the real program on store at the given size, with colours off
// unless a profile is given.
func start(t *testing.T, opts Options, w, h int, profile ...colorprofile.Profile) *session {
	t.Helper()
	p := colorprofile.Ascii
	if len(profile) > 0 {
		p = profile[0]
	}
	tm := teatest.NewTestModel(t, New(opts),
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(p)))
	emu := vt.NewEmulator(w, h)
	// The emulator answers the program's terminal queries on its input
	// side; nobody needs the answers, but they must be drained.
	go func() { _, _ = io.Copy(io.Discard, emu) }()
	t.Cleanup(func() {
		_ = tm.Quit()
		// Closing the input pipe ends the drain; Emulator.Close would race
		// with the drain's Read on the emulator's own flag.
		if pipe, ok := emu.InputPipe().(io.Closer); ok {
			_ = pipe.Close()
		}
	})
	return &session{TestModel: tm, emu: emu}
}

// waitFor waits until the terminal shows every one of texts.
func waitFor(t *testing.T, s *session, texts ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := io.ReadAll(s.Output())
		// A real tty turns each line feed into CR LF (onlcr); the emulator
		// is fed the bytes directly, so that step is done here.
		_, _ = s.emu.Write(bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")))
		shown := s.emu.String()
		missing := ""
		for _, text := range texts {
			if !strings.Contains(shown, text) {
				missing = text
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the screen never showed %q:\n%s", missing, shown)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// screen renders the final model as the user would see it, without styles.
func screen(t *testing.T, s *session) string {
	t.Helper()
	if err := s.Quit(); err != nil {
		t.Fatal(err)
	}
	a := s.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*App)
	return ansi.Strip(a.render())
}

func press(tm *session, keys ...string) {
	for _, k := range keys {
		switch k {
		case "enter":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		case "esc":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
		case "down":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyDown})
		default:
			tm.Send(tea.KeyPressMsg{Code: rune(k[0]), Text: k})
		}
	}
}

func TestDrillDownToTimeline(t *testing.T) {
	store := capture(t, "doc-full-history.json")
	tm := start(t, Options{Store: store}, 120, 40)

	waitFor(t, tm, "batch_hist001", "job_hist001", "crm_batch_id=batch_0")

	press(tm, "enter")
	waitFor(t, tm, "John Doe", "VP of Sales", "summary claims 2 clients, 15 opportunities",
		"triggered_by = daily-sync")

	press(tm, "enter")
	waitFor(t, tm, "Jane Smith", "85.5", "Previous Corp", "★ yes")

	press(tm, "enter")
	waitFor(t, tm, "Previous Corp, 24 months overlap (past)", "Engagement, newest first (3)")

	out := screen(t, tm)
	liked := strings.Index(out, "2025-03-15 prospect liked")
	commented := strings.Index(out, "2025-02-10 prospect commented")
	recommended := strings.Index(out, "2024-11-02 client recommended")
	if liked < 0 || commented < 0 || recommended < 0 {
		t.Fatalf("timeline lacks an event:\n%s", out)
	}
	if !(liked < commented && commented < recommended) {
		t.Errorf("timeline is not newest first:\n%s", out)
	}
	if !strings.Contains(out, "Great insight!") {
		t.Errorf("comment text missing:\n%s", out)
	}
	if !strings.Contains(out, "1 Batches  2 Opportunities  3 Companies   Batches › batch_hist001 › John Doe › Jane Smith") {
		t.Errorf("breadcrumb wrong:\n%s", out)
	}
}

func TestEscWalksBack(t *testing.T) {
	store := capture(t, "doc-full-history.json")
	tm := start(t, Options{Store: store}, 120, 40)
	waitFor(t, tm, "batch_hist001")
	press(tm, "enter")
	waitFor(t, tm, "John Doe")
	press(tm, "enter")
	waitFor(t, tm, "Jane Smith")
	press(tm, "enter")
	waitFor(t, tm, "Engagement, newest first")

	press(tm, "esc", "esc", "esc")
	out := screen(t, tm)
	crumb := strings.SplitN(out, "\n", 2)[0]
	if strings.Contains(crumb, "›") {
		t.Errorf("after three Esc the breadcrumb is %q, want the Batches root", crumb)
	}
	if !strings.Contains(out, "batch_hist001") || strings.Contains(out, "Engagement, newest first") {
		t.Errorf("not back on Batches:\n%s", out)
	}
}

func TestLiveArrival(t *testing.T) {
	store := capture(t, "doc-completed.json")
	tm := start(t, Options{Store: store, ListenURL: "http://127.0.0.1:9/"}, 120, 30)
	waitFor(t, tm, "batch_xyz789", "1 delivery")

	deliver(t, store, "doc-full-history.json")
	waitFor(t, tm, "batch_hist001", "2 deliveries", "1 new", "New delivery: batch_hist001")

	out := screen(t, tm)
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "batch_hist001") && strings.Contains(line, "done") &&
			!strings.HasPrefix(line, "●") {
			t.Errorf("the new batch has no mark: %q", line)
		}
	}
}

// The payload of edge-escape.json tries to clear the screen, write the
// clipboard (OSC 52) and plant a hyperlink (OSC 8). None of it may reach the
// terminal, on any page, in the raw view or in a notice.
func TestEscapeSequencesNeverReachTheTerminal(t *testing.T) {
	store := capture(t, "edge-escape.json")
	tm := start(t, Options{Store: store, ListenURL: "http://127.0.0.1:9/"}, 140, 40,
		colorprofile.TrueColor)

	var out bytes.Buffer
	read := func(texts ...string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			out.Write(b)
			plain := ansi.Strip(out.String())
			for _, s := range texts {
				if !strings.Contains(plain, s) {
					return false
				}
			}
			return true
		}, teatest.WithDuration(5*time.Second))
	}

	read("batch_escape01")
	press(tm, "enter")
	read("Mallory␍Overwritten␈␈")
	press(tm, "enter")
	read("Eve ␛[2J␛[31mRed␛[0m")
	press(tm, "enter")
	read("CTO␛]52;c;ZWNobyBwd25lZA==␇",
		"line one⏎line two Tabbed ␛]8;;https://evil.example/␇click␛]8;;␇")
	press(tm, "r")
	read(`\u001b]52;c;ZWNobyBwd25lZA==\u0007`)
	press(tm, "esc", "esc", "esc", "esc", "2")
	read("Opportunities")
	press(tm, "enter", "esc", "3")
	read("CLIENTS WHO REACH IT")
	press(tm, "enter", "1")

	// A live delivery whose batch id carries an escape is announced in a
	// notice; the notice must be as harmless as the pages.
	evil := `{"status":"completed","job_id":"j","batch_id":"b\u001b]0;pwned\u0007x","results":[]}`
	appendBody(t, store, []byte(evil))
	read("New delivery: b␛]0;pwned␇x")

	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(tm.FinalOutput(t, teatest.WithFinalTimeout(5*time.Second)))
	out.Write(rest)

	raw := out.String()
	for _, bad := range []string{"\x1b[2J\x1b[31m", "\x1b]52;", "\x1b]8;;https://evil",
		"\x1b]0;pwned", "Mallory\r", "Overwritten\b"} {
		if strings.Contains(raw, bad) {
			t.Errorf("the program wrote the payload's %q to the terminal", bad)
		}
	}
}

func TestEmptyCaptureTellsWhereToSend(t *testing.T) {
	store := capture(t)
	tm := start(t, Options{Store: store, ListenURL: "http://127.0.0.1:8080/",
		SendSamples: func(ctxCancel context.Context) error { return nil }}, 100, 24)
	waitFor(t, tm, "No deliveries yet.", "http://127.0.0.1:8080/", "ngrok http 8080",
		"press p to send")
}

func TestFailedBatchShowsItsError(t *testing.T) {
	store := capture(t, "doc-failed.json")
	tm := start(t, Options{Store: store}, 120, 30)
	waitFor(t, tm, "✗ failed", "PROCESSING_ERROR: Failed to")
	press(tm, "enter")
	waitFor(t, tm, "PROCESSING_ERROR: Failed to process contacts", "Additional error context",
		"This delivery holds no clients.")
}

func TestRejectedDeliveryShowsWhereItBroke(t *testing.T) {
	store := capture(t, "edge-truncated.json", "edge-not-json.txt")
	tm := start(t, Options{Store: store}, 110, 40)
	waitFor(t, tm, "⊘ rejected", "invalid character 's'")
	press(tm, "down", "enter")
	waitFor(t, tm, "at line 27, column 22", "Batches › raw 1", `27             "linkedin`,
		"^ it breaks here", "POST /", "from 127.0.0.1:5555")
}

func TestHelpListsEveryKey(t *testing.T) {
	store := capture(t, "doc-completed.json")
	tm := start(t, Options{Store: store}, 120, 30)
	waitFor(t, tm, "batch_xyz789")
	press(tm, "?")
	waitFor(t, tm, "Keys", "page up", "first", "last", "open", "back", "quit")
	press(tm, "?")
	out := screen(t, tm)
	if strings.Contains(out, "page up") || !strings.Contains(out, "batch_xyz789") {
		t.Errorf("? did not close the help:\n%s", out)
	}
}

// Every page must fit any terminal: no line wider than it, no more lines
// than it has, and no panic when it shrinks to almost nothing.
func TestEveryPageFitsEverySize(t *testing.T) {
	sizes := [][2]int{{200, 50}, {120, 40}, {80, 24}, {40, 12}, {10, 3}, {80, 3}, {1, 1}}
	depths := []int{0, 1, 2, 3}
	for _, depth := range depths {
		for _, size := range sizes {
			w, h := size[0], size[1]
			t.Run(fmt.Sprintf("depth%d/%dx%d", depth, w, h), func(t *testing.T) {
				store := capture(t, "edge-unicode.json", "doc-full-history.json")
				tm := start(t, Options{Store: store}, 120, 40)
				waitFor(t, tm, "batch_hist001")
				for range depth {
					press(tm, "enter")
					time.Sleep(30 * time.Millisecond)
				}
				tm.Send(tea.WindowSizeMsg{Width: w, Height: h})
				out := screen(t, tm)
				lines := strings.Split(out, "\n")
				if len(lines) > h {
					t.Errorf("%d lines on a %d-line terminal", len(lines), h)
				}
				for _, l := range lines {
					if lw := ansi.StringWidth(l); lw > w {
						t.Errorf("line of width %d on a %d-column terminal: %q", lw, w, l)
					}
				}
			})
		}
	}
}

func TestLongUnicodeTextIsCutNotWrapped(t *testing.T) {
	store := capture(t, "edge-unicode.json")
	tm := start(t, Options{Store: store}, 100, 30)
	waitFor(t, tm, "batch_unicode01")
	press(tm, "enter")
	waitFor(t, tm, "Zoë Ångström-Núñez")
	press(tm, "enter")
	waitFor(t, tm, "José 🚀 Álvarez", "محمد الأحمد")
	out := screen(t, tm)

	var rows []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "85.5") {
			rows = append(rows, l)
		}
	}
	if len(rows) != 3 {
		t.Fatalf("want 3 opportunity rows, got %d:\n%s", len(rows), out)
	}
	for _, r := range rows {
		if ansi.StringWidth(r) != 100 {
			t.Errorf("row is %d wide, want exactly 100: %q", ansi.StringWidth(r), r)
		}
		// The score column ends at the same cell on every row.
		if got, want := ansi.StringWidth(r[:strings.Index(r, "85.5")]), ansi.StringWidth(rows[0][:strings.Index(rows[0], "85.5")]); got != want {
			t.Errorf("score column misaligned: at %d, want %d", got, want)
		}
	}
	if !strings.Contains(rows[2], "Very Long Title") || !strings.Contains(rows[2], "…") {
		t.Errorf("the long title is not cut with an ellipsis:\n%s", out)
	}
}

func TestBracketsStepThroughTheDeliveriesOfABatch(t *testing.T) {
	store := capture(t, "doc-completed.json", "doc-failed.json")
	tm := start(t, Options{Store: store}, 120, 30)
	waitFor(t, tm, "batch_xyz789")
	press(tm, "enter")
	waitFor(t, tm, "2 of 2 in this batch", "PROCESSING_ERROR")
	press(tm, "[")
	waitFor(t, tm, "1 of 2 in this batch", "John Doe")
	press(tm, "enter")
	out := screen(t, tm)
	if !strings.Contains(out, "Jane Smith") {
		t.Errorf("Enter after [ did not open the earlier delivery's client:\n%s", out)
	}
}

func TestStatusLineCountsRefusedRequests(t *testing.T) {
	var refused atomic.Uint64
	tm := start(t, Options{Store: capture(t), ListenURL: "http://127.0.0.1:9/hooks/s3cret",
		Unauthorized: refused.Load}, 120, 20)
	waitFor(t, tm, "http://127.0.0.1:9/hooks/s3cret")
	refused.Add(3)
	waitFor(t, tm, "3 refused: wrong secret")
}

func TestBatchesCountRedeliveries(t *testing.T) {
	store := capture(t, "doc-full-history.json", "doc-full-history.json", "doc-full-history.json")
	tm := start(t, Options{Store: store}, 160, 30)
	waitFor(t, tm, "batch_hist001", "retried   2 redeliveries of a body already received")
	tm.Send(tea.WindowSizeMsg{Width: 140, Height: 30})
	out := screen(t, tm)
	row := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "batch_hist001") && strings.Contains(l, "done") {
			row = l
		}
	}
	if !strings.Contains(row, " 3↻ ") || !strings.Contains(row, "↻ 2 redeliveries") {
		t.Errorf("the Batches row does not count 3 deliveries, 2 of them redeliveries: %q", row)
	}

	tm = start(t, Options{Store: store}, 120, 30)
	waitFor(t, tm, "batch_hist001")
	press(tm, "enter")
	waitFor(t, tm, "3 of 3 in this batch", "the same body as delivery 1: the sender retried")
}

func TestEmptyPageTellsWhereTheSecretGoes(t *testing.T) {
	tm := start(t, Options{Store: capture(t), ListenURL: "http://127.0.0.1:26104/hooks/s3cr3t-s3cr3t-s3cr3t",
		SendSamples: func(context.Context) error { return nil }}, 160, 24)
	waitFor(t, tm, "ngrok http 26104 and give Clustr the https URL it prints followed by "+
		"/hooks/s3cr3t-s3cr3t-s3cr3t")
}

func TestForwardingShowsInTheStatusLineAndTheRawView(t *testing.T) {
	store := capture(t, "doc-full-history.json")
	at := time.Date(2026, 12, 3, 15, 4, 5, 0, time.Local)
	for i, status := range []int{503, 503, 200} {
		a := storage.ForwardAttempt{Attempt: i + 1, At: at.Add(time.Duration(i) * time.Second),
			Duration: 12 * time.Millisecond, Status: status}
		if err := store.AddForwardAttempt(1, a); err != nil {
			t.Fatal(err)
		}
	}
	var failing atomic.Bool
	status := func() (string, bool) { return "503 Service Unavailable", failing.Load() }
	tm := start(t, Options{Store: store, ListenURL: "http://127.0.0.1:9/",
		Forward: "http://127.0.0.1:3000/hook", ForwardStatus: status}, 140, 40)
	waitFor(t, tm, "forwarding → http://127.0.0.1:3000/hook")
	failing.Store(true)
	waitFor(t, tm, "forward failing: 503 Service Unavailable")

	press(tm, "r")
	waitFor(t, tm, "attempt 1 at 15:04:05.000, 12ms  ✗ 503", "attempt 2 at 15:04:06.000",
		"attempt 3 at 15:04:07.000, 12ms  ✓ 200")
}

func TestReplayResendsToTheForwardTarget(t *testing.T) {
	store := capture(t, "doc-full-history.json")
	var replayed atomic.Uint64
	replay := func(_ context.Context, seq uint64) (int, string, error) {
		replayed.Store(seq)
		return 200, `{"received":true}`, nil
	}
	tm := start(t, Options{Store: store, Forward: "http://127.0.0.1:3000/hook", Replay: replay},
		120, 30)
	waitFor(t, tm, "batch_hist001")
	press(tm, "R")
	waitFor(t, tm, `Replayed delivery 1: 200 {"received":true}`)
	if replayed.Load() != 1 {
		t.Errorf("replayed delivery %d, want 1", replayed.Load())
	}

	tm = start(t, Options{Store: store}, 120, 30)
	waitFor(t, tm, "batch_hist001")
	press(tm, "R")
	waitFor(t, tm, "Replay sends to the app given with --forward URL")
}
