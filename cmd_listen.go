package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/clustr/clustr-explorer/listener"
	"github.com/clustr/clustr-explorer/storage"
	"github.com/clustr/clustr-explorer/tunnel"
)

// shutdownGrace is how long deliveries in flight get to be stored and
// answered once the program is asked to stop.
const shutdownGrace = 10 * time.Second

// forwardGrace is how long, once the listener has stopped, deliveries being
// forwarded or waiting for a retry get to reach --forward.
const forwardGrace = 5 * time.Second

// listenCmd is `clustr-explorer [listen] [--headless]`. Its help texts are
// in listenHelp, since they would not fit on the lines of its tags.
type listenCmd struct {
	Addr    string   `default:"127.0.0.1:8080" env:"CLUSTR_EXPLORER_ADDR" help:"${addr}"`
	DB      string   `name:"db" default:"./clustr-capture.db" env:"CLUSTR_EXPLORER_DB" help:"${db}"`
	MaxBody byteSize `default:"64MiB" env:"CLUSTR_EXPLORER_MAX_BODY" help:"${max_body}"`
	Secret  string   `placeholder:"S" env:"CLUSTR_EXPLORER_SECRET" help:"${secret}"`
	Forward string   `placeholder:"URL" env:"CLUSTR_EXPLORER_FORWARD" help:"${forward}"`
	Ngrok   bool     `env:"CLUSTR_EXPLORER_NGROK" help:"${ngrok}"`

	// inProcess is the tunnel opened with --ngrok; nil without it.
	inProcess *tunnel.InProcess `kong:"-"`

	// resolvedSecret is the secret in force, made when Secret is "auto".
	resolvedSecret string `kong:"-"`
	Headless       bool   `help:"${headless}"`
}

var listenHelp = map[string]string{
	"addr":     "HOST:PORT to listen on; port 0 picks a free one.",
	"db":       "Capture file to store deliveries in; created when missing.",
	"max_body": "Largest body accepted once decompressed, as in 64MiB or 500MB.",
	"ngrok": "Open an ngrok tunnel to the listener from this process, with the " +
		"authtoken in NGROK_AUTHTOKEN; the listener serves locally either way.",
	"forward": "Relay every accepted delivery, once stored, to URL (your own app), " +
		"with its headers and " + listener.SeqHeader + "; failures are retried.",
	"headless": "Capture only, without the interface; one log line per delivery on stderr.",
	"secret": "Accept only deliveries to /hooks/S or with the header " +
		listener.SecretHeader + ": S; auto makes a random one. " +
		"The environment variable keeps it out of the process list.",
}

// Run captures deliveries until the interface is left or, headless, until
// the program is interrupted.
func (c *listenCmd) Run(env *runEnv) error {
	logger, closeLog, err := env.logger(c.Headless)
	if err != nil {
		return err
	}
	defer closeLog()

	secret, err := c.secret()
	c.resolvedSecret = secret
	if err != nil {
		return err
	}
	forward, err := c.forwardURL()
	if err != nil {
		return err
	}

	// The address is bound first, so that a taken port or a bad --addr
	// leaves no new capture file behind.
	ln, err := listener.Bind(c.Addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%w; pick another with --addr", err)
	}
	if err != nil {
		return fmt.Errorf("%w; check --addr", err)
	}
	if !listener.Loopback(ln) {
		logger.Warn("listening beyond this machine", "addr", ln.Addr().String())
		fmt.Fprintf(env.stderr, "Warning: %s accepts deliveries from other machines, "+
			"not only through a tunnel; use 127.0.0.1 to keep them out.\n", ln.Addr())
	}

	// The store's own lock timeout is short, so that a file another
	// process captures into is reported within a second.
	store, err := storage.Open(c.DB, storage.Options{})
	if err != nil {
		ln.Close()
		return err
	}
	defer store.Close()

	l := listener.New(store, listener.Options{
		MaxBody:       int64(c.MaxBody),
		Logger:        logger,
		Version:       version,
		Secret:        secret,
		SnapshotToken: listener.NewToken(),
		Forward:       forward,
	})
	server := l.Serve(ln)
	live := c.announce(server, l, logger)
	watchCtx, stopWatching := context.WithCancel(env.ctx)
	defer stopWatching()
	tunnels := watchTunnels(watchCtx, ln, logger)
	if c.Ngrok {
		c.inProcess = tunnel.Open(watchCtx, os.Getenv("NGROK_AUTHTOKEN"), server.URL())
		defer c.inProcess.Close()
		go c.reportTunnel(watchCtx, env, hookURL(server, secret), logger)
	}

	if c.Headless {
		err = c.capture(env, server, tunnels, hookURL(server, secret), logger)
	} else {
		err = c.browse(env, store, server, l, tunnels, hookURL(server, secret), logger)
	}

	// The listener stops before the store closes, so that every delivery
	// it has acknowledged is in the file and none is cut off half-written;
	// the sidecar goes while the lock is still held, so that it never
	// describes another process's capture.
	if stopErr := stop(server); err == nil {
		err = stopErr
	}
	stopForwarding(l, logger)
	if removeErr := listener.RemoveLive(c.DB, live); removeErr != nil {
		logger.Warn("the sidecar file was left behind", "err", removeErr)
	}
	if closeErr := store.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		logger.Info("stopped", "db", store.Path())
	}
	return err
}

