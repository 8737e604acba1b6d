package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/clustr/clustr-explorer/listener"
	"github.com/clustr/clustr-explorer/storage"
)

// noInterface makes reaching the interface fail the test, for commands
// that must be refused before it starts.
func noInterface(t *testing.T) {
	t.Helper()
	saved := browseCapture
	browseCapture = func(context.Context, interfaceOptions) error {
		t.Errorf("the interface was started")
		return nil
	}
	t.Cleanup(func() { browseCapture = saved })
}

// sha256Of is the digest of a file, to show it was left as it was.
func sha256Of(t *testing.T, path string) [sha256.Size]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return sha256.Sum256(data)
}

// TestOpenRefusesWhatIsNotACapture checks that open of a file that cannot
// be browsed fails with one sentence and status 1, does not panic, leaves
// the file as it was and never creates a missing one.
func TestOpenRefusesWhatIsNotACapture(t *testing.T) {
	noInterface(t)
	dir := t.TempDir()
	capture := readBytes(t, captureFixtures(t, fixtureNames(t)[:3]))
	pageSize := os.Getpagesize()

	files := []struct {
		name, want string
		data       []byte
	}{
		{"empty", "is not a clustr-explorer capture file: it is empty", []byte{}},
		{"json", "it is not a bbolt database", readFixture(t, "doc-completed.json")},
		{"short", "is not a clustr-explorer capture file", capture[:100]},
		{"truncated", "it is truncated", capture[:len(capture)/2]},
		{"damaged header", "its header is damaged",
			damageMetaPages(capture, pageSize)},
		{"zeros", "is not a clustr-explorer capture file", make([]byte, 4*pageSize)},
		{"another bbolt file", "it has no clustr-explorer metadata", nil},
	}
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(f.name, " ", "-")+".db")
			if f.data == nil {
				writeForeignBolt(t, path)
			} else if err := os.WriteFile(path, f.data, 0o600); err != nil {
				t.Fatal(err)
			}
			before := sha256Of(t, path)

			r := runCLI(t, "open", path)
			checkOneSentence(t, r, path, f.want)
			if sha256Of(t, path) != before {
				t.Errorf("open changed %s", path)
			}
		})
	}

	t.Run("missing", func(t *testing.T) {
		path := filepath.Join(dir, "missing.db")
		r := runCLI(t, "open", path)
		checkOneSentence(t, r, path, "no such file; give the path of a file written by")
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("open created %s: %v", path, err)
		}
	})

	t.Run("a directory", func(t *testing.T) {
		r := runCLI(t, "open", dir)
		checkOneSentence(t, r, dir, "it is a directory")
	})
}

// checkOneSentence checks that a command failed with status 1 and one line
// on stderr that names path and says want.
func checkOneSentence(t *testing.T, r result, path, want string) {
	t.Helper()
	if r.status != 1 || strings.Count(r.stderr, "\n") != 1 ||
		!strings.HasPrefix(r.stderr, "clustr-explorer: ") ||
		!strings.Contains(r.stderr, path) || !strings.Contains(r.stderr, want) {
		t.Errorf("status %d, stderr %q; want 1 and one line naming the file and saying %q",
			r.status, r.stderr, want)
	}
	if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine") {
		t.Errorf("the command panicked: %s", r.stderr)
	}
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// damageMetaPages returns a copy of a bbolt file whose two meta pages, the
// first two pages, are garbled past their magic number and version, as a bad
// sector might garble them.
func damageMetaPages(data []byte, pageSize int) []byte {
	damaged := append([]byte(nil), data...)
	for _, page := range []int{0, pageSize} {
		for i := page + 32; i < page+72; i++ {
			damaged[i] ^= 0x5a
		}
	}
	return damaged
}

// writeForeignBolt writes a bbolt file of another program to path.
func writeForeignBolt(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("settings"))
		if err != nil {
			return err
		}
		return b.Put([]byte("theme"), []byte("dark"))
	})
	if closeErr := db.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestOpenLiveCapture runs a headless capture in a child process, and
