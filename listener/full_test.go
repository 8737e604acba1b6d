package listener_test

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clustr/clustr-explorer/listener"
	"github.com/clustr/clustr-explorer/storage"
)

// TestFullStore fills a capture file limited in size until a delivery does
// not fit, and checks that it is answered 503, that the listener goes on
// answering, and that the file then holds exactly the acknowledged
// deliveries, byte for byte.
func TestFullStore(t *testing.T) {
	const maxSize = 1 << 20

	path := filepath.Join(t.TempDir(), "capture.db")
	store, err := storage.Open(path, storage.Options{MaxSize: maxSize})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	logs := &syncBuffer{}
	server, err := listener.New(store, listener.Options{Logger: logger(logs)}).Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}

	// Distinct bodies of 16 KiB, so that each one needs pages of its own.
	body := func(i int) []byte {
		return fmt.Appendf(nil, `{"status":"completed","job_id":"job-%d","padding":%q}`,
			i, strings.Repeat(fmt.Sprintf("%06d", i), 16<<10/6))
	}

	acked := map[uint64][]byte{}
	var full answer
	for i := 0; ; i++ {
		if i == 500 {
			t.Fatalf("500 bodies of 16 KiB fitted in a file limited to %d bytes", maxSize)
		}
		a := post(t, server.URL()+"hooks/clustr", body(i), nil)
		if a.code != http.StatusOK {
			full = a
			break
		}
		acked[seqOf(t, a)] = body(i)
	}
	t.Logf("%d deliveries fitted; then %d %s", len(acked), full.code, full.raw)

	msg, _ := full.json["error"].(string)
	if full.code != http.StatusServiceUnavailable || full.json["ok"] != false ||
		msg != "the delivery was not stored: the capture file is full; retry later" {
		t.Errorf("the delivery that did not fit: %d %s, want 503 saying the file is full",
			full.code, full.raw)
	}
	if _, ok := full.json["seq"]; ok {
		t.Errorf("a delivery that was not stored is given a seq: %s", full.raw)
	}
	if strings.Contains(string(full.raw), path) {
		t.Errorf("the answer tells the sender where the file is: %s", full.raw)
	}
	if !strings.Contains(logs.String(), `level=ERROR msg="delivery not stored"`) {
		t.Errorf("the failed write is not logged:\n%s", logs.String())
	}

	// The listener still answers: a retry is refused the same way.
	if again := post(t, server.URL()+"hooks/clustr", body(9999), nil); again.code != 503 {
		t.Errorf("a retry into the full file: %d %s, want 503", again.code, again.raw)
	}

	stopServer(t, server)
	if err := store.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	reread := reopen(t, path)
	records, err := reread.Records()
	if err != nil {
		t.Fatalf("records: %v", err)
	}
	if len(records) != len(acked) {
		t.Errorf("the file holds %d deliveries, %d were acknowledged", len(records), len(acked))
	}
	for _, rec := range records {
		want, ok := acked[rec.Seq]
		if !ok {
			t.Errorf("the file holds delivery %d, which was not acknowledged", rec.Seq)
			continue
		}
		if got, err := reread.Body(rec.Seq); err != nil || !bytes.Equal(got, want) {
			t.Errorf("delivery %d: stored body differs from what was acknowledged (%v)",
				rec.Seq, err)
		}
	}
}
