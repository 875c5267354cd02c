package oclerr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Exit statuses shared by every command.
const (
	ExitOK       = 0 // clean, or findings below the failure threshold
	ExitFindings = 1 // findings at or above the threshold, or a failed build step
	ExitInput    = 2 // input, usage, credential or registry error
	// ExitInProgress is status's answer while the build or the rollout is
	// not finished (without --watch, or --watch stopped by --timeout).
	ExitInProgress = 3
)

// Coder is an error that knows the exit status it ends the process with.
type Coder interface {
	error
	ExitCode() int
}

// InputError is a problem with what the user gave: a flag, a file, a
// credential, a registry that refused or could not be reached. Exit 2.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }
func (e *InputError) ExitCode() int { return ExitInput }

// Input marks err as an input error; nil stays nil, and an error that
// already carries a status keeps it.
func Input(err error) error {
	if err == nil {
		return nil
	}
	var c Coder
	if errors.As(err, &c) {
		return err
	}
	return &InputError{Err: err}
}

// Inputf is Input(fmt.Errorf(format, a...)).
func Inputf(format string, a ...any) error { return &InputError{Err: fmt.Errorf(format, a...)} }

// StepError is a named step of a pipeline (lint, base, render, build, …)
// that failed. Failed says the step ran and its own work failed at the
// point Err names (a RUN exited non-zero): exit 1, "build failed at …";
// otherwise the step could not run (credentials, registry, input): exit 2,
// "base: …".
type StepError struct {
	Step   string
	Err    error
	Failed bool
}

func (e *StepError) Error() string {
	if e.Failed {
		return e.Step + " failed at " + e.Err.Error()
	}
	return e.Step + ": " + e.Err.Error()
}
func (e *StepError) Unwrap() error { return e.Err }
func (e *StepError) ExitCode() int {
	if e.Failed {
		// A RUN that exited non-zero ends the command with its own
		// status, as `buildah bud` does (README "Exit codes").
		var rs interface{ RunExitStatus() int }
		if errors.As(e.Err, &rs) {
			if c := rs.RunExitStatus(); c > 0 && c < 256 {
				return c
			}
		}
		return ExitFindings
	}
	return ExitInput
}

// ReportedError ends a command with Code after the command printed what
// the user needs (its findings, or one line per bad input); it prints
// nothing more.
type ReportedError struct{ Code int }

func (e *ReportedError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }
func (e *ReportedError) ExitCode() int { return e.Code }
func (e *ReportedError) Silent() bool  { return true }

// Findings is the error of a command whose findings, already printed, fail
// it: exit 1.
func Findings() error { return &ReportedError{Code: ExitFindings} }

// Reported is the error of a command that already printed why it fails.
func Reported(code int) error { return &ReportedError{Code: code} }

// Interrupted is the cancel cause of a context stopped by a signal
// (context.WithCancelCause); an error that wraps it exits 128+n, as a shell
// reports a process killed by signal n, after the command cleaned up.
type Interrupted struct{ Signal os.Signal }

func (e *Interrupted) Error() string { return "interrupted by " + signalName(e.Signal) }
func (e *Interrupted) ExitCode() int {
	if s, ok := e.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 128 + int(syscall.SIGINT)
}

func signalName(s os.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case nil:
		return "a signal"
	}
	return s.String()
}

// Canceled returns err with the context's cancel cause attached when ctx
// was stopped by a signal, so ExitCode reports 128+n. Otherwise err as is.
func Canceled(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil {
		return err
	}
	var in *Interrupted
	if errors.As(err, &in) {
		return err
	}
	if cause := context.Cause(ctx); errors.As(cause, &in) {
		return in
	}
	return err
}

// Silent reports whether the error's message was already shown.
func Silent(err error) bool {
	var s interface{ Silent() bool }
	return errors.As(err, &s) && s.Silent()
}

// ExitCode is the process status for err: 0 for nil, 128+n for a signal
// anywhere in the chain, the status of the outermost Coder, else 2 (an
// unclassified error is a usage or input problem: cobra's own flag errors).
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var in *Interrupted
	if errors.As(err, &in) {
		return in.ExitCode()
	}
	var c Coder
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return ExitInput
}