// secret returns the secret that deliveries must carry, "" for none.
func (c *listenCmd) secret() (string, error) {
	switch c.Secret {
	case "":
		return "", nil
	case "auto":
		return listener.NewSecret(), nil
	}
	if err := listener.CheckSecret(c.Secret); err != nil {
		return "", fmt.Errorf("%w; check --secret or CLUSTR_EXPLORER_SECRET", err)
	}
	return c.Secret, nil
}

// forwardURL checks --forward, "" for none.
func (c *listenCmd) forwardURL() (string, error) {
	if c.Forward == "" {
		return "", nil
	}
	u, err := url.Parse(c.Forward)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--forward %q is not an http or https URL; give one such as "+
			"http://127.0.0.1:3000/webhook (or check CLUSTR_EXPLORER_FORWARD)", c.Forward)
	}
	return u.String(), nil
}

// hookURL is the URL to give Clustr: the listener's, with the secret's path
// when there is one.
func hookURL(server *listener.Server, secret string) string {
	if secret == "" {
		return server.URL()
	}
	return server.URL() + strings.TrimPrefix(listener.HookPath(secret), "/")
}

// announce writes the sidecar file that lets open --snapshot find the
// capture. A capture without one still captures; only snapshots are lost.
func (c *listenCmd) announce(server *listener.Server, l *listener.Listener,
	logger *slog.Logger) listener.Live {
	live := listener.NewLive(server, l.SnapshotToken())
	if err := listener.WriteLive(c.DB, live); err != nil {
		logger.Warn("snapshots of this capture cannot be taken", "err", err)
	}
	return live
}

