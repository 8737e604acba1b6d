package listener

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// progressReader reads a request body under a deadline that moves on with
// every read, so that a body which stops sending for idle is cut off, and
// which never moves past end, so that no body is read for longer than the
// overall cap.
type progressReader struct {
	body    io.Reader
	rc      *http.ResponseController
	idle    time.Duration
	overall time.Duration
	end     time.Time

	read int64 // bytes read so far
}

// newProgressReader reads the body of r under a moving deadline, from now.
func (l *Listener) newProgressReader(w http.ResponseWriter, r *http.Request) *progressReader {
	return &progressReader{
		body:    r.Body,
		rc:      http.NewResponseController(w),
		idle:    l.opts.BodyIdleTimeout,
		overall: l.opts.BodyTimeout,
		end:     time.Now().Add(l.opts.BodyTimeout),
	}
}

// Read moves the deadline on, then reads.
func (p *progressReader) Read(b []byte) (int, error) {
	deadline := time.Now().Add(p.idle)
	if deadline.After(p.end) {
		deadline = p.end
	}
	setReadDeadline(p.rc, deadline)

	n, err := p.body.Read(b)
	p.read += int64(n)
	return n, err
}

// setReadDeadline sets the read deadline of the connection that rc answers
// on. A ResponseWriter without a connection, as in tests, has none to set,
// and a connection already gone fails its next read anyway, so the error is
// not worth anything.
func setReadDeadline(rc *http.ResponseController, t time.Time) {
	_ = rc.SetReadDeadline(t)
}

// slowBodyError reports a body cut off by its deadline.
type slowBodyError struct {
	read    int64
	overall bool
	limit   time.Duration
}

// Error says which limit the body ran into.
func (e *slowBodyError) Error() string {
	if e.overall {
		return fmt.Sprintf("the body was still arriving after %v, the most one may take; "+
			"it was cut off after %d bytes and not stored; send it again", e.limit, e.read)
	}
	return fmt.Sprintf("the body sent nothing for %v and was cut off after %d bytes; "+
		"it was not stored; send it again", e.limit, e.read)
}

// slowBody returns the slowBodyError that err stands for when a deadline
// caused it, or nil.
func (p *progressReader) slowBody(err error) *slowBodyError {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return nil
	}
	if !time.Now().Before(p.end) {
		return &slowBodyError{read: p.read, overall: true, limit: p.overall}
	}
	return &slowBodyError{read: p.read, limit: p.idle}
}

// refuseUnread marks a refused request whose body is not read: the
// connection is closed after the answer rather than kept for another
// request. What the server drains of the body meanwhile is bounded by the
// deadline that ServeHTTP set first.
func (l *Listener) refuseUnread(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
}
