package testutil

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// CAPool is a cert pool holding the PEM certificates of caFile.
func CAPool(t testing.TB, caFile string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no CA in", caFile)
	}
	return pool
}

// RegistryTransport is an HTTP transport that trusts only caFile, for
// reading a test registry back with go-containerregistry.
func RegistryTransport(t testing.TB, caFile string) http.RoundTripper {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: CAPool(t, caFile), MinVersion: tls.VersionTLS12}
	return tr
}

// RegistryDigest asks the registry, with go-containerregistry (independent
// of the containers/image code under test), which manifest digest ref's tag
// points at.
func RegistryDigest(t testing.TB, ref, caFile, user, password string) string {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	d, err := remote.Head(r, remote.WithTransport(RegistryTransport(t, caFile)),
		remote.WithAuth(&authn.Basic{Username: user, Password: password}))
	if err != nil {
		t.Fatalf("HEAD %s: %v", ref, err)
	}
	return d.Digest.String()
}
