package listener_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/clustr/clustr-explorer/listener"
	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// fuzzMaxBody keeps the fuzzer's bodies, and what they decompress to,
// small enough to explore the limit as well as the rest.
const fuzzMaxBody = 64 << 10

// documentedCodes are the answers the README lists.
var documentedCodes = []int{
	http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
	http.StatusMethodNotAllowed, http.StatusRequestTimeout, http.StatusRequestEntityTooLarge,
	http.StatusUnsupportedMediaType, http.StatusServiceUnavailable,
}

// FuzzHandler drives the listener's handler with arbitrary methods, paths,
// encodings, secret headers and bodies over a real capture file, and checks
// that every answer is a documented code with a JSON body, that nothing
// without the secret is stored, and that a 200 names a delivery whose
// stored body is the decoded body.
func FuzzHandler(f *testing.F) {
	addFuzzSeeds(f)

	store, err := storage.Open(filepath.Join(f.TempDir(), "capture.db"), storage.Options{})
	if err != nil {
		f.Fatalf("open: %v", err)
	}
	f.Cleanup(func() { _ = store.Close() })
	l := listener.New(store, listener.Options{
		Secret:        testSecret,
		SnapshotToken: "fuzz-snapshot-token",
		MaxBody:       fuzzMaxBody,
	})

	f.Fuzz(func(t *testing.T, method, path, coding, secret string, body []byte) {
		before, err := store.Count()
		if err != nil {
			t.Fatalf("count: %v", err)
		}

		// The request is built field by field, so that targets that
		// httptest.NewRequest refuses to parse reach the handler too.
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Method = method
		r.URL = &url.URL{Path: path}
		r.RequestURI = r.URL.RequestURI()
		if coding != "" {
			r.Header.Set("Content-Encoding", coding)
		}
		if secret != "" {
			r.Header.Set(listener.SecretHeader, secret)
		}
		w := httptest.NewRecorder()
		l.ServeHTTP(w, r)

		checkFuzzAnswer(t, store, w, r, before, body)
	})
}

// checkFuzzAnswer checks one answer of FuzzHandler.
func checkFuzzAnswer(t *testing.T, store *storage.Store, w *httptest.ResponseRecorder,
	r *http.Request, before int, body []byte) {
	t.Helper()

	if !slices.Contains(documentedCodes, w.Code) {
		t.Fatalf("answered %d, which is not a documented code: %s", w.Code, w.Body)
	}
	var answer map[string]any
	if w.Header().Get("Content-Type") != "application/json" ||
		json.Unmarshal(w.Body.Bytes(), &answer) != nil {
		t.Fatalf("answered %d with %q, not a JSON object: %q",
			w.Code, w.Header().Get("Content-Type"), w.Body)
	}

	after, err := store.Count()
	if err != nil {
		t.Fatalf("count: %v", err)
	}
	seqValue, hasSeq := answer["seq"].(float64)
	switch {
	case hasSeq && after != before+1:
		t.Fatalf("answered %d with seq %v, but %d deliveries were stored", w.Code, seqValue,
			after-before)
	case !hasSeq && after != before:
		t.Fatalf("answered %d without a seq, but %d deliveries were stored: %s", w.Code,
			after-before, w.Body)
	case r.Method != http.MethodPost && hasSeq:
		t.Fatalf("a %q request was stored: %s", r.Method, w.Body)
	}
	if !hasSeq {
		return
	}

	seq := uint64(seqValue)
	rec, err := store.Record(seq)
	if err != nil {
		t.Fatalf("answered seq %d, which cannot be read: %v", seq, err)
	}
	stored, err := store.Body(seq)
	if err != nil {
		t.Fatalf("answered seq %d, whose body cannot be read: %v", seq, err)
	}

	if w.Code != http.StatusOK {
		if rec.Status != model.StatusRejected {
			t.Fatalf("answered %d, but stored as %q", w.Code, rec.Status)
		}
		return
	}
	if rec.Status == model.StatusRejected {
		t.Fatalf("answered 200, but stored as rejected: %s", rec.Reject)
	}
	want, ok := decodeLikeASender(r.Header.Get("Content-Encoding"), body)
	if !ok {
		t.Fatalf("answered 200 for a body that does not decode as %q",
			r.Header.Get("Content-Encoding"))
	}
	if !bytes.Equal(stored, want) {
		t.Fatalf("answered 200 with seq %d, whose stored body is not the decoded body", seq)
	}
}

