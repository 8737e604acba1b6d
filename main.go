// Command clustr-explorer receives Clustr's webhook deliveries into a capture
// file and lets the user browse them. This package is the command line: it
// parses flags and subcommands and wires the model, storage, listener and
// interface together, and it is the only place that knows all four.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/clustr/clustr-explorer/storage"
)

// version is the release this binary reports; builds set it with
// -ldflags "-X main.version=1.2.3".
var version = "dev"

// interfaceOptions is what the interface is started with.
type interfaceOptions struct {
	// Store is the capture file to show, live or read-only.
	Store *storage.Store

	// ListenURL is where senders deliver, as in http://127.0.0.1:8080/, or
	// http://127.0.0.1:8080/hooks/SECRET with --secret; empty when nothing
	// is listening.
	ListenURL string

	// Unauthorized counts the requests the listener refused for want of
	// the secret; nil when nothing is listening.
	Unauthorized func() uint64

	// Tunnel reports the public URL of the ngrok tunnel to the listener,
	// without its path; nil when nothing is listening.
	Tunnel func() (publicURL string, ok bool)

	// TunnelProblem says why the tunnel opened with --ngrok is not up; nil
	// without --ngrok.
	TunnelProblem func() string

	// SnapshotOf is the capture file that Store is a snapshot of, taken
	// from the clustr-explorer capturing into it; empty when Store is the
	// capture file itself.
	SnapshotOf string

	// Replay resends a stored delivery to Forward; see ui.Options.
	Replay func(ctx context.Context, seq uint64) (int, string, error)

	// Forward is where accepted deliveries are relayed; empty for none.
	// ForwardStatus says whether relaying fails, and why.
	Forward       string
	ForwardStatus func() (lastErr string, failing bool)

	// SendSamples posts the built-in samples to the listener; nil when
	// nothing is listening.
	SendSamples func(context.Context) error

	// Logger is where the interface logs; it never writes to the terminal.
	Logger *slog.Logger
}

// cli is the whole command line.
type cli struct {
	Version kong.VersionFlag `help:"Print the version and exit."`
	Log     string           `placeholder:"FILE" env:"CLUSTR_EXPLORER_LOG" help:"${log}"`

	Listen listenCmd `cmd:"" default:"withargs" help:"${listen}"`
	Open   openCmd   `cmd:"" help:"Browse a saved capture file, read-only."`
	Import importCmd `cmd:"" help:"Add saved payloads to a capture file."`
	Export exportCmd `cmd:"" help:"Write deliveries, opportunities or companies as a file."`
	Send   sendCmd   `cmd:"" help:"POST the built-in samples or generated payloads to a listener."`
	Redact redactCmd `cmd:"" help:"Copy a capture with emails, LinkedIn URLs and comments hidden."`
	Demo   demoCmd   `cmd:"" help:"Browse built-in deliveries; no listener, nothing left behind."`
}

// runEnv is what every command runs with.
type runEnv struct {
	ctx     context.Context
	stdout  io.Writer
	stderr  io.Writer
	logPath string
}

func main() {
	// SIGHUP is a closed terminal window: it too must stop cleanly, so that
	// the live file and any snapshot copy are removed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM,
		syscall.SIGHUP)
	go func() {
		// After the first signal, a second one ends the program at once.
		<-ctx.Done()
		stop()
	}()

	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// kongExit carries an exit code requested by kong (after --help, --version
// or a usage error) out of the parser.
type kongExit int

// run runs the command line args and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (status int) {
	defer func() {
		if r := recover(); r != nil {
			code, ok := r.(kongExit)
			if !ok {
				panic(r)
			}
			status = int(code)
		}
	}()

	var c cli
	parser, err := newParser(&c, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "clustr-explorer: %v\n", err)
		return 1
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		parser.FatalIfErrorf(usageError{err})
	}

	env := &runEnv{ctx: ctx, stdout: stdout, stderr: stderr, logPath: c.Log}
	if err := kctx.Run(env); err != nil {
		fmt.Fprintf(stderr, "clustr-explorer: %v\n", err)
		return 1
	}
	return 0
}

// usageError is a command line that could not be parsed. It exits with 2,
// the status shells and scripts expect of a usage error.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }
func (e usageError) ExitCode() int { return 2 }

// newParser builds the parser of the command line into c.
func newParser(c *cli, stdout, stderr io.Writer) (*kong.Kong, error) {
	return kong.New(c,
		kong.Name("clustr-explorer"),
		kong.Description("Receive Clustr webhook deliveries into a capture file and browse them."),
		kong.Vars(helpVars()),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(kongExit(code)) }),
	)
}

// helpVars are the variables that help texts refer to.
func helpVars() kong.Vars {
	vars := kong.Vars{
		"version": version,
		"samples": sampleNames(),
		"log":     "Append log lines to FILE.",
		"listen":  "Capture deliveries and browse them live; the default command.",
	}
	for _, texts := range []map[string]string{listenHelp, openHelp, exportHelp, sendHelp} {
		for name, text := range texts {
			vars[name] = text
		}
	}
	return vars
}

// logger returns the logger for a command. Log lines go to the --log file
// when there is one, and to stderr as well when toStderr is set; otherwise
// nowhere, since the interface owns the terminal.
func (e *runEnv) logger(toStderr bool) (*slog.Logger, func(), error) {
	var out io.Writer = io.Discard
	closeLog := func() {}

	if e.logPath != "" {
		f, err := os.OpenFile(e.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("open log file: %w; check --log", err)
		}
		out, closeLog = f, func() { _ = f.Close() }
	}
	if toStderr {
		if e.logPath != "" {
			out = io.MultiWriter(e.stderr, out)
		} else {
			out = e.stderr
		}
	}
	return slog.New(slog.NewTextHandler(out, nil)), closeLog, nil
}

// byteSize is a size given on the command line: a number of bytes, or a
// number with a unit such as 64MiB or 500MB.
type byteSize int64

var byteUnits = map[string]int64{
	"": 1, "b": 1,
	"k": 1 << 10, "kib": 1 << 10, "kb": 1000,
	"m": 1 << 20, "mib": 1 << 20, "mb": 1000 * 1000,
	"g": 1 << 30, "gib": 1 << 30, "gb": 1000 * 1000 * 1000,
}

// UnmarshalText reads a size such as 64MiB.
func (b *byteSize) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	digits := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if digits < 0 {
		digits = len(s)
	}

	n, err := strconv.ParseFloat(s[:digits], 64)
	unit, known := byteUnits[strings.ToLower(strings.TrimSpace(s[digits:]))]
	if err != nil || !known || n*float64(unit) < 1 || n*float64(unit) > 1<<50 {
		return fmt.Errorf("%q is not a size; write it as 64MiB, 500MB or a number of bytes", s)
	}
	*b = byteSize(n * float64(unit))
	return nil
}
