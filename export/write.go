package export

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/clustr/clustr-explorer/termtext"
)

// Write writes t to w in format f: CSV with a header row, JSON as one array
// of objects indented by two spaces, or NDJSON as one object per line. The
// keys of every object are in column order.
func (t Table) Write(w io.Writer, f Format) error {
	if !f.known() {
		return fmt.Errorf("export: %w", unknownFormat(string(f)))
	}
	for i, row := range t.Rows {
		if len(row) != len(t.Columns) {
			return fmt.Errorf("export: row %d has %d cells for %d columns", i+1,
				len(row), len(t.Columns))
		}
	}

	out := bufio.NewWriter(w)
	var err error
	switch f {
	case CSV:
		err = t.writeCSV(out)
	case JSON:
		err = t.writeJSON(out)
	case NDJSON:
		err = t.writeNDJSON(out)
	}
	if err != nil {
		return fmt.Errorf("write %s export: %w", f, err)
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write %s export: %w", f, err)
	}
	return nil
}

func (t Table) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}

	record := make([]string, len(t.Columns))
	for _, row := range t.Rows {
		for i, c := range row {
			record[i] = c.csvText()
		}
		if err := cw.Write(record); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvText is the cell as one CSV field. encoding/csv quotes it as needed.
func (c Cell) csvText() string {
	switch c.kind {
	case textCell:
		return guardFormula(harmless(c.text))
	case literalCell:
		// Numbers are ours to format, and a negative score is no formula.
		return c.text
	case listCell:
		return guardFormula(harmless(strings.Join(c.items, "; ")))
	}
	return ""
}

// guardFormula keeps a spreadsheet from running a cell as a formula, as
// OWASP advises for CSV injection: a cell that begins with =, +, -, @, a
// tab or a carriage return gets a leading single quote, which spreadsheets
// take as "this is text" and do not show.
func guardFormula(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// harmless makes text from a payload safe to print at a terminal, where a
// CSV export to standard output lands: control characters become their
// printable look-alikes, as the interface shows them, and tabs and newlines
// stay, since CSV quotes them and spreadsheets show them.
func harmless(s string) string { return termtext.Block(s) }

func (t Table) writeJSON(w io.Writer) error {
	if len(t.Rows) == 0 {
		_, err := io.WriteString(w, "[]\n")
		return err
	}

	enc := newObjectEncoder()
	var indented bytes.Buffer
	if _, err := io.WriteString(w, "[\n"); err != nil {
		return err
	}
	for i, row := range t.Rows {
		// Indent only moves whitespace: strings and number literals are
		// written exactly as the compact object holds them.
		indented.Reset()
		indented.WriteString("  ")
		if err := json.Indent(&indented, enc.object(t.Columns, row), "  ", "  "); err != nil {
			return err
		}
		if i < len(t.Rows)-1 {
			indented.WriteByte(',')
		}
		indented.WriteByte('\n')
		if _, err := w.Write(indented.Bytes()); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "]\n")
	return err
}

func (t Table) writeNDJSON(w io.Writer) error {
	enc := newObjectEncoder()
	for _, row := range t.Rows {
		line := append(enc.object(t.Columns, row), '\n')
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// objectEncoder writes rows as compact JSON objects, reusing one buffer.
// Strings go through encoding/json, so that they are escaped exactly as the
// deliveries export has always escaped them, but without HTML escaping: an
// export is not a web page, and "&" should read as "&".
type objectEncoder struct {
	buf     bytes.Buffer
	strings *json.Encoder
}

func newObjectEncoder() *objectEncoder {
	e := &objectEncoder{}
	e.strings = json.NewEncoder(&e.buf)
	e.strings.SetEscapeHTML(false)
	return e
}

// object is row as one JSON object keyed by columns. The bytes are valid
// until the next call.
func (e *objectEncoder) object(columns []string, row []Cell) []byte {
	e.buf.Reset()
	e.buf.WriteByte('{')
	for i, c := range row {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		e.string(columns[i])
		e.buf.WriteByte(':')
		e.value(c)
	}
	e.buf.WriteByte('}')
	return e.buf.Bytes()
}

func (e *objectEncoder) value(c Cell) {
	switch c.kind {
	case textCell:
		e.string(c.text)
	case literalCell:
		e.buf.WriteString(c.text)
	case listCell:
		e.buf.WriteByte('[')
		for i, item := range c.items {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			e.string(item)
		}
		e.buf.WriteByte(']')
	default:
		e.buf.WriteString("null")
	}
}

// string appends s quoted. Encoding a string cannot fail: invalid UTF-8 is
// written as \ufffd.
func (e *objectEncoder) string(s string) {
	_ = e.strings.Encode(s)
	e.buf.Truncate(e.buf.Len() - 1) // Encode ends every value with a newline
}
