package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// Decode reads a delivery body. It fails, with a *SyntaxError, only when the
// body is not a JSON object; a field of an unexpected type, a null, an
// unknown field or a missing section becomes a warning instead, so that no
// delivery is ever dropped for its content.
//
// The body is walked token by token rather than unmarshalled into a struct:
// that keeps memory flat on very large deliveries and lets every oddity be
// reported with the path where it sits.
func Decode(body []byte) (*Payload, error) {
	d := newDecoder(body, true)
	p, err := d.payload()
	if err != nil {
		return nil, syntaxError(body, d.dec, err)
	}
	d.finish(p)
	return p, nil
}

// Summarize reads a delivery body in one pass for its digest alone: it
// checks and counts everything Decode does, with the same warnings, but
// keeps no client or opportunity, so that a delivery of hundreds of
// megabytes is summarised in little more memory than its body.
func Summarize(body []byte) (Digest, error) {
	d := newDecoder(body, false)
	p, err := d.payload()
	if err != nil {
		return Digest{}, syntaxError(body, d.dec, err)
	}
	d.finish(p)

	dg := Digest{
		Status:              p.Status,
		JobID:               p.JobID,
		BatchID:             p.BatchID,
		Timestamp:           p.Timestamp,
		Clients:             d.stats.clients,
		Opportunities:       d.stats.opportunities,
		TargetOpportunities: d.stats.targets,
		HasScore:            d.stats.hasScore,
		BestScore:           d.stats.best,
		Summary:             p.Summary,
		Custom:              p.Custom,
		Error:               p.Error,
		Warnings:            p.Warnings,
	}
	return dg, nil
}

// DecodeClients reads a delivery body for its clients alone: the payload
// and every client, with the counts of their opportunities but not the
// opportunities themselves, and the same warnings as Decode. It takes
// about half the time of Decode, so that a list of 10,000 clients shows
// while their 150,000 opportunities are still being read.
func DecodeClients(body []byte) (*Payload, error) {
	d := newDecoder(body, false)
	d.clients = true
	p, err := d.payload()
	if err != nil {
		return nil, syntaxError(body, d.dec, err)
	}
	d.finish(p)
	return p, nil
}

func newDecoder(body []byte, keep bool) *decoder {
	return &decoder{
		keep: keep,
		dec: jsontext.NewDecoder(bytes.NewReader(body),
			jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true)),
	}
}

// maxWarnings bounds the warnings kept of one delivery: a generator bug can
// make every one of 150,000 opportunities odd, and a list that long helps
// nobody read it while it costs the summary record its smallness.
const maxWarnings = 200

// finish adds the checks of the whole payload to the warnings, then says
// how many were left out.
func (d *decoder) finish(p *Payload) {
	d.validate(p)
	p.Warnings = d.warnings
	if d.dropped > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("and %d more warnings", d.dropped))
	}
}

// notObjectError is returned when the body is JSON but not an object.
type notObjectError struct{ kind jsontext.Kind }

func (e notObjectError) Error() string {
	return "the body is " + kindName(e.kind) + ", not an object"
}

