// Package listener is the HTTP receiver of clustr-explorer. It reads each
// webhook delivery, writes it to the capture file and only then answers the
// sender. It never talks to the interface: the interface learns of new
// deliveries from the store.
package listener

import (
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
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
	DefaultIdleTimeout       = 2 * time.Minute

	// DefaultBodyIdleTimeout is how long a body may send nothing before it
	// is cut off. A sender that is still sending is never cut off by it,
	// however slow its tunnel.
	DefaultBodyIdleTimeout = 30 * time.Second

	// DefaultBodyTimeout caps the reading of one body however steadily it
	// trickles in. It is generous because a batch of thousands of clients
	// is hundreds of megabytes sent over a tunnel.
	DefaultBodyTimeout = 10 * time.Minute
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

	// Secret, when set, is what a delivery must show to be accepted: a
	// POST to /hooks/Secret or one with the header SecretHeader. Any other
	// POST is answered 401, counted and not stored. Empty accepts every
	// POST, as a listener that only loopback can reach may.
	Secret string

	// SnapshotToken, when set, lets GET /_snapshot with the header
	// "Authorization: Bearer SnapshotToken" download a consistent copy of
	// the capture. Empty leaves /_snapshot an ordinary webhook path.
	SnapshotToken string

	// Forward, when set, is a URL that every accepted delivery is relayed
	// to once it is stored, without delaying the sender's answer: the
	// stored body, the sender's headers (see RelayHeader) and SeqHeader.
	// Failures are retried and every attempt is recorded in the store.
	Forward string

	// ForwardBackoff is the wait before each retry of a failed forward, so
	// that there are len(ForwardBackoff)+1 attempts; nil takes
	// DefaultForwardBackoff. ForwardTimeout bounds one attempt,
	// ForwardQueue is how many deliveries may wait and ForwardWorkers how
	// many are forwarded at once; each zero takes the Default of its name.
	ForwardBackoff []time.Duration
	ForwardTimeout time.Duration
	ForwardQueue   int
	ForwardWorkers int

	// The server's limits; each zero field takes the Default of its name.
	ReadHeaderTimeout time.Duration
	BodyIdleTimeout   time.Duration
	BodyTimeout       time.Duration
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
	if o.BodyIdleTimeout <= 0 {
		o.BodyIdleTimeout = DefaultBodyIdleTimeout
	}
	if o.BodyTimeout <= 0 {
		o.BodyTimeout = DefaultBodyTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if o.ForwardBackoff == nil {
		o.ForwardBackoff = DefaultForwardBackoff
	}
	if o.ForwardTimeout <= 0 {
		o.ForwardTimeout = DefaultForwardTimeout
	}
	if o.ForwardQueue <= 0 {
		o.ForwardQueue = DefaultForwardQueue
	}
	if o.ForwardWorkers <= 0 {
		o.ForwardWorkers = DefaultForwardWorkers
	}
	return o
}

// Listener is the http.Handler that receives deliveries into a store.
type Listener struct {
	store *storage.Store
	opts  Options
	log   *slog.Logger

	// secret and snapshotToken are the SHA-256 of Options.Secret and
	// Options.SnapshotToken, so that comparing them takes the same time
	// whatever the length of what a request offers.
	secret        *digest
	secretText    string // only to take it out of what is logged
	snapshotToken *digest

	unauthorized atomic.Uint64

	// forwarder relays accepted deliveries; nil without Options.Forward.
	forwarder *forwarder
}

// New returns a Listener that writes every delivery into store.
func New(store *storage.Store, opts Options) *Listener {
	opts = opts.withDefaults()
	l := &Listener{
		store:         store,
		opts:          opts,
		log:           opts.Logger,
		secret:        digestOf(opts.Secret),
		secretText:    opts.Secret,
		snapshotToken: digestOf(opts.SnapshotToken),
	}
	if opts.Forward != "" {
		l.forwarder = newForwarder(store, opts)
	}
	return l
}

// Unauthorized returns how many requests have been refused for want of the
// secret or the snapshot token since the Listener was made.
func (l *Listener) Unauthorized() uint64 { return l.unauthorized.Load() }

// Paths with a meaning of their own; every other path is a webhook path.
const (
	rootPath     = "/"
	healthPath   = "/healthz"
	snapshotPath = "/_snapshot"
)

// ServeHTTP routes a request: POST is a delivery anywhere but the health
// path, GET and HEAD of the root and health paths show the status, GET of
// the snapshot path downloads the capture when a token is set, and anything
// else is refused with the methods that would have worked.
func (l *Listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Nothing after the headers may wait on the sender for ever, not even
	// the server draining a body that the handler never read.
	setReadDeadline(http.NewResponseController(w), time.Now().Add(l.opts.BodyIdleTimeout))

	path := r.URL.Path
	readable := r.Method == http.MethodGet || r.Method == http.MethodHead

	switch {
	case path == snapshotPath && l.snapshotToken != nil:
		l.snapshot(w, r)
	case r.Method == http.MethodPost && !l.authorized(r):
		l.refuseUnauthorized(w, r)
	case path == healthPath && readable, path == rootPath && readable:
		l.status(w)
	case path == healthPath:
		l.refuseUnread(w, r)
		methodNotAllowed(w, "GET, HEAD")
	case r.Method == http.MethodPost:
		l.deliver(w, r)
	case path == rootPath:
		l.refuseUnread(w, r)
		methodNotAllowed(w, "GET, HEAD, POST")
	default:
		l.refuseUnread(w, r)
		methodNotAllowed(w, "POST")
	}
}

// status answers with the application, its version and the number of
// deliveries stored, so that a sender or a tunnel can be checked by hand.
// It is open to anyone, so it tells nothing more.
func (l *Listener) status(w http.ResponseWriter) {
	count, err := l.store.Count()
	if err != nil {
		l.log.Error("status: counting deliveries failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, refusal{
			Error: "the capture file cannot be read; see the listener's log",
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

// Server returns an http.Server for the Listener with its limits set. The
// server has no ReadTimeout: the handler sets a deadline on each body that
// moves on as bytes arrive, within BodyTimeout.
func (l *Listener) Server() *http.Server {
	return &http.Server{
		Handler:           l,
		ReadHeaderTimeout: l.opts.ReadHeaderTimeout,
		// The write deadline starts when the headers are read, so it must
		// outlast reading the body and the commit. A snapshot moves it on
		// as it is written.
		WriteTimeout:   l.opts.BodyTimeout + time.Minute,
		IdleTimeout:    l.opts.IdleTimeout,
		MaxHeaderBytes: l.opts.MaxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(l.log.Handler(), slog.LevelWarn),
	}
}

// SnapshotToken returns the token that GET /_snapshot needs, "" for none.
func (l *Listener) SnapshotToken() string { return l.opts.SnapshotToken }