// reportTunnel logs what became of the --ngrok tunnel, and says it on the
// terminal when headless: its public URL, or why there is none.
func (c *listenCmd) reportTunnel(ctx context.Context, env *runEnv, local string,
	logger *slog.Logger) {
	deadline := time.After(time.Minute)
	for {
		if public, ok := c.inProcess.Current(); ok {
			url := tunnel.HookURL(public, local)
			logger.Info("ngrok tunnel opened", "url", c.loggedURL(url))
			if c.Headless {
				fmt.Fprintf(env.stdout, "Public URL through ngrok: %s\n", url)
			}
			return
		}
		if problem := c.inProcess.Problem(); problem != "opening the ngrok tunnel…" {
			logger.Warn("no ngrok tunnel", "err", problem)
			if c.Headless {
				fmt.Fprintf(env.stderr, "No ngrok tunnel: %s; listening locally all the same.\n",
					problem)
			}
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-deadline:
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// watchTunnels starts looking for an ngrok tunnel to the listener; nil
// when it cannot, which only costs the public URL in the status line.
func watchTunnels(ctx context.Context, ln net.Listener, logger *slog.Logger) *tunnel.Watcher {
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return nil
	}
	w, err := tunnel.Watch(ctx, tunnel.Options{Port: addr.Port, Logger: logger})
	if err != nil {
		logger.Warn("no ngrok tunnel will be looked for", "err", err)
		return nil
	}
	return w
}

// loggedURL is the listen URL as the log shows it: without the secret, so
// that a log file can be shared. The terminal shows the URL whole.
func (c *listenCmd) loggedURL(url string) string {
	if c.resolvedSecret == "" {
		return url
	}
	return strings.ReplaceAll(url, c.resolvedSecret, "[secret]")
}

// capture runs headless until the program is interrupted or the listener
// fails, telling on stdout when an ngrok tunnel to it comes or goes.
func (c *listenCmd) capture(env *runEnv, server *listener.Server, tunnels *tunnel.Watcher,
	url string, logger *slog.Logger) error {
	fmt.Fprintf(env.stdout, "Listening on %s; capturing into %s. Stop with Ctrl-C.\n",
		url, c.DB)
	if c.Forward != "" {
		fmt.Fprintf(env.stdout, "Forwarding each accepted delivery to %s.\n", c.Forward)
	}
	logger.Info("listening", "url", c.loggedURL(url), "db", c.DB,
		"max_body", int64(c.MaxBody), "forward", c.Forward, "version", version)

	var changes <-chan struct{}
	if tunnels != nil {
		changes = tunnels.Changes()
	}
	for {
		select {
		case <-env.ctx.Done():
			logger.Info("stopping", "reason", "signal")
			return nil
		case err := <-server.Done():
			return fmt.Errorf("the listener on %s stopped: %w", server.Addr(), err)
		case <-changes:
			if public, ok := tunnels.Current(); ok {
				fmt.Fprintf(env.stdout, "Public URL through ngrok: %s\n",
					tunnel.HookURL(public, url))
			} else {
				_, port, _ := net.SplitHostPort(server.Addr())
				fmt.Fprintf(env.stdout, "The ngrok tunnel is gone; run ngrok http %s.\n", port)
			}
		}
	}
}

// browse runs the interface over the live capture until the user leaves it.
func (c *listenCmd) browse(env *runEnv, store *storage.Store, server *listener.Server,
	l *listener.Listener, tunnels *tunnel.Watcher, url string, logger *slog.Logger) error {
	// A listener that fails ends the interface, which cannot show live
	// deliveries without it.
	ctx, cancel := context.WithCancelCause(env.ctx)
	defer cancel(nil)
	go func() {
		if err := <-server.Done(); err != nil {
			cancel(fmt.Errorf("the listener on %s stopped: %w", server.Addr(), err))
		}
	}()

	logger.Info("listening", "url", c.loggedURL(url), "db", c.DB,
		"max_body", int64(c.MaxBody), "forward", c.Forward, "version", version)
	var current func() (string, bool)
	var problem func() string
	switch {
	case c.inProcess != nil:
		current, problem = c.inProcess.Current, c.inProcess.Problem
	case tunnels != nil:
		current = tunnels.Current
	}
	err := runInterface(ctx, interfaceOptions{
		Store:         store,
		ListenURL:     url,
		Unauthorized:  l.Unauthorized,
		Tunnel:        current,
		TunnelProblem: problem,
		Forward:       c.Forward,
		Replay: func(ctx context.Context, seq uint64) (int, string, error) {
			return replayFrom(ctx, store, c.Forward, seq)
		},
		ForwardStatus: func() (string, bool) {
			if c.Forward == "" {
				return "", false
			}
			return l.ForwardStatus()
		},
		SendSamples: func(ctx context.Context) error {
			return sendSamples(ctx, url, builtinSamples(), nil)
		},
		Logger: logger,
	})
	cause := context.Cause(ctx)
	if err == nil && cause != nil && !errors.Is(cause, context.Canceled) {
		err = cause
	}
	return err
}

// stopForwarding waits, within forwardGrace, for the deliveries still being
// forwarded; those it gives up on are stored all the same, so it only logs.
func stopForwarding(l *listener.Listener, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), forwardGrace)
	defer cancel()
	if err := l.StopForwarding(ctx); err != nil {
		logger.Warn("some deliveries were not forwarded", "err", err)
	}
}

// stop shuts the server down, waiting for deliveries in flight.
func stop(server *listener.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	return server.Shutdown(ctx)
}
