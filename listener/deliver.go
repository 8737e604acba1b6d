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

	b, err := readBody(r.Body, r.ContentLength, rec.Request.ContentEncoding, l.opts.MaxBody)
	if err != nil {
		l.log.Warn("delivery not read", "remote", r.RemoteAddr, "path", r.URL.Path,
			"duration", time.Since(start), "err", err)
		writeJSON(w, http.StatusBadRequest, refusal{Error: err.Error()})
		return
	}
	rec.Request.WireSize = b.wireSize
	rec.Truncated = b.tooLarge

	code, answer := l.judge(b, &rec)

	stored, err := l.store.Append(rec, b.data)
	if err != nil {
		l.log.Error("delivery not stored", "remote", r.RemoteAddr, "path", r.URL.Path,
			"bytes", b.size, "duration", time.Since(start), "err", err)
		writeJSON(w, http.StatusServiceUnavailable, refusal{
			Error: "the delivery could not be stored: " + err.Error() + "; retry later",
		})
		return
	}

	switch a := answer.(type) {
	case *accepted:
		a.Seq = stored.Seq
	case *refusal:
		a.Seq = stored.Seq
	}
	writeJSON(w, code, answer)

	l.log.Info("delivery", "seq", stored.Seq, "status", rec.Status, "code", code,
		"remote", r.RemoteAddr, "bytes", b.size, "path", r.URL.Path,
		"duration", time.Since(start).Round(time.Microsecond))
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

	payload, err := model.Decode(b.data)
	if err != nil {
		rec.Digest = model.RejectedDigest(err)
		answer := &refusal{Error: err.Error()}
		var se *model.SyntaxError
		if errors.As(err, &se) {
			answer.Line, answer.Column = se.Line, se.Column
		}
		return http.StatusBadRequest, answer
	}

	rec.Digest = payload.Digest()
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
