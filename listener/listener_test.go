package listener_test

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/clustr/clustr-explorer/listener"
	"github.com/clustr/clustr-explorer/model"
)

// TestFixtures posts every reference payload and checks what the sender is
// told and what the capture file then holds.
func TestFixtures(t *testing.T) {
	c := startCapture(t, listener.Options{Version: "1.2.3"})

	files, err := filepath.Glob(filepath.Join(fixtures, "*"))
	if err != nil || len(files) < 8 {
		t.Fatalf("fixtures: %d files, %v", len(files), err)
	}

	// The sender learns where a refused body broke; the places are model's,
	// and two of them are known by heart.
	wantPlace := map[string][2]int{
		"edge-not-json.txt":   {1, 1},
		"edge-truncated.json": {27, 22},
	}

	sent := map[uint64]string{}
	for _, file := range files {
		name := filepath.Base(file)
		body := readFixture(t, name)
		a := post(t, c.url+"hooks/clustr", body, nil)
		seq := seqOf(t, a)
		sent[seq] = name

		place, refused := wantPlace[name]
		if !refused {
			if a.code != http.StatusOK || a.json["ok"] != true {
				t.Errorf("%s: answered %d %s, want 200 ok", name, a.code, a.raw)
			}
			payload, err := model.Decode(body)
			if err != nil {
				t.Fatalf("%s: model refuses it: %v", name, err)
			}
			if a.json["job_id"] != payload.JobID || a.json["batch_id"] != payload.BatchID {
				t.Errorf("%s: answer names job %v batch %v, want %s %s",
					name, a.json["job_id"], a.json["batch_id"], payload.JobID, payload.BatchID)
			}
			if _, isList := a.json["warnings"].([]any); !isList {
				t.Errorf("%s: answer warnings are not a list: %s", name, a.raw)
			}
			if got := stringList(a.json["warnings"]); !slices.Equal(got, nonNil(payload.Warnings)) {
				t.Errorf("%s: answer warnings %q, want %q", name, got, payload.Warnings)
			}
			continue
		}

		_, err := model.Decode(body)
		var se *model.SyntaxError
		if !errors.As(err, &se) || se.Line != place[0] || se.Column != place[1] {
			t.Fatalf("%s: model places the break at %+v, this test expects %v", name, err, place)
		}
		if a.code != http.StatusBadRequest || a.json["ok"] != false {
			t.Errorf("%s: answered %d %s, want 400 not ok", name, a.code, a.raw)
		}
		if a.json["line"] != float64(se.Line) || a.json["column"] != float64(se.Column) {
			t.Errorf("%s: answer places the break at line %v column %v, want %d %d",
				name, a.json["line"], a.json["column"], se.Line, se.Column)
		}
		if msg, _ := a.json["error"].(string); !strings.Contains(msg, "line") {
			t.Errorf("%s: error %q does not say where the body broke", name, msg)
		}
	}

	// Each delivery is in the file, with its body exactly as sent and a
	// summary that agrees with the model.
	records, err := c.store.Records()
	if err != nil {
		t.Fatalf("records: %v", err)
	}
	if len(records) != len(files) {
		t.Fatalf("the capture holds %d deliveries, want %d", len(records), len(files))
	}
	for _, rec := range records {
		name := sent[rec.Seq]
		body := readFixture(t, name)

		stored, err := c.store.Body(rec.Seq)
		if err != nil || !bytes.Equal(stored, body) {
			t.Errorf("%s: stored body differs from what was sent (%v)", name, err)
		}
		if rec.Request.Method != "POST" || rec.Request.Path != "/hooks/clustr" ||
			rec.Request.WireSize != int64(len(body)) || rec.Truncated {
			t.Errorf("%s: request metadata %+v", name, rec.Request)
		}
		got := rec.Request.Header["Content-Type"]
		if !slices.Equal(got, []string{"application/json"}) {
			t.Errorf("%s: stored Content-Type header %q", name, got)
		}

		want := digestOf(body)
		if rec.Status != want.Status || rec.JobID != want.JobID ||
			rec.Clients != want.Clients || rec.Opportunities != want.Opportunities ||
			rec.TargetOpportunities != want.TargetOpportunities ||
			rec.BestScore != want.BestScore || rec.Reject != want.Reject {
			t.Errorf("%s: stored digest\n%+v\nwant\n%+v", name, rec.Digest, want)
		}
	}

	byName := map[string]int{}
	for i, rec := range records {
		byName[sent[rec.Seq]] = i
	}
	statuses := map[string]string{
		"doc-completed.json":    "completed",
		"doc-failed.json":       "failed",
		"doc-full-history.json": "completed",
		"edge-escape.json":      "completed",
		"edge-loose-types.json": "completed",
		"edge-unicode.json":     "completed",
		"edge-not-json.txt":     "rejected",
		"edge-truncated.json":   "rejected",
	}
	for name, status := range statuses {
		if got := records[byName[name]].Status; got != status {
			t.Errorf("%s: stored status %q, want %q", name, got, status)
		}
	}

	// The summary of the documented payload claims more than its body holds.
	completed := records[byName["doc-completed.json"]]
	if completed.Clients != 1 || completed.Opportunities != 1 || len(completed.Warnings) != 2 ||
		!strings.Contains(completed.Warnings[0], "total_processed claims 2 clients") ||
		!strings.Contains(completed.Warnings[1], "total_opportunities claims 15") {
		t.Errorf("doc-completed.json: %d clients, %d opportunities, warnings %q",
			completed.Clients, completed.Opportunities, completed.Warnings)
	}

	failed := records[byName["doc-failed.json"]]
	if failed.Error == nil || failed.Error.Code != "PROCESSING_ERROR" {
		t.Errorf("doc-failed.json: stored error %+v, want code PROCESSING_ERROR", failed.Error)
	}

	loose := records[byName["edge-loose-types.json"]]
	if loose.Clients != 3 || loose.Opportunities != 2 || loose.BestScore != 72 ||
		!containsWarning(loose.Warnings, `number sent as text "72.0"`) ||
		!containsWarning(loose.Warnings, "ranking_reason: unknown field") {
		t.Errorf("edge-loose-types.json: %d clients, %d opportunities, best %v, warnings %q",
			loose.Clients, loose.Opportunities, loose.BestScore, loose.Warnings)
	}

	truncated := records[byName["edge-truncated.json"]]
	if truncated.RejectLine != 27 || truncated.RejectColumn != 22 {
		t.Errorf("edge-truncated.json: stored break at %d:%d, want 27:22",
			truncated.RejectLine, truncated.RejectColumn)
	}

	// One log line per delivery, naming its number and status.
	logs := c.log.String()
	if n := strings.Count(logs, "msg=delivery "); n != len(files) {
		t.Errorf("%d delivery log lines, want %d:\n%s", n, len(files), logs)
	}
	if !strings.Contains(logs, "seq=1 status=") ||
		!strings.Contains(logs, "status=rejected code=400") {
		t.Errorf("log lines lack seq or status:\n%s", logs)
	}
}

