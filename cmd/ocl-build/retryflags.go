package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/ocl-build/ocl-build/internal/regretry"
	"github.com/ocl-build/ocl-build/pkg/registry"
)

// retryFlags are --retry, --retry-delay and --stall-timeout, the same
// three on every command that pulls or pushes. On the command line 0
// means "none"; the libraries read 0 as "default", so the values handed
// down say -1 for none.
type retryFlags struct {
	retries int
	delay   time.Duration
	stall   time.Duration
}

// register adds the flags; what says which transfers they govern.
func (f *retryFlags) register(fl *pflag.FlagSet, what string) {
	fl.IntVar(&f.retries, "retry", regretry.DefaultRetries, "retries of a "+what+" after a transient registry failure (5xx, 429, reset, stall; 0: none)")
	fl.DurationVar(&f.delay, "retry-delay", regretry.DefaultDelay, "delay before the first retry; doubles each retry, at most 30s")
	fl.DurationVar(&f.stall, "stall-timeout", regretry.DefaultStallTimeout, "give up a "+what+" attempt that moved no data for this long, then retry (0: wait forever)")
}

// check rejects values that mean nothing, naming the flag.
func (f *retryFlags) check() error {
	switch {
	case f.retries < 0:
		return fmt.Errorf("--retry %d: want 0 or more", f.retries)
	case f.delay <= 0:
		return fmt.Errorf("--retry-delay %s: want a positive duration", f.delay)
	case f.stall < 0:
		return fmt.Errorf("--stall-timeout %s: want a positive duration, or 0 for none", f.stall)
	}
	return nil
}

// policy is the retry policy for the libraries.
func (f *retryFlags) policy() regretry.Policy {
	p := regretry.Policy{Retries: f.retries, Delay: f.delay}
	if p.Retries == 0 {
		p.Retries = -1
	}
	return p
}

// apply sets o's retry policy and stall timeout from the flags.
func (f *retryFlags) apply(o *registry.Options) {
	o.Retry, o.StallTimeout = f.policy(), f.stallTimeout()
}

// stallTimeout is the stall timeout for the libraries.
func (f *retryFlags) stallTimeout() time.Duration {
	if f.stall == 0 {
		return -1
	}
	return f.stall
}
