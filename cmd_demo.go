package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/clustr/clustr-explorer/generate"
	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// demoCmd is `clustr-explorer demo`.
type demoCmd struct{}

// Run shows the interface on built-in deliveries, with no listener. They
// live in a capture file in a temporary folder, which is removed when the
// interface ends: by a key, by a signal, or by the terminal going away.
func (c *demoCmd) Run(env *runEnv) error {
	logger, closeLog, err := env.logger(false)
	if err != nil {
		return err
	}
	defer closeLog()

	// main stops on SIGINT and SIGTERM; a closed terminal window sends
	// SIGHUP, which would otherwise leave the folder behind.
	ctx, stop := signal.NotifyContext(env.ctx, syscall.SIGHUP)
	defer stop()

	dir, err := os.MkdirTemp("", "clustr-explorer-demo-")
	if err != nil {
		return fmt.Errorf("make a folder for the demo capture: %w", err)
	}
	store, err := buildDemo(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return err
	}

	err = runInterface(ctx, interfaceOptions{Store: store, Logger: logger})
	if cleanupErr := removeDemo(store, dir); err == nil {
		err = cleanupErr
	}
	return err
}

// removeDemo closes the demo capture and removes its folder.
func removeDemo(store *storage.Store, dir string) error {
	closeErr := store.Close()
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove the demo capture: %w; delete %s by hand", err, dir)
	}
	return closeErr
}

// demoDelivery is one delivery of the demo.
type demoDelivery struct {
	body        []byte
	contentType string
}

// demoDeliveries are the demo's deliveries, oldest first, so that the
// richest batch opens the Batches page: the documented samples, a body that
// is not JSON, a failed job, and generated batches with full history.
func demoDeliveries() []demoDelivery {
	var deliveries []demoDelivery
	for _, s := range model.Samples() {
		deliveries = append(deliveries, demoDelivery{s.Body, "application/json"})
	}

	deliveries = append(deliveries, demoDelivery{
		[]byte("status=completed&job_id=job_form01&batch_id=batch_form01"),
		"application/x-www-form-urlencoded",
	})
	for _, opts := range []generate.Options{
		{Clients: 120, Seed: 104, Failed: true},
		{Clients: 200, Opportunities: 12, History: 4, Seed: 103},
		{Clients: 60, Opportunities: 8, History: 3, Seed: 102},
		{Clients: 24, Opportunities: 6, History: 6, Seed: 106},
	} {
		deliveries = append(deliveries, demoDelivery{generate.Payload(opts), "application/json"})
	}
	return deliveries
}

// demoSpacing is the time between the demo's deliveries, so that their
// received times read like a day's work rather than one instant.
const demoSpacing = 37 * time.Minute

// buildDemo makes a capture file in dir holding the demo's deliveries,
// summarised as the listener would, and returns it open for the interface.
func buildDemo(dir string) (*storage.Store, error) {
	store, err := storage.Open(filepath.Join(dir, "demo.db"), storage.Options{})
	if err != nil {
		return nil, fmt.Errorf("make the demo capture: %w", err)
	}

	deliveries := demoDeliveries()
	last := time.Now().Add(-time.Minute)
	for i, d := range deliveries {
		rec := storage.Record{
			ReceivedAt: last.Add(-time.Duration(len(deliveries)-1-i) * demoSpacing),
			Request: storage.Request{
				Method:     "POST",
				Path:       "/",
				RemoteAddr: "127.0.0.1:52100",
				Host:       "127.0.0.1:8080",
				Header: map[string][]string{
					"Content-Type": {d.contentType},
					"User-Agent":   {"clustr-explorer/" + version},
				},
				WireSize: int64(len(d.body)),
			},
		}
		if p, err := model.Decode(d.body); err != nil {
			rec.Digest = model.RejectedDigest(err)
		} else {
			rec.Digest = p.Digest()
		}

		if _, err := store.Append(rec, d.body); err != nil {
			return nil, errors.Join(fmt.Errorf("fill the demo capture: %w", err), store.Close())
		}
	}
	return store, nil
}
