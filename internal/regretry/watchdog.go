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
//
// With a rate floor (SetFloor), an attempt that keeps moving data, but less
// than the floor over a whole timeout window of counting time, is ended
// too: a trickle of a byte every few seconds never lets the countdown run
// out, yet would take days. Moved reports the bytes; the check runs on
// Moved and Pause.
type Watchdog struct {
	d      time.Duration
	cancel context.CancelFunc
	t      *time.Timer

	mu    sync.Mutex
	fired bool
	// Rate window: counting time so far (active, plus since the last
	// Kick when since is set) and the bytes moved in it.
	floor   int64
	started bool // the window runs from the first byte: time before it is the no-data countdown's
	active  time.Duration
	since   time.Time
	bytes   int64
	slow    *StallError // set when the floor ended the attempt
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

// SetFloor sets the rate floor in bytes per second (0: none).
func (w *Watchdog) SetFloor(bytesPerSecond int64) {
	w.mu.Lock()
	w.floor = bytesPerSecond
	w.mu.Unlock()
}

// Kick (re)starts the countdown: progress was made, or a wait begins.
func (w *Watchdog) Kick() {
	if w.t != nil {
		w.t.Reset(w.d)
		w.mu.Lock()
		if w.since.IsZero() {
			w.since = time.Now()
		}
		w.mu.Unlock()
	}
}

// Pause stops the countdown until the next Kick.
func (w *Watchdog) Pause() {
	if w.t != nil {
		w.t.Stop()
		w.mu.Lock()
		if !w.since.IsZero() {
			w.active += time.Since(w.since)
			w.since = time.Time{}
		}
		w.mu.Unlock()
		w.checkRate()
	}
}

// Moved reports n bytes received or sent, and checks the rate floor.
func (w *Watchdog) Moved(n int64) {
	if w.t == nil {
		return
	}
	w.mu.Lock()
	if n > 0 && !w.started {
		w.started, w.active, w.bytes = true, 0, 0
		if !w.since.IsZero() {
			w.since = time.Now()
		}
	}
	w.bytes += n
	w.mu.Unlock()
	w.checkRate()
}

// Restart begins a new rate window: a unit of work (a blob) completed,
// which is progress whatever its size.
func (w *Watchdog) Restart() {
	w.mu.Lock()
	w.started, w.active, w.bytes = false, 0, 0
	w.mu.Unlock()
}

// checkRate ends the attempt once a whole window of counting time moved
// less than the floor; a window that moved enough starts the next one.
func (w *Watchdog) checkRate() {
	w.mu.Lock()
	if w.floor <= 0 || w.d <= 0 || w.fired || !w.started {
		w.mu.Unlock()
		return
	}
	now := time.Now()
	elapsed := w.active
	if !w.since.IsZero() {
		elapsed += now.Sub(w.since)
	}
	if elapsed < w.d {
		w.mu.Unlock()
		return
	}
	need := int64(float64(w.floor) * w.d.Seconds())
	if w.bytes >= need {
		w.active, w.bytes = 0, 0
		if !w.since.IsZero() {
			w.since = now
		}
		w.mu.Unlock()
		return
	}
	w.slow = &StallError{After: w.d, Floor: w.floor, Bytes: w.bytes}
	w.mu.Unlock()
	if w.t != nil {
		w.t.Stop()
	}
	w.fire()
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

// Err is the error for an attempt the watchdog ended: no data for the
// timeout, or less than the floor over it.
func (w *Watchdog) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.slow != nil {
		return w.slow
	}
	return &StallError{After: w.d}
}
