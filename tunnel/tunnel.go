// Package tunnel finds the public URL that an ngrok agent on this machine
// forwards to the listener. It asks the agent's local API, polling it, and
// knows nothing of the listener or the interface.
package tunnel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultAPIURL is where an ngrok agent lists its tunnels unless told
// otherwise.
const DefaultAPIURL = "http://127.0.0.1:4040/api/tunnels"

// DefaultInterval is how often the agent is asked.
const DefaultInterval = 2 * time.Second

// maxResponse caps what is read of the agent's answer; a list of tunnels is
// a few kilobytes.
const maxResponse = 1 << 20

// Options says which agent to ask and which port the tunnel must reach.
type Options struct {
	// APIURL is the agent's tunnel list; DefaultAPIURL when empty. Only a
	// loopback address is accepted, so that nothing leaves the machine.
	APIURL string

	// Port is the port of our listener; a tunnel counts only when it
	// forwards to it.
	Port int

	// Client asks the agent; one with a one-second timeout, that follows
	// no redirects, when nil.
	Client *http.Client

	// Interval is how often the agent is asked; DefaultInterval when zero.
	Interval time.Duration

	// Logger notes tunnels as they come and go; nothing is logged when nil.
	Logger *slog.Logger
}

// Validate reports whether the options can be used.
func (o Options) Validate() error {
	if o.Port <= 0 || o.Port > 65535 {
		return fmt.Errorf("port %d is not a TCP port", o.Port)
	}
	if o.APIURL == "" {
		return nil
	}
	u, err := url.Parse(o.APIURL)
	if err != nil {
		return fmt.Errorf("the ngrok API URL %q cannot be read: %w", o.APIURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("the ngrok API URL %q is not http or https", o.APIURL)
	}
	if !loopbackHost(u.Hostname()) {
		return fmt.Errorf("the ngrok API URL %q is not on this machine; "+
			"give a loopback address such as 127.0.0.1", o.APIURL)
	}
	return nil
}

// Watcher keeps the public URL of the tunnel to our port up to date.
type Watcher struct {
	opts    Options
	current atomic.Pointer[string]
	changes chan struct{}
}

// Watch validates opts and asks the agent at once and then every
// interval, until ctx ends.
func Watch(ctx context.Context, opts Options) (*Watcher, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.APIURL == "" {
		opts.APIURL = DefaultAPIURL
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Client == nil {
		opts.Client = &http.Client{
			Timeout: time.Second,
			// A redirect could lead off the machine; the agent never sends one.
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}

	w := &Watcher{opts: opts, changes: make(chan struct{}, 1)}
	go w.run(ctx)
	return w, nil
}

// Current returns the public URL of a tunnel to our port, https when there
// is one; ok is false when no agent answers or none of its tunnels reaches
// the port.
func (w *Watcher) Current() (publicURL string, ok bool) {
	if p := w.current.Load(); p != nil {
		return *p, true
	}
	return "", false
}

// Changes receives a value after Current's answer changes. Changes close
// together are coalesced, so a reader calls Current after each.
func (w *Watcher) Changes() <-chan struct{} { return w.changes }

func (w *Watcher) run(ctx context.Context) {
	ticker := time.NewTicker(w.opts.Interval)
	defer ticker.Stop()
	for {
		w.poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// poll asks the agent once and records what it found.
func (w *Watcher) poll(ctx context.Context) {
	found, err := w.ask(ctx)
	if ctx.Err() != nil {
		return
	}

	before, _ := w.Current()
	if found != "" {
		w.current.Store(&found)
	} else {
		w.current.Store(nil)
	}
	if found == before {
		return
	}

	if found != "" {
		w.opts.Logger.Info("ngrok tunnel found", "public_url", found, "port", w.opts.Port)
	} else {
		reason := "no tunnel reaches the port"
		if err != nil {
			reason = err.Error()
		}
		w.opts.Logger.Info("ngrok tunnel gone", "port", w.opts.Port, "reason", reason)
	}
	select {
	case w.changes <- struct{}{}:
	default:
	}
}

// apiTunnel is the part of one entry of the agent's tunnel list that is
// read.
type apiTunnel struct {
	Name      string `json:"name"`
	PublicURL string `json:"public_url"`
	Proto     string `json:"proto"`
	Config    struct {
		Addr string `json:"addr"`
	} `json:"config"`
}

// ask fetches the agent's tunnel list and picks the tunnel to our port;
// "" when there is none.
func (w *Watcher) ask(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.opts.APIURL, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := w.opts.Client.Do(req)
	if err != nil {
		return "", fmt.Errorf("the ngrok agent does not answer: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the ngrok agent answered %s", resp.Status)
	}

	var list struct {
		Tunnels []apiTunnel `json:"tunnels"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(&list); err != nil {
		return "", fmt.Errorf("the ngrok agent's tunnel list cannot be read: %w", err)
	}
	return pick(list.Tunnels, w.opts.Port), nil
}

// pick returns the public URL of the first https tunnel to port, or else
// of the first http one; "" when neither exists.
func pick(tunnels []apiTunnel, port int) string {
	var plain string
	for _, t := range tunnels {
		p, ok := AddrPort(t.Config.Addr)
		if !ok || p != port {
			continue
		}
		switch {
		case strings.HasPrefix(t.PublicURL, "https://"):
			return t.PublicURL
		case strings.HasPrefix(t.PublicURL, "http://") && plain == "":
			plain = t.PublicURL
		}
	}
	return plain
}

// AddrPort returns the port that an ngrok upstream address reaches on this
// machine, for the forms ngrok accepts: "8080", "localhost:8080",
// "127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080". ok is
// false for an address on another machine or one that cannot be read.
func AddrPort(addr string) (port int, ok bool) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(addr); err == nil {
		if n <= 0 || n > 65535 {
			return 0, false
		}
		return n, true
	}

	host, portText := "", ""
	if strings.Contains(addr, "://") {
		u, err := url.Parse(addr)
		if err != nil {
			return 0, false
		}
		host, portText = u.Hostname(), u.Port()
		if portText == "" {
			portText = map[string]string{"http": "80", "https": "443"}[u.Scheme]
		}
	} else {
		var err error
		host, portText, err = net.SplitHostPort(addr)
		if err != nil {
			return 0, false
		}
	}

	if host != "" && !loopbackHost(host) {
		return 0, false
	}
	n, err := strconv.Atoi(portText)
	if err != nil || n <= 0 || n > 65535 {
		return 0, false
	}
	return n, true
}

// loopbackHost reports whether host names this machine's loopback.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// HookURL is the URL to give Clustr through a tunnel: the tunnel's public
// URL with the local listener's path, which carries the secret when there
// is one.
func HookURL(public, listenURL string) string {
	path := "/"
	if u, err := url.Parse(listenURL); err == nil && u.Path != "" {
		path = u.Path
	}
	return strings.TrimSuffix(public, "/") + path
}
