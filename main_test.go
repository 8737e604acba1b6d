package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clustr/clustr-explorer/listener"
	"github.com/clustr/clustr-explorer/storage"
)

// fixtures is where the project's copies of the vendor's payloads live.
const fixtures = "testdata/fixtures"

// binDir holds the binary that the tests which need a real process build.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "clustr-explorer-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir

	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildOnce sync.Once
	buildErr  error
)

// binary builds clustr-explorer once and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	path := filepath.Join(binDir, "clustr-explorer")
	buildOnce.Do(func() {
		out, err := exec.Command("go", "build", "-o", path, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return path
}

// result is what a user sees of one run of the command line.
type result struct {
	status int
	stdout string
	stderr string
}

// runCLI runs the command line in this process.
func runCLI(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var stdout, stderr bytes.Buffer
	status := run(ctx, args, &stdout, &stderr)
	return result{status: status, stdout: stdout.String(), stderr: stderr.String()}
}

// fixtureNames lists the reference payloads in the order they are sent.
func fixtureNames(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(fixtures, "*"))
	if err != nil || len(files) < 8 {
		t.Fatalf("fixtures: %d files, %v", len(files), err)
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
	}
	return names
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return body
}

// captureFixtures posts every reference payload through a real listener
// into a new capture file, closes it and returns its path. The deliveries
// are numbered 1, 2, ... in the order of names.
func captureFixtures(t *testing.T, names []string) string {
	t.Helper()

	path := filepath.Join(t.TempDir(), "capture.db")
	store, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatalf("open capture: %v", err)
	}
	server, err := listener.New(store, listener.Options{}).Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}

	for _, name := range names {
		resp, err := http.Post(server.URL(), "application/json",
			bytes.NewReader(readFixture(t, name)))
		if err != nil {
			t.Fatalf("post %s: %v", name, err)
		}
		resp.Body.Close()
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := server.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if err := store.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return path
}

// TestVersion checks that --version prints the version alone.
func TestVersion(t *testing.T) {
	r := runCLI(t, "--version")
	if r.status != 0 || r.stdout != version+"\n" {
		t.Errorf("--version: status %d, stdout %q", r.status, r.stdout)
	}
}

// TestDefaultCommand checks that flags without a command start listening.
func TestDefaultCommand(t *testing.T) {
	var c cli
	parser, err := newParser(&c, &bytes.Buffer{}, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("parser: %v", err)
	}

	kctx, err := parser.Parse([]string{"--addr", "127.0.0.1:9999", "--db", "x.db"})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if kctx.Command() != "listen" || c.Listen.Addr != "127.0.0.1:9999" ||
		c.Listen.DB != "x.db" || c.Listen.Headless || c.Listen.MaxBody != 64<<20 {
		t.Errorf("parsed %q into %+v", kctx.Command(), c.Listen)
	}
}

// TestEnvironment checks that the environment stands for the flags.
func TestEnvironment(t *testing.T) {
	t.Setenv("CLUSTR_EXPLORER_ADDR", "127.0.0.1:7777")
	t.Setenv("CLUSTR_EXPLORER_DB", "env.db")
	t.Setenv("CLUSTR_EXPLORER_MAX_BODY", "500MB")
	t.Setenv("CLUSTR_EXPLORER_SECRET", "from-the-environment")

	var c cli
	parser, err := newParser(&c, &bytes.Buffer{}, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("parser: %v", err)
	}
	if _, err := parser.Parse([]string{"listen", "--headless"}); err != nil {
		t.Fatalf("parse: %v", err)
	}
	if c.Listen.Addr != "127.0.0.1:7777" || c.Listen.DB != "env.db" ||
		c.Listen.MaxBody != 500_000_000 || c.Listen.Secret != "from-the-environment" {
		t.Errorf("parsed %+v from the environment", c.Listen)
	}
}

// TestMaxBodySizes checks the sizes --max-body understands.
func TestMaxBodySizes(t *testing.T) {
	good := map[string]byteSize{
		"1024": 1024, "64MiB": 64 << 20, "64mib": 64 << 20, "500MB": 500_000_000,
		"1.5G": 3 << 29, "10 KiB": 10 << 10, "2k": 2048,
	}
	for text, want := range good {
		var got byteSize
		if err := got.UnmarshalText([]byte(text)); err != nil || got != want {
			t.Errorf("%q read as %d (%v), want %d", text, got, err, want)
		}
	}

	for _, text := range []string{"", "0", "-1", "12XB", "MiB", "1e9"} {
		var got byteSize
		if err := got.UnmarshalText([]byte(text)); err == nil {
			t.Errorf("%q read as %d, want an error", text, got)
		}
	}

	r := runCLI(t, "listen", "--headless", "--max-body", "lots")
	if r.status == 0 || !strings.Contains(r.stderr, `"lots" is not a size`) {
		t.Errorf("--max-body lots: status %d, stderr %q", r.status, r.stderr)
	}
}

// TestPortInUse checks the advice given when the address is taken.
func TestPortInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer taken.Close()
	addr := taken.Addr().String()

	db := filepath.Join(t.TempDir(), "capture.db")
	r := runCLI(t, "listen", "--headless", "--addr", addr, "--db", db)
	want := "clustr-explorer: listen on " + addr +
		": address already in use; pick another with --addr\n"
	if r.status != 1 || r.stderr != want {
		t.Errorf("listen on a taken port: status %d, stderr %q, want %q", r.status, r.stderr, want)
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("a failed start left the capture file %s behind", db)
	}
}

// TestUsageErrorsExitTwo checks the status scripts get for a bad command line.
func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{{"--bogus"}, {"export"}, {"nonsense", "x", "y"}} {
		r := runCLI(t, args...)
		if r.status != 2 || !strings.Contains(r.stderr, "clustr-explorer: error:") {
			t.Errorf("%q: status %d, stderr %q; want 2 and the error", args, r.status, r.stderr)
		}
	}
}
