package regretry

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/containers/image/v5/types"
)

// CopyWatch ends a copy.Image attempt (a push or a pull) that has moved no
// data for the stall timeout. containers/image has no read or idle
// timeout, so a registry that accepts a connection and then never answers
// would hang the copy forever; copy.Image's progress events are the only
// sign of life it gives, so each one restarts the current attempt's
// countdown. The error it leaves is transient: the caller's retry loop
// then tries again.
type CopyWatch struct {
	d     time.Duration
	floor int64  // bytes/s below which a window counts as stalled (0: none)
	verb  string // "sending" or "fetching"

	mu sync.Mutex
	wd *Watchdog // the running attempt's, nil between attempts
	op string    // what the last progress event said was happening
}

// NewCopyWatch watches copies with stall timeout d (see StallTimeout for 0
// and negative values). start names the work before the first progress
// event ("starting the push"); verb says what a blob in flight is doing
// ("sending", "fetching").
func NewCopyWatch(d time.Duration, start, verb string) *CopyWatch {
	return &CopyWatch{d: StallTimeout(d), verb: verb, op: start}
}

// SetFloor makes an attempt that moves less than bytesPerSecond over a
// whole stall window stalled too (0: no floor). Call before Attempt.
func (s *CopyWatch) SetFloor(bytesPerSecond int64) { s.floor = bytesPerSecond }

// Relay passes copy.Image's progress events on to the returned channel
// (closed when in is), kicking the watchdog on each. Give copy.Options a
// ProgressInterval well below the stall timeout.
func (s *CopyWatch) Relay(in <-chan types.ProgressProperties) <-chan types.ProgressProperties {
	out := make(chan types.ProgressProperties, cap(in))
	go func() {
		defer close(out)
		for p := range in {
			s.mu.Lock()
			if s.wd != nil {
				s.wd.Kick()
			}
			switch p.Event {
			case types.ProgressEventDone, types.ProgressEventSkipped:
				if s.wd != nil {
					s.wd.Restart() // a finished blob is progress, whatever its size
				}
				s.op = "waiting for the registry after blob " + ShortDigest(p.Artifact.Digest.String())
			default:
				if s.wd != nil {
					s.wd.Moved(int64(p.OffsetUpdate))
				}
				s.op = s.verb + " blob " + ShortDigest(p.Artifact.Digest.String())
			}
			s.mu.Unlock()
			out <- p
		}
	}()
	return out
}

// Attempt starts watching one copy.Image call: run it with the returned
// context and pass its error through settle, which turns a cancellation
// by the watchdog into a stall error naming what was going on.
func (s *CopyWatch) Attempt(ctx context.Context) (context.Context, func(error) error) {
	actx, wd := NewWatchdog(ctx, s.d)
	wd.SetFloor(s.floor)
	s.mu.Lock()
	s.wd = wd
	s.mu.Unlock()
	wd.Kick()
	return actx, func(err error) error {
		s.mu.Lock()
		s.wd = nil
		op := s.op
		s.mu.Unlock()
		fired := wd.Stop()
		if err != nil && fired && ctx.Err() == nil {
			return fmt.Errorf("%s: %w", op, wd.Err())
		}
		return err
	}
}

// ShortDigest is "sha256:" and the first 12 hex digits, as error messages
// name blobs.
func ShortDigest(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return d
}
