package registry

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/pkg/sysregistriesv2"
	"github.com/containers/image/v5/types"
)

// ErrRedirectRefused is a connection the redirect guard closed before any
// byte of the request (and its Authorization header) was written.
var ErrRedirectRefused = errors.New("refusing a redirect")

// Why a guard at all: containers/image (v5.34) follows a registry's
// redirects with Go's http.Client, which copies the Authorization header
// to any URL on the same host name, whatever its scheme or port, and the
// library offers no CheckRedirect hook. So a registry that answers a blob
// GET with 307 to http://itself:8080/ gets the Basic credentials in
// cleartext. What we can reach is the request's context: an
// httptrace.ClientTrace sees every connection the library obtains
// (GotConn), before the request is written. The guard knows, for the
// registries of one operation, the addresses and ports they legitimately
// use (the registry and its mirrors from registries.conf, their token
// realm) and closes any other connection to those hosts: another port, or
// plain TCP where TLS is required. Hosts with other addresses (a CDN the
// blobs are sent to) are not touched: Go drops the credentials for them.
// A refused redirect fails the operation with a clear error; it is not
// followed without the credentials (the header cannot be removed from
// outside the library).

// RedirectGuard is the policy of one operation (NewRedirectGuard); a nil
// guard checks nothing.
type RedirectGuard struct {
	mu sync.Mutex
	// rules by IP address: the ports allowed with TLS and without.
	rules map[string]*portRule
	// refused is the first connection closed, for the error.
	refused string
	// primary names the operation's registry in messages; anyInsecure:
	// some endpoint may use plain HTTP, so a redirect to plain HTTP on
	// another host is the user's choice too.
	primary     string
	anyInsecure bool
	// lookaside: host:port of signature stores registries.d names with a
	// plain http:// URL: the user's configuration, not a downgrade.
	lookaside map[string]bool
}

type portRule struct {
	host       string // the registry host:port it belongs to, for messages
	tls, plain map[string]bool
}

// endpoint is one place the operation may legitimately talk to.
type endpoint struct {
	host     string // host[:port] as registries.conf or the reference spell it
	insecure bool   // plain HTTP allowed (--tls-verify=false, registries.conf)
}

// guardEndpoints lists the registries (and mirrors) behind the references
// that go over the network: docker:// ones.
func guardEndpoints(sys *types.SystemContext, refs ...types.ImageReference) []endpoint {
	var eps []endpoint
	seen := map[string]bool{}
	add := func(host string) {
		if host == "" || seen[host] {
			return
		}
		seen[host] = true
		eps = append(eps, endpoint{host: host, insecure: Insecure(sys, host)})
	}
	for _, r := range refs {
		if r == nil || r.Transport().Name() != "docker" || r.DockerReference() == nil {
			continue
		}
		named := r.DockerReference()
		add(reference.Domain(named))
		reg, err := sysregistriesv2.FindRegistry(sys, named.Name())
		if err != nil || reg == nil {
			continue
		}
		add(locationHost(reg.Location))
		for _, m := range reg.Mirrors {
			add(locationHost(m.Location))
		}
	}
	return eps
}

// locationHost is the host[:port] of a registries.conf location
// ("mirror.example.com:5000/ns").
func locationHost(loc string) string {
	h, _, _ := strings.Cut(loc, "/")
	return h
}

// realmCache remembers token realms per registry for the process: one
// unauthenticated GET /v2/ per registry, not per attempt.
var realmCache sync.Map // host → string ("" when none)

// NewRedirectGuard is the guard for an operation on refs (only docker://
// ones go over the network): their registries and mirrors, as sys
// configures them, and their token realms.
func NewRedirectGuard(ctx context.Context, sys *types.SystemContext, refs ...types.ImageReference) *RedirectGuard {
	g := newRedirectGuard(ctx, guardEndpoints(sys, refs...))
	for _, hp := range plainLookasides(sys) {
		host, port := splitHostPort(hp, "80")
		for _, ip := range resolve(ctx, host) {
			g.lookaside[net.JoinHostPort(ip, port)] = true
		}
	}
	return g
}

// newRedirectGuard resolves the endpoints and their token realms.
func newRedirectGuard(ctx context.Context, eps []endpoint) *RedirectGuard {
	g := &RedirectGuard{rules: map[string]*portRule{}, lookaside: map[string]bool{}}
	for _, ep := range eps {
		if g.primary == "" {
			g.primary = ep.host
		}
		g.anyInsecure = g.anyInsecure || ep.insecure
		host, port := splitHostPort(ep.host, "")
		g.allow(ctx, ep.host, host, port, true, ep.insecure)
		if realm := tokenRealm(ctx, ep); realm != "" {
			if u, err := url.Parse(realm); err == nil && u.Hostname() != "" {
				switch {
				case u.Scheme == "https":
					g.allow(ctx, ep.host, u.Hostname(), u.Port(), true, false)
				case u.Scheme == "http" && ep.insecure:
					// Where the registry itself may use plain HTTP, so may
					// its token service.
					g.allow(ctx, ep.host, u.Hostname(), u.Port(), false, true)
				}
			}
		}
	}
	return g
}

