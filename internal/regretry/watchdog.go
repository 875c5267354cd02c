package regretry

import (
	"context"
	"sync"
	"time"
)

// DefaultStallTimeout is how long a registry may send nothing before an
// attempt is given up: far beyond any healthy registry's pause (a large
// blob's digest check on upload takes seconds), far below "forever".
const DefaultStallTimeout = 60 * time.Second

// StallTimeout resolves a user setting: 0 means DefaultStallTimeout,
// negative means no watchdog.
func StallTimeout(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return DefaultStallTimeout
	case d < 0:
		return 0
	}
	return d
}

// Watchdog cancels one attempt's context when the attempt has been
// waiting for data longer than its timeout. Nothing in containers/image
// has a read or idle timeout (types.SystemContext offers none), so this is
// what turns a registry that stops answering into an error.
//
// The countdown runs between Kick and Pause: a reader kicks before each
// network read and pauses after it, so time the consumer spends on the
// data does not count; a progress feed simply kicks on every event.
type Watchdog struct {
	d      time.Duration
	cancel context.CancelFunc
	t      *time.Timer

	mu    sync.Mutex
	fired bool
}

// NewWatchdog returns the attempt's context and its watchdog, not yet
// counting. d <= 0 gives a watchdog that never fires.
func NewWatchdog(parent context.Context, d time.Duration) (context.Context, *Watchdog) {
	ctx, cancel := context.WithCancel(parent)
	w := &Watchdog{d: d, cancel: cancel}
	if d > 0 {
		w.t = time.AfterFunc(time.Hour, w.fire)
		w.t.Stop()
	}
	return ctx, w
}

func (w *Watchdog) fire() {
	w.mu.Lock()
	w.fired = true
	w.mu.Unlock()
	w.cancel() // after setting fired: whoever sees the cancellation sees why
}

// Kick (re)starts the countdown: progress was made, or a wait begins.
func (w *Watchdog) Kick() {
	if w.t != nil {
		w.t.Reset(w.d)
	}
}

// Pause stops the countdown until the next Kick.
func (w *Watchdog) Pause() {
	if w.t != nil {
		w.t.Stop()
	}
}

// Fired reports whether the timeout ran out (the attempt's context is then
// cancelled).
func (w *Watchdog) Fired() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fired
}

// Stop ends the attempt: the countdown stops and its context is released.
// It reports whether the watchdog had fired.
func (w *Watchdog) Stop() bool {
	w.Pause()
	fired := w.Fired()
	w.cancel()
	return fired
}

// Err is the error for an attempt the watchdog ended.
func (w *Watchdog) Err() error { return &StallError{After: w.d} }
