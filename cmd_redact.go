package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"

	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/redact"
	"github.com/clustr/clustr-explorer/storage"
)

// redactCmd is `clustr-explorer redact IN OUT`.
type redactCmd struct {
	In  string `arg:"" placeholder:"IN" help:"Capture file to read; it is not modified."`
	Out string `arg:"" placeholder:"OUT" help:"New capture file to write; it must not exist."`
}

// keptHeaders are the request headers a redacted copy keeps: those that
// say how to read the body, and nothing about who sent it.
var keptHeaders = []string{"Content-Type", "Content-Encoding"}

// Run copies every delivery of In into the new file Out with its body
// redacted. The placeholders are keyed with a random key of this run, so
// that one person has one placeholder throughout Out, but two redacted
// files cannot be matched person by person. When anything fails, Out is
// removed: half a copy looks like a whole one.
func (c *redactCmd) Run(env *runEnv) (err error) {
	in, err := openReadOnly(c.In)
	if err != nil {
		return err
	}
	defer in.Close()

	out, err := createCapture(c.Out)
	if err != nil {
		return err
	}
	defer func() {
		if closeErr := out.Close(); err == nil && closeErr != nil {
			err = fmt.Errorf("redact into %s: %w", c.Out, closeErr)
		}
		if err != nil {
			_ = os.Remove(c.Out)
		}
	}()

	records, err := in.Records()
	if err != nil {
		return err
	}
	r := redact.New([]byte(rand.Text()))
	for _, rec := range records {
		if err := copyRedacted(in, out, r, rec); err != nil {
			return err
		}
	}

	fmt.Fprintf(env.stdout, "Redacted %d deliveries into %s.\n", len(records), c.Out)
	return nil
}

// createCapture creates the capture file path, which must not exist.
func createCapture(path string) (*storage.Store, error) {
	// O_EXCL makes the check and the creation one step; storage.Open then
	// makes the empty file a capture.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("%s already exists; redact writes only a new file, "+
			"so give a path that does not exist", path)
	}
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("create %s: %w", path, err)
	}

	store, err := storage.Open(path, storage.Options{})
	if err != nil {
		_ = os.Remove(path)
		return nil, err
	}
	return store, nil
}

// copyRedacted appends delivery rec of in to out with its body redacted and
// its record summarised again from the redacted body.
func copyRedacted(in, out *storage.Store, r *redact.Redactor, rec storage.Record) error {
	body, err := in.Body(rec.Seq)
	if err != nil {
		return fmt.Errorf("read delivery %d: %w", rec.Seq, err)
	}
	redacted, err := r.Body(body)
	if err != nil {
		return fmt.Errorf("redact delivery %d: %w", rec.Seq, err)
	}

	// A rejected delivery keeps its status and why it was refused; an
	// accepted one is summarised from what is left of its body, so that
	// no value of the original stays in its record.
	if rec.Status != model.StatusRejected {
		digest, err := model.Summarize(redacted)
		if err != nil {
			return fmt.Errorf("redact delivery %d: %w; the capture file may be damaged",
				rec.Seq, err)
		}
		rec.Digest = digest
	}
	rec.Request = redactedRequest(rec.Request)

	if _, err := out.Append(rec, redacted); err != nil {
		return fmt.Errorf("copy delivery %d: %w", rec.Seq, err)
	}
	return nil
}

// redactedRequest is req without who sent it or where: the remote address,
// the host (a tunnel's name), a path that may hold the listener's secret
// and every header but those that say how to read the body.
func redactedRequest(req storage.Request) storage.Request {
	req.RemoteAddr = "redacted"
	req.Host = ""
	if req.Path != "/" {
		req.Path = "/redacted"
	}

	var header map[string][]string
	for name, values := range req.Header {
		for _, kept := range keptHeaders {
			if http.CanonicalHeaderKey(name) == kept {
				if header == nil {
					header = map[string][]string{}
				}
				header[kept] = values
			}
		}
	}
	req.Header = header
	return req
}
