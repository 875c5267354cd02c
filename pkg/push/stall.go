package push

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/containers/image/v5/types"

	"github.com/ocl-build/ocl-build/internal/regretry"
)

// stallWatch ends a push attempt that has moved no data for the stall
// timeout. containers/image has no read or idle timeout, so a registry
// that accepts an upload and then never answers would hang the push
// forever; copy.Image's progress events are the only sign of life it
// gives, so each one restarts the current attempt's countdown. The error
// it leaves is transient: the retry loop then tries again.
type stallWatch struct {
	d time.Duration

	mu sync.Mutex
	wd *regretry.Watchdog // the running attempt's, nil between attempts
	op string             // what the last progress event said was happening
}

func newStallWatch(d time.Duration) *stallWatch {
	return &stallWatch{d: regretry.StallTimeout(d), op: "starting the push"}
}

// relay passes copy.Image's progress events on to the returned channel
// (closed when in is), kicking the watchdog on each.
func (s *stallWatch) relay(in <-chan types.ProgressProperties) <-chan types.ProgressProperties {
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
				s.op = "waiting for the registry after blob " + shortDigest(p.Artifact.Digest.String())
			default:
				s.op = "sending blob " + shortDigest(p.Artifact.Digest.String())
			}
			s.mu.Unlock()
			out <- p
		}
	}()
	return out
}

// attempt starts watching one copy.Image call: run it with the returned
// context and pass its error through settle, which turns a cancellation
// by the watchdog into a stall error naming what was going on.
func (s *stallWatch) attempt(ctx context.Context) (context.Context, func(error) error) {
	actx, wd := regretry.NewWatchdog(ctx, s.d)
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

func shortDigest(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return d
}
