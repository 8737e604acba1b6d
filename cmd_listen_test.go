package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clustr/clustr-explorer/storage"
)

// TestListenHeadless runs the built binary headless, delivers to it, stops
// it with a signal and finds the delivery in the file it leaves.
func TestListenHeadless(t *testing.T) {
	cases := []struct {
		name   string
		signal syscall.Signal
		useEnv bool
	}{
		{"flags and SIGTERM", syscall.SIGTERM, false},
		{"environment and SIGINT", syscall.SIGINT, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "capture.db")
			cmd := exec.Command(binary(t), "listen", "--headless")
			cmd.Env = os.Environ()
			if tc.useEnv {
				cmd.Env = append(cmd.Env, "CLUSTR_EXPLORER_ADDR=127.0.0.1:0",
					"CLUSTR_EXPLORER_DB="+db)
			} else {
				cmd.Args = append(cmd.Args, "--addr", "127.0.0.1:0", "--db", db)
			}
			p := startProcess(t, cmd)

			// The first line says where to send.
			url := p.url(t)
			body := readFixture(t, "doc-completed.json")
			resp, err := http.Post(url+"hooks/clustr", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Fatalf("post: %v", err)
			}
			answer, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK ||
				!bytes.HasPrefix(answer, []byte(`{"ok":true,"seq":1,`)) {
				t.Fatalf("answered %d %s", resp.StatusCode, answer)
			}

			if err := cmd.Process.Signal(tc.signal); err != nil {
				t.Fatalf("signal: %v", err)
			}
			status := p.wait(t)
			stderr := p.stderr.String()
			if status != 0 {
				t.Fatalf("exit status %d after %v, want 0; stderr:\n%s", status, tc.signal, stderr)
			}
			deliveryLine := regexp.MustCompile(`(?m)^time=\S+ level=INFO msg=delivery seq=1 ` +
				`status=completed code=200 remote=127\.0\.0\.1:\d+ bytes=1560 ` +
				`path=/hooks/clustr duration=\S+$`)
			if !deliveryLine.MatchString(stderr) || !strings.Contains(stderr, "msg=stopped") {
				t.Errorf("stderr lacks the delivery or stop line:\n%s", stderr)
			}

			// The process has let go of the file, and the delivery is in it.
			store, err := storage.Open(db, storage.Options{ReadOnly: true})
			if err != nil {
				t.Fatalf("open the capture read-only: %v", err)
			}
			defer store.Close()
			records, err := store.Records()
			if err != nil || len(records) != 1 || records[0].JobID != "job_abc123" {
				t.Fatalf("the capture holds %+v (%v), want the one delivery", records, err)
			}
			stored, err := store.Body(records[0].Seq)
			if err != nil || !bytes.Equal(stored, body) {
				t.Errorf("stored body differs from what was sent (%v)", err)
			}
		})
	}
}

// TestListenFileInUse checks that a second capture into the same file is
// refused within a second, with a sentence that says why.
func TestListenFileInUse(t *testing.T) {
	db := filepath.Join(t.TempDir(), "capture.db")
	first := exec.Command(binary(t), "listen", "--headless", "--addr", "127.0.0.1:0", "--db", db)
	p := startProcess(t, first)
	p.url(t)

	start := time.Now()
	r := runCLI(t, "listen", "--headless", "--addr", "127.0.0.1:0", "--db", db)
	if r.status != 1 || !strings.Contains(r.stderr, "in use by another process") ||
		strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("second capture: status %d, stderr %q", r.status, r.stderr)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Errorf("refusing took %v", waited)
	}

	_ = first.Process.Signal(syscall.SIGTERM)
	if status := p.wait(t); status != 0 {
		t.Errorf("first capture exited %d:\n%s", status, p.stderr.String())
	}
}

// process is a running clustr-explorer whose output the test reads.
type process struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr *lockedBuffer
	done   chan struct{}
}

func startProcess(t *testing.T, cmd *exec.Cmd) *process {
	t.Helper()
	p := &process{cmd: cmd, lines: make(chan string, 16), stderr: &lockedBuffer{},
		done: make(chan struct{})}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		// A test that failed early leaves the process running.
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})

	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			p.lines <- scanner.Text()
		}
		close(p.lines)
		_ = cmd.Wait()
		close(p.done)
	}()
	return p
}

// url waits for the line that says where to send, and returns the URL.
func (p *process) url(t *testing.T) string {
	t.Helper()
	listening := regexp.MustCompile(`^Listening on (http://127\.0\.0\.1:\d+/); capturing into `)
	select {
	case line := <-p.lines:
		m := listening.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("first line %q does not give the URL", line)
		}
		return m[1]
	case <-time.After(10 * time.Second):
		t.Fatalf("no URL printed within 10s; stderr:\n%s", p.stderr.String())
	}
	return ""
}

// wait waits for the process to end and returns its exit status.
func (p *process) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Fatalf("still running 15s after the signal; stderr:\n%s", p.stderr.String())
	}
	return p.cmd.ProcessState.ExitCode()
}

// lockedBuffer collects a process's stderr while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