// syntaxError places a decoder failure at a line and column of the body.
func syntaxError(body []byte, dec *jsontext.Decoder, err error) *SyntaxError {
	offset := dec.InputOffset()
	reason := err.Error()

	var se *jsontext.SyntacticError
	var no notObjectError
	var trailing trailingError
	switch {
	case errors.As(err, &trailing):
		offset = trailing.after
		for offset < int64(len(body)) && isSpace(body[offset]) {
			offset++
		}
	case errors.As(err, &se) && errors.Is(se.Err, io.ErrUnexpectedEOF):
		offset = int64(len(body))
		reason = "the body ends in the middle of a value"
	case errors.As(err, &se):
		offset = se.ByteOffset
		reason = se.Err.Error()
	case errors.As(err, &no):
		offset = 0
		for offset < int64(len(body)) && isSpace(body[offset]) {
			offset++
		}
		reason = no.Error()
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		offset = int64(len(body))
		reason = "the body ends in the middle of a value"
		if len(bytes.TrimSpace(body)) == 0 {
			reason = "the body is empty"
		}
	}

	line, column := position(body, offset)
	return &SyntaxError{Line: line, Column: column, Offset: offset, Reason: reason}
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

// decoder walks one body and collects warnings on the way. With keep
// false it only counts what it reads.
type decoder struct {
	dec      *jsontext.Decoder
	keep     bool
	clients  bool // with keep false: keep the clients, not their opportunities
	inClient bool // reading a client's own fields
	path     []segment
	warnings []string
	dropped  int
	stats    counts
	interned map[string]string

	// Scratch lists, reused while reading each client and opportunity.
	opportunities []Opportunity
	events        []Event
}

// counts is what the digest needs of the results, gathered as they pass.
type counts struct {
	clients       int
	opportunities int
	targets       int
	hasScore      bool
	best          float64
}

// segment is one step of the path to the value being read: a field name, or
// an array index when key is empty.
type segment struct {
	key   string
	index int
}

func (d *decoder) field(key string) { d.path = append(d.path, segment{key: key}) }
func (d *decoder) item(i int)       { d.path = append(d.path, segment{index: i}) }
func (d *decoder) pop()             { d.path = d.path[:len(d.path)-1] }

// where renders the current path, as in results[0].client.name.
func (d *decoder) where() string {
	var b strings.Builder
	for _, s := range d.path {
		if s.key == "" {
			fmt.Fprintf(&b, "[%d]", s.index)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.key)
	}
	return b.String()
}

func (d *decoder) warn(format string, args ...any) {
	d.note(d.where() + ": " + fmt.Sprintf(format, args...))
}

// note keeps a warning, up to maxWarnings of them.
func (d *decoder) note(w string) {
	if len(d.warnings) >= maxWarnings {
		d.dropped++
		return
	}
	d.warnings = append(d.warnings, w)
}

// object reads an object, calling each for every member. It returns false,
// with a warning, when the value is not an object at all.
func (d *decoder) object(each func(key string) error) (bool, error) {
	kind := d.dec.PeekKind()
	if kind != '{' {
		return false, d.unexpected("an object")
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return false, err
	}

	for d.dec.PeekKind() != '}' {
		tok, err := d.dec.ReadToken()
		if err != nil {
			return false, err
		}
		key := memberName(tok)

		d.field(key)
		err = each(key)
		d.pop()
		if err != nil {
			return false, err
		}
	}
	_, err := d.dec.ReadToken()
	return true, err
}

// array reads an array, calling each for every element.
func (d *decoder) array(each func(i int) error) (bool, error) {
	if d.dec.PeekKind() != '[' {
		return false, d.unexpected("a list")
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return false, err
	}

	for i := 0; d.dec.PeekKind() != ']'; i++ {
		d.item(i)
		err := each(i)
		d.pop()
		if err != nil {
			return false, err
		}
	}
	_, err := d.dec.ReadToken()
	return true, err
}

// unexpected skips a value of the wrong kind and says so. Syntax errors in
// the skipped value are still returned, since they make the body unreadable.
func (d *decoder) unexpected(want string) error {
	kind := d.dec.PeekKind()
	if kind == 0 {
		// PeekKind reports trouble as the invalid kind; reading surfaces it.
		_, err := d.dec.ReadToken()
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	if kind == 'n' {
		d.warn("null where %s was expected", want)
	} else {
		d.warn("%s where %s was expected, ignored", kindName(kind), want)
	}
	return d.dec.SkipValue()
}

// unknown skips a member the documentation does not list. The raw body is
// stored whole, so nothing is lost by not reading it here.
func (d *decoder) unknown() error {
	d.warn("unknown field, kept in the raw body")
	return d.dec.SkipValue()
}

// text reads a value meant to be a string. Numbers and booleans are kept as
// their JSON text, so an identifier sent as a number is not rounded.
func (d *decoder) text() (string, error) {
	kind := d.dec.PeekKind()
	switch kind {
	case '"':
		return d.readString()
	case '0', 't', 'f':
		tok, err := d.dec.ReadToken()
		if err != nil {
			return "", err
		}
		s := tok.String()
		d.warn("%s %s where text was expected, read as %q", kindName(kind), s, s)
		return s, nil
	case 'n':
		_, err := d.dec.ReadToken()
		d.warn("null, read as empty")
		return "", err
	default:
		return "", d.unexpected("text")
	}
}

// readString reads a string value. Most strings hold no escape and are
// valid UTF-8, so their bytes are taken as they are; the others are
// unquoted, with invalid UTF-8 shown as U+FFFD. Short strings are interned:
// a large delivery repeats its titles, companies, industries, dates and
// engagement types thousands of times, and one copy of each is enough.
func (d *decoder) readString() (string, error) {
	v, err := d.dec.ReadValue()
	if err != nil {
		return "", err
	}
	raw := v[1 : len(v)-1]
	if bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw) {
		unquoted, err := jsontext.AppendUnquote(nil, v)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			// AllowInvalidUTF8 let the value through; say it as U+FFFD.
			unquoted = bytes.ToValidUTF8(unquoted, []byte("\uFFFD"))
		}
		raw = bytes.ToValidUTF8(unquoted, []byte("\uFFFD"))
	}
	if len(raw) > maxInterned {
		return string(raw), nil
	}
	if s, ok := d.interned[string(raw)]; ok {
		return s, nil
	}
	s := string(raw)
	if d.interned == nil {
		d.interned = make(map[string]string)
	}
	d.interned[s] = s
	return s, nil
}

