package faultproxy

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Kind is what a rule does to the requests it matches.
type Kind int

const (
	// Status answers Code (with Retry-After when set) without contacting
	// the upstream.
	Status Kind = iota
	// Reset breaks the TCP connection with an RST: for a request with a
	// body (blob upload) after AfterBytes of it were read, otherwise after
	// the upstream's headers and AfterBytes of its response body were sent.
	Reset
	// Stall holds the request for StallFor (0: until the client gives up
	// or the proxy closes), after sending headers and AfterBytes of the
	// response body when AfterBytes > 0, else before answering at all.
	// With StallFor > 0 the request is then served normally.
	Stall
	// Truncate sends the upstream's headers (Content-Length included) and
	// only AfterBytes of the body, then closes the connection cleanly.
	Truncate
	// Corrupt forwards the whole response with the byte at offset
	// AfterBytes of the body inverted; lengths stay right, digests do not.
	Corrupt
	// Trickle sends the upstream's headers and AfterBytes of the body,
	// then one byte every StallFor (default 1 s) until the client leaves:
	// data keeps moving, too slowly to ever finish.
	Trickle
	// Redirect answers 307 to Location followed by the request's path,
	// without asking the upstream (a hostile registry sending blobs
	// elsewhere).
	Redirect
)

func (k Kind) String() string {
	switch k {
	case Status:
		return "status"
	case Reset:
		return "reset"
	case Stall:
		return "stall"
	case Truncate:
		return "truncate"
	case Corrupt:
		return "corrupt"
	case Trickle:
		return "trickle"
	case Redirect:
		return "redirect"
	}
	return "kind" + strconv.Itoa(int(k))
}

// Rule is one entry of the schedule. A request takes the first rule that
// matches it and still has faults to give.
type Rule struct {
	Name string
	// Method matches the HTTP method ("" any). Path is a regular
	// expression matched against the URL path ("" any), e.g.
	// `/blobs/sha256:` or `/blobs/uploads/`.
	Method string
	Path   string
	Kind   Kind
	// Code and RetryAfter for Status ("Retry-After" is sent verbatim, e.g. "1").
	Code       int
	RetryAfter string
	// AfterBytes is where in the body a Reset, Stall, Truncate or Corrupt strikes.
	AfterBytes int64
	// MinBody restricts the rule to requests or responses whose body is at
	// least this long (so "mid-blob" skips tiny config blobs).
	MinBody int64
	// Skip lets the first Skip matching requests through untouched; Times
	// is how many matching requests then get the fault (0: all, a
	// persistent fault).
	Skip, Times int
	StallFor    time.Duration
	// Location for Redirect: scheme://host:port the request is sent to.
	Location string

	re   *regexp.Regexp
	seen int // matching requests so far
	hits int // faults injected
}

// Event is one request seen by the proxy.
type Event struct {
	Method, Path string
	Rule         string // "" when forwarded untouched
	Kind         Kind
	Status       int // status sent (0 when the connection was broken first)
}

func (e Event) String() string {
	s := fmt.Sprintf("%s %s -> %d", e.Method, e.Path, e.Status)
	if e.Rule != "" {
		s += fmt.Sprintf(" [%s: %s]", e.Rule, e.Kind)
	}
	return s
}

// Proxy is a running fault-injecting proxy. Close it.
type Proxy struct {
	upstream *url_
	client   *http.Client
	ln       net.Listener
	srv      *http.Server
	caPEM    []byte
	closing  chan struct{}
	once     sync.Once

	mu     sync.Mutex
	rules  []*Rule
	events []Event
}

type url_ struct{ scheme, host string }

// Options configure Start.
type Options struct {
	// Upstream is the registry, "https://127.0.0.1:PORT" (or http://).
	Upstream string
	// UpstreamTLS verifies the upstream (e.g. with the fixture's CA).
	UpstreamTLS *tls.Config
}

// Start listens on 127.0.0.1 on a free port and forwards to o.Upstream.
func Start(o Options) (*Proxy, error) {
	scheme, host, ok := strings.Cut(o.Upstream, "://")
	if !ok || (scheme != "https" && scheme != "http") || host == "" {
		return nil, fmt.Errorf("faultproxy: upstream %q: want https://HOST:PORT", o.Upstream)
	}
	host = strings.TrimSuffix(host, "/")
	cert, caPEM, err := selfSigned()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		TLSClientConfig: o.UpstreamTLS,
		// Bodies pass through byte for byte: no transparent gzip.
		DisableCompression:  true,
		MaxIdleConnsPerHost: 16,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
	}
	p := &Proxy{
		upstream: &url_{scheme: scheme, host: host},
		client: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		ln:      ln,
		caPEM:   caPEM,
		closing: make(chan struct{}),
	}
	p.srv = &http.Server{
		Handler: http.HandlerFunc(p.serve),
		// HTTP/1.1 only: faults need the raw connection.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		TLSConfig:    &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		// Clients that hang up mid-handshake are part of the game.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go func() { _ = p.srv.ServeTLS(ln, "", "") }()
	return p, nil
}

