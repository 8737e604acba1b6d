// Package demo holds the built-in capture that the demo command shows:
// the documented samples, a body that is not JSON, a failed job and
// generated batches with full history, rich enough for every view.
package demo

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/clustr/clustr-explorer/generate"
	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// delivery is one delivery of the demo.
type delivery struct {
	body        []byte
	contentType string
}

// all are the demo's deliveries, oldest first, so that the
// richest batch opens the Batches page: the documented samples, a body that
// is not JSON, a failed job, and generated batches with full history.
func all() []delivery {
	var deliveries []delivery
	for _, s := range model.Samples() {
		deliveries = append(deliveries, delivery{s.Body, "application/json"})
	}

	deliveries = append(deliveries, delivery{
		[]byte("status=completed&job_id=job_form01&batch_id=batch_form01"),
		"application/x-www-form-urlencoded",
	})
	for _, opts := range []generate.Options{
		{Clients: 120, Seed: 104, Failed: true},
		{Clients: 200, Opportunities: 12, History: 4, Seed: 103},
		{Clients: 60, Opportunities: 8, History: 3, Seed: 102},
		{Clients: 24, Opportunities: 6, History: 6, Seed: 106},
	} {
		deliveries = append(deliveries, delivery{generate.Payload(opts), "application/json"})
	}
	return deliveries
}

// spacing is the time between the demo's deliveries, so that their
// received times read like a day's work rather than one instant.
const spacing = 37 * time.Minute

// Build makes a capture file in dir holding the demo's deliveries,
// summarised as the listener would, and returns it open for the interface.
func Build(dir, userAgent string) (*storage.Store, error) {
	store, err := storage.Open(filepath.Join(dir, "demo.db"), storage.Options{})
	if err != nil {
		return nil, fmt.Errorf("make the demo capture: %w", err)
	}

	deliveries := all()
	last := time.Now().Add(-time.Minute)
	for i, d := range deliveries {
		rec := storage.Record{
			ReceivedAt: last.Add(-time.Duration(len(deliveries)-1-i) * spacing),
			Request: storage.Request{
				Method:     "POST",
				Path:       "/",
				RemoteAddr: "127.0.0.1:52100",
				Host:       "127.0.0.1:8080",
				Header: map[string][]string{
					"Content-Type": {d.contentType},
					"User-Agent":   {userAgent},
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
