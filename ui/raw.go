package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// rawPage shows one delivery exactly as it was received: the request's
// metadata and headers, then the body, pretty-printed with syntax colours
// when it is JSON and as sent when it is not. A rejected body opens at the
// line where it broke, with a mark under the column.
type rawPage struct {
	record   storage.Record
	body     []byte // nil until read
	forwards []storage.ForwardAttempt
	err      error
	lines    []rawLine // the metadata card, then the body, built once it is read
	isJSON   bool
	built    bool
	offset   int
	height   int
}

// rawLine is one line of the raw view: a line of the metadata card (no is
// 0, text already styled), a cleaned line of the body with its number, or
// the mark under the place a rejected body broke (mark set).
type rawLine struct {
	text string
	no   int
	mark bool
}

func newRawPage(r storage.Record) *rawPage { return &rawPage{record: r} }

// opened is the page with the command that reads its body.
func (p *rawPage) opened(a *App) (page, tea.Cmd) { return p, readRaw(a.opts.Store, p.record.Seq) }

func (p *rawPage) crumb() string             { return fmt.Sprintf("raw %d", p.record.Seq) }
func (p *rawPage) rows() *table              { return nil }
func (p *rawPage) open(*App) (page, tea.Cmd) { return nil, nil }
func (p *rawPage) scroll(delta int)          { p.offset += delta; p.clamp() }
func (p *rawPage) scrollTo(line int)         { p.offset = line; p.clamp() }

func (p *rawPage) clamp() {
	p.offset = min(max(p.offset, 0), max(len(p.lines)-p.height, 0))
}

func (p *rawPage) rejected() bool { return p.record.Status == model.StatusRejected }

func (p *rawPage) errorLine() (line, col int) {
	return p.record.RejectLine, p.record.RejectColumn
}

// build splits the body into lines once it has been read. JSON is
// re-indented, which keeps every number exactly as sent.
func (p *rawPage) build() {
	p.built = true
	body := p.body
	if !p.rejected() {
		var out bytes.Buffer
		if err := json.Indent(&out, body, "", "  "); err == nil {
			body = out.Bytes()
			p.isJSON = true
		}
	}

	// TODO: the whole body is indented and cleaned, a second copy of a very large one.
	text := strings.TrimSuffix(string(body), "\n")
	raw := strings.Split(text, "\n")
	errLine, errCol := p.errorLine()
	for i, l := range raw {
		line := clean(strings.TrimSuffix(l, "\r"))
		p.lines = append(p.lines, rawLine{text: line, no: i + 1})
		if p.rejected() && i+1 == errLine {
			p.lines = append(p.lines, rawLine{text: markColumn(line, errCol), mark: true})
			p.offset = len(p.lines) - 6
		}
	}
}

func (p *rawPage) view(a *App, width, height int) string {
	st := &a.styles
	switch {
	case p.err != nil:
		return st.Bad.Render(clean(fmt.Sprintf("Could not read delivery %d: %v", p.record.Seq, p.err)))
	case p.body == nil:
		return a.spinner.View() + fmt.Sprintf(" Reading delivery %d…", p.record.Seq)
	}
	if !p.built {
		// The card scrolls with the body, so that no header or warning is
		// ever out of reach.
		var card []rawLine
		for _, l := range strings.Split(p.meta(a), "\n") {
			card = append(card, rawLine{text: l})
		}
		card = append(card, rawLine{})
		p.build()
		p.lines = append(card, p.lines...)
		if p.offset > 0 {
			p.offset += len(card)
		}
	}

	p.height = height
	p.clamp()
	gutter := len(fmt.Sprint(len(p.lines))) + 1
	var b strings.Builder
	end := min(p.offset+p.height, len(p.lines))
	for i := p.offset; i < end; i++ {
		if i > p.offset {
			b.WriteByte('\n')
		}
		l := p.lines[i]
		switch {
		case l.mark:
			b.WriteString(strings.Repeat(" ", gutter+1) + st.Bad.Render(l.text))
		case l.no == 0:
			b.WriteString(l.text)
		default:
			text := l.text
			if p.isJSON {
				text = colorJSON(text, st)
			}
			b.WriteString(st.LineNo.Render(fmt.Sprintf("%*d ", gutter, l.no)) + text)
		}
	}
	return fitLines(b.String(), width, height)
}

