package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clustr/clustr-explorer/demo"
	"github.com/clustr/clustr-explorer/model"
)

// TestBuildDemo checks what the demo's Batches page is made of: the three
// samples, a rejected body, a failed job and three generated batches, newest
// last, all flawless but the documented sample whose summary disagrees.
func TestBuildDemo(t *testing.T) {
	store, err := demo.Build(t.TempDir(), "clustr-explorer/test")
	if err != nil {
		t.Fatalf("build the demo: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })

	records, err := store.Records()
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	var clients []int
	batches := map[string]bool{}
	for _, r := range records {
		statuses = append(statuses, r.Status)
		clients = append(clients, r.Clients)
		batches[r.BatchID] = true
	}

	wantStatuses := []string{"completed", "failed", "completed", model.StatusRejected,
		"failed", "completed", "completed", "completed"}
	wantClients := []int{1, 0, 1, 0, 0, 200, 60, 24}
	if !slices.Equal(statuses, wantStatuses) || !slices.Equal(clients, wantClients) {
		t.Errorf("the demo holds statuses %q with %v clients, want %q with %v",
			statuses, clients, wantStatuses, wantClients)
	}
	// The completed and failed samples share one batch; the rejected body
	// has none and stands alone.
	if len(batches) != 7 || !batches["batch_xyz789"] || !batches[""] {
		t.Errorf("the demo holds batches %v, want 7 with batch_xyz789", batches)
	}

	rejected := records[3]
	if !strings.Contains(rejected.Reject, "not a JSON object") || rejected.RejectLine != 1 {
		t.Errorf("the rejected delivery says %q at line %d", rejected.Reject, rejected.RejectLine)
	}
	if records[4].Error == nil || records[4].Error.Code == "" {
		t.Errorf("the failed job has error %+v", records[4].Error)
	}
	for _, r := range records[4:] {
		if len(r.Warnings) > 0 {
			t.Errorf("generated delivery %d has warnings %q", r.Seq, r.Warnings)
		}
	}
	for i := 1; i < len(records); i++ {
		if !records[i].ReceivedAt.After(records[i-1].ReceivedAt) {
			t.Errorf("delivery %d was received at %v, not after the one before",
				records[i].Seq, records[i].ReceivedAt)
		}
	}
}

// TestRemoveDemo checks that the cleanup closes the capture and leaves no
// folder behind.
func TestRemoveDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	store, err := demo.Build(dir, "clustr-explorer/test")
	if err != nil {
		t.Fatalf("build the demo: %v", err)
	}

	if err := removeDemo(store, dir); err != nil {
		t.Fatalf("remove the demo: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the demo folder is still there (%v)", err)
	}
	if _, err := store.Records(); err == nil {
		t.Error("the demo capture can still be read after its removal")
	}
}

// startDemo runs the built binary's demo in tmux with its temporary folder
// inside tmp, and waits for the Batches page.
func startDemo(t *testing.T, tmp string) *tmuxSession {
	t.Helper()
	bin := binary(t)
	// exec makes the pane's process the demo itself, for the signal tests.
	s := startTmux(t, 140, 40, fmt.Sprintf("TMPDIR=%s exec %s demo", tmp, bin))
	s.waitFor("batch_kc84yaht", "batch_hist001", "rejected", "failed", "8 deliveries")
	if entries, _ := os.ReadDir(tmp); len(entries) != 1 {
		t.Fatalf("the demo made %d folders in %s, want 1", len(entries), tmp)
	}
	return s
}

// waitGone waits for the demo to end and checks that it left tmp empty.
func (s *tmuxSession) waitGone(tmp string) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for exec.Command("tmux", "has-session", "-t", s.name).Run() == nil {
		if time.Now().After(deadline) {
			s.t.Fatalf("the demo is still running:\n%s", s.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}

	entries, err := os.ReadDir(tmp)
	if err != nil || len(entries) != 0 {
		s.t.Errorf("the demo left %v behind in %s (%v)", entries, tmp, err)
	}
}

// TestEndToEndDemo walks from the demo's Batches page down to a timeline,
// quits, and checks that no file is left.
func TestEndToEndDemo(t *testing.T) {
	tmp := t.TempDir()
	s := startDemo(t, tmp)

	if screen := s.screen(); strings.Contains(screen, "listening") {
		t.Errorf("the demo shows a listener:\n%s", screen)
	}

	s.keys("Enter")
	s.waitFor("Batches › batch_kc84yaht", "François Lefèvre", "seed = 106")
	s.keys("Enter")
	s.waitFor("› François Lefèvre", "PROSPECT")
	s.keys("Enter")
	s.waitFor("Engagement, newest first (9)")

	s.keys("q")
	s.waitGone(tmp)
}

// TestDemoCleanupOnSignal checks that the demo removes its folder when it
// is stopped by a signal rather than a key.
func TestDemoCleanupOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			tmp := t.TempDir()
			s := startDemo(t, tmp)

			out, err := exec.Command("tmux", "display-message", "-p", "-t", s.name,
				"#{pane_pid}").Output()
			pid, perr := strconv.Atoi(strings.TrimSpace(string(out)))
			if err != nil || perr != nil {
				t.Fatalf("find the demo's process: %v %v", err, perr)
			}
			if err := syscall.Kill(pid, sig); err != nil {
				t.Fatalf("signal the demo: %v", err)
			}
			s.waitGone(tmp)
		})
	}
}
