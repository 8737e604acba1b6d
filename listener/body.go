package listener

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"
)

// PrefixSize is how much of a body over the limit is kept, so that the user
// can still see what kind of document it was.
const PrefixSize = 64 << 10

// body is what was read from one request.
type body struct {
	// data is what gets stored: the decoded document, the bytes as received
	// when they could not be decoded, or the first PrefixSize bytes of a
	// body over the limit.
	data []byte

	wireSize   int64 // bytes read off the connection
	size       int64 // decoded bytes seen; more than the limit when tooLarge
	tooLarge   bool
	compressed bool // sent with a Content-Encoding

	// codingErr is set when the Content-Encoding does not match the bytes
	// or cannot be decoded at all.
	codingErr *codingError
}

// codingError says why a body could not be decoded as its Content-Encoding
// claims.
type codingError struct {
	coding      string
	unsupported bool
	err         error
}

// Error says what the body claimed to be and why it is not.
func (e *codingError) Error() string {
	if e.unsupported {
		return fmt.Sprintf("body is marked %s, which cannot be decoded; "+
			"send it uncompressed, gzip or deflate", e.coding)
	}
	// The decompressors name themselves in their errors; the sentence
	// already does.
	reason := e.err.Error()
	for _, name := range []string{"gzip: ", "zlib: ", "flate: "} {
		reason = strings.TrimPrefix(reason, name)
	}
	return fmt.Sprintf("body is marked %s but is not valid %s: %s", e.coding, e.coding, reason)
}

// Unwrap returns the decompressor's error.
func (e *codingError) Unwrap() error { return e.err }

// normalCoding reads a Content-Encoding header: "" for none, else the
// coding's canonical name in lower case.
func normalCoding(header string) string {
	coding := strings.ToLower(strings.TrimSpace(header))
	switch coding {
	case "", "identity":
		return ""
	case "x-gzip":
		return "gzip"
	}
	return coding
}

// readBody reads a request body of the given Content-Encoding, keeping at
// most limit decoded bytes. The error is the connection's: the sender went
// away or was too slow, and there is nothing worth storing.
func readBody(r io.Reader, contentLength int64, coding string, limit int64) (*body, error) {
	coding = normalCoding(coding)

	// A compressed body of incompressible data is a little larger than the
	// data itself, so the wire allows a margin over the decoded limit.
	wireLimit := limit
	if coding != "" {
		wireLimit = limit + limit/256 + 64<<10
	}
	wire, over, err := readCapped(r, wireLimit, contentLength)
	if err != nil && !over {
		return nil, fmt.Errorf("reading the body failed after %d bytes: %w", len(wire), err)
	}
	b := &body{wireSize: int64(len(wire)), compressed: coding != ""}

	switch {
	case coding == "" && over:
		b.tooLarge = true
		b.data = prefix(wire)
		b.size = seen(contentLength, wire)

	case coding == "":
		b.data = wire
		b.size = int64(len(wire))

	case over:
		// Whatever the wire's first bytes decode to is shown; if they decode
		// to nothing, the wire's own first bytes are.
		b.tooLarge = true
		decoded, _, _ := decode(coding, wire, PrefixSize)
		b.data = prefix(decoded)
		if len(b.data) == 0 {
			b.data = prefix(wire)
		}
		b.size = limit + 1

	default:
		decoded, over, cerr := decode(coding, wire, limit)
		switch {
		case over:
			b.tooLarge = true
			b.data = prefix(decoded)
			b.size = int64(len(decoded))
		case cerr != nil:
			b.codingErr = cerr
			b.data = wire
			b.size = int64(len(wire))
		default:
			b.data = decoded
			b.size = int64(len(decoded))
		}
	}
	return b, nil
}

// readCapped reads r until it ends or more than limit bytes have come; over
// reports the latter. Reading goes on up to PrefixSize bytes even past a
// smaller limit, so that a refused body always keeps its first PrefixSize.
func readCapped(r io.Reader, limit, sizeHint int64) (data []byte, over bool, err error) {
	keep := max(limit+1, PrefixSize)

	// The buffer grows with the bytes that arrive, never ahead of them: a
	// declared Content-Length is only a promise, and trusting it up front
	// would let a stranger claim 64 MiB with one byte sent. It doubles, but
	// stops at the declared size (plus the byte that shows the end), so a
	// body as long as it said is read without a last, wasted doubling.
	// A liar gains at most four bytes of buffer for each byte sent.
	r = io.LimitReader(r, keep)
	buf := make([]byte, 0, min(64<<10, keep))
	for {
		if len(buf) == cap(buf) {
			// Once a quarter of the declared size has arrived, the rest is
			// taken at its word: one last buffer instead of two doublings.
			next := int64(2 * cap(buf))
			if sizeHint > int64(len(buf)) {
				next = min(next, sizeHint+1)
				if int64(len(buf))*4 >= sizeHint {
					next = sizeHint + 1
				}
			}
			grown := make([]byte, len(buf), min(next, keep))
			copy(grown, buf)
			buf = grown
		}
		n, rerr := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			err = rerr
			break
		}
		if int64(len(buf)) >= keep {
			break
		}
	}

	over = int64(len(buf)) > limit
	return buf, over, err
}

// prefix returns the part of a refused body that is kept.
func prefix(data []byte) []byte { return data[:min(len(data), PrefixSize)] }

// seen is the size of a body that was not read to its end: what its sender
// declared, or else what was read.
func seen(contentLength int64, read []byte) int64 {
	return max(contentLength, int64(len(read)))
}

// decode undoes the coding of wire, keeping at most limit bytes; over
// reports that there were more.
func decode(coding string, wire []byte, limit int64) (decoded []byte, over bool, _ *codingError) {
	if len(wire) == 0 {
		// An empty body is reported as empty, not as a broken stream.
		return nil, false, nil
	}

	switch coding {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(wire))
		if err != nil {
			return nil, false, &codingError{coding: coding, err: err}
		}
		decoded, over, err = readStream(zr, limit)
		if err != nil {
			return decoded, over, &codingError{coding: coding, err: err}
		}
		return decoded, over, nil

	case "deflate":
		return inflate(wire, limit)
	}
	return nil, false, &codingError{coding: coding, unsupported: true}
}

// inflate decodes a deflate body. The standard says deflate means a zlib
// stream, but some senders send raw deflate, so that is tried when reading
// it as zlib fails.
func inflate(wire []byte, limit int64) ([]byte, bool, *codingError) {
	var zerr error
	zr, err := zlib.NewReader(bytes.NewReader(wire))
	if err == nil {
		decoded, over, err := readStream(zr, limit)
		if err == nil || over {
			return decoded, over, nil
		}
		zerr = err
	}

	decoded, over, err := readStream(flate.NewReader(bytes.NewReader(wire)), limit)
	if err == nil || over {
		return decoded, over, nil
	}

	// A valid zlib header says the sender meant zlib, so its error is the
	// one that explains what went wrong.
	if zerr != nil {
		err = zerr
	}
	return decoded, false, &codingError{coding: "deflate", err: err}
}

// readStream reads a decompressor to its end, or past limit bytes. A stream
// that breaks after the limit is still over it: the limit is the answer.
func readStream(r io.Reader, limit int64) ([]byte, bool, error) {
	data, over, err := readCapped(r, limit, 0)
	if over {
		return data, true, nil
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("the stream ends before its end marker")
	}
	return data, false, err
}
