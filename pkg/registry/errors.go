package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/ocl-build/ocl-build/internal/regretry"
	"github.com/ocl-build/ocl-build/pkg/pullsecret"
)

// UntrustedCertificateHint is what to do when a registry's certificate is
// not trusted; it names the CLI flags of CertDir and TLSVerify.
const UntrustedCertificateHint = "the registry's certificate is not trusted: give its CA with --cert-dir DIR, or skip verification with --tls-verify=false"

// IsUntrustedCertificate reports whether err is a TLS certificate
// verification failure (unknown CA, wrong host name, expired).
func IsUntrustedCertificate(err error) bool {
	if err == nil {
		return false
	}
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) ||
		strings.Contains(err.Error(), "x509: ")
}

// IsUnauthorized reports whether err is the registry refusing the
// credentials (401, or 403/denied).
func IsUnauthorized(err error) bool { return regretry.IsUnauthorized(err) }

// spoken is an error with a message reworded for people; errors.Is and
// errors.As still see the original.
type spoken struct {
	msg string
	err error
}

func (s *spoken) Error() string { return s.msg }
func (s *spoken) Unwrap() error { return s.err }

// bareStatus is how containers/image reports an answer without a body
// (a HEAD, or a registry that sends none): `StatusCode: 404, ""`.
var bareStatus = regexp.MustCompile(`StatusCode: (\d{3}), ""`)

// Speak rewords what containers/image says into what a registry means:
// `reading digest x in y: StatusCode: 404, ""` becomes `… manifest unknown
// (HTTP 404)`, and a prefix repeated by nested wrapping ("a: a: b") is said
// once. Nil stays nil.
func Speak(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	out := bareStatus.ReplaceAllStringFunc(msg, func(m string) string {
		code, _ := strconv.Atoi(bareStatus.FindStringSubmatch(m)[1])
		return statusWords(code, msg)
	})
	out = dedupePrefixes(out)
	if out == msg {
		return err
	}
	return &spoken{msg: out, err: err}
}

func statusWords(code int, ctx string) string {
	switch code {
	case http.StatusNotFound:
		if strings.Contains(ctx, "manifest") || strings.Contains(ctx, "digest") {
			return "manifest unknown (HTTP 404)"
		}
		if strings.Contains(ctx, "blob") || strings.Contains(ctx, "layer") {
			return "blob unknown (HTTP 404)"
		}
		return "not found (HTTP 404)"
	case http.StatusUnauthorized:
		return "unauthorized: authentication required (HTTP 401)"
	case http.StatusForbidden:
		return "denied: requested access to the resource is denied (HTTP 403)"
	}
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("HTTP %d %s", code, t)
	}
	return fmt.Sprintf("HTTP %d", code)
}

// dedupePrefixes drops a ": "-separated segment that repeats the one
// before it.
func dedupePrefixes(s string) string {
	parts := strings.Split(s, ": ")
	out := parts[:1]
	for _, p := range parts[1:] {
		if p == out[len(out)-1] {
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ": ")
}

// Describe is the final error of a registry operation: where (the
// operation and image) first, then what the user can do about it (for a
// refused login: which credentials file, and whether it had an entry for
// host at all; for an untrusted certificate: --cert-dir or
// --tls-verify=false), the cause in registry terms, and the number of
// attempts. A cancellation is returned as where: err, for the caller's
// exit 130/143.
func (o Options) Describe(where, host string, err error, attempts int) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", where, err)
	}
	cause := Speak(err)
	var advice string
	switch {
	case IsUnauthorized(err):
		advice = o.credentialAdvice(host)
	case IsUntrustedCertificate(err):
		cause = fmt.Errorf("%w (%s)", cause, UntrustedCertificateHint)
	}
	n := "1 attempt"
	if attempts > 1 {
		n = fmt.Sprintf("%d attempts", attempts)
	}
	// A cause that already starts with where is not prefixed again.
	msg := where + ": "
	if where == "" || strings.HasPrefix(cause.Error(), where) {
		msg = ""
	}
	if advice != "" {
		return fmt.Errorf("%s%s: %w (%s)", msg, advice, cause, n)
	}
	return fmt.Errorf("%s%w (%s)", msg, cause, n)
}

// credentialAdvice says which credentials were used for host, or that
// there were none: "unauthorized: no entry for HOST in FILE".
func (o Options) credentialAdvice(host string) string {
	if o.Creds != "" {
		return "unauthorized: the --creds credentials were refused by " + host
	}
	file := o.AuthFilePath()
	if file == "" {
		return "unauthorized: no --authfile or --creds given, and the default credentials (podman login, $" + EnvAuthFile + ") have none accepted by " + host
	}
	cfg, err := pullsecret.ReadFile(file)
	if err != nil {
		return "unauthorized: the credentials for " + host + " in " + file + " were refused"
	}
	if key, ok := cfg.Lookup(host); ok {
		if pullsecret.NormalizeRegistry(key) != host {
			return fmt.Sprintf("unauthorized: the credentials for %s (entry %q) in %s were refused", host, key, file)
		}
		return "unauthorized: the credentials for " + host + " in " + file + " were refused"
	}
	return "unauthorized: no entry for " + host + " in " + file
}