// TestStatusPage checks that the root and health paths show the
// application, its version and how many deliveries are stored.
func TestStatusPage(t *testing.T) {
	c := startCapture(t, listener.Options{Version: "1.2.3"})

	for _, name := range []string{"doc-completed.json", "doc-failed.json"} {
		if a := post(t, c.url, readFixture(t, name), nil); a.code != http.StatusOK {
			t.Fatalf("POST / %s: %d %s", name, a.code, a.raw)
		}
	}

	for _, path := range []string{"", "healthz"} {
		a := send(t, http.MethodGet, c.url+path, nil, nil)
		if a.code != http.StatusOK || a.json["ok"] != true || a.json["app"] != "clustr-explorer" ||
			a.json["version"] != "1.2.3" || a.json["deliveries"] != float64(2) {
			t.Errorf("GET /%s: %d %s", path, a.code, a.raw)
		}

		head := send(t, http.MethodHead, c.url+path, nil, nil)
		if head.code != http.StatusOK || len(head.raw) != 0 {
			t.Errorf("HEAD /%s: %d with %d bytes of body", path, head.code, len(head.raw))
		}
	}
}

// TestMethodNotAllowed checks that a wrong method is refused with the
// methods that the path accepts, and that nothing is stored.
func TestMethodNotAllowed(t *testing.T) {
	c := startCapture(t, listener.Options{})

	cases := []struct{ method, path, allow string }{
		{http.MethodGet, "hooks/clustr", "POST"},
		{http.MethodPut, "hooks/clustr", "POST"},
		{http.MethodDelete, "", "GET, HEAD, POST"},
		{http.MethodPut, "", "GET, HEAD, POST"},
		{http.MethodPost, "healthz", "GET, HEAD"},
		{http.MethodPatch, "healthz", "GET, HEAD"},
	}
	for _, tc := range cases {
		a := send(t, tc.method, c.url+tc.path, []byte(`{}`), nil)
		if a.code != http.StatusMethodNotAllowed || a.header.Get("Allow") != tc.allow ||
			a.json["ok"] != false || a.json["error"] == "" {
			t.Errorf("%s /%s: %d Allow %q %s, want 405 Allow %q",
				tc.method, tc.path, a.code, a.header.Get("Allow"), a.raw, tc.allow)
		}
	}

	if n, err := c.store.Count(); err != nil || n != 0 {
		t.Errorf("refused requests stored %d deliveries (%v)", n, err)
	}
}

