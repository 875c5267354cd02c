package faultproxy

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// upstream is a real HTTPS server holding one blob and accepting uploads.
func upstream(t *testing.T) (*httptest.Server, []byte, *atomic.Int64) {
	t.Helper()
	blob := make([]byte, 1<<20)
	if _, err := rand.Read(blob); err != nil {
		t.Fatal(err)
	}
	var uploaded atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			w.Header().Set("Content-Length", "1048576")
			w.Header().Set("Location", "https://"+r.Host+"/next")
			_, _ = w.Write(blob)
		default:
			n, _ := io.Copy(io.Discard, r.Body)
			uploaded.Store(n)
			w.WriteHeader(http.StatusCreated)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, blob, &uploaded
}

func start(t *testing.T, srv *httptest.Server) (*Proxy, *http.Client) {
	t.Helper()
	p, err := Start(Options{Upstream: srv.URL, UpstreamTLS: srv.Client().Transport.(*http.Transport).TLSClientConfig})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(p.CAPEM()) {
		t.Fatal("CA PEM does not parse")
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}
	return p, &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

func get(c *http.Client, url string) (int, []byte, http.Header, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header, err
}

func TestStatusTransientThenForward(t *testing.T) {
	srv, blob, _ := upstream(t)
	p, c := start(t, srv)
	if err := p.SetRules(
		Rule{Name: "429", Method: "GET", Path: `^/blob$`, Kind: Status, Code: 429, RetryAfter: "2", Times: 1},
		Rule{Name: "503", Method: "GET", Path: `^/blob$`, Kind: Status, Code: 503, Times: 2},
	); err != nil {
		t.Fatal(err)
	}
	url := "https://" + p.Addr() + "/blob"
	want := []int{429, 503, 503, 200}
	for i, w := range want {
		code, body, h, err := get(c, url)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if code != w {
			t.Fatalf("request %d: status %d, want %d", i, code, w)
		}
		if w == 429 && h.Get("Retry-After") != "2" {
			t.Errorf("429 without Retry-After: %v", h)
		}
		if w == 200 && !bytes.Equal(body, blob) {
			t.Errorf("forwarded body differs (%d bytes)", len(body))
		}
		if w == 200 && h.Get("Location") != "https://"+p.Addr()+"/next" {
			t.Errorf("Location %q does not lead back through the proxy", h.Get("Location"))
		}
	}
	if p.Hits("429") != 1 || p.Hits("503") != 2 {
		t.Errorf("hits 429=%d 503=%d, want 1 and 2", p.Hits("429"), p.Hits("503"))
	}
	if n := p.Requests("GET", nil); n != 4 {
		t.Errorf("%d requests counted, want 4", n)
	}
}

func TestResetMidResponse(t *testing.T) {
	srv, _, _ := upstream(t)
	p, c := start(t, srv)
	_ = p.SetRules(Rule{Name: "rst", Kind: Reset, AfterBytes: 300 << 10, Times: 1})
	_, body, _, err := get(c, "https://"+p.Addr()+"/blob")
	if err == nil {
		t.Fatalf("read %d bytes without error through a reset", len(body))
	}
	if len(body) == 0 || len(body) >= 1<<20 {
		t.Errorf("got %d bytes before the reset, want part of the body", len(body))
	}
	if !strings.Contains(err.Error(), "reset") && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Logf("error (reset expected): %v", err)
	}
	// the next request is served whole
	if code, body, _, err := get(c, "https://"+p.Addr()+"/blob"); err != nil || code != 200 || len(body) != 1<<20 {
		t.Fatalf("after the reset: %d, %d bytes, %v", code, len(body), err)
	}
}

