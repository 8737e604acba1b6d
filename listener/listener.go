// Package listener is the HTTP receiver of clustr-explorer. It reads each
// webhook delivery, writes it to the capture file and only then answers the
// sender. It never talks to the interface: the interface learns of new
// deliveries from the store.
package listener

import (
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/clustr/clustr-explorer/storage"
)

// DefaultMaxBody is the largest decoded body accepted when Options.MaxBody
// is zero.
const DefaultMaxBody int64 = 64 << 20

// Defaults for the server's limits, used when an Options field is zero.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10

	// DefaultReadTimeout covers the whole request. It is generous because a
	// batch of thousands of clients is hundreds of megabytes sent over
	// a tunnel.
	DefaultReadTimeout = 5 * time.Minute
	DefaultIdleTimeout = 2 * time.Minute
)

// Options tunes a Listener. The zero value is usable.
type Options struct {
	// MaxBody is the largest body accepted, counted after Content-Encoding
	// is decoded.
	MaxBody int64

	// Logger receives one line per delivery; nil discards them.
	Logger *slog.Logger

	// Version is reported by the status page.
	Version string

	// The server's limits; each zero field takes the Default of its name.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
}

// withDefaults fills every zero field of o.
func (o Options) withDefaults() Options {
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return o
}

// Listener is the http.Handler that receives deliveries into a store.
type Listener struct {
	store *storage.Store
	opts  Options
	log   *slog.Logger
}

// New returns a Listener that writes every delivery into store.
func New(store *storage.Store, opts Options) *Listener {
	opts = opts.withDefaults()
	return &Listener{store: store, opts: opts, log: opts.Logger}
}

// Paths with a meaning of their own; every other path is a webhook path.
const (
	rootPath   = "/"
	healthPath = "/healthz"
)

// ServeHTTP routes a request: POST is a delivery anywhere but the health
// path, GET and HEAD of the root and health paths show the status, and
// anything else is refused with the methods that would have worked.
func (l *Listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	readable := r.Method == http.MethodGet || r.Method == http.MethodHead

	switch {
	case path == healthPath && readable, path == rootPath && readable:
		l.status(w)
	case path == healthPath:
		methodNotAllowed(w, "GET, HEAD")
	case r.Method == http.MethodPost:
		l.deliver(w, r)
	case path == rootPath:
		methodNotAllowed(w, "GET, HEAD, POST")
	default:
		methodNotAllowed(w, "POST")
	}
}

// status answers with the application, its version and the number of
// deliveries stored, so that a sender or a tunnel can be checked by hand.
func (l *Listener) status(w http.ResponseWriter) {
	count, err := l.store.Count()
	if err != nil {
		l.log.Error("status: counting deliveries failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, refusal{
			Error: "the capture file cannot be read: " + err.Error(),
		})
		return
	}

	writeJSON(w, http.StatusOK, statusAnswer{
		OK:         true,
		App:        "clustr-explorer",
		Version:    l.opts.Version,
		Deliveries: count,
	})
}

// Server returns an http.Server for the Listener with its limits set.
func (l *Listener) Server() *http.Server {
	return &http.Server{
		Handler:           l,
		ReadHeaderTimeout: l.opts.ReadHeaderTimeout,
		ReadTimeout:       l.opts.ReadTimeout,
		// The write deadline starts when the headers are read, so it must
		// outlast reading the body and the commit.
		WriteTimeout:   l.opts.ReadTimeout + time.Minute,
		IdleTimeout:    l.opts.IdleTimeout,
		MaxHeaderBytes: l.opts.MaxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(l.log.Handler(), slog.LevelWarn),
	}
}