// allow permits TLS (and, if plain, plain TCP) connections to host's
// addresses on port, or on the scheme's default ports when port is "".
func (g *RedirectGuard) allow(ctx context.Context, owner, host, port string, tlsOK, plain bool) {
	for _, ip := range resolve(ctx, host) {
		r := g.rules[ip]
		if r == nil {
			r = &portRule{host: owner, tls: map[string]bool{}, plain: map[string]bool{}}
			g.rules[ip] = r
		}
		if tlsOK {
			r.tls[orDefault(port, "443")] = true
		}
		if plain {
			// containers/image falls back to plain HTTP on the same
			// host:port (or 80 when none is given).
			r.plain[orDefault(port, "80")] = true
		}
	}
}

// resolve is host's addresses (host itself when it is one); none when it
// does not resolve: nothing can connect to it either.
func resolve(ctx context.Context, host string) []string {
	if net.ParseIP(host) != nil {
		return []string{host}
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupIPAddr(rctx, host)
	if err != nil {
		return nil
	}
	ips := make([]string, 0, len(addrs))
	for _, a := range addrs {
		ips = append(ips, a.IP.String())
	}
	return ips
}

func orDefault(port, def string) string {
	if port == "" {
		return def
	}
	return port
}

func splitHostPort(hostport, def string) (string, string) {
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		return h, p
	}
	return strings.Trim(hostport, "[]"), def
}

// tokenRealm asks the registry (no credentials) where its token service
// is: the realm of a Bearer challenge on GET /v2/.
func tokenRealm(ctx context.Context, ep endpoint) string {
	if v, ok := realmCache.Load(ep.host); ok {
		return v.(string)
	}
	realm := ""
	schemes := []string{"https"}
	if ep.insecure {
		schemes = append(schemes, "http")
	}
	for _, scheme := range schemes {
		if r, ok := pingRealm(ctx, scheme+"://"+ep.host+"/v2/"); ok {
			realm = r
			break
		}
	}
	realmCache.Store(ep.host, realm)
	return realm
}

// pingRealm GETs u without credentials; ok when the server answered.
func pingRealm(ctx context.Context, u string) (realm string, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", false
	}
	// Only a header is read, and nothing is sent but the path: the
	// certificate is the library's to verify, on the real requests.
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, Proxy: http.ProxyFromEnvironment} //nolint:gosec // see above
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return "", false
	}
	resp.Body.Close()
	for _, h := range resp.Header.Values("WWW-Authenticate") {
		if scheme, params, found := strings.Cut(h, " "); found && strings.EqualFold(scheme, "Bearer") {
			if r := challengeParam(params, "realm"); r != "" {
				return r, true
			}
		}
	}
	return "", true
}

// challengeParam reads name="value" from a challenge's parameters.
func challengeParam(params, name string) string {
	for _, p := range strings.Split(params, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(k, name) {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// Context returns ctx with the guard's trace attached; every request the
// library makes under it is checked.
func (g *RedirectGuard) Context(ctx context.Context) context.Context {
	if g == nil || g.primary == "" {
		return ctx
	}
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: g.gotConn})
}

// gotConn runs before the request is written on the connection: a
// connection to a guarded address that the policy does not allow is
// closed, so the write fails and nothing leaves.
func (g *RedirectGuard) gotConn(info httptrace.GotConnInfo) {
	c := info.Conn
	if c == nil || c.RemoteAddr() == nil {
		return
	}
	ip, port := splitHostPort(c.RemoteAddr().String(), "")
	g.mu.Lock()
	defer g.mu.Unlock()
	_, isTLS := c.(*tls.Conn)
	r := g.rules[ip]
	switch {
	case r == nil && (isTLS || g.anyInsecure || g.lookaside[net.JoinHostPort(ip, port)]):
		// Another host: Go sends it no credentials, and TLS or the
		// user's choice of plain HTTP covers the rest.
		return
	case r == nil:
		// https → http on another host: a downgrade no registry of
		// this operation was allowed.
		r = &portRule{host: g.primary}
	case (isTLS && r.tls[port]) || (!isTLS && r.plain[port]):
		return
	}
	if g.refused == "" {
		to := "https://" + net.JoinHostPort(ip, port)
		if !isTLS {
			to = "http://" + net.JoinHostPort(ip, port)
		}
		g.refused = fmt.Sprintf("from https://%s to %s", r.host, to)
	}
	c.Close()
}

// Err is the refusal, if the guard closed a connection: the error to
// report in place of the library's "use of closed network connection",
// and not to retry.
func (g *RedirectGuard) Err() error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.refused == "" {
		return nil
	}
	return fmt.Errorf("%w %s: the registry's credentials would follow it to another scheme or port (ocl-build refuses such redirects; containers/image cannot follow them without the credentials)", ErrRedirectRefused, g.refused)
}
