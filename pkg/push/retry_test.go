package push_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"

	"github.com/containers/image/v5/docker"
	"github.com/docker/distribution/registry/api/errcode"

	"github.com/ocl-build/ocl-build/pkg/push"
)

func TestIsTransient(t *testing.T) {
	reset := &url.Error{Op: "Patch", URL: "https://127.0.0.1:5000/v2/x/blobs/uploads/1", Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"503 status", fmt.Errorf("writing blob: initiating layer upload: %w", errors.New("received unexpected HTTP status: 503 Service Unavailable")), true},
		{"502 body", errors.New(`StatusCode: 502, "<html>bad gateway"`), true},
		{"429", fmt.Errorf("writing manifest: %w", docker.ErrTooManyRequests), true},
		{"429 errcode", errcode.ErrorCodeTooManyRequests.WithMessage("slow down"), true},
		{"connection reset", fmt.Errorf("writing blob: %w", reset), true},
		{"truncated", fmt.Errorf("reading blob: %w", io.ErrUnexpectedEOF), true},
		{"404", errors.New("received unexpected HTTP status: 404 Not Found"), false},
		{"unauthorized", docker.ErrUnauthorizedForCredentials{Err: errors.New("bad")}, false},
		{"denied", fmt.Errorf("x: %w", errcode.ErrorCodeDenied.WithMessage("requested access to the resource is denied")), false},
		{"cancelled", fmt.Errorf("x: %w", context.Canceled), false},
		{"manifest invalid", errcode.ErrorCodeUnknown.WithMessage("manifest invalid"), false},
		{"nil", nil, false},
	} {
		if got := push.IsTransient(tc.err); got != tc.want {
			t.Errorf("%s: IsTransient(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
