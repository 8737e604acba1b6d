package listener

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/clustr/clustr-explorer/storage"
)

// SeqHeader carries, on a forwarded delivery, its number in the capture.
const SeqHeader = "X-Clustr-Explorer-Seq"

// ViaHeader carries, on a forwarded delivery, the id of the listener that
// forwarded it, so that a listener told to forward to itself (or to a
// chain that leads back to it) does not forward its own deliveries again.
const ViaHeader = "X-Clustr-Explorer-Via"

// Defaults for forwarding, used when an Options field is zero.
const (
	// DefaultForwardTimeout bounds one forwarding attempt.
	DefaultForwardTimeout = 30 * time.Second

	// DefaultForwardQueue is how many deliveries may wait to be forwarded;
	// beyond it, new ones are not forwarded (they are still stored).
	DefaultForwardQueue = 1024

	// DefaultForwardWorkers is how many deliveries are forwarded at once.
	DefaultForwardWorkers = 2
)

// DefaultForwardBackoff is the wait before each retry of a failed forward:
// five attempts in all, the last 7.5 s after the first.
var DefaultForwardBackoff = []time.Duration{
	500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second,
}

// notRelayed are the headers a relayed delivery never carries: the
// hop-by-hop ones, those that described the body as it came over the wire
// (it is stored decoded), the sender's Host, and the secret.
var notRelayed = map[string]bool{
	"Connection":          true,
	"Keep-Alive":          true,
	"Proxy-Authenticate":  true,
	"Proxy-Authorization": true,
	"Proxy-Connection":    true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
	"Content-Length":      true,
	"Content-Encoding":    true,
	"Host":                true,
	SecretHeader:          true,
	SeqHeader:             true,
	ViaHeader:             true,
}

// RelayHeader returns the headers of a stored delivery that a relay of it
// sends again: all but the hop-by-hop ones (and those named by its
// Connection header), Content-Length, Content-Encoding, Host and the
// secret header.
func RelayHeader(stored map[string][]string) http.Header {
	h := http.Header(stored)
	named := map[string]bool{}
	for _, v := range h.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			named[http.CanonicalHeaderKey(strings.TrimSpace(name))] = true
		}
	}

	out := http.Header{}
	for name, values := range h {
		key := http.CanonicalHeaderKey(name)
		if notRelayed[key] || named[key] {
			continue
		}
		out[key] = append(out[key], values...)
	}
	return out
}

// forwarder relays accepted deliveries to Options.Forward from a bounded
// queue, retrying failures, and records every attempt in the store.
type forwarder struct {
	store   *storage.Store
	target  string
	id      string // sent in ViaHeader
	backoff []time.Duration
	client  *http.Client
	opts    Options

	queue   chan uint64
	ctx     context.Context // ended to abandon what is left at shutdown
	abandon context.CancelFunc
	workers sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	lastErr string
	failing bool
}

