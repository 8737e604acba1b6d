package redact

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/go-json-experiment/json/jsontext"
)

// Body rewrites a delivery body with Text's replacements: the strings of
// every field (owner_email, linkedin_url and any other) by their name, the
// text of every engagement event in a history list as a comment, and every
// leaf of a custom object as a custom value, strings by a placeholder and
// numbers by 0. Keys, their order, booleans, nulls and every number outside
// custom stay exactly as sent; only the white space between tokens goes.
//
// A body that is not one JSON value, as a rejected delivery's, is replaced
// whole by a sentence saying how long it was. The error is that of writing
// the output, which only a bug can cause.
func (r *Redactor) Body(body []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(body))
	w := &walker{
		r: r,
		dec: jsontext.NewDecoder(bytes.NewReader(body),
			jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true)),
		enc: jsontext.NewEncoder(&out,
			jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true)),
	}

	err := w.value("", plain)
	if err == nil {
		if _, end := w.dec.ReadToken(); !errors.Is(end, io.EOF) {
			err = readError{end}
		}
	}
	var notJSON readError
	if errors.As(err, &notJSON) {
		return fmt.Appendf(nil, "[body of %d bytes redacted: not JSON]", len(body)), nil
	}
	if err != nil {
		return nil, fmt.Errorf("redact body: %w", err)
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}

// mode is what the value being walked is, as far as redaction goes.
type mode uint8

const (
	plain   mode = iota // redacted by its field name
	custom              // inside a custom object
	comment             // inside the text of an engagement event
	history             // a list of engagement events
	event               // one engagement event
)

// readError is a failure to read the body: it is not JSON.
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }
func (e readError) Unwrap() error { return e.err }

// walker copies a body token by token from dec to enc, redacting on the
// way.
type walker struct {
	r   *Redactor
	dec *jsontext.Decoder
	enc *jsontext.Encoder
}

// value copies the next value, which is that of the member field (empty
// for an array element or the body itself), in mode m.
func (w *walker) value(field string, m mode) error {
	switch w.dec.PeekKind() {
	case '{':
		return w.object(m)
	case '[':
		return w.array(m)
	case '"':
		tok, err := w.dec.ReadToken()
		if err != nil {
			return readError{err}
		}
		text := tok.String()
		if redacted := w.redactString(field, text, m); redacted != text {
			tok = jsontext.String(redacted)
		}
		return w.write(w.enc.WriteToken(tok))
	case '0':
		if m == custom {
			if _, err := w.dec.ReadValue(); err != nil {
				return readError{err}
			}
			return w.write(w.enc.WriteToken(jsontext.Int(0)))
		}
	}

	// A number outside custom, a boolean or null: copied as written, so
	// that a large integer keeps every digit.
	v, err := w.dec.ReadValue()
	if err != nil {
		return readError{err}
	}
	return w.write(w.enc.WriteValue(v))
}

// redactString is the text that replaces the string text of field.
func (w *walker) redactString(field, text string, m mode) string {
	switch m {
	case custom:
		return w.r.Text(FieldCustom, text)
	case comment:
		return w.r.Text(FieldComment, text)
	}
	return w.r.Text(field, text)
}

// object copies an object whose members are in mode m.
func (w *walker) object(m mode) error {
	if err := w.copyToken(); err != nil {
		return err
	}
	for w.dec.PeekKind() != '}' {
		name, err := w.dec.ReadToken()
		if err != nil {
			return readError{err}
		}
		key := name.String() // the token is void after the next read
		if err := w.write(w.enc.WriteToken(name)); err != nil {
			return err
		}
		if err := w.value(key, memberMode(m, key)); err != nil {
			return err
		}
	}
	return w.copyToken()
}

// array copies an array whose elements are in mode m.
func (w *walker) array(m mode) error {
	if err := w.copyToken(); err != nil {
		return err
	}
	element := m
	switch m {
	case history:
		element = event
	case event:
		element = plain
	}
	for w.dec.PeekKind() != ']' {
		if err := w.value("", element); err != nil {
			return err
		}
	}
	return w.copyToken()
}

// memberMode is the mode of the member key of an object in mode m.
func memberMode(m mode, key string) mode {
	switch {
	case m == custom || m == comment:
		return m
	case m == event && key == "text":
		return comment
	case key == "custom":
		return custom
	case key == "history":
		return history
	}
	return plain
}

// copyToken copies one token, a bracket or a brace.
func (w *walker) copyToken() error {
	tok, err := w.dec.ReadToken()
	if err != nil {
		return readError{err}
	}
	return w.write(w.enc.WriteToken(tok))
}

// write passes on the error of a write, which is not the body's fault.
func (w *walker) write(err error) error {
	if err != nil {
		return fmt.Errorf("write redacted body: %w", err)
	}
	return nil
}
