package push

import (
	"context"
	"errors"
	"io"
	"net"
	"regexp"
	"strconv"
	"syscall"

	"github.com/containers/common/pkg/retry"
	"github.com/containers/image/v5/docker"
	"github.com/docker/distribution/registry/api/errcode"
)

// statusInMessage finds the HTTP status in the errors containers/image
// builds from unexpected responses; their types are unexported, so the
// message ("received unexpected HTTP status: 503 Service Unavailable",
// "StatusCode: 502, …", "invalid status code from registry 500") is all a
// caller can read.
var statusInMessage = regexp.MustCompile(`(?:HTTP status: |StatusCode: |status code from registry |status code )(\d{3})`)

// IsTransient reports whether a failed push is worth retrying: the
// registry answered 5xx or 429, or the connection broke (reset, refused,
// timeout, truncated response). Authentication, "denied", "name unknown"
// and other 4xx answers are final.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
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
