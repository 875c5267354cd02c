package regretry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/containers/image/v5/docker"
	"github.com/docker/distribution/registry/api/errcode"
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
		{"500 from registry", errors.New("invalid status code from registry 500 (Internal Server Error)"), true},
		{"429", fmt.Errorf("writing manifest: %w", docker.ErrTooManyRequests), true},
		{"429 errcode", errcode.ErrorCodeTooManyRequests.WithMessage("slow down"), true},
		{"unavailable errcode", errcode.ErrorCodeUnavailable.WithMessage("later"), true},
		{"connection reset", fmt.Errorf("writing blob: %w", reset), true},
		{"truncated", fmt.Errorf("reading blob: %w", io.ErrUnexpectedEOF), true},
		{"stalled", fmt.Errorf("fetching layer x: %w", &StallError{After: time.Minute}), true},
		{"404", errors.New("received unexpected HTTP status: 404 Not Found"), false},
		{"unauthorized", docker.ErrUnauthorizedForCredentials{Err: errors.New("bad")}, false},
		{"bodiless 401", errors.New(`reading digest latest in r/x: StatusCode: 401, ""`), false},
		{"denied", fmt.Errorf("x: %w", errcode.ErrorCodeDenied.WithMessage("requested access to the resource is denied")), false},
		{"cancelled", fmt.Errorf("x: %w", context.Canceled), false},
		{"manifest invalid", errcode.ErrorCodeUnknown.WithMessage("manifest invalid"), false},
		{"nil", nil, false},
	} {
		if got := IsTransient(tc.err); got != tc.want {
			t.Errorf("%s: IsTransient(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

func TestStallErrorMessage(t *testing.T) {
	for d, want := range map[time.Duration]string{
		60 * time.Second:        "stalled: no data for 60s",
		3 * time.Second:         "stalled: no data for 3s",
		1500 * time.Millisecond: "stalled: no data for 1.5s",
	} {
		if got := (&StallError{After: d}).Error(); got != want {
			t.Errorf("%s: %q, want %q", d, got, want)
		}
	}
}

func TestPolicy(t *testing.T) {
	p := Policy{}.Normalized()
	if p.Retries != DefaultRetries || p.Delay != DefaultDelay {
		t.Errorf("zero policy normalizes to %+v", p)
	}
	if n := (Policy{Retries: -1}).Normalized().Retries; n != 0 {
		t.Errorf("negative retries normalize to %d, want 0", n)
	}
	var got []time.Duration
	for i := 0; i < 7; i++ {
		got = append(got, Policy{Delay: time.Second}.Backoff(i))
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("backoff %v, want %v", got, want)
	}
	if (Policy{Delay: time.Second}).Backoff(100) != MaxDelay {
		t.Error("a huge attempt number does not cap at MaxDelay")
	}

	transient := errors.New("received unexpected HTTP status: 503 Service Unavailable")
	fast := Policy{Retries: 2, Delay: 10 * time.Millisecond}
	ctx := context.Background()
	start := time.Now()
	if !fast.Retry(ctx, 0, transient, nil) || !fast.Retry(ctx, 1, transient, nil) {
		t.Error("a 503 within the retry budget is not retried")
	}
	if waited := time.Since(start); waited < 30*time.Millisecond {
		t.Errorf("two retries waited only %s, want 10ms + 20ms", waited)
	}
	if fast.Retry(ctx, 2, transient, nil) {
		t.Error("retried beyond the budget")
	}
	if fast.Retry(ctx, 0, errors.New("received unexpected HTTP status: 404 Not Found"), nil) {
		t.Error("a 404 is retried")
	}
	cctx, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	start = time.Now()
	if (Policy{Retries: 3, Delay: time.Hour}).Retry(cctx, 0, transient, nil) {
		t.Error("retried although the context ended while waiting")
	}
	if time.Since(start) > 5*time.Second {
		t.Error("the wait did not end with the context")
	}
}

// A server that accepts the request and then sends nothing: the watchdog
// must end the client's read, and say it was the watchdog.
func TestWatchdogEndsStalledRead(t *testing.T) {
	release := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000000")
		w.WriteHeader(200)
		_, _ = w.Write(make([]byte, 1000))
		w.(http.Flusher).Flush()
		select { // stall mid-body
		case <-r.Context().Done():
		case <-release:
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { close(release); _ = srv.Close() })

	ctx, wd := NewWatchdog(context.Background(), 300*time.Millisecond)
	defer wd.Stop()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+ln.Addr().String()+"/blob", nil)
	wd.Kick()
	resp, err := http.DefaultClient.Do(req)
	wd.Pause()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// Time spent between reads does not count.
	time.Sleep(500 * time.Millisecond)
	if wd.Fired() {
		t.Fatal("the watchdog fired while paused")
	}
	start := time.Now()
	buf := make([]byte, 64<<10)
	var readErr error
	for readErr == nil {
		wd.Kick()
		_, readErr = resp.Body.Read(buf)
		wd.Pause()
	}
	took := time.Since(start)
	if !wd.Fired() {
		t.Fatalf("read ended with %v, not by the watchdog", readErr)
	}
	if took < 250*time.Millisecond || took > 5*time.Second {
		t.Errorf("stalled read ended after %s, want about 300ms", took)
	}
	if err := wd.Err(); !errors.Is(err, ErrStalled) || !IsTransient(err) {
		t.Errorf("watchdog error %v is not a transient ErrStalled", err)
	}
}

func TestWatchdogDisabled(t *testing.T) {
	ctx, wd := NewWatchdog(context.Background(), StallTimeout(-1))
	wd.Kick()
	time.Sleep(50 * time.Millisecond)
	if wd.Fired() || ctx.Err() != nil {
		t.Error("a disabled watchdog fired")
	}
	if wd.Stop() || ctx.Err() == nil {
		t.Error("Stop does not release the context")
	}
	if StallTimeout(0) != DefaultStallTimeout {
		t.Error("0 does not mean the default stall timeout")
	}
}

// A trickle keeps the no-data countdown from ever running out; the rate
// floor ends it once a whole window moved less than the floor, and a
// healthy stream is left alone.
func TestWatchdogRateFloor(t *testing.T) {
	const window = 300 * time.Millisecond
	stream := func(chunk int64, every time.Duration, for_ time.Duration) (*Watchdog, time.Duration) {
		ctx, wd := NewWatchdog(context.Background(), window)
		wd.SetFloor(1024)
		start := time.Now()
		for time.Since(start) < for_ && ctx.Err() == nil {
			wd.Kick()
			time.Sleep(every) // the read waiting for its bytes
			wd.Moved(chunk)
			wd.Pause()
		}
		took := time.Since(start)
		wd.Stop()
		return wd, took
	}
	// 1 byte every 50 ms (20 B/s): far below 1 KiB/s.
	wd, took := stream(1, 50*time.Millisecond, 5*time.Second)
	if !wd.Fired() {
		t.Fatal("a 20 B/s trickle was never stalled")
	}
	if took < window || took > 3*window {
		t.Errorf("the trickle ended after %s, want one window (%s) and a read", took, window)
	}
	err := wd.Err()
	if !errors.Is(err, ErrStalled) || !IsTransient(err) || !strings.Contains(err.Error(), "below the floor of 1 KiB/s") {
		t.Errorf("floor error %v", err)
	}
	// 2 KiB every 50 ms (40 KiB/s) for four windows: never stalled.
	if wd, _ := stream(2048, 50*time.Millisecond, 4*window); wd.Fired() {
		t.Errorf("a 40 KiB/s stream was stalled: %v", wd.Err())
	}
}
