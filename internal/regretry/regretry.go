package regretry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/containers/common/pkg/retry"
	"github.com/containers/image/v5/docker"
	"github.com/docker/distribution/registry/api/errcode"
)

// Defaults of a Policy. Three retries with a doubling delay from one
// second (1 s, 2 s, 4 s) ride out a registry restart or a load balancer
// hiccup in about 7 s, yet a registry that is really down fails within
// seconds rather than minutes.
const (
	DefaultRetries = 3
	DefaultDelay   = time.Second
	MaxDelay       = 30 * time.Second
)

// Policy is how often and how patiently a transient failure is retried.
type Policy struct {
	// Retries after the first attempt: 0 means DefaultRetries, negative none.
	Retries int
	// Delay before the first retry (0: DefaultDelay); it doubles each
	// retry, up to MaxDelay.
	Delay time.Duration
}

// Normalized resolves the zero values to the defaults.
func (p Policy) Normalized() Policy {
	switch {
	case p.Retries == 0:
		p.Retries = DefaultRetries
	case p.Retries < 0:
		p.Retries = 0
	}
	if p.Delay <= 0 {
		p.Delay = DefaultDelay
	}
	return p
}

// Backoff is the wait after failed attempt number attempt (0-based).
func (p Policy) Backoff(attempt int) time.Duration {
	p = p.Normalized()
	if attempt > 30 {
		return MaxDelay
	}
	d := p.Delay << attempt
	if d > MaxDelay || d <= 0 {
		d = MaxDelay
	}
	return d
}

// Notice hears of a retry about to happen: the failure, the wait before
// the retry, and the retry's number n of the policy's of.
type Notice func(err error, wait time.Duration, n, of int)

// Retry reports whether failed attempt number attempt (0-based) should be
// followed by another, after telling notice (if not nil) and waiting its
// backoff: err must be transient, retries must be left, and ctx must not
// end while waiting.
func (p Policy) Retry(ctx context.Context, attempt int, err error, notice Notice) bool {
	p = p.Normalized()
	if attempt >= p.Retries || !IsTransient(err) || ctx.Err() != nil {
		return false
	}
	wait := p.Backoff(attempt)
	if notice != nil {
		notice(err, wait, attempt+1, p.Retries)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// WithAttempts adds the number of attempts to the final error of an
// operation that was retried ("… (3 attempts)"); after one attempt err is
// returned as it is.
func WithAttempts(err error, n int) error {
	if n <= 1 {
		return err
	}
	return fmt.Errorf("%w (%d attempts)", err, n)
}

// statusInMessage finds the HTTP status in the errors containers/image
// builds from unexpected responses; their types are unexported, so the
// message ("received unexpected HTTP status: 503 Service Unavailable",
// "StatusCode: 502, …", "invalid status code from registry 500") is all a
// caller can read.
var statusInMessage = regexp.MustCompile(`(?:HTTP status: |StatusCode: |status code from registry |status code )(\d{3})`)

// IsTransient reports whether a failed registry operation is worth
// retrying: the registry answered 5xx or 429, the connection broke (reset,
// refused, timeout, truncated response), or it stalled (ErrStalled).
// Authentication, "denied", "name unknown" and other 4xx answers are final,
// and so is a cancelled context (the user interrupted).
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrStalled) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if IsUnauthorized(err) {
		return false
	}
	if errors.Is(err, docker.ErrTooManyRequests) {
		return true
	}
	var ec errcode.Error
	if errors.As(err, &ec) {
		// A registry's own error code is specific: only these two say
		// "try again later" (containers/common would retry any of them).
		return ec.Code == errcode.ErrorCodeTooManyRequests || ec.Code == errcode.ErrorCodeUnavailable
	}
	if m := statusInMessage.FindStringSubmatch(err.Error()); m != nil {
		code, _ := strconv.Atoi(m[1])
		return code >= 500 || code == 429
	}
	for _, errno := range []syscall.Errno{syscall.ECONNRESET, syscall.ECONNREFUSED, syscall.ECONNABORTED, syscall.EPIPE, syscall.ETIMEDOUT} {
		if errors.Is(err, errno) {
			return true
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	// containers/common's heuristic covers the remaining network errors.
	return retry.IsErrorRetryable(err)
}

// IsUnauthorized reports whether err is the registry refusing the
// credentials (401, or 403/denied).
func IsUnauthorized(err error) bool {
	var creds docker.ErrUnauthorizedForCredentials
	if errors.As(err, &creds) {
		return true
	}
	var ec errcode.Error
	if errors.As(err, &ec) {
		switch ec.Code {
		case errcode.ErrorCodeUnauthorized, errcode.ErrorCodeDenied:
			return true
		}
	}
	var ecs errcode.Errors
	if errors.As(err, &ecs) {
		for _, e := range ecs {
			if IsUnauthorized(e) {
				return true
			}
		}
	}
	msg := err.Error()
	if m := statusInMessage.FindStringSubmatch(msg); m != nil && m[1] == "401" {
		return true // a HEAD's bodiless 401: `StatusCode: 401, ""`
	}
	return strings.Contains(msg, "authentication required") || strings.Contains(msg, "401 Unauthorized")
}

// ErrStalled marks an attempt that a Watchdog ended because no data moved
// for its timeout. It is transient: the next attempt may find the
// registry answering again.
var ErrStalled = errors.New("stalled")

// StallError is ErrStalled with the timeout that ran out; with Floor set,
// data did move, but only Bytes over that time, below Floor bytes/s.
type StallError struct {
	After time.Duration
	Floor int64
	Bytes int64
}

func (e *StallError) Error() string {
	if e.Floor > 0 {
		return fmt.Sprintf("stalled: %d bytes in %s, below the floor of %s/s", e.Bytes, FormatDuration(e.After), formatRate(e.Floor))
	}
	return "stalled: no data for " + FormatDuration(e.After)
}

func formatRate(b int64) string {
	if b >= 1024 && b%1024 == 0 {
		return fmt.Sprintf("%d KiB", b/1024)
	}
	return fmt.Sprintf("%d B", b)
}

func (e *StallError) Is(target error) bool { return target == ErrStalled }

// FormatDuration prints whole seconds as "60s" (not "1m0s"), the way the
// --stall-timeout flag is usually written; anything else as Go does.
func FormatDuration(d time.Duration) string {
	if d >= time.Second && d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}
