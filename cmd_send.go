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

	"github.com/clustr/clustr-explorer/generate"
	"github.com/clustr/clustr-explorer/listener"
	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
	"github.com/clustr/clustr-explorer/termtext"
)

// sendTimeout bounds one POST: the samples are small, so a listener that
// takes longer is not answering.
const sendTimeout = 30 * time.Second

// maxAnswerShown is how much of an answer is printed; a listener answers
// in a line, anything longer is some other server's page.
const maxAnswerShown = 500

// sendCmd is `clustr-explorer send URL [--sample NAME]` and
// `clustr-explorer send URL --generate --clients N ...`.
type sendCmd struct {
	URL    string   `arg:"" placeholder:"URL" help:"Where to POST, as in http://127.0.0.1:8080/."`
	Sample []string `placeholder:"NAME" xor:"payloads" help:"${send_sample}"`

	// The generation flags are pointers so that Run can tell a flag given
	// without --generate from one left out.
	Generate      bool   `xor:"payloads" help:"${send_generate}"`
	Clients       *int   `placeholder:"N" help:"${send_clients}"`
	Opportunities *int   `placeholder:"M" help:"${send_opportunities}"`
	History       *int   `placeholder:"K" help:"${send_history}"`
	Count         *int   `placeholder:"C" help:"${send_count}"`
	Seed          *int64 `placeholder:"S" help:"${send_seed}"`

	// Replay is the number of a stored delivery to send again; 0 for none,
	// since deliveries are numbered from 1.
	Replay uint64 `placeholder:"SEQ" xor:"payloads" help:"${send_replay}"`
	DB     string `name:"db" placeholder:"FILE" default:"./clustr-capture.db" help:"${send_db}"`
}

var sendHelp = map[string]string{
	"send_sample":   "Send only this built-in sample; repeatable. One of ${samples}.",
	"send_generate": "Send generated payloads instead of the samples, streamed as they are made.",
	"send_clients":  "With --generate: clients in each payload.",
	"send_opportunities": "With --generate: opportunities per client on average " +
		"(default 15).",
	"send_history": "With --generate: engagement events per opportunity on average, " +
		"as with full history; 0, the default, leaves out the engagement block.",
	"send_count": "With --generate: how many payloads to send (default 1).",
	"send_seed":  "With --generate: the first payload's seed; the next ones count up (default 1).",
	"send_replay": "Send stored delivery SEQ again, its body and headers as they were stored " +
		"(see --db).",
	"send_db": "With --replay: the capture file to read it from, opened read-only.",
}

// Run posts the chosen samples, or generated payloads, and prints each
// answer.
func (c *sendCmd) Run(env *runEnv) error {
	if c.Generate {
		plan, err := c.plan()
		if err != nil {
			return err
		}
		return sendGenerated(env.ctx, c.URL, plan, env.stdout)
	}
	if c.Replay != 0 {
		return replay(env.ctx, c.URL, c.DB, c.Replay, env.stdout)
	}
	if c.Clients != nil || c.Opportunities != nil || c.History != nil || c.Count != nil ||
		c.Seed != nil {
		return errors.New("--clients, --opportunities, --history, --count and --seed " +
			"describe generated payloads; add --generate to send them")
	}

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
	return postBody(ctx, client, target, bytes.NewReader(sample.Body))
}

// postBody posts one payload read from body and returns the answer's status
// and text.
func postBody(ctx context.Context, client *http.Client, target string,
	body io.Reader) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, body)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "clustr-explorer/"+version)
	return doPost(client, req)
}

