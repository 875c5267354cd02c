package oclerr

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
)

func TestExitCode(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(&Interrupted{Signal: syscall.SIGTERM})
	plainCtx, plainCancel := context.WithCancel(context.Background())
	plainCancel()
	base := errors.New("boom")
	for _, c := range []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"unclassified", base, 2},
		{"input", Input(base), 2},
		{"input wrapped", fmt.Errorf("reading: %w", Input(base)), 2},
		{"step could not run", &StepError{Step: "base", Err: base}, 2},
		{"step failed", &StepError{Step: "build", Err: base, Failed: true}, 1},
		{"step failed keeps 1 around an input", &StepError{Step: "build", Err: Input(base), Failed: true}, 1},
		{"findings", Findings(), 1},
		{"SIGINT", &Interrupted{Signal: syscall.SIGINT}, 130},
		{"SIGTERM in a step", &StepError{Step: "push", Err: Canceled(ctx, context.Canceled), Failed: true}, 143},
		{"cancel without a signal is not a signal", Canceled(plainCtx, context.Canceled), 2},
	} {
		if got := ExitCode(c.err); got != c.want {
			t.Errorf("%s: ExitCode(%v) = %d, want %d", c.name, c.err, got, c.want)
		}
	}
}

func TestInputKeepsAStatus(t *testing.T) {
	se := &StepError{Step: "build", Err: errors.New("RUN failed"), Failed: true}
	if got := Input(se); got != se {
		t.Errorf("Input re-classified a step error: %#v", got)
	}
	if Input(nil) != nil {
		t.Error("Input(nil) != nil")
	}
}

func TestMessages(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(&Interrupted{Signal: syscall.SIGINT})
	if got := (&StepError{Step: "build", Err: Canceled(ctx, errors.New("context canceled"))}).Error(); got != "build: interrupted by SIGINT" {
		t.Errorf("message %q", got)
	}
	if !Silent(fmt.Errorf("x: %w", Findings())) || Silent(Input(errors.New("x"))) {
		t.Error("Silent")
	}
}
