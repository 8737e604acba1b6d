package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/clustr/clustr-explorer/demo"
	"github.com/clustr/clustr-explorer/storage"
)

// demoCmd is `clustr-explorer demo`.
type demoCmd struct{}

// Run shows the interface on built-in deliveries, with no listener. They
// live in a capture file in a temporary folder, which is removed when the
// interface ends: by a key, by a signal, or by the terminal going away.
func (c *demoCmd) Run(env *runEnv) error {
	logger, closeLog, err := env.logger(false)
	if err != nil {
		return err
	}
	defer closeLog()

	// main stops on SIGINT and SIGTERM; a closed terminal window sends
	// SIGHUP, which would otherwise leave the folder behind.
	ctx, stop := signal.NotifyContext(env.ctx, syscall.SIGHUP)
	defer stop()

	dir, err := os.MkdirTemp("", "clustr-explorer-demo-")
	if err != nil {
		return fmt.Errorf("make a folder for the demo capture: %w", err)
	}
	store, err := demo.Build(dir, "clustr-explorer/"+version)
	if err != nil {
		_ = os.RemoveAll(dir)
		return err
	}

	err = runInterface(ctx, interfaceOptions{Store: store, Logger: logger})
	if cleanupErr := removeDemo(store, dir); err == nil {
		err = cleanupErr
	}
	return err
}

// removeDemo closes the demo capture and removes its folder.
func removeDemo(store *storage.Store, dir string) error {
	closeErr := store.Close()
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove the demo capture: %w; delete %s by hand", err, dir)
	}
	return closeErr
}