// doPost makes a request and returns the answer's status and text.
func doPost(client *http.Client, req *http.Request) (int, string, error) {
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

	line := termtext.Line(strings.TrimSpace(string(answer)))
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

// generatePlan is what send --generate sends: count payloads made with
// options whose seed counts up from the first.
type generatePlan struct {
	options generate.Options
	count   int
}

// plan reads the generation flags, with their defaults.
func (c *sendCmd) plan() (generatePlan, error) {
	plan := generatePlan{options: generate.Options{Opportunities: 15, Seed: 1}, count: 1}
	if c.Clients == nil {
		return plan, errors.New("--generate needs --clients N, the number of clients " +
			"in each payload")
	}

	for _, flag := range []struct {
		name  string
		value *int
		least int
		into  *int
	}{
		{"--clients", c.Clients, 0, &plan.options.Clients},
		{"--opportunities", c.Opportunities, 0, &plan.options.Opportunities},
		{"--history", c.History, 0, &plan.options.History},
		{"--count", c.Count, 1, &plan.count},
	} {
		if flag.value == nil {
			continue
		}
		if *flag.value < flag.least {
			return plan, fmt.Errorf("%s %d is too few; give %d or more",
				flag.name, *flag.value, flag.least)
		}
		*flag.into = *flag.value
	}
	if c.Seed != nil {
		plan.options.Seed = *c.Seed
	}
	return plan, nil
}

// sendGenerated posts the planned payloads one after the other and prints,
// like sendSamples, one line per answer.
func sendGenerated(ctx context.Context, target string, plan generatePlan, out io.Writer) error {
	target, err := normalURL(target)
	if err != nil {
		return err
	}

	// A large payload may take minutes to stream through a tunnel, so there
	// is no bound on the whole request, only on the wait for the answer
	// once the body is sent.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.ResponseHeaderTimeout = sendTimeout
	client := &http.Client{Transport: transport}
	defer transport.CloseIdleConnections()

	refused := 0
	for i := range plan.count {
		opts := plan.options
		opts.Seed += int64(i)
		name := fmt.Sprintf("generated seed %d", opts.Seed)

		code, answer, sent, err := postGenerated(ctx, client, target, opts)
		if ctx.Err() != nil {
			return fmt.Errorf("send to %s: stopped before %s was answered", target, name)
		}
		if err != nil {
			return fmt.Errorf("send to %s: %s: is the listener running?", target, reason(err))
		}

		fmt.Fprintf(out, "%s (%s) -> %d %s\n", name, sizeText(sent), code, answer)
		if code < 200 || code > 299 {
			refused++
		}
	}

	if refused > 0 {
		return fmt.Errorf("send to %s: %d of %d generated payloads were not accepted; "+
			"the answers above say why", target, refused, plan.count)
	}
	return nil
}

// errAnswered ends the making of a payload whose request is over.
var errAnswered = errors.New("the request is over")

// postGenerated posts one generated payload, made while it is sent so that
// it is never held in memory, and returns the answer and the bytes sent.
func postGenerated(ctx context.Context, client *http.Client, target string,
	opts generate.Options) (code int, answer string, sent int64, err error) {
	body, pipe := io.Pipe()
	counted := &countingWriter{w: pipe}
	made := make(chan struct{})
	go func() {
		defer close(made)
		pipe.CloseWithError(generate.Write(counted, opts))
	}()

	code, answer, err = postBody(ctx, client, target, body)

	// A listener may answer before reading everything (a body over its
	// limit); closing the reading end stops the writer at its next write.
	body.CloseWithError(errAnswered)
	<-made
	return code, answer, counted.n, err
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// sizeText is a number of bytes as people read it: 812 B, 41.2 kB, 3.6 MB.
func sizeText(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1000)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/1000/1000)
	}
}

// replay posts stored delivery seq of the capture file db to target, its
// body byte for byte with the headers it was stored with (less those that
// only described its first journey, see listener.RelayHeader), and prints
// the answer as sendSamples does.
func replay(ctx context.Context, target, db string, seq uint64, out io.Writer) error {
	target, err := normalURL(target)
	if err != nil {
		return err
	}

	store, err := storage.Open(db, storage.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("%w; check --db", err)
	}
	defer store.Close()

	code, answer, err := replayFrom(ctx, store, target, seq)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "delivery %d -> %d %s\n", seq, code, answer)
	if code < 200 || code > 299 {
		return fmt.Errorf("send to %s: delivery %d was not accepted; the answer above says why",
			target, seq)
	}
	return nil
}

// replayFrom sends stored delivery seq to target as it was stored, body
// and headers, and returns the answer.
func replayFrom(ctx context.Context, store *storage.Store, target string,
	seq uint64) (int, string, error) {
	rec, err := store.Record(seq)
	if err != nil {
		return 0, "", fmt.Errorf("%w; check --replay", err)
	}
	if rec.Truncated {
		return 0, "", fmt.Errorf("delivery %d was over the size limit and only its first %d "+
			"bytes were kept; it cannot be sent again", seq, rec.BodySize)
	}
	body, err := store.Body(seq)
	if err != nil {
		return 0, "", err
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header = listener.RelayHeader(rec.Request.Header)
	if _, ok := req.Header["User-Agent"]; !ok {
		// An empty value keeps Go's own User-Agent out, as it was not sent.
		req.Header.Set("User-Agent", "")
	}

	client := &http.Client{Timeout: sendTimeout}
	code, answer, err := doPost(client, req)
	if ctx.Err() != nil {
		return 0, "", fmt.Errorf("send to %s: stopped before delivery %d was answered",
			target, seq)
	}
	if err != nil {
		return 0, "", fmt.Errorf("send to %s: %s: is it running?", target, reason(err))
	}
	return code, answer, nil
}
