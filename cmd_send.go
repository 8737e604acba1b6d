package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/clustr/clustr-explorer/model"
)

// sendTimeout bounds one POST: the samples are small, so a listener that
// takes longer is not answering.
const sendTimeout = 30 * time.Second

// maxAnswerShown is how much of an answer is printed; a listener answers
// in a line, anything longer is some other server's page.
const maxAnswerShown = 500

// sendCmd is `clustr-explorer send URL [--sample NAME]`.
type sendCmd struct {
	URL    string   `arg:"" placeholder:"URL" help:"Where to POST, as in http://127.0.0.1:8080/."`
	Sample []string `placeholder:"NAME" help:"${send_sample}"`
}

var sendHelp = map[string]string{
	"send_sample": "Send only this built-in sample; repeatable. One of ${samples}.",
}

// Run posts the chosen samples and prints each answer.
func (c *sendCmd) Run(env *runEnv) error {
	samples, err := chooseSamples(c.Sample)
	if err != nil {
		return err
	}
	return sendSamples(env.ctx, c.URL, samples, env.stdout)
}

// builtinSamples returns the vendor's documented payloads.
func builtinSamples() []model.Sample { return model.Samples() }

// sampleNames lists the built-in samples for help and errors.
func sampleNames() string {
	var names []string
	for _, s := range builtinSamples() {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}

// chooseSamples picks the samples named, all of them when none is. A name
// may leave out its .json.
func chooseSamples(names []string) ([]model.Sample, error) {
	all := builtinSamples()
	if len(names) == 0 {
		return all, nil
	}

	var chosen []model.Sample
	for _, name := range names {
		found := false
		for _, s := range all {
			if s.Name == name || s.Name == name+".json" {
				chosen = append(chosen, s)
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("no built-in sample is named %q; choose one of %s",
				name, sampleNames())
		}
	}
	return chosen, nil
}

// sendSamples posts each sample to target and prints, when out is not nil,
// one line per answer. It fails when the target cannot be reached or when
// any answer is not a success.
func sendSamples(ctx context.Context, target string, samples []model.Sample, out io.Writer) error {
	target, err := normalURL(target)
	if err != nil {
		return err
	}
	if out == nil {
		out = io.Discard
	}

	client := &http.Client{Timeout: sendTimeout}
	refused := 0
	for _, sample := range samples {
		code, answer, err := postSample(ctx, client, target, sample)
		if ctx.Err() != nil {
			return fmt.Errorf("send to %s: stopped before %s was answered", target, sample.Name)
		}
		if err != nil {
			return fmt.Errorf("send to %s: %s: is the listener running?", target, reason(err))
		}

		fmt.Fprintf(out, "%s -> %d %s\n", sample.Name, code, answer)
		if code < 200 || code > 299 {
			refused++
		}
	}

	if refused > 0 {
		return fmt.Errorf("send to %s: %d of %d samples were not accepted; "+
			"the answers above say why", target, refused, len(samples))
	}
	return nil
}

// normalURL checks a target URL, reading one without a scheme, as in
// 127.0.0.1:8080, as http.
func normalURL(target string) (string, error) {
	if !strings.Contains(target, "://") {
		target = "http://" + target
	}

	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http or https URL; "+
			"give one such as http://127.0.0.1:8080/", target)
	}
	return u.String(), nil
}

// postSample posts one sample and returns the answer's status and text.
func postSample(ctx context.Context, client *http.Client, target string,
	sample model.Sample) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target,
		bytes.NewReader(sample.Body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "clustr-explorer/"+version)

	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()

	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerShown+1))
	if err != nil {
		return 0, "", err
	}
	return resp.StatusCode, printable(answer), nil
}

// printable turns an answer into one harmless line: the server may be
// anything, and its bytes must not reach the terminal as control codes.
func printable(answer []byte) string {
	cut := len(answer) > maxAnswerShown
	if cut {
		answer = answer[:maxAnswerShown]
	}

	line := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, string(answer))
	line = strings.TrimSpace(line)
	if cut {
		line += "…"
	}
	return line
}

// reason is the heart of a failed request, without the layers that the
// http and net packages wrap around it.
func reason(err error) string {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer within " + sendTimeout.String()
	}

	var op *net.OpError
	if errors.As(err, &op) {
		err = op.Err
	}
	var sys *os.SyscallError
	if errors.As(err, &sys) {
		err = sys.Err
	}
	return err.Error()
}