// decodeLikeASender undoes a Content-Encoding as its standard says, apart
// from the listener's code.
func decodeLikeASender(coding string, body []byte) ([]byte, bool) {
	var r io.Reader
	switch strings.ToLower(strings.TrimSpace(coding)) {
	case "", "identity":
		return body, true
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, false
		}
		r = zr
	case "deflate":
		// Deflate is a zlib stream; raw deflate is what some senders send.
		if zr, err := zlib.NewReader(bytes.NewReader(body)); err == nil {
			if data, err := io.ReadAll(zr); err == nil {
				return data, true
			}
		}
		r = flate.NewReader(bytes.NewReader(body))
	default:
		return nil, false
	}
	data, err := io.ReadAll(r)
	return data, err == nil
}

// addFuzzSeeds adds the fixtures, as sent and compressed, and bodies and
// encodings that are broken in the ways senders break them.
func addFuzzSeeds(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(fixtures, "*"))
	if err != nil || len(files) < 8 {
		f.Fatalf("fixtures: %d files, %v", len(files), err)
	}
	hook := "/hooks/" + testSecret

	for _, file := range files {
		doc, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		gz := compressSeed(gzipWriter, doc)
		f.Add("POST", hook, "", "", doc)
		f.Add("POST", "/", "", testSecret, doc)
		f.Add("POST", hook, "gzip", "", gz)
		f.Add("POST", hook, "deflate", "", compressSeed(zlibWriter, doc))
		f.Add("POST", hook, "deflate", "", compressSeed(flateWriter, doc))
		f.Add("POST", hook, "gzip", "", doc)            // fake gzip
		f.Add("POST", hook, "gzip", "", gz[:len(gz)/2]) // cut short
		f.Add("POST", "/hooks/clustr", "", "", doc)     // no secret
	}

	doc := []byte(`{"status":"completed","job_id":"j"}`)
	big := compressSeed(gzipWriter, bytes.Repeat([]byte(" "), 4*fuzzMaxBody))
	for _, seed := range []struct {
		method, path, coding, secret string
		body                         []byte
	}{
		{"POST", hook, "br", "", doc},
		{"POST", hook, "gzip, deflate", "", doc},
		{"POST", hook, " X-GZIP ", "", compressSeed(gzipWriter, doc)},
		{"POST", hook, "identity", "", doc},
		{"POST", hook, "gzip", "", big},
		{"POST", hook, "", "", nil},
		{"POST", hook, "", "", []byte("[1,2,3]")},
		{"POST", hook, "", "", []byte("\xff\xfe{}")},
		{"POST", "/healthz", "", testSecret, doc},
		{"POST", "/_snapshot", "", testSecret, doc},
		{"GET", "/_snapshot", "", "", nil},
		{"GET", "/", "", "", nil},
		{"HEAD", "/healthz", "", "", nil},
		{"PUT", hook, "", "", doc},
		{"", "", "", "", nil},
		{"post", hook, "", "", doc},
		{"POST", "hooks/" + testSecret, "", "", doc},
		{"POST", hook + "/", "", "", doc},
	} {
		f.Add(seed.method, seed.path, seed.coding, seed.secret, seed.body)
	}
}

// compressSeed compresses body for a seed.
func compressSeed(newWriter func(io.Writer) io.WriteCloser, body []byte) []byte {
	var buf bytes.Buffer
	w := newWriter(&buf)
	_, _ = w.Write(body) // writes to a bytes.Buffer do not fail
	_ = w.Close()
	return buf.Bytes()
}
