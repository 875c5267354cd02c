package registry

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"github.com/containers/image/v5/pkg/docker/config"
	"github.com/containers/image/v5/pkg/sysregistriesv2"
	"github.com/containers/image/v5/types"
)

// Insecure reports whether containers/image may reach host without
// verifying its certificate, and over plain HTTP when it speaks no TLS:
// --tls-verify=false, or insecure = true for it in registries.conf (when
// --tls-verify is not given).
func Insecure(sys *types.SystemContext, host string) bool {
	switch sys.DockerInsecureSkipTLSVerify {
	case types.OptionalBoolTrue:
		return true
	case types.OptionalBoolFalse:
		return false
	}
	reg, err := sysregistriesv2.FindRegistry(sys, host+"/x")
	return err == nil && reg != nil && reg.Insecure
}

// WarnPlainHTTP tells o.Warn when credentials for host are about to go
// over plain HTTP. containers/image, for an insecure registry, tries
// HTTPS first and falls back to HTTP when the TLS handshake fails; this
// makes the same probe (a TLS handshake, no request, no credentials) so
// the warning comes before the credentials leave.
func (o Options) WarnPlainHTTP(ctx context.Context, sys *types.SystemContext, host string) {
	if o.Warn == nil || !Insecure(sys, host) || !hasCredentials(sys, host) {
		return
	}
	if tlsOK, reached := speaksTLS(ctx, host); tlsOK || !reached {
		return // HTTPS, or nothing answers: no credentials go anywhere
	}
	why := "registries.conf marks it insecure"
	if sys.DockerInsecureSkipTLSVerify == types.OptionalBoolTrue {
		why = "--tls-verify=false"
	}
	o.warn("credentials for %s go over plain HTTP (%s; it answers no TLS): anyone on the network path can read them", host, why)
}

func hasCredentials(sys *types.SystemContext, host string) bool {
	if sys.DockerAuthConfig != nil {
		return true
	}
	c, err := config.GetCredentials(sys, host)
	return err == nil && (c.Username != "" || c.IdentityToken != "")
}

// speaksTLS reports whether host (host[:port], 443 by default) accepts a
// connection (reached) and completes a TLS handshake on it (tlsOK).
func speaksTLS(ctx context.Context, host string) (tlsOK, reached bool) {
	addr := host
	if _, _, err := net.SplitHostPort(host); err != nil {
		addr = net.JoinHostPort(host, "443")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false, false
	}
	defer raw.Close()
	c := tls.Client(raw, &tls.Config{InsecureSkipVerify: true, ServerName: hostOnly(addr)}) //nolint:gosec // a probe: no data is sent
	return c.HandshakeContext(ctx) == nil, true
}

func hostOnly(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}
