package main

import (
	"context"
	"fmt"
	"strings"
	"syscall"

	"github.com/ocl-build/ocl-build/pkg/push"
)

// interruptedExit ends a command whose context was cancelled by Ctrl-C or
// SIGTERM with the status a shell reports for a process killed by that
// signal (128+n: 130 for SIGINT, 143 for SIGTERM), after the command has
// cleaned up. signal.NotifyContext names the signal in the context's cause.
func interruptedExit(ctx context.Context) error {
	code := 128 + int(syscall.SIGINT)
	if c := context.Cause(ctx); c != nil && strings.Contains(c.Error(), syscall.SIGTERM.String()) {
		code = 128 + int(syscall.SIGTERM)
	}
	return &exitError{code: code, silent: true}
}

// withCertHint adds what to do about an untrusted registry certificate (the
// --cert-dir and --tls-verify=false flags) to errors that lack it; push,
// rpmdiff and inspect add it in their libraries, build and preflight here.
func withCertHint(err error) error {
	if err == nil || !push.IsUntrustedCertificate(err) || strings.Contains(err.Error(), "--cert-dir") {
		return err
	}
	return fmt.Errorf("%w (%s)", err, push.UntrustedCertificateHint)
}
