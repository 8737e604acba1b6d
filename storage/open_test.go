package storage

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// writeBolt creates a bbolt file at path whose buckets and keys are given
// as bucket name → key → value, bypassing this package.
func writeBolt(t *testing.T, path string, buckets map[string]map[string]string) {
	t.Helper()

	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for name, kvs := range buckets {
			b, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			for k, v := range kvs {
				if err := b.Put([]byte(k), []byte(v)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// truncatedCapture writes a capture of several pages and returns a copy of
// it cut to half its size.
func truncatedCapture(t *testing.T) string {
	t.Helper()

	path := filepath.Join(t.TempDir(), "full.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		body := []byte(strings.Repeat(fmt.Sprintf("delivery %d ", i), 300))
		if _, err := s.Append(sampleRecord(i), body); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	half := filepath.Join(t.TempDir(), "half.db")
	if err := os.WriteFile(half, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	return half
}

func TestOpenRefusesWhatIsNotACapture(t *testing.T) {
	random := make([]byte, 64<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}

	for _, tc := range []struct {
		name       string
		make       func(t *testing.T, path string)
		reason     string // part of the message
		writeToo   bool   // also refused when opened for writing
		customPath func(t *testing.T) string
	}{
		{
			name: "text file",
			make: func(t *testing.T, path string) {
				writeFile(t, path, []byte("status,job_id\ncompleted,job-1\n"))
			},
			reason:   "it is not a bbolt database",
			writeToo: true,
		},
		{
			name:     "random bytes",
			make:     func(t *testing.T, path string) { writeFile(t, path, random) },
			reason:   "it is not a bbolt database",
			writeToo: true,
		},
		{
			name:   "empty file read-only",
			make:   func(t *testing.T, path string) { writeFile(t, path, nil) },
			reason: "it is empty",
		},
		{
			name: "bbolt file of another program",
			make: func(t *testing.T, path string) {
				writeBolt(t, path, map[string]map[string]string{
					"users": {"alice": "admin"},
				})
			},
			reason:   "it has no clustr-explorer metadata",
			writeToo: true,
		},
		{
			name: "meta of another app",
			make: func(t *testing.T, path string) {
				writeBolt(t, path, map[string]map[string]string{
					"meta": {"schema": "1", "app": "other\x1b[31m"},
				})
			},
			reason:   `it was written by "other\x1b[31m"`,
			writeToo: true,
		},
		{
			name: "schema that is not a number",
			make: func(t *testing.T, path string) {
				writeBolt(t, path, map[string]map[string]string{
					"meta": {"schema": "one", "app": "clustr-explorer"},
				})
			},
			reason:   `its schema version "one" is not valid`,
			writeToo: true,
		},
		{
			name: "blank bbolt file read-only",
			make: func(t *testing.T, path string) {
				writeBolt(t, path, nil)
			},
			reason: "it is a bbolt file that holds nothing",
		},
		{
			name: "capture cut inside its second page",
			make: func(t *testing.T, path string) {
				data, err := os.ReadFile(newCapture(t, 3))
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, path, data[:6000])
			},
			reason:   "it is too short to be a bbolt database",
			writeToo: true,
		},
		{
			name:       "truncated capture",
			customPath: truncatedCapture,
			reason:     "it is truncated",
			writeToo:   true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var path string
			if tc.customPath != nil {
				path = tc.customPath(t)
			} else {
				path = filepath.Join(t.TempDir(), "not-a-capture.db")
				tc.make(t, path)
			}
			before := snapshot(t, path)

			modes := []Options{{ReadOnly: true}}
			if tc.writeToo {
				modes = append(modes, Options{})
			}
			for _, opts := range modes {
				s, err := Open(path, opts)
				if err == nil {
					s.Close()
					t.Fatalf("Open(ReadOnly %v) succeeded", opts.ReadOnly)
				}
				if !errors.Is(err, ErrNotCapture) {
					t.Errorf("Open(ReadOnly %v): %v, want ErrNotCapture", opts.ReadOnly, err)
				}
				prefix := path + " is not a clustr-explorer capture file: "
				msg := err.Error()
				t.Logf("ReadOnly %v: %s", opts.ReadOnly, strings.TrimPrefix(msg, path))
				if !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, tc.reason) {
					t.Errorf("Open(ReadOnly %v) error reads %q, want %q…%q",
						opts.ReadOnly, msg, prefix, tc.reason)
				}
			}

			assertUnchanged(t, path, before)
		})
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestOpenSurvivesGarbledPages(t *testing.T) {
	path := newCapture(t, 30)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	// Keep the two meta pages, so bbolt accepts the file, and garble every
	// other page: the tree bbolt walks is then nonsense.
	const page = 4096
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 2 * page; i < len(data); i++ {
		data[i] = byte(rng.Uint32())
	}
	writeFile(t, path, data)
	before := snapshot(t, path)

	s, err := Open(path, Options{ReadOnly: true})
	if err == nil {
		// If the root happened to survive, reading must fail instead.
		_, err = s.Records()
		s.Close()
	}
	if !errors.Is(err, ErrNotCapture) {
		t.Errorf("garbled capture gave %v, want an error wrapping ErrNotCapture", err)
	}
	t.Logf("garbled capture: %v", err)

	assertUnchanged(t, path, before)
}

func TestOpenNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "future.db")
	writeBolt(t, path, map[string]map[string]string{
		"meta": {
			"schema": "99", "app": "clustr-explorer", "created_at": "2030-01-01T00:00:00Z",
		},
		"deliveries": {},
		"bodies":     {},
	})
	before := snapshot(t, path)

	for _, opts := range []Options{{ReadOnly: true}, {}} {
		_, err := Open(path, opts)
		if !errors.Is(err, ErrNewerSchema) {
			t.Fatalf("Open(ReadOnly %v): %v, want ErrNewerSchema", opts.ReadOnly, err)
		}
		want := "capture file " + path + " was written by a newer clustr-explorer " +
			"(schema 99, this one reads up to 1); upgrade clustr-explorer to open it"
		if err.Error() != want {
			t.Errorf("error reads\n%q\nwant\n%q", err, want)
		}
	}

	assertUnchanged(t, path, before)
}

func TestOpenMissingReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nowhere.db")

	_, err := Open(path, Options{ReadOnly: true})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of a missing file: %v, want fs.ErrNotExist", err)
	}
	if want := "open capture " + path + ": no such file"; err == nil || err.Error() != want {
		t.Errorf("error reads %q, want %q", err, want)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a read-only Open left something at %s: %v", path, err)
	}
}

func TestOpenDirectory(t *testing.T) {
	dir := t.TempDir()
	for _, opts := range []Options{{ReadOnly: true}, {}} {
		_, err := Open(dir, opts)
		want := "open capture " + dir + ": it is a directory"
		if err == nil || err.Error() != want {
			t.Errorf("Open(ReadOnly %v) of a directory: %q, want %q", opts.ReadOnly, err, want)
		}
	}
}

func TestOpenWritableInitialisesEmptyFiles(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(t *testing.T, path string)
	}{
		{"zero bytes", func(t *testing.T, path string) { writeFile(t, path, nil) }},
		{"blank bbolt file", func(t *testing.T, path string) { writeBolt(t, path, nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "capture.db")
			tc.make(t, path)

			s, err := Open(path, Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			rec, err := s.Append(sampleRecord(0), sampleBody(0))
			if err != nil {
				t.Fatal(err)
			}
			if rec.Seq != 1 {
				t.Errorf("first delivery got Seq %d", rec.Seq)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			ro, err := Open(path, Options{ReadOnly: true})
			if err != nil {
				t.Fatalf("reopen read-only: %v", err)
			}
			defer ro.Close()
			if n, err := ro.Count(); err != nil || n != 1 {
				t.Errorf("Count() = %d, %v; want 1", n, err)
			}
		})
	}
}

// helperEnv names the capture file that TestHelperProcess holds open.
const helperEnv = "CLUSTR_STORAGE_HELPER_CAPTURE"

// TestHelperProcess is not a test: TestOpenLockedByAnotherProcess runs the
// test binary again with only this function, and it holds a capture open for
// writing until its standard input closes.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		return
	}

	s, err := Open(path, Options{})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("ready")

	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = s.Close()
	os.Exit(0)
}

