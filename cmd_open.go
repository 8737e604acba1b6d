package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/clustr/clustr-explorer/listener"
	"github.com/clustr/clustr-explorer/storage"
)

// openCmd is `clustr-explorer open [--snapshot] FILE`.
type openCmd struct {
	File     string `arg:"" placeholder:"FILE" help:"Capture file to browse."`
	Snapshot bool   `help:"${open_snapshot}"`
}

var openHelp = map[string]string{
	"open_snapshot": "Browse a copy of FILE taken now from the clustr-explorer " +
		"capturing into it, which goes on capturing; the copy is deleted on exit.",
}

// browseCapture shows a capture in the interface. Tests replace it, since
// the interface needs a terminal.
var browseCapture = runInterface

// Run shows a saved capture in the interface without touching the file, or
// a snapshot of a running capture.
func (c *openCmd) Run(env *runEnv) error {
	logger, closeLog, err := env.logger(false)
	if err != nil {
		return err
	}
	defer closeLog()

	if c.Snapshot {
		return c.browseSnapshot(env, logger)
	}

	store, err := openReadOnly(c.File)
	if err != nil {
		return err
	}
	defer store.Close()

	return browseCapture(env.ctx, interfaceOptions{Store: store, Logger: logger})
}

// browseSnapshot downloads a snapshot of the running capture into FILE,
// shows it and deletes it. The capture file itself is never read: it is
// being written, and bytes copied from under a writer are no capture.
func (c *openCmd) browseSnapshot(env *runEnv, logger *slog.Logger) error {
	live, err := listener.ReadLive(c.File)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no clustr-explorer is capturing into %s (there is no %s); "+
			"open it without --snapshot", c.File, listener.LivePath(c.File))
	}
	if err == nil {
		err = live.Check(env.ctx)
	}
	if errors.Is(err, listener.ErrNotRunning) {
		return fmt.Errorf("the clustr-explorer that captured into %s is not running (%w); "+
			"open the file without --snapshot, and if it is still in use, "+
			"something else holds it", c.File, err)
	}
	if err != nil {
		return fmt.Errorf("%w; try again in a moment", err)
	}

	path, err := downloadSnapshot(env.ctx, c.File, live)
	if err != nil {
		return err
	}
	defer os.Remove(path)

	store, err := storage.Open(path, storage.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("the snapshot of %s cannot be read: %w", c.File, err)
	}
	defer store.Close()
	logger.Info("snapshot", "of", c.File, "pid", live.PID, "path", path)

	return browseCapture(env.ctx, interfaceOptions{
		Store:      store,
		SnapshotOf: c.File,
		Logger:     logger,
	})
}

// downloadSnapshot copies a snapshot of the capture that live describes
// into a new temporary file, readable by its owner only, and returns its
// path. Nothing is left behind when it fails.
func downloadSnapshot(ctx context.Context, capture string, live listener.Live) (string, error) {
	f, err := os.CreateTemp("", filepath.Base(capture)+".snapshot-*")
	if err != nil {
		return "", fmt.Errorf("create a file for the snapshot: %w; check TMPDIR", err)
	}

	_, err = live.Download(ctx, f)
	if closeErr := f.Close(); err == nil && closeErr != nil {
		err = fmt.Errorf("write the snapshot to %s: %w; check TMPDIR", f.Name(), closeErr)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("no snapshot of %s: %w", capture, err)
	}
	return f.Name(), nil
}

// openReadOnly opens a capture file for reading, with advice when it is
// missing or another process holds it.
func openReadOnly(path string) (*storage.Store, error) {
	store, err := storage.Open(path, storage.Options{ReadOnly: true})
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w; give the path of a file written by clustr-explorer listen", err)
	case errors.Is(err, storage.ErrLocked):
		return nil, lockedAdvice(path, err)
	}
	return store, err
}

// lockedAdvice explains a file whose lock another process holds: a running
// clustr-explorer, whose capture can be seen through a snapshot, or
// something else.
func lockedAdvice(path string, err error) error {
	live, liveErr := listener.ReadLive(path)
	if liveErr == nil {
		liveErr = live.Check(context.Background())
	}

	var msg string
	switch {
	case errors.Is(liveErr, fs.ErrNotExist):
		msg = fmt.Sprintf("capture file %s is in use by another process (if clustr-explorer "+
			"is capturing into it, see it as it is now with clustr-explorer open --snapshot %s)",
			path, path)
	case errors.Is(liveErr, listener.ErrNotRunning):
		msg = fmt.Sprintf("capture file %s is in use by another process, but the "+
			"clustr-explorer that captured into it is not running (%v); "+
			"something else holds the file", path, liveErr)
	default:
		msg = fmt.Sprintf("capture file %s is being captured into by clustr-explorer "+
			"(process %d); see it as it is now with clustr-explorer open --snapshot %s",
			path, live.PID, path)
	}
	return &explainedError{msg: msg, err: err}
}

// explainedError is err told in a fuller sentence; errors.Is still finds
// what err wraps.
type explainedError struct {
	msg string
	err error
}

func (e *explainedError) Error() string { return e.msg }
func (e *explainedError) Unwrap() error { return e.err }
