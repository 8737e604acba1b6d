package ui

import (
	"net/url"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/clustr/clustr-explorer/tunnel"
)

// statusTickMsg prompts a redraw of the parts of the status line that
// change outside the interface: the refused count and the tunnel.
type statusTickMsg struct{}

// pollStatus redraws the status line every second while a secret guards
// the listener or a tunnel is watched, since neither reaches a page.
func (a *App) pollStatus() tea.Cmd {
	if a.opts.Unauthorized == nil && a.opts.Tunnel == nil && a.opts.ForwardStatus == nil {
		return nil
	}
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return statusTickMsg{} })
}

// publicURL is the URL to give Clustr through the tunnel: its public URL
// with the listener's path, which carries the secret when there is one.
// ok is false when no tunnel reaches the listener.
func (a *App) publicURL() (string, bool) {
	if a.opts.Tunnel == nil {
		return "", false
	}
	public, ok := a.opts.Tunnel()
	if !ok {
		return "", false
	}
	return tunnel.HookURL(public, a.opts.ListenURL), true
}

// tunnelHint is the command that would open a tunnel to the listener.
func (a *App) tunnelHint() string {
	port := "8080"
	if u, err := url.Parse(a.opts.ListenURL); err == nil && u.Port() != "" {
		port = u.Port()
	}
	return "ngrok http " + port
}

// tunnelStatus is the tunnel's part of the status line; "" when no tunnel
// is watched.
func (a *App) tunnelStatus() string {
	if a.opts.Tunnel == nil {
		return ""
	}
	st := &a.styles
	if public, ok := a.publicURL(); ok {
		return st.StatusKey.Render("⇄") + st.StatusBar.Render(" "+clean(public))
	}
	if a.opts.TunnelProblem != nil {
		if problem := a.opts.TunnelProblem(); problem != "" {
			return st.StatusBad.Render("no tunnel: " + clean(problem))
		}
	}
	return st.StatusBar.Render("no tunnel: run " + a.tunnelHint())
}

// tunnelKey handles the key that copies the public URL; ok is false for
// any other key, and while the filter or the help screen has the keys.
func (a *App) tunnelKey(msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool) {
	if a.filtering || a.showHelp || !key.Matches(msg, a.keys.CopyPublicURL) {
		return nil, false
	}
	return a.copyPublicURL(), true
}

// copyPublicURL puts the public URL on the clipboard, through the
// terminal (OSC 52), so that it works over SSH too.
func (a *App) copyPublicURL() tea.Cmd {
	public, ok := a.publicURL()
	if !ok {
		return a.say(true, "No ngrok tunnel reaches the listener yet: run %s", a.tunnelHint())
	}
	return tea.Batch(tea.SetClipboard(public),
		a.say(false, "Copied %s; give it to Clustr as the webhook_url", clean(public)))
}
