package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/oclerr"
)

// signalContext is cancelled by Ctrl-C or SIGTERM with an
// *oclerr.Interrupted cause naming the signal, so a build or push stops,
// cleans up and exits 128+n (130, 143). Piped into head or less that quits
// early, the command keeps going (and cleans up) instead of dying on SIGPIPE
// halfway through with mounts held. Notify, not Ignore: an ignored signal
// would stay ignored in every RUN. Call stop when done.
func signalContext(cmd *cobra.Command) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(cmd.Context())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	sigpipe := make(chan os.Signal, 1)
	signal.Notify(sigpipe, syscall.SIGPIPE)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			cancel(&oclerr.Interrupted{Signal: s})
		case <-done:
		}
	}()
	return ctx, func() {
		close(done)
		signal.Stop(sigs)
		signal.Stop(sigpipe)
		cancel(nil)
	}
}
