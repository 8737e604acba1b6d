package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests drive the built binary in tmux, as a user at a terminal would:
// the listener and the interface in one process, a delivery sent with curl.

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// tmuxSession runs command in a detached tmux session of the given size and
// kills it when the test ends.
type tmuxSession struct {
	t    *testing.T
	name string
}

func startTmux(t *testing.T, width, height int, command string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	s := &tmuxSession{t: t, name: fmt.Sprintf("ce-e2e-%d-%d", os.Getpid(), time.Now().UnixNano())}
	cmd := exec.Command("tmux", "new-session", "-d", "-s", s.name,
		"-x", fmt.Sprint(width), "-y", fmt.Sprint(height), command)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "kill-session", "-t", s.name).Run() })
	return s
}

func (s *tmuxSession) screen() string {
	out, err := exec.Command("tmux", "capture-pane", "-p", "-t", s.name).Output()
	if err != nil {
		return ""
	}
	return string(out)
}

func (s *tmuxSession) keys(keys ...string) {
	args := append([]string{"send-keys", "-t", s.name}, keys...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		s.t.Fatalf("tmux send-keys: %v\n%s", err, out)
	}
}

// waitFor polls the screen until every text shows, for at most ten seconds.
func (s *tmuxSession) waitFor(texts ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var screen string
	for time.Now().Before(deadline) {
		screen = s.screen()
		missing := false
		for _, text := range texts {
			if !strings.Contains(screen, text) {
				missing = true
			}
		}
		if !missing {
			return screen
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("the screen never showed %q:\n%s", texts, screen)
	return ""
}

func waitHealthy(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the listener at %s never answered", url)
}

func TestEndToEndDeliveryAppearsWithoutAKeypress(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	bin := binary(t)
	db := filepath.Join(t.TempDir(), "capture.db")
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	url := "http://" + addr + "/"

	s := startTmux(t, 120, 40, fmt.Sprintf("%s --addr %s --db %s", bin, addr, db))
	waitHealthy(t, url)
	s.waitFor("No deliveries yet.", url, "0 deliveries")

	out, err := exec.Command("curl", "-sS", "-H", "Content-Type: application/json",
		"--data-binary", "@testdata/fixtures/doc-full-history.json", url).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"seq":1`) {
		t.Fatalf("curl: %v: %s", err, out)
	}

	screen := s.waitFor("batch_hist001", "1 delivery", "1 new")
	if !strings.Contains(screen, "● ✓ done") {
		t.Errorf("the new batch carries no mark:\n%s", screen)
	}

	s.keys("Enter")
	s.waitFor("John Doe")
	s.keys("q")
}

func TestEndToEndSampleKeyFillsAnEmptyCapture(t *testing.T) {
	bin := binary(t)
	db := filepath.Join(t.TempDir(), "capture.db")
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))

	s := startTmux(t, 120, 40, fmt.Sprintf("%s --addr %s --db %s", bin, addr, db))
	waitHealthy(t, "http://"+addr+"/")
	s.waitFor("press p")

	s.keys("p")
	s.waitFor("batch_xyz789", "batch_hist001", "3 deliveries")
}