// TestClosedStore checks that a delivery the file cannot take is answered
// 503, so that the sender retries it later.
func TestClosedStore(t *testing.T) {
	c := startCapture(t, listener.Options{})
	if err := c.store.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	a := post(t, c.url, readFixture(t, "doc-completed.json"), nil)
	msg, _ := a.json["error"].(string)
	if a.code != http.StatusServiceUnavailable || a.json["ok"] != false ||
		!strings.Contains(msg, "closed") || !strings.Contains(msg, "retry") {
		t.Errorf("POST to a closed capture: %d %s, want 503 saying to retry", a.code, a.raw)
	}
	if _, ok := a.json["seq"]; ok {
		t.Errorf("a delivery that was not stored is given a seq: %s", a.raw)
	}
	if !strings.Contains(c.log.String(), "level=ERROR msg=\"delivery not stored\"") {
		t.Errorf("the failed write is not logged:\n%s", c.log.String())
	}

	status := send(t, http.MethodGet, c.url+"healthz", nil, nil)
	if status.code != http.StatusServiceUnavailable {
		t.Errorf("GET /healthz on a closed capture: %d %s, want 503", status.code, status.raw)
	}

	// The file holds nothing of the delivery.
	store := reopen(t, c.path)
	if n, err := store.Count(); err != nil || n != 0 {
		t.Errorf("the capture holds %d deliveries (%v), want none", n, err)
	}
}

// TestEmptyBody checks that an empty POST is refused and kept.
func TestEmptyBody(t *testing.T) {
	c := startCapture(t, listener.Options{})

	a := post(t, c.url, nil, nil)
	msg, _ := a.json["error"].(string)
	if a.code != http.StatusBadRequest || !strings.Contains(msg, "empty") {
		t.Errorf("empty POST: %d %s, want 400 saying the body is empty", a.code, a.raw)
	}

	rec, err := c.store.Record(seqOf(t, a))
	if err != nil || rec.Status != model.StatusRejected {
		t.Errorf("empty POST stored as %+v (%v), want rejected", rec.Digest, err)
	}
}

// TestBindError checks that a port in use is reported with the address.
func TestBindError(t *testing.T) {
	c := startCapture(t, listener.Options{})
	addr := c.server.Addr()

	_, err := listener.New(c.store, listener.Options{}).Listen(addr)
	var bind *listener.BindError
	if !errors.As(err, &bind) || !strings.Contains(err.Error(), "listen on "+addr) ||
		!strings.Contains(err.Error(), "address already in use") {
		t.Errorf("second listener on %s: %v", addr, err)
	}
}

// digestOf is what the model makes of a body, accepted or not.
func digestOf(body []byte) model.Digest {
	payload, err := model.Decode(body)
	if err != nil {
		return model.RejectedDigest(err)
	}
	return payload.Digest()
}

func containsWarning(warnings []string, part string) bool {
	return slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, part) })
}

// stringList reads a JSON array of strings.
func stringList(v any) []string {
	list, _ := v.([]any)
	out := []string{}
	for _, item := range list {
		s, _ := item.(string)
		out = append(out, s)
	}
	return out
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// fileSize is used to show that a read-only open leaves a file alone.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	return info.Size()
}