// Addr is the proxy's host:port, to use in image references.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// CAPEM is the PEM of the CA that signed the proxy's certificate.
func (p *Proxy) CAPEM() []byte { return append([]byte(nil), p.caPEM...) }

// WriteCA writes the proxy's CA into dir as faultproxy-<port>.crt, next to
// any other *.crt there (containers/image reads them all).
func (p *Proxy) WriteCA(dir string) error {
	_, port, _ := net.SplitHostPort(p.Addr())
	return os.WriteFile(filepath.Join(dir, "faultproxy-"+port+".crt"), p.caPEM, 0o644)
}

// SetRules replaces the schedule (and resets its counters).
func (p *Proxy) SetRules(rules ...Rule) error {
	rs := make([]*Rule, 0, len(rules))
	for i := range rules {
		r := rules[i]
		if r.Path != "" {
			re, err := regexp.Compile(r.Path)
			if err != nil {
				return fmt.Errorf("faultproxy: rule %q: %w", r.Name, err)
			}
			r.re = re
		}
		if r.Name == "" {
			r.Name = fmt.Sprintf("rule%d", i)
		}
		rs = append(rs, &r)
	}
	p.mu.Lock()
	p.rules = rs
	p.mu.Unlock()
	return nil
}

// Hits is how many faults the named rule injected.
func (p *Proxy) Hits(name string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.rules {
		if r.Name == name {
			return r.hits
		}
	}
	return 0
}

// Events is every request seen so far, in order of arrival.
func (p *Proxy) Events() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Event(nil), p.events...)
}

// Requests counts the requests seen whose method and path match (""/nil: any).
func (p *Proxy) Requests(method string, path *regexp.Regexp) int {
	n := 0
	for _, e := range p.Events() {
		if (method == "" || e.Method == method) && (path == nil || path.MatchString(e.Path)) {
			n++
		}
	}
	return n
}

// Close stops the proxy and releases stalled requests.
func (p *Proxy) Close() {
	p.once.Do(func() {
		close(p.closing)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = p.srv.Shutdown(ctx)
		_ = p.srv.Close()
	})
}

// pick returns the rule that faults this request, if any; response-size
// conditions (MinBody) are checked again by the caller.
func (p *Proxy) pick(r *http.Request) *Rule {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, rule := range p.rules {
		if rule.Method != "" && rule.Method != r.Method {
			continue
		}
		if rule.re != nil && !rule.re.MatchString(r.URL.Path) {
			continue
		}
		if rule.MinBody > 0 && hasBody(r) && r.ContentLength >= 0 && r.ContentLength < rule.MinBody {
			continue
		}
		if rule.Times > 0 && rule.hits >= rule.Times {
			continue
		}
		rule.seen++
		if rule.seen <= rule.Skip {
			return nil
		}
		rule.hits++
		return rule
	}
	return nil
}

// unpick gives a fault back when the response turned out too small for it.
func (p *Proxy) unpick(rule *Rule) {
	p.mu.Lock()
	rule.hits--
	p.mu.Unlock()
}

func (p *Proxy) record(e Event) {
	p.mu.Lock()
	p.events = append(p.events, e)
	p.mu.Unlock()
}

