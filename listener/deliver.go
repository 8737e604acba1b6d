package listener

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// deliver receives one webhook delivery: it reads the body, stores it with
// what was learnt from it, and answers only once the store has committed.
// Every body that arrives whole is stored, even one that is refused, so the
// user can see what the sender sent.
func (l *Listener) deliver(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := storage.Record{ReceivedAt: start, Request: requestOf(r)}
	path := l.redact(r, &rec.Request)

	progress := l.newProgressReader(w, r)
	b, err := readBody(progress, r.ContentLength, rec.Request.ContentEncoding, l.opts.MaxBody)
	if err != nil {
		l.notRead(w, r, path, progress.slowBody(err), err, start)
		return
	}
	rec.Request.WireSize = b.wireSize
	rec.Truncated = b.tooLarge
	if b.tooLarge {
		// The rest of the body is not read; a connection that still holds
		// it cannot carry another request.
		l.refuseUnread(w, r)
	}

	code, answer := l.judge(b, &rec)

	stored, err := l.store.Append(rec, b.data)
	if err != nil {
		l.log.Error("delivery not stored", "remote", r.RemoteAddr, "path", path,
			"bytes", b.size, "duration", time.Since(start), "err", err)
		writeJSON(w, http.StatusServiceUnavailable, refusal{Error: notStoredReason(err)})
		return
	}

	switch a := answer.(type) {
	case *accepted:
		a.Seq = stored.Seq
	case *refusal:
		a.Seq = stored.Seq
	}
	writeJSON(w, code, answer)
	if code == http.StatusOK {
		// Queued after the answer is written, and never waited for.
		l.forward(r, stored.Seq)
	}

	l.log.Info("delivery", "seq", stored.Seq, "status", rec.Status, "code", code,
		"remote", r.RemoteAddr, "bytes", b.size, "path", path,
		"duration", time.Since(start).Round(time.Microsecond))
}

// notRead answers a body that could not be read to its end: 408 when it
// was too slow, 400 when the connection failed. Nothing of it is stored: a
// part of a body is no use to the user, and the sender sends it again.
func (l *Listener) notRead(w http.ResponseWriter, r *http.Request, path string,
	slow *slowBodyError, err error, start time.Time) {
	// Whatever is left of the body is still on the connection.
	w.Header().Set("Connection", "close")

	if slow != nil {
		l.log.Warn("delivery cut off", "remote", r.RemoteAddr, "path", path,
			"bytes", slow.read, "duration", time.Since(start), "reason", slow.Error())
		writeJSON(w, http.StatusRequestTimeout, refusal{Error: slow.Error()})
		return
	}
	l.log.Warn("delivery not read", "remote", r.RemoteAddr, "path", path,
		"duration", time.Since(start), "err", err)
	writeJSON(w, http.StatusBadRequest, refusal{Error: err.Error()})
}

// notStoredReason is what a sender is told of a failed write. It names the
// kind of failure but not the file, whose path is none of a sender's
// business; the log has the whole error.
func notStoredReason(err error) string {
	what := "the capture file could not be written"
	switch {
	case errors.Is(err, storage.ErrClosed):
		what = "the capture file is closed"
	case errors.Is(err, storage.ErrFull):
		what = "the capture file is full"
	}
	return "the delivery was not stored: " + what + "; retry later"
}

// judge decides what a body is: it fills the record's digest and returns
// the answer to send once the record is stored.
func (l *Listener) judge(b *body, rec *storage.Record) (int, any) {
	switch {
	case b.tooLarge:
		reason := fmt.Sprintf("the body is larger than the limit of %d bytes (--max-body)",
			l.opts.MaxBody)
		if b.compressed {
			reason += " once decompressed"
		}
		reason += fmt.Sprintf("; its first %d bytes were kept to be seen", len(b.data))
		rec.Digest = model.Digest{Status: model.StatusRejected, Reject: reason}
		return http.StatusRequestEntityTooLarge, &refusal{Error: reason}

	case b.codingErr != nil:
		rec.Digest = model.Digest{Status: model.StatusRejected, Reject: b.codingErr.Error()}
		code := http.StatusBadRequest
		if b.codingErr.unsupported {
			code = http.StatusUnsupportedMediaType
		}
		return code, &refusal{Error: b.codingErr.Error()}
	}

	// The summary record needs counts, not the payload: one pass that keeps
	// no client or opportunity answers a delivery of 10,000 clients sooner.
	digest, err := model.Summarize(b.data)
	if err != nil {
		rec.Digest = model.RejectedDigest(err)
		answer := &refusal{Error: err.Error()}
		var se *model.SyntaxError
		if errors.As(err, &se) {
			answer.Line, answer.Column = se.Line, se.Column
		}
		return http.StatusBadRequest, answer
	}

	rec.Digest = digest
	warnings := rec.Warnings
	if warnings == nil {
		warnings = []string{}
	}
	return http.StatusOK, &accepted{
		OK:       true,
		JobID:    rec.JobID,
		BatchID:  rec.BatchID,
		Warnings: warnings,
	}
}

// requestOf copies what is worth keeping of a request's metadata. Path is
// the request target as sent, query included, since a sender may put a
// token or a batch name there.
func requestOf(r *http.Request) storage.Request {
	return storage.Request{
		Method:          r.Method,
		Path:            r.URL.RequestURI(),
		RemoteAddr:      r.RemoteAddr,
		Host:            r.Host,
		Header:          map[string][]string(r.Header.Clone()),
		ContentEncoding: r.Header.Get("Content-Encoding"),
	}
}