func TestResetMidUpload(t *testing.T) {
	srv, _, uploaded := upstream(t)
	p, c := start(t, srv)
	_ = p.SetRules(Rule{Name: "rst", Method: "PATCH", Kind: Reset, AfterBytes: 64 << 10, Times: 1})
	body := bytes.Repeat([]byte("x"), 1<<20)
	req, _ := http.NewRequest("PATCH", "https://"+p.Addr()+"/upload", bytes.NewReader(body))
	if resp, err := c.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("upload through a reset answered %d", resp.StatusCode)
	}
	if uploaded.Load() != 0 {
		t.Errorf("upstream received %d bytes of a reset upload", uploaded.Load())
	}
	req, _ = http.NewRequest("PATCH", "https://"+p.Addr()+"/upload", bytes.NewReader(body))
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("second upload: %v %v", resp, err)
	}
	resp.Body.Close()
	if uploaded.Load() != 1<<20 {
		t.Errorf("upstream received %d bytes, want %d", uploaded.Load(), 1<<20)
	}
}

func TestTruncateAndCorrupt(t *testing.T) {
	srv, blob, _ := upstream(t)
	p, c := start(t, srv)
	_ = p.SetRules(
		Rule{Name: "trunc", Kind: Truncate, AfterBytes: 1000, Times: 1},
		Rule{Name: "flip", Kind: Corrupt, AfterBytes: 12345, Times: 1},
	)
	_, body, _, err := get(c, "https://"+p.Addr()+"/blob")
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(body) != 1000 {
		t.Fatalf("truncated read: %d bytes, %v; want 1000 and unexpected EOF", len(body), err)
	}
	code, body, _, err := get(c, "https://"+p.Addr()+"/blob")
	if err != nil || code != 200 || len(body) != len(blob) {
		t.Fatalf("corrupt read: %d, %d bytes, %v", code, len(body), err)
	}
	if sha256.Sum256(body) == sha256.Sum256(blob) {
		t.Fatal("corrupted body has the blob's digest")
	}
	if body[12345] != ^blob[12345] || !bytes.Equal(body[:12345], blob[:12345]) {
		t.Error("corruption is not a single inverted byte at 12345")
	}
}

func TestStall(t *testing.T) {
	srv, _, _ := upstream(t)
	p, c := start(t, srv)
	_ = p.SetRules(Rule{Name: "hang", Kind: Stall})
	c.Timeout = 500 * time.Millisecond
	t0 := time.Now()
	if _, _, _, err := get(c, "https://"+p.Addr()+"/blob"); err == nil {
		t.Fatal("stalled request succeeded")
	}
	if d := time.Since(t0); d > 3*time.Second {
		t.Errorf("client timeout took %s", d)
	}
	// A bounded stall mid-body, then the rest.
	_ = p.SetRules(Rule{Name: "slow", Kind: Stall, AfterBytes: 1000, StallFor: 200 * time.Millisecond})
	c.Timeout = 5 * time.Second
	t0 = time.Now()
	code, body, _, err := get(c, "https://"+p.Addr()+"/blob")
	if err != nil || code != 200 || len(body) != 1<<20 {
		t.Fatalf("bounded stall: %d, %d bytes, %v", code, len(body), err)
	}
	if time.Since(t0) < 200*time.Millisecond {
		t.Error("bounded stall did not stall")
	}
	// Close releases a request stalled forever.
	_ = p.SetRules(Rule{Name: "hang", Kind: Stall})
	c.Timeout = 0
	done := make(chan error, 1)
	go func() { _, _, _, err := get(c, "https://"+p.Addr()+"/blob"); done <- err }()
	time.Sleep(200 * time.Millisecond)
	p.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not release a stalled request")
	}
}

func TestMinBodySkipsSmallResponses(t *testing.T) {
	srv, _, _ := upstream(t)
	p, c := start(t, srv)
	_ = p.SetRules(Rule{Name: "big", Kind: Truncate, MinBody: 2 << 20, AfterBytes: 10, Times: 1})
	if code, body, _, err := get(c, "https://"+p.Addr()+"/blob"); err != nil || code != 200 || len(body) != 1<<20 {
		t.Fatalf("1 MiB response under a 2 MiB MinBody rule: %d, %d bytes, %v", code, len(body), err)
	}
	if p.Hits("big") != 0 {
		t.Errorf("rule counted %d hits on a response below MinBody", p.Hits("big"))
	}
}
