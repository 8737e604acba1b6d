package listener_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clustr/clustr-explorer/listener"
)

// TestLiveFile checks that the sidecar is written whole, for its owner
// only, read back as written, and removed only by the capture it describes.
func TestLiveFile(t *testing.T) {
	capture := filepath.Join(t.TempDir(), "capture.db")
	if _, err := listener.ReadLive(capture); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("reading a missing sidecar: %v, want fs.ErrNotExist", err)
	}

	c := startCapture(t, listener.Options{SnapshotToken: testToken})
	live := listener.NewLive(c.server, testToken)
	if live.PID != os.Getpid() || live.URL != c.url || live.Token != testToken {
		t.Errorf("NewLive: %+v, want pid %d at %s", live, os.Getpid(), c.url)
	}

	if err := listener.WriteLive(capture, live); err != nil {
		t.Fatalf("WriteLive: %v", err)
	}
	info, err := os.Stat(listener.LivePath(capture))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the sidecar %s: %v, mode %v, want 0600", listener.LivePath(capture), err,
			info.Mode())
	}
	if got, err := listener.ReadLive(capture); err != nil || got != live {
		t.Errorf("ReadLive: %+v (%v), want %+v", got, err, live)
	}
	if entries, _ := os.ReadDir(filepath.Dir(capture)); len(entries) != 1 {
		t.Errorf("writing the sidecar left %d files behind", len(entries))
	}

	// Another capture's sidecar is not ours to remove.
	other := live
	other.Token = "another"
	if err := listener.RemoveLive(capture, other); err != nil {
		t.Fatalf("RemoveLive: %v", err)
	}
	if _, err := listener.ReadLive(capture); err != nil {
		t.Errorf("another capture removed the sidecar: %v", err)
	}
	if err := listener.RemoveLive(capture, live); err != nil {
		t.Fatalf("RemoveLive: %v", err)
	}
	if _, err := os.Stat(listener.LivePath(capture)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the sidecar is still there: %v", err)
	}
	if err := listener.RemoveLive(capture, live); err != nil {
		t.Errorf("removing a removed sidecar: %v", err)
	}
}

// TestLiveCheck checks that a running capture is told apart from one whose
// process has ended or whose address refuses connections.
func TestLiveCheck(t *testing.T) {
	c := startCapture(t, listener.Options{SnapshotToken: testToken})
	live := listener.NewLive(c.server, testToken)
	if err := live.Check(context.Background()); err != nil {
		t.Errorf("a running capture: %v", err)
	}

	ended := exec.Command("true")
	if err := ended.Run(); err != nil {
		t.Skipf("no process to watch end: %v", err)
	}
	gone := live
	gone.PID = ended.Process.Pid
	if err := gone.Check(context.Background()); !errors.Is(err, listener.ErrNotRunning) ||
		!strings.Contains(err.Error(), "has ended") {
		t.Errorf("a capture whose process ended: %v, want ErrNotRunning", err)
	}

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := live
	refused.URL = "http://" + closed.Addr().String() + "/"
	closed.Close()
	if err := refused.Check(context.Background()); !errors.Is(err, listener.ErrNotRunning) ||
		!strings.Contains(err.Error(), "nothing listens") {
		t.Errorf("a capture whose address refuses: %v, want ErrNotRunning", err)
	}
}

// TestLiveFileDamaged checks that a sidecar cut short, as a crash while it
// was written could leave it, reads as a capture that is not running.
func TestLiveFileDamaged(t *testing.T) {
	capture := filepath.Join(t.TempDir(), "capture.db")
	for _, text := range []string{"", `{"pid":12`, `{"pid":0,"url":"x"}`, "\x00\x00"} {
		if err := os.WriteFile(listener.LivePath(capture), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := listener.ReadLive(capture); !errors.Is(err, listener.ErrNotRunning) {
			t.Errorf("sidecar %q: %v, want ErrNotRunning", text, err)
		}
	}
}

// TestDownloadCutOff checks that a snapshot whose answer breaks off
// half-way is an error, not a short file.
func TestDownloadCutOff(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			t.Errorf("the download sent %q", r.Header.Get("Authorization"))
		}
		_, _ = w.Write(bytes.Repeat([]byte{0xbb}, 64<<10))
		panic(http.ErrAbortHandler)
	}))
	defer server.Close()

	live := listener.Live{PID: os.Getpid(), URL: server.URL + "/", Token: testToken}
	n, err := live.Download(context.Background(), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "broke off after") {
		t.Errorf("a download cut off after %d bytes: %v, want an error", n, err)
	}
}
