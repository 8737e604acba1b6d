package listener_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/clustr/clustr-explorer/listener"
	"github.com/clustr/clustr-explorer/model"
)

func compress(t *testing.T, newWriter func(io.Writer) io.WriteCloser, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := newWriter(&buf)
	if _, err := w.Write(body); err != nil {
		t.Fatalf("compress: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("compress: %v", err)
	}
	return buf.Bytes()
}

func gzipWriter(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) }
func zlibWriter(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) }
func flateWriter(w io.Writer) io.WriteCloser {
	fw, _ := flate.NewWriter(w, flate.DefaultCompression) // the level is valid
	return fw
}

// TestCompressedBodies checks that gzip, zlib and raw deflate bodies are
// stored decoded, with the encoding and the wire size they came with.
func TestCompressedBodies(t *testing.T) {
	c := startCapture(t, listener.Options{})
	doc := readFixture(t, "doc-completed.json")

	cases := []struct {
		name, coding string
		writer       func(io.Writer) io.WriteCloser
	}{
		{"gzip", "gzip", gzipWriter},
		{"x-gzip", "x-gzip", gzipWriter},
		{"zlib deflate", "deflate", zlibWriter},
		{"raw deflate", "deflate", flateWriter},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wire := compress(t, tc.writer, doc)
			a := post(t, c.url, wire, map[string]string{"Content-Encoding": tc.coding})
			if a.code != http.StatusOK || a.json["job_id"] != "job_abc123" {
				t.Fatalf("answered %d %s, want 200 for job_abc123", a.code, a.raw)
			}

			seq := seqOf(t, a)
			rec, err := c.store.Record(seq)
			if err != nil {
				t.Fatalf("record: %v", err)
			}
			if rec.Status != "completed" || rec.Request.ContentEncoding != tc.coding ||
				rec.Request.WireSize != int64(len(wire)) || rec.BodySize != int64(len(doc)) {
				t.Errorf("stored status %q encoding %q wire %d body %d, want completed %q %d %d",
					rec.Status, rec.Request.ContentEncoding, rec.Request.WireSize, rec.BodySize,
					tc.coding, len(wire), len(doc))
			}
			if body, err := c.store.Body(seq); err != nil || !bytes.Equal(body, doc) {
				t.Errorf("stored body is not the decoded document (%v)", err)
			}
		})
	}
}

// TestFakeGzip checks that a body marked gzip that is not is refused, and
// kept as it came so the user can see what the sender did.
func TestFakeGzip(t *testing.T) {
	c := startCapture(t, listener.Options{})
	doc := readFixture(t, "doc-completed.json")

	a := post(t, c.url, doc, map[string]string{"Content-Encoding": "gzip"})
	msg, _ := a.json["error"].(string)
	if a.code != http.StatusBadRequest || a.json["ok"] != false ||
		!strings.HasPrefix(msg, "body is marked gzip but is not valid gzip: ") {
		t.Fatalf("answered %d %s, want 400 saying the body is not gzip", a.code, a.raw)
	}

	seq := seqOf(t, a)
	rec, err := c.store.Record(seq)
	if err != nil || rec.Status != model.StatusRejected || rec.Reject != msg {
		t.Errorf("stored %+v (%v), want rejected with the answer's reason", rec.Digest, err)
	}
	if body, err := c.store.Body(seq); err != nil || !bytes.Equal(body, doc) {
		t.Errorf("stored body is not the bytes as received (%v)", err)
	}
}

// TestUnsupportedEncoding checks that a coding the listener cannot undo is
// refused with 415 and kept.
func TestUnsupportedEncoding(t *testing.T) {
	c := startCapture(t, listener.Options{})

	a := post(t, c.url, []byte("\x1b\x00brotli?"), map[string]string{"Content-Encoding": "br"})
	msg, _ := a.json["error"].(string)
	if a.code != http.StatusUnsupportedMediaType || !strings.Contains(msg, "marked br") {
		t.Fatalf("answered %d %s, want 415 naming br", a.code, a.raw)
	}
	if rec, err := c.store.Record(seqOf(t, a)); err != nil || rec.Status != model.StatusRejected {
		t.Errorf("stored %+v (%v), want rejected", rec.Digest, err)
	}
}

// TestTooLarge checks that a body over the limit is answered 413 and kept as
// its first 64 KiB, marked truncated.
func TestTooLarge(t *testing.T) {
	const limit = 1024
	c := startCapture(t, listener.Options{MaxBody: limit})

	// A JSON document of 200 KiB, so that the kept part is recognisable.
	big := []byte(`{"status":"completed","padding":"` + strings.Repeat("x", 200<<10) + `"}`)

	t.Run("plain", func(t *testing.T) {
		a := post(t, c.url, big, nil)
		checkTooLarge(t, c, a, big[:listener.PrefixSize], limit)
	})

	t.Run("gzip", func(t *testing.T) {
		// Small on the wire, big once decoded: the limit is on the latter.
		wire := compress(t, gzipWriter, big)
		if len(wire) > limit {
			t.Fatalf("the compressed body is %d bytes, not under the limit", len(wire))
		}
		a := post(t, c.url, wire, map[string]string{"Content-Encoding": "gzip"})
		checkTooLarge(t, c, a, big[:listener.PrefixSize], limit)
	})

	t.Run("under the limit", func(t *testing.T) {
		small := []byte(`{"status":"completed","job_id":"small"}`)
		if a := post(t, c.url, small, nil); a.code != http.StatusOK {
			t.Errorf("a body under the limit: %d %s", a.code, a.raw)
		}
	})
}

func checkTooLarge(t *testing.T, c *capture, a answer, kept []byte, limit int) {
	t.Helper()

	msg, _ := a.json["error"].(string)
	if a.code != http.StatusRequestEntityTooLarge || a.json["ok"] != false ||
		!strings.Contains(msg, "larger than the limit of 1024 bytes (--max-body)") {
		t.Fatalf("answered %d %s, want 413 naming the limit of %d bytes", a.code, a.raw, limit)
	}

	seq := seqOf(t, a)
	rec, err := c.store.Record(seq)
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	if !rec.Truncated || rec.Status != model.StatusRejected || rec.Reject != msg {
		t.Errorf("stored truncated=%v %+v, want truncated, rejected with the answer's reason",
			rec.Truncated, rec.Digest)
	}
	if body, err := c.store.Body(seq); err != nil || !bytes.Equal(body, kept) {
		t.Errorf("stored %d bytes (%v), want the first %d", len(body), err, len(kept))
	}
}