func hasBody(r *http.Request) bool {
	return r.Method != http.MethodGet && r.Method != http.MethodHead && r.ContentLength != 0
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	ev := Event{Method: r.Method, Path: r.URL.Path}
	rule := p.pick(r)
	if rule != nil {
		ev.Rule, ev.Kind = rule.Name, rule.Kind
	}
	defer func() { p.record(ev) }()

	switch {
	case rule != nil && rule.Kind == Status:
		if rule.RetryAfter != "" {
			w.Header().Set("Retry-After", rule.RetryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rule.Code)
		// The body registries send, so clients parse it as they would.
		fmt.Fprintf(w, `{"errors":[{"code":%q,"message":"faultproxy: injected %d"}]}`, errCode(rule.Code), rule.Code)
		ev.Status = rule.Code
		return
	case rule != nil && rule.Kind == Redirect:
		w.Header().Set("Location", strings.TrimSuffix(rule.Location, "/")+r.URL.Path)
		w.WriteHeader(http.StatusTemporaryRedirect)
		ev.Status = http.StatusTemporaryRedirect
		return
	case rule != nil && rule.Kind == Stall && rule.AfterBytes == 0:
		if !p.stall(r.Context(), rule.StallFor) {
			return
		}
		rule = nil // stalled long enough: serve normally
	case rule != nil && rule.Kind == Reset && hasBody(r):
		// Mid-upload: swallow AfterBytes of the request body, then RST.
		_, _ = io.CopyN(io.Discard, r.Body, rule.AfterBytes)
		resetConn(w)
		return
	}

	resp, err := p.forward(r)
	if err != nil {
		if r.Context().Err() != nil {
			ev.Status = 499 // the client gave up first (nginx's "client closed request")
			return
		}
		ev.Status = http.StatusBadGateway
		http.Error(w, "faultproxy: upstream: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	ev.Status = resp.StatusCode
	if rule != nil && rule.MinBody > 0 && resp.ContentLength < rule.MinBody {
		p.unpick(rule) // too small to be the blob this rule is after
		rule = nil
		ev.Rule = ""
	}
	for k, vs := range resp.Header {
		if hopByHop[http.CanonicalHeaderKey(k)] {
			continue
		}
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if rule == nil {
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		return
	}
	switch rule.Kind {
	case Corrupt:
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, &flipper{r: resp.Body, at: rule.AfterBytes})
	case Trickle:
		w.WriteHeader(resp.StatusCode)
		_, _ = io.CopyN(w, resp.Body, rule.AfterBytes)
		every := rule.StallFor
		if every <= 0 {
			every = time.Second
		}
		f, _ := w.(http.Flusher)
		for {
			if f != nil {
				f.Flush()
			}
			if !p.stall(r.Context(), every) {
				return
			}
			if _, err := io.CopyN(w, resp.Body, 1); err != nil {
				return
			}
		}
	case Reset, Truncate, Stall:
		w.WriteHeader(resp.StatusCode)
		_, _ = io.CopyN(w, resp.Body, rule.AfterBytes)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		switch rule.Kind {
		case Reset:
			resetConn(w)
		case Truncate:
			closeConn(w)
		case Stall:
			if p.stall(r.Context(), rule.StallFor) {
				_, _ = io.Copy(w, resp.Body)
			}
		}
	}
}

// stall waits d (0: forever) and reports whether the wait ran out (rather
// than the client leaving or the proxy closing).
func (p *Proxy) stall(ctx context.Context, d time.Duration) bool {
	var after <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		after = t.C
	}
	select {
	case <-after:
		return true
	case <-ctx.Done():
	case <-p.closing:
	}
	return false
}

func (p *Proxy) forward(r *http.Request) (*http.Response, error) {
	u := p.upstream.scheme + "://" + p.upstream.host + r.URL.RequestURI()
	var body io.Reader
	if hasBody(r) {
		body = r.Body
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, u, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range r.Header {
		if hopByHop[http.CanonicalHeaderKey(k)] {
			continue
		}
		out.Header[k] = append([]string(nil), vs...)
	}
	out.ContentLength = r.ContentLength
	if body == nil {
		out.ContentLength = 0
	}
	// The registry builds upload Location URLs from Host: keep the
	// client's, so they lead back through the proxy.
	out.Host = r.Host
	return p.client.Do(out)
}

var hopByHop = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

func errCode(code int) string {
	switch code {
	case http.StatusTooManyRequests:
		return "TOOMANYREQUESTS"
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	}
	return "UNKNOWN"
}

// resetConn takes the connection from net/http and closes it with an RST
// (SO_LINGER 0), as a crashed peer or a middlebox dropping state does.
func resetConn(w http.ResponseWriter) {
	c := hijack(w)
	if c == nil {
		return
	}
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if tcp, ok := c.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = c.Close()
}

// closeConn ends the connection with an orderly FIN, mid-body.
func closeConn(w http.ResponseWriter) {
	if c := hijack(w); c != nil {
		_ = c.Close()
	}
}

func hijack(w http.ResponseWriter) net.Conn {
	h, ok := w.(http.Hijacker)
	if !ok {
		return nil
	}
	c, brw, err := h.Hijack()
	if err != nil {
		return nil
	}
	if brw != nil {
		_ = brw.Flush()
	}
	return c
}

// flipper inverts the byte at offset at of the stream.
type flipper struct {
	r   io.Reader
	at  int64
	off int64
}

func (f *flipper) Read(b []byte) (int, error) {
	n, err := f.r.Read(b)
	if f.at >= f.off && f.at < f.off+int64(n) {
		b[f.at-f.off] ^= 0xff
	}
	f.off += int64(n)
	return n, err
}

// selfSigned makes a CA and a leaf for 127.0.0.1 signed by it.
func selfSigned() (tls.Certificate, []byte, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "faultproxy test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano() + 1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	return tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: key}, caPEM, nil
}
