package main

import (
	"bufio"
	"bytes"
	"fmt"
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

// TestListenSecret runs the built binary with a secret made for it, and
// checks that the URL it prints, with the secret, is the one accepted, that
// other POSTs are refused and logged, and that the secret is not stored.
func TestListenSecret(t *testing.T) {
	db := filepath.Join(t.TempDir(), "capture.db")
	cmd := exec.Command(binary(t), "listen", "--headless", "--addr", "127.0.0.1:0", "--db", db)
	cmd.Env = append(os.Environ(), "CLUSTR_EXPLORER_SECRET=auto")
	p := startProcess(t, cmd)
	m := p.firstLine(t, regexp.MustCompile(
		`^Listening on ((http://127\.0\.0\.1:\d+/)hooks/([A-Za-z0-9_-]{22})); capturing into `))
	hook, base, secret := m[1], m[2], m[3]

	body := readFixture(t, "doc-completed.json")
	for _, tc := range []struct {
		url  string
		code int
	}{
		{hook, http.StatusOK},
		{base, http.StatusUnauthorized},
		{base + "hooks/clustr", http.StatusUnauthorized},
	} {
		resp, err := http.Post(tc.url, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatalf("post: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("POST %s: %d, want %d", tc.url, resp.StatusCode, tc.code)
		}
	}

	_ = cmd.Process.Signal(syscall.SIGTERM)
	if status := p.wait(t); status != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", status, p.stderr.String())
	}
	stderr := p.stderr.String()
	loggedHook := strings.ReplaceAll(hook, secret, "[secret]")
	if !strings.Contains(stderr, "msg=listening url="+loggedHook+" ") || strings.Contains(stderr, secret) ||
		strings.Count(stderr, `msg="delivery refused: no secret"`) != 2 ||
		!strings.Contains(stderr, "path=/hooks/[secret] ") {
		t.Errorf("the log lacks the URL, the refusals or the redacted path:\n%s", stderr)
	}

	store, err := storage.Open(db, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open the capture: %v", err)
	}
	defer store.Close()
	records, err := store.Records()
	if err != nil || len(records) != 1 || records[0].Request.Path != "/hooks/[secret]" {
		t.Fatalf("the capture holds %+v (%v), want the one delivery, its path redacted",
			records, err)
	}
	if strings.Contains(fmt.Sprint(records[0]), secret) {
		t.Errorf("the stored record holds the secret: %+v", records[0])
	}
}

// TestListenBadSecret checks that a secret that cannot be used is refused
// before anything is created.
func TestListenBadSecret(t *testing.T) {
	db := filepath.Join(t.TempDir(), "capture.db")
	for secret, want := range map[string]string{
		"short": "the secret is 5 characters long; give at least 16, or auto for a random one; " +
			"check --secret or CLUSTR_EXPLORER_SECRET",
		"a/secret/with/slashes": `the secret holds "/", which a URL path would have to escape`,
	} {
		r := runCLI(t, "listen", "--headless", "--addr", "127.0.0.1:0", "--db", db,
			"--secret", secret)
		if r.status != 1 || strings.Count(r.stderr, "\n") != 1 ||
			!strings.Contains(r.stderr, want) {
			t.Errorf("--secret %s: status %d, stderr %q; want 1 and %q", secret, r.status,
				r.stderr, want)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("a refused secret left the capture file %s behind", db)
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
	return p.firstLine(t, regexp.MustCompile(
		`^Listening on (http://127\.0\.0\.1:\d+/); capturing into `))[1]
}

// firstLine waits for the first line on stdout and returns its submatches
// of pattern, failing the test when it does not match.
func (p *process) firstLine(t *testing.T, pattern *regexp.Regexp) []string {
	t.Helper()
	select {
	case line := <-p.lines:
		m := pattern.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("first line %q does not match %s", line, pattern)
		}
		return m
	case <-time.After(10 * time.Second):
		t.Fatalf("nothing printed within 10s; stderr:\n%s", p.stderr.String())
	}
	return nil
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
