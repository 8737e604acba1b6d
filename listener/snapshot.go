package listener

import (
	"io"
	"net/http"
	"strings"
	"time"
)

// snapshotWriteIdle is how long a snapshot download may stall before it is
// cut off. The copy holds a read transaction, and a capture file that must
// grow waits for read transactions to end, so a stalled download must not
// hold deliveries up for long.
const snapshotWriteIdle = 10 * time.Second

// snapshot answers GET /_snapshot with a consistent copy of the capture
// file, to a caller that holds the token and did not come through a tunnel.
func (l *Listener) snapshot(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		l.refuseUnread(w, r)
		methodNotAllowed(w, "GET")
		return
	}

	// The only client is clustr-explorer on this machine, which connects
	// straight to the listener. A forwarded request came through ngrok or
	// another proxy and is refused before its token is even looked at.
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
		l.unauthorized.Add(1)
		l.log.Warn("snapshot refused: forwarded", "remote", r.RemoteAddr,
			"forwarded_for", r.Header.Get("X-Forwarded-For"))
		writeJSON(w, http.StatusForbidden, refusal{
			Error: "snapshots are served only to this machine, not through a tunnel",
		})
		return
	}

	token, bearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !l.snapshotToken.matches(token) || !bearer {
		l.unauthorized.Add(1)
		l.log.Warn("snapshot refused: no token", "remote", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="clustr-explorer snapshot"`)
		writeJSON(w, http.StatusUnauthorized, refusal{
			Error: "a snapshot needs the token of the running capture; " +
				"run clustr-explorer open --snapshot FILE",
		})
		return
	}

	l.writeSnapshot(w, time.Now())
}

// writeSnapshot streams the copy. Its size is only known inside the read
// transaction, so the answer is chunked, and a copy that fails half-way is
// cut off without its final chunk: the client sees a broken answer, never
// a short file that looks whole.
func (l *Listener) writeSnapshot(w http.ResponseWriter, start time.Time) {
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Cache-Control", "no-store")
	out := &progressWriter{w: w, rc: http.NewResponseController(w)}

	n, err := l.store.WriteSnapshot(out)
	if err != nil && out.written == 0 {
		l.log.Error("snapshot failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, refusal{
			Error: "the capture file could not be copied; see the listener's log",
		})
		return
	}
	if err != nil {
		l.log.Error("snapshot cut off", "bytes", out.written, "err", err)
		panic(http.ErrAbortHandler)
	}
	l.log.Info("snapshot", "bytes", n, "duration", time.Since(start).Round(time.Millisecond))
}

// progressWriter writes a response under a write deadline that moves on
// with every write, so that a client which stops reading is cut off.
type progressWriter struct {
	w       io.Writer
	rc      *http.ResponseController
	written int64
}

// Write moves the deadline on, then writes.
func (p *progressWriter) Write(b []byte) (int, error) {
	// A ResponseWriter without a connection has no deadline to set.
	_ = p.rc.SetWriteDeadline(time.Now().Add(snapshotWriteIdle))
	n, err := p.w.Write(b)
	p.written += int64(n)
	return n, err
}