// markColumn draws a caret under the byte column col of line, which counts
// bytes as the decoder does, in the cells the cleaned line occupies.
func markColumn(line string, col int) string {
	prefix := line
	if col-1 < len(line) {
		prefix = line[:max(col-1, 0)]
	}
	return strings.Repeat(" ", ansi.StringWidth(prefix)) + "^ it breaks here"
}

// meta is the card of the request above the body.
func (p *rawPage) meta(a *App) string {
	st := &a.styles
	r := p.record
	q := r.Request
	var lines []string
	add := func(label, value string) {
		lines = append(lines, st.Label.Render(fmt.Sprintf("%-12s", label))+value)
	}

	add("delivery", fmt.Sprintf("%d, received %s", r.Seq,
		r.ReceivedAt.Local().Format("2006-01-02 15:04:05.000")))
	if q.Imported != "" {
		add("imported", clean(q.Imported))
	} else {
		add("request", clean(q.Method+" "+q.Path)+st.Muted.Render("  from ")+clean(q.RemoteAddr))
	}
	size := fmt.Sprintf("%s bytes stored", count(int(r.BodySize)))
	if q.ContentEncoding != "" {
		size += fmt.Sprintf(", %s bytes sent as %s", count(int(q.WireSize)), clean(q.ContentEncoding))
	}
	if r.Truncated {
		size += st.Warn.Render(" (cut at the size limit)")
	}
	add("size", size)
	if p.rejected() {
		add("rejected", st.Bad.Render(clean(r.Reject)))
	}
	for _, w := range r.Warnings {
		add("warning", st.Warn.Render(clean(w)))
	}
	for _, f := range p.forwards {
		outcome := st.Good.Render(fmt.Sprintf("✓ %d", f.Status))
		if !f.OK() {
			outcome = st.Bad.Render("✗ " + clean(forwardFailure(f)))
		}
		add("forwarded", fmt.Sprintf("attempt %d at %s, %s  ", f.Attempt,
			f.At.Local().Format("15:04:05.000"), f.Duration.Round(time.Millisecond))+outcome)
	}
	names := make([]string, 0, len(q.Header))
	for name := range q.Header {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range q.Header[name] {
			add("header", clean(name)+st.Muted.Render(": ")+clean(v))
		}
	}
	return strings.Join(lines, "\n")
}

// colorJSON colours one line of indented JSON: keys, strings, numbers and
// literals. The line is already clean, so only styles are added.
func colorJSON(line string, st *Styles) string {
	var b strings.Builder
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(line) && line[j] != '"' {
				if line[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(line))
			style := st.JSONString
			if rest := strings.TrimLeft(line[j:], " "); strings.HasPrefix(rest, ":") {
				style = st.JSONKey
			}
			b.WriteString(style.Render(line[i:j]))
			i = j
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(line) && strings.IndexByte("0123456789.eE+-", line[j]) >= 0 {
				j++
			}
			b.WriteString(st.JSONNumber.Render(line[i:j]))
			i = j
		case strings.HasPrefix(line[i:], "true"), strings.HasPrefix(line[i:], "null"):
			b.WriteString(st.JSONLit.Render(line[i : i+4]))
			i += 4
		case strings.HasPrefix(line[i:], "false"):
			b.WriteString(st.JSONLit.Render(line[i : i+5]))
			i += 5
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// forwardFailure says why a forward attempt failed.
func forwardFailure(f storage.ForwardAttempt) string {
	if f.Error != "" {
		return f.Error
	}
	return fmt.Sprintf("%d", f.Status)
}
