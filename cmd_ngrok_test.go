package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Without an authtoken, --ngrok says what is missing in one sentence and
// the listener goes on serving locally.
func TestNgrokWithoutTokenKeepsListening(t *testing.T) {
	db := filepath.Join(t.TempDir(), "capture.db")
	cmd := exec.Command(binary(t), "listen", "--headless", "--ngrok",
		"--addr", "127.0.0.1:0", "--db", db)
	cmd.Env = withoutEnv(os.Environ(), "NGROK_AUTHTOKEN")
	p := startProcess(t, cmd)
	url := p.url(t)

	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.stderr.String(), "No ngrok tunnel:") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	want := "No ngrok tunnel: --ngrok needs an authtoken: set NGROK_AUTHTOKEN to the one on " +
		"your ngrok dashboard; listening locally all the same.\n"
	if !strings.Contains(p.stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, p.stderr.String())
	}

	resp, err := http.Get(url + "healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the listener does not answer: %v %v", resp, err)
	}
	resp.Body.Close()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if status := p.wait(t); status != 0 {
		t.Errorf("exit status %d", status)
	}
}

// With a real authtoken, a real tunnel opens and its URL is printed. This
// needs ngrok's service, so it runs only where NGROK_AUTHTOKEN is set.
func TestNgrokOpensARealTunnel(t *testing.T) {
	if os.Getenv("NGROK_AUTHTOKEN") == "" {
		t.Skip("NGROK_AUTHTOKEN is not set")
	}
	db := filepath.Join(t.TempDir(), "capture.db")
	cmd := exec.Command(binary(t), "listen", "--headless", "--ngrok",
		"--addr", "127.0.0.1:0", "--db", db)
	p := startProcess(t, cmd)
	p.url(t)
	public := p.firstLine(t, regexp.MustCompile(`Public URL through ngrok: (https://\S+)`))
	if len(public) < 2 || !strings.HasPrefix(public[1], "https://") {
		t.Fatalf("no public URL: %v", public)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t)
}

func withoutEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
