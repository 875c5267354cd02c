package regproxy

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config describes the proxy.
type Config struct {
	Upstream string         // host:port of the registry (HTTPS)
	RootCAs  *x509.CertPool // verifies the upstream
	// CertFile/KeyFile serve TLS to clients (the registry's own pair works,
	// as both listen on 127.0.0.1).
	CertFile, KeyFile string
	// FailUploads is how many blob upload requests (POST …/blobs/uploads/
	// that are not mounts) get a 503 before requests pass through.
	FailUploads int
}

// Proxy is a running proxy.
type Proxy struct {
	Host string // 127.0.0.1:port

	srv      *http.Server
	uploaded atomic.Int64
	mu       sync.Mutex
	failLeft int
	failed   int
	mounts   int
	mounted  int
	uploads  int
}

// Stats is what the proxy saw since start (or the last Reset).
type Stats struct {
	BytesUploaded  int64 // request bodies of PATCH/PUT to …/blobs/uploads/…
	Uploads        int   // blob upload sessions started (POST without mount)
	MountRequests  int   // POST …/blobs/uploads/?mount=…
	MountsAccepted int   // of those, answered 201 Created (blob mounted)
	Injected503    int   // upload requests answered 503 by the proxy
}

// Start listens on a free 127.0.0.1 port.
func Start(cfg Config) (*Proxy, error) {
	cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("regproxy: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Host: l.Addr().String(), failLeft: cfg.FailUploads}
	target := &url.URL{Scheme: "https", Host: cfg.Upstream}
	rp := httputil.NewSingleHostReverseProxy(target)
	// The client's Host header is kept, so the registry's Location
	// headers point back at the proxy.
	rp.Transport = &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 32,
		ForceAttemptHTTP2:   false,
	}
	rp.FlushInterval = -1
	rp.ModifyResponse = func(r *http.Response) error {
		if isMount(r.Request) && r.StatusCode == http.StatusCreated {
			p.mu.Lock()
			p.mounted++
			p.mu.Unlock()
		}
		return nil
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upload := strings.Contains(r.URL.Path, "/blobs/uploads/")
		if upload && r.Method == http.MethodPost {
			p.mu.Lock()
			if isMount(r) {
				p.mounts++
			} else if p.failLeft > 0 {
				p.failLeft--
				p.failed++
				p.mu.Unlock()
				w.Header().Set("Retry-After", "0")
				http.Error(w, "injected by regproxy", http.StatusServiceUnavailable)
				return
			} else {
				p.uploads++
			}
			p.mu.Unlock()
		}
		if upload && (r.Method == http.MethodPatch || r.Method == http.MethodPut) && r.Body != nil {
			r.Body = &countingBody{ReadCloser: r.Body, n: &p.uploaded}
		}
		rp.ServeHTTP(w, r)
	})
	p.srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
	}
	go func() { _ = p.srv.ServeTLS(l, "", "") }()
	return p, nil
}

func isMount(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Query().Get("mount") != ""
}

// Stats returns the counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{BytesUploaded: p.uploaded.Load(), Uploads: p.uploads, MountRequests: p.mounts, MountsAccepted: p.mounted, Injected503: p.failed}
}

// Reset zeroes the counters.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.uploaded.Store(0)
	p.uploads, p.mounts, p.mounted, p.failed = 0, 0, 0, 0
}

// Close stops the proxy.
func (p *Proxy) Close() error { return p.srv.Close() }

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c *countingBody) Read(b []byte) (int, error) {
	n, err := c.ReadCloser.Read(b)
	c.n.Add(int64(n))
	return n, err
}