// newForwarder starts the workers that forward to opts.Forward.
func newForwarder(store *storage.Store, opts Options) *forwarder {
	ctx, cancel := context.WithCancel(context.Background())
	f := &forwarder{
		store:   store,
		target:  opts.Forward,
		id:      NewToken()[:16],
		backoff: opts.ForwardBackoff,
		client: &http.Client{
			// A transport of its own, whose connections stop can close.
			Transport: http.DefaultTransport.(*http.Transport).Clone(),
			Timeout:   opts.ForwardTimeout,
			// A redirect would turn the POST into a GET without its body;
			// it is answered as the failure it is.
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		opts:    opts,
		queue:   make(chan uint64, opts.ForwardQueue),
		ctx:     ctx,
		abandon: cancel,
	}
	for range opts.ForwardWorkers {
		f.workers.Go(f.work)
	}
	return f
}

// enqueue queues delivery seq to be forwarded, without ever waiting: a
// full queue costs that delivery its forward, not the sender its answer.
func (f *forwarder) enqueue(seq uint64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	select {
	case f.queue <- seq:
		return true
	default:
		f.lastErr = fmt.Sprintf("delivery %d was not forwarded: %d are waiting already",
			seq, cap(f.queue))
		f.failing = true
		return false
	}
}

// work forwards queued deliveries until the queue is closed and empty.
func (f *forwarder) work() {
	for seq := range f.queue {
		if f.ctx.Err() != nil {
			continue // abandoned at shutdown
		}
		f.forward(seq)
	}
}

// forward relays delivery seq, retrying on the backoff schedule until an
// attempt succeeds or the attempts run out.
func (f *forwarder) forward(seq uint64) {
	rec, err := f.store.Record(seq)
	var body []byte
	if err == nil {
		body, err = f.store.Body(seq)
	}
	if err != nil {
		f.opts.Logger.Error("forward: the delivery cannot be read", "seq", seq, "err", err)
		f.note(fmt.Sprintf("delivery %d cannot be read to forward it", seq), false)
		return
	}

	for n := 1; ; n++ {
		a := f.attempt(seq, rec, body, n)
		if err := f.store.AddForwardAttempt(seq, a); err != nil {
			f.opts.Logger.Warn("forward attempt not recorded", "seq", seq, "err", err)
		}
		f.note(a.Error, a.OK())
		f.opts.Logger.Info("forward", "seq", seq, "attempt", n, "status", a.Status,
			"err", a.Error, "duration", a.Duration.Round(time.Microsecond))

		if a.OK() || n > len(f.backoff) {
			return
		}
		select {
		case <-time.After(f.backoff[n-1]):
		case <-f.ctx.Done():
			return
		}
	}
}

// attempt makes one try at relaying a delivery.
func (f *forwarder) attempt(seq uint64, rec storage.Record, body []byte,
	n int) storage.ForwardAttempt {
	a := storage.ForwardAttempt{Attempt: n, At: time.Now()}

	req, err := http.NewRequestWithContext(f.ctx, http.MethodPost, f.target,
		bytes.NewReader(body))
	if err != nil {
		a.Error = err.Error()
		a.Duration = time.Since(a.At)
		return a
	}
	req.Header = RelayHeader(rec.Request.Header)
	req.Header.Set(SeqHeader, strconv.FormatUint(seq, 10))
	req.Header.Set(ViaHeader, f.id)
	if _, ok := req.Header["User-Agent"]; !ok {
		// An empty value keeps Go's own User-Agent out.
		req.Header.Set("User-Agent", "")
	}

	resp, err := f.client.Do(req)
	a.Duration = time.Since(a.At)
	if err != nil {
		a.Error = attemptError(err)
		return a
	}
	_ = resp.Body.Close()
	a.Status = resp.StatusCode
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		a.Error = resp.Status
	}
	return a
}

// attemptError is the heart of a failed request, without the method and
// URL that net/http wraps around it.
func attemptError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// note remembers how the last attempt went, for the status line.
func (f *forwarder) note(errText string, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failing = !ok
	if ok {
		f.lastErr = ""
	} else {
		f.lastErr = errText
	}
}

// status is what ForwardStatus reports.
func (f *forwarder) status() (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastErr, f.failing
}

// stop refuses new deliveries and waits, until ctx ends, for those queued
// or being retried; then it abandons the rest, cutting off attempts in
// flight, and waits for the workers to notice.
func (f *forwarder) stop(ctx context.Context) error {
	f.mu.Lock()
	if !f.closed {
		f.closed = true
		close(f.queue)
	}
	f.mu.Unlock()

	done := make(chan struct{})
	go func() {
		f.workers.Wait()
		close(done)
	}()

	defer f.client.CloseIdleConnections()
	select {
	case <-done:
		f.abandon()
		return nil
	case <-ctx.Done():
		f.abandon()
		<-done
		return fmt.Errorf("forwarding to %s stopped with deliveries not forwarded: %w",
			f.target, ctx.Err())
	}
}

// ForwardStatus reports how forwarding goes: failing is true when the last
// attempt failed (or a delivery could not be queued), and lastErr then says
// why. Both are zero without Options.Forward.
func (l *Listener) ForwardStatus() (lastErr string, failing bool) {
	if l.forwarder == nil {
		return "", false
	}
	return l.forwarder.status()
}

// StopForwarding stops forwarding: deliveries accepted from now on are not
// forwarded, and it waits, until ctx ends, for those queued or being
// retried. Call it after the server has shut down and before the store is
// closed. Without Options.Forward it does nothing.
func (l *Listener) StopForwarding(ctx context.Context) error {
	if l.forwarder == nil {
		return nil
	}
	return l.forwarder.stop(ctx)
}

// forward queues an accepted delivery to be forwarded, when forwarding and
// unless this listener forwarded it in the first place.
func (l *Listener) forward(r *http.Request, seq uint64) {
	if l.forwarder == nil {
		return
	}
	if slices.Contains(r.Header.Values(ViaHeader), l.forwarder.id) {
		l.log.Warn("delivery not forwarded", "seq", seq,
			"reason", "it is one this listener forwarded; does --forward lead back to it?")
		return
	}
	if !l.forwarder.enqueue(seq) {
		l.log.Warn("delivery not forwarded", "seq", seq,
			"reason", "the forward queue is full or stopped")
	}
}
