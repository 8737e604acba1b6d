package main

import (
	"context"

	"github.com/clustr/clustr-explorer/ui"
)

// runInterface shows the Bubble Tea interface over an open capture until the
// user quits. The interface owns the terminal, so nothing else may write to
// stdout or stderr while it runs: logs go to the --log file.
func runInterface(ctx context.Context, opts interfaceOptions) error {
	return ui.Run(ctx, ui.Options{
		Store:         opts.Store,
		ListenURL:     opts.ListenURL,
		SendSamples:   opts.SendSamples,
		Unauthorized:  opts.Unauthorized,
		TunnelProblem: opts.TunnelProblem,
		Tunnel:        opts.Tunnel,
		SnapshotOf:    opts.SnapshotOf,
		Forward:       opts.Forward,
		Replay:        opts.Replay,
		ForwardStatus: opts.ForwardStatus,
		Logger:        opts.Logger,
	})
}