// maxInterned is the longest string interned; longer ones (comments,
// links) rarely repeat exactly.
const maxInterned = 48

// str reads a text field into dst. When only counting, a string is
// skipped unread, which spares the copy of every name and comment of a
// large delivery; any other kind is still read, for its warning.
func (d *decoder) str(dst *string) (err error) {
	if !d.keep && !(d.clients && d.inClient) && d.dec.PeekKind() == '"' {
		return d.dec.SkipValue()
	}
	*dst, err = d.text()
	return err
}

// number reads a value meant to be a number; a number sent as a string is
// read as the number it spells. ok is false when no number could be read.
func (d *decoder) number() (f float64, ok bool, err error) {
	kind := d.dec.PeekKind()
	switch kind {
	case '0':
		tok, err := d.dec.ReadToken()
		if err != nil {
			return 0, false, err
		}
		f, err = tok.Float()
		if err != nil || math.IsInf(f, 0) {
			d.warn("number %s is out of range", tok.String())
			return 0, false, nil
		}
		return f, true, nil
	case '"':
		tok, err := d.dec.ReadToken()
		if err != nil {
			return 0, false, err
		}
		s := tok.String()
		f, perr := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if perr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			d.warn("%q is not a number, ignored", s)
			return 0, false, nil
		}
		d.warn("number sent as text %q, read as %s", s, formatFloat(f))
		return f, true, nil
	case 'n':
		_, err := d.dec.ReadToken()
		d.warn("null where a number was expected")
		return 0, false, err
	default:
		return 0, false, d.unexpected("a number")
	}
}

// integer reads a count; a fractional value is rounded down with a warning.
func (d *decoder) integer() (int, bool, error) {
	f, ok, err := d.number()
	if !ok || err != nil {
		return 0, ok, err
	}
	if f != float64(int(f)) {
		d.warn("%s is not a whole number, read as %d", formatFloat(f), int(f))
	}
	return int(f), true, nil
}

// boolean reads a flag; "true" and "false" sent as strings are understood.
func (d *decoder) boolean() (bool, error) {
	kind := d.dec.PeekKind()
	switch kind {
	case 't', 'f':
		tok, err := d.dec.ReadToken()
		if err != nil {
			return false, err
		}
		return tok.Bool(), nil
	case '"':
		tok, err := d.dec.ReadToken()
		if err != nil {
			return false, err
		}
		s := tok.String()
		b, perr := strconv.ParseBool(strings.TrimSpace(s))
		if perr != nil {
			d.warn("%q is not true or false, read as false", s)
			return false, nil
		}
		d.warn("flag sent as text %q, read as %t", s, b)
		return b, nil
	case 'n':
		_, err := d.dec.ReadToken()
		d.warn("null where true or false was expected, read as false")
		return false, err
	default:
		return false, d.unexpected("true or false")
	}
}

// raw reads any value and keeps its bytes exactly as sent.
func (d *decoder) raw() (json.RawMessage, error) {
	v, err := d.dec.ReadValue()
	if err != nil {
		return nil, err
	}
	return json.RawMessage(bytes.Clone(v)), nil
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "text"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "an invalid value"
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