// checks that open of its file says at once how to see it, and that open
// --snapshot shows a copy of what it holds and deletes the copy after.
func TestOpenLiveCapture(t *testing.T) {
	db := filepath.Join(t.TempDir(), "capture.db")
	cmd := exec.Command(binary(t), "listen", "--headless", "--addr", "127.0.0.1:0", "--db", db)
	p := startProcess(t, cmd)
	url := p.url(t)
	for _, name := range fixtureNames(t)[:3] {
		resp, err := http.Post(url+"hooks/clustr", "application/json",
			strings.NewReader(string(readFixture(t, name))))
		if err != nil {
			t.Fatalf("post: %v", err)
		}
		resp.Body.Close()
	}

	info, err := os.Stat(listener.LivePath(db))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the capture's sidecar: %v, mode %v; want one readable by its owner only",
			err, info.Mode())
	}

	t.Run("open says how to see it", func(t *testing.T) {
		noInterface(t)
		start := time.Now()
		r := runCLI(t, "open", db)
		checkOneSentence(t, r, db, "is being captured into by clustr-explorer (process "+
			strconv.Itoa(cmd.Process.Pid)+"); see it as it is now with "+
			"clustr-explorer open --snapshot "+db)
		if waited := time.Since(start); waited > 1500*time.Millisecond {
			t.Errorf("refusing took %v", waited)
		}
	})

	t.Run("open --snapshot shows a copy", func(t *testing.T) {
		var shown string
		saved := browseCapture
		t.Cleanup(func() { browseCapture = saved })
		browseCapture = func(_ context.Context, opts interfaceOptions) error {
			shown = opts.Store.Path()
			if opts.SnapshotOf != db || opts.ListenURL != "" || !opts.Store.ReadOnly() {
				t.Errorf("the interface was given %+v", opts)
			}
			if n, err := opts.Store.Count(); err != nil || n != 3 {
				t.Errorf("the snapshot holds %d deliveries (%v), want 3", n, err)
			}
			return nil
		}

		before := sha256Of(t, db)
		r := runCLI(t, "open", "--snapshot", db)
		if r.status != 0 || r.stderr != "" {
			t.Fatalf("open --snapshot: status %d, stderr %q", r.status, r.stderr)
		}
		if shown == "" || shown == db {
			t.Fatalf("the interface showed %q, not a copy", shown)
		}
		if _, err := os.Stat(shown); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the copy %s is left behind: %v", shown, err)
		}
		if sha256Of(t, db) != before {
			t.Errorf("taking a snapshot changed the capture file")
		}
	})

	// The capture goes on, and removes its sidecar when it stops.
	resp, err := http.Post(url+"hooks/clustr", "application/json",
		strings.NewReader(`{"status":"completed","job_id":"after"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("a delivery after the snapshot: %v %v", resp, err)
	}
	resp.Body.Close()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if status := p.wait(t); status != 0 {
		t.Fatalf("the capture exited %d:\n%s", status, p.stderr.String())
	}
	if _, err := os.Stat(listener.LivePath(db)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the sidecar is left after a clean stop: %v", err)
	}
	r := runCLI(t, "open", "--snapshot", db)
	checkOneSentence(t, r, db, "no clustr-explorer is capturing into")
}

// TestOpenStaleLiveFile checks what open says of a sidecar left by a
// capture that crashed: that it is not running, and, when the file is
// locked all the same, that something else holds it.
func TestOpenStaleLiveFile(t *testing.T) {
	noInterface(t)
	db := captureFixtures(t, fixtureNames(t)[:2])

	ended := exec.Command("true")
	if err := ended.Run(); err != nil {
		t.Skipf("no process to watch end: %v", err)
	}
	stale := listener.Live{PID: ended.Process.Pid, URL: "http://127.0.0.1:9/", Token: "t"}
	if err := listener.WriteLive(db, stale); err != nil {
		t.Fatal(err)
	}

	r := runCLI(t, "open", "--snapshot", db)
	checkOneSentence(t, r, db, "that captured into "+db+" is not running (process "+
		strconv.Itoa(stale.PID)+" has ended")

	// Something other than clustr-explorer holds the lock.
	holder, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	r = runCLI(t, "open", db)
	checkOneSentence(t, r, db, "is in use by another process, but the clustr-explorer that "+
		"captured into it is not running")
	if !strings.Contains(r.stderr, "something else holds the file") {
		t.Errorf("the message does not say something else holds the file: %q", r.stderr)
	}

	// Without a sidecar, the message still tells of snapshots.
	if err := os.Remove(listener.LivePath(db)); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, "open", db)
	checkOneSentence(t, r, db, "is in use by another process (if clustr-explorer is "+
		"capturing into it, see it as it is now with clustr-explorer open --snapshot "+db+")")
}
