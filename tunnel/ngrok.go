package tunnel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.ngrok.com/ngrok/v2"
)

// ErrNoAuthtoken is returned by Open without an ngrok authtoken.
var ErrNoAuthtoken = errors.New("--ngrok needs an authtoken: set NGROK_AUTHTOKEN " +
	"to the one on your ngrok dashboard")

// InProcess is a tunnel opened by this process with the ngrok SDK, in the
// background: Current says its public URL once it is up, Problem why it is
// not. The local listener serves either way.
type InProcess struct {
	mu      sync.Mutex
	url     string
	problem string
	close   func()
}

// Open starts opening a tunnel from ngrok's cloud to upstream, the local
// listener's URL, with the given authtoken. It returns at once.
func Open(ctx context.Context, authtoken, upstream string) *InProcess {
	t := &InProcess{problem: "opening the ngrok tunnel…"}
	if strings.TrimSpace(authtoken) == "" {
		t.problem = ErrNoAuthtoken.Error()
		return t
	}
	go t.open(ctx, authtoken, upstream)
	return t
}

func (t *InProcess) open(ctx context.Context, authtoken, upstream string) {
	agent, err := ngrok.NewAgent(ngrok.WithAuthtoken(authtoken))
	if err == nil {
		err = agent.Connect(ctx)
	}
	if err != nil {
		t.fail(fmt.Errorf("could not reach ngrok: %w", err))
		return
	}
	fwd, err := agent.Forward(ctx, ngrok.WithUpstream(upstream))
	if err != nil {
		_ = agent.Disconnect()
		t.fail(fmt.Errorf("ngrok refused the tunnel: %w", err))
		return
	}

	t.mu.Lock()
	t.url, t.problem = fwd.URL().String(), ""
	t.close = func() { _ = fwd.Close(); _ = agent.Disconnect() }
	t.mu.Unlock()

	select {
	case <-fwd.Done():
		t.fail(errors.New("the ngrok tunnel closed"))
	case <-ctx.Done():
		t.Close()
	}
}

func (t *InProcess) fail(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.url = ""
	t.problem = oneLine(err.Error())
}

// oneLine keeps the first line of a message, for the status line.
func oneLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// Current returns the tunnel's public URL; ok is false until it is up.
func (t *InProcess) Current() (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.url, t.url != ""
}

// Problem says why there is no tunnel; "" once it is up.
func (t *InProcess) Problem() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.problem
}

// Close closes the tunnel, if it opened.
func (t *InProcess) Close() {
	t.mu.Lock()
	closeFn := t.close
	t.close = nil
	t.mu.Unlock()
	if closeFn != nil {
		closeFn()
	}
}
