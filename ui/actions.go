package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/pkg/browser"

	"github.com/clustr/clustr-explorer/export"
	"github.com/clustr/clustr-explorer/storage"
)

// detailer is a page that can show its selected row in full beside its
// table, on terminals wide enough for both.
type detailer interface {
	detail(a *App, width, height int) string
}

// deliverer is a page that knows which delivery it shows, for the raw view.
type deliverer interface {
	delivery(a *App) (storage.Record, bool)
}

// selector is a page whose selected row has a LinkedIn URL and a JSON form
// to copy.
type selector interface {
	selection(a *App) (linkedIn string, value any, ok bool)
}

func init() {
	// The browser launcher echoes what the opened program prints; the
	// interface owns the terminal, so that output is dropped.
	browser.Stdout, browser.Stderr = io.Discard, io.Discard
}

// actionKey handles the keys that act on the selection rather than move
// it: the raw view, export, copy and open. ok is false for other keys.
func (a *App) actionKey(msg tea.KeyPressMsg, top page) (tea.Cmd, bool) {
	switch {
	case key.Matches(msg, a.keys.Raw):
		return a.openRaw(top), true
	case key.Matches(msg, a.keys.Replay):
		return a.replay(top), true
	case key.Matches(msg, a.keys.ExportCSV):
		return a.exportScreen(top, export.CSV), true
	case key.Matches(msg, a.keys.ExportJSON):
		return a.exportScreen(top, export.JSON), true
	case key.Matches(msg, a.keys.CopyURL), key.Matches(msg, a.keys.CopyJSON),
		key.Matches(msg, a.keys.Browse):
		return a.selectionAction(msg, top), true
	}
	return nil, false
}

// replay resends the delivery on screen to the --forward URL and shows
// the answer.
func (a *App) replay(top page) tea.Cmd {
	d, ok := top.(deliverer)
	if rp, isRaw := top.(*rawPage); isRaw {
		d, ok = rawDelivery{rp}, true
	}
	if !ok {
		return a.say(true, "Open a delivery to replay it.")
	}
	r, ok := d.delivery(a)
	if !ok {
		return nil
	}
	if a.opts.Replay == nil || a.opts.Forward == "" {
		return a.say(true, "Replay sends to the app given with --forward URL; without one, "+
			"use clustr-explorer send URL --replay %d.", r.Seq)
	}
	replay, seq := a.opts.Replay, r.Seq
	return tea.Batch(a.say(false, "Replaying delivery %d to %s…", seq, a.opts.Forward),
		func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			code, answer, err := replay(ctx, seq)
			if err != nil {
				return noticeMsg{text: fmt.Sprintf("Replay of delivery %d failed: %v", seq, err),
					bad: true}
			}
			return noticeMsg{text: fmt.Sprintf("Replayed delivery %d: %d %s", seq, code, answer),
				bad: code < 200 || code > 299}
		})
}

// rawDelivery lets the raw view say which delivery it shows.
type rawDelivery struct{ p *rawPage }

func (r rawDelivery) delivery(*App) (storage.Record, bool) { return r.p.record, true }

func (a *App) openRaw(top page) tea.Cmd {
	if _, ok := top.(*rawPage); ok {
		return nil
	}
	d, ok := top.(deliverer)
	if !ok {
		return a.say(true, "This view spans many deliveries; open one to see it raw.")
	}
	r, ok := d.delivery(a)
	if !ok {
		return nil
	}
	next, cmd := newRawPage(r).opened(a)
	a.push(next)
	return cmd
}

func (a *App) selectionAction(msg tea.KeyPressMsg, top page) tea.Cmd {
	s, ok := top.(selector)
	if !ok {
		return a.say(true, "Nothing here to copy or open.")
	}
	link, value, ok := s.selection(a)
	if !ok {
		return nil
	}

	switch {
	case key.Matches(msg, a.keys.CopyJSON):
		b, err := json.MarshalIndent(value, "", "  ")
		if err != nil {
			return a.say(true, "Could not write the row as JSON: %v", err)
		}
		return tea.Batch(tea.SetClipboard(string(b)),
			a.say(false, "Copied the row as JSON (%d bytes) to the clipboard", len(b)))
	case link == "":
		return a.say(true, "This row has no LinkedIn URL.")
	case key.Matches(msg, a.keys.CopyURL):
		return tea.Batch(tea.SetClipboard(link), a.say(false, "Copied %s", clean(link)))
	}

	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return a.say(true, "Not opening %q: only http and https links are opened.", clean(link))
	}
	return tea.Batch(a.say(false, "Opening %s", clean(link)), func() tea.Msg {
		if err := browser.OpenURL(u.String()); err != nil {
			return noticeMsg{text: fmt.Sprintf("No browser could be started for %s; "+
				"y copies the link instead.", u), bad: true}
		}
		return nil
	})
}

// exporter is a page whose table can be written to a file as it shows:
// with its filter, narrowing and sort.
type exporter interface {
	exportTable(a *App) (export.Table, export.View, bool)
}

// exportScreen writes the table on screen to a new file in the export
// directory, off the UI goroutine, and announces its path.
func (a *App) exportScreen(top page, format export.Format) tea.Cmd {
	e, ok := top.(exporter)
	if !ok {
		return a.say(true, "This page has no table to export.")
	}
	t, view, ok := e.exportTable(a)
	if !ok {
		return a.say(true, "Nothing to export yet.")
	}
	dir := a.opts.ExportDir
	if dir == "" {
		dir = "."
	}
	rows := len(t.Rows)
	return func() tea.Msg {
		path, err := export.WriteFile(dir, view, t, format, time.Now())
		if err != nil {
			return noticeMsg{text: fmt.Sprintf("Could not export: %v", err), bad: true}
		}
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		return noticeMsg{text: fmt.Sprintf("Exported %s to %s", plural(rows, "row", "rows"), path)}
	}
}

// shownRows returns the items of a table's rows in the order shown.
func shownRows[T any](t *table, items []T) []T {
	out := make([]T, 0, t.len())
	for _, i := range t.shown {
		out = append(out, items[i])
	}
	return out
}
