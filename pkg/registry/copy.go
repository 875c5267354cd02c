package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/signature"
	"github.com/containers/image/v5/types"

	"github.com/ocl-build/ocl-build/internal/regretry"
)

// Why every copy goes through here: containers/image gives up at the first
// 5xx, and nothing in it notices a registry that stops sending (or sends a
// byte every few seconds). Each attempt therefore runs under a CopyWatch
// fed by copy.Image's progress events, and a transient failure starts
// another attempt after the policy's delay. Blobs an earlier attempt
// stored or sent are not transferred again: containers/image skips what
// the destination has.

// Transfer describes one copy.Image call: what to call it, and where its
// report goes.
type Transfer struct {
	// Where names the operation and the image, as errors and retry
	// notices start: "push to HOST/REPO:TAG", "pulling HOST/REPO:TAG".
	Where string
	// Host is the registry (host[:port]) the copy talks to, for the
	// credential advice of a refused login.
	Host string
	// Start and Verb describe the work for a stall error: Start before
	// the first progress event ("starting the push"), Verb for a blob in
	// flight ("sending", "fetching").
	Start, Verb string
	// Sys is the SystemContext of both ends (Options.SystemContext).
	Sys *types.SystemContext
	// Report receives containers/image's report (bars on a terminal,
	// "Copying blob …" lines otherwise) and retry notices; nil: none.
	Report io.Writer
	// Check, if set, runs at the start of every attempt, under its
	// watchdog, before copy.Image (CheckSpace for a pull); its error ends
	// the attempt like a failed copy.
	Check func(ctx context.Context) error
	// Events, if set, receives every progress event (after the watchdog
	// saw it) until the channel closes, when Copy returns.
	Events func(<-chan types.ProgressProperties)
}

// CopyResult is what a successful copy returns.
type CopyResult struct {
	Manifest []byte // the manifest written to the destination
	Attempts int    // 1 plus the retries that were needed
}

// Copy runs copy.Image from src to dst with o's retry policy and stall
// watchdog. The error of the last attempt names t.Where, speaks
// registry (see Describe) and, after more than one attempt, counts them.
// A ctx cancelled while waiting to retry gives an error that wraps
// ctx.Err().
func (o Options) Copy(ctx context.Context, pc *signature.PolicyContext, dst, src types.ImageReference, t Transfer) (*CopyResult, error) {
	notice := func(err error, wait time.Duration, n, of int) {
		if t.Report != nil {
			fmt.Fprintf(t.Report, "%s: %v; retrying in %s (%d/%d)\n", t.Where, Speak(err), wait, n, of)
		}
	}
	watch := regretry.NewCopyWatch(o.StallTimeout, t.Start, t.Verb)
	// copy.Image reports progress every 500 ms: a rate over a window
	// needs several such samples, so below 5 s only the no-data countdown
	// applies to a copy (blob reads in pkg/image measure every read and
	// keep the floor at any window).
	if o.Stall() >= 5*time.Second {
		watch.SetFloor(o.Rate())
	}
	events := make(chan types.ProgressProperties, 64)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		relayed := watch.Relay(events)
		if t.Events != nil {
			t.Events(relayed)
		}
		for range relayed {
		}
	}()
	defer func() {
		close(events)
		<-drained
	}()
	opts := &copy.Options{
		ReportWriter:     t.Report,
		SourceCtx:        t.Sys,
		DestinationCtx:   t.Sys,
		Progress:         events,
		ProgressInterval: 500 * time.Millisecond,
	}
	res := &CopyResult{}
	guard := NewRedirectGuard(ctx, t.Sys, src, dst)
	var err error
	for attempt := 0; ; attempt++ {
		res.Attempts = attempt + 1
		actx, settle := watch.Attempt(guard.Context(ctx))
		err = nil // each attempt starts afresh
		if t.Check != nil {
			err = t.Check(actx)
		}
		if err == nil {
			res.Manifest, err = copy.Image(actx, pc, dst, src, opts)
		}
		if err = settle(err); err == nil {
			return res, nil
		}
		if gerr := guard.Err(); gerr != nil {
			err = gerr // a refused redirect is not retried
			break
		}
		if !o.Retry.Retry(ctx, attempt, err, notice) {
			break
		}
	}
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		// Interrupted while waiting to retry: say so, for exit 130/143.
		return nil, fmt.Errorf("%s: %w while waiting to retry after: %v", t.Where, ctx.Err(), Speak(err))
	}
	return nil, o.Describe(t.Where, t.Host, err, res.Attempts)
}
