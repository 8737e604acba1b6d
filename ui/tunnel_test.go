package ui

import (
	"strings"
	"sync/atomic"
	"testing"
)

// fakeTunnel is what a tunnel watcher reports, switched by the test.
type fakeTunnel struct{ url atomic.Pointer[string] }

func (f *fakeTunnel) set(url string) { f.url.Store(&url) }
func (f *fakeTunnel) clear()         { f.url.Store(nil) }

func (f *fakeTunnel) current() (string, bool) {
	if p := f.url.Load(); p != nil {
		return *p, true
	}
	return "", false
}

func TestStatusLineShowsThePublicURL(t *testing.T) {
	var tunnel fakeTunnel
	tunnel.set("https://abc.ngrok-free.app")
	tm := start(t, Options{Store: capture(t, "doc-completed.json"),
		ListenURL: "http://127.0.0.1:26104/hooks/s3cr3t-s3cr3t-s3cr3t",
		Tunnel:    tunnel.current}, 160, 24)
	waitFor(t, tm, "batch_xyz789", "⇄ https://abc.ngrok-free.app/hooks/s3cr3t-s3cr3t-s3cr3t")

	press(tm, "u")
	waitFor(t, tm, "Copied https://abc.ngrok-free.app/hooks/s3cr3t-s3cr3t-s3cr3t")

	tunnel.clear()
	waitFor(t, tm, "no tunnel: run ngrok http 26104")
	press(tm, "u")
	waitFor(t, tm, "No ngrok tunnel reaches the listener yet: run ngrok http 26104")

	out := screen(t, tm)
	if strings.Contains(out, "abc.ngrok-free.app") {
		t.Errorf("the status line still shows the tunnel that went:\n%s", out)
	}
}

func TestPublicURLWithoutSecretEndsInASlash(t *testing.T) {
	var tunnel fakeTunnel
	tunnel.set("https://abc.ngrok-free.app")
	a := New(Options{Store: capture(t), ListenURL: "http://127.0.0.1:8080/",
		Tunnel: tunnel.current})
	defer a.Close()
	if got, ok := a.publicURL(); !ok || got != "https://abc.ngrok-free.app/" {
		t.Errorf("publicURL() = %q, %v; want https://abc.ngrok-free.app/", got, ok)
	}
}

func TestNoTunnelPartWithoutAWatcher(t *testing.T) {
	a := New(Options{Store: capture(t), ListenURL: "http://127.0.0.1:8080/"})
	defer a.Close()
	if s := a.tunnelStatus(); s != "" || a.keys.CopyPublicURL.Enabled() {
		t.Errorf("without a watcher the status shows %q and u is enabled: %v",
			s, a.keys.CopyPublicURL.Enabled())
	}
}

func TestStatusLineSaysWhyTheInProcessTunnelIsDown(t *testing.T) {
	problem := func() string { return "--ngrok needs an authtoken: set NGROK_AUTHTOKEN" }
	none := func() (string, bool) { return "", false }
	tm := start(t, Options{Store: capture(t), ListenURL: "http://127.0.0.1:9/",
		Tunnel: none, TunnelProblem: problem}, 160, 20)
	waitFor(t, tm, "no tunnel: --ngrok needs an authtoken: set NGROK_AUTHTOKEN")
}