func TestOpenLockedByAnotherProcess(t *testing.T) {
	path := newCapture(t, 2)

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Kill only our child, and only if the test left it running.
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})

	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- strings.TrimSpace(line)
	}()
	select {
	case line := <-ready:
		if line != "ready" {
			t.Fatalf("helper process said %q", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("helper process did not open the capture within 10s")
	}

	for _, opts := range []Options{{ReadOnly: true}, {}} {
		start := time.Now()
		s, err := Open(path, opts)
		elapsed := time.Since(start)
		if err == nil {
			s.Close()
			t.Fatalf("Open(ReadOnly %v) of a file another process writes succeeded", opts.ReadOnly)
		}

		if !errors.Is(err, ErrLocked) {
			t.Errorf("Open(ReadOnly %v): %v, want ErrLocked", opts.ReadOnly, err)
		}
		want := "capture file " + path + " is in use by another process " +
			"(is clustr-explorer already capturing into it?)"
		if err.Error() != want {
			t.Errorf("error reads %q, want %q", err, want)
		}

		// A guard against hanging, not a timing assertion.
		t.Logf("Open(ReadOnly %v) reported the lock after %v", opts.ReadOnly, elapsed)
		if elapsed > 5*time.Second {
			t.Errorf("Open(ReadOnly %v) took %v to report the lock", opts.ReadOnly, elapsed)
		}
	}

	// Once the other process lets go, the file opens.
	if err := stdin.Close(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper process: %v", err)
	}
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("Open after the other process closed the file: %v", err)
	}
	defer s.Close()
	if n, err := s.Count(); err != nil || n != 2 {
		t.Errorf("Count() = %d, %v; want 2", n, err)
	}
}

func TestOpenLockedWithinProcess(t *testing.T) {
	path := newCapture(t, 1)

	// bbolt opens the file anew each time, and flock locks belong to the
	// open file, not the process: a second Store in the same process is
	// refused just as another process would be.
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	quick := []Options{{ReadOnly: true, Timeout: 100 * time.Millisecond}, {Timeout: -1}}
	for _, opts := range quick {
		start := time.Now()
		_, err := Open(path, opts)
		if !errors.Is(err, ErrLocked) {
			t.Errorf("second Open(ReadOnly %v) in the same process: %v, want ErrLocked",
				opts.ReadOnly, err)
		}
		t.Logf("Open(%+v) reported the lock after %v", opts, time.Since(start))
	}

	// The refused opens did not disturb the open Store.
	if _, err := s.Append(sampleRecord(1), sampleBody(1)); err != nil {
		t.Errorf("Append after refused opens: %v", err)
	}
}
