package registry_test

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/oci/layout"
	"github.com/containers/image/v5/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/ocl-build/ocl-build/internal/regretry"
	"github.com/ocl-build/ocl-build/internal/sigpolicy"
	"github.com/ocl-build/ocl-build/pkg/registry"
)

const user, pass = "redirect-user", "redirect-s3cret"

// blobHost serves blobs from the real (in-process) registry and logs the
// Authorization header of every request it gets.
type blobHost struct {
	upstream http.Handler
	mu       sync.Mutex
	auths    []string // one entry per request: the Authorization header, "" when absent
}

func (b *blobHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.auths = append(b.auths, r.Header.Get("Authorization"))
	b.mu.Unlock()
	b.upstream.ServeHTTP(w, r)
}

func (b *blobHost) log() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.auths...)
}

// redirectWorld is a TLS registry on 127.0.0.1 requiring Basic auth whose
// blob GETs answer 307 to another server on the same host: plain HTTP
// (plain) or HTTPS on another port (otherPort).
type redirectWorld struct {
	reg       *httptest.Server
	plain     *blobHost
	plainSrv  *httptest.Server
	other     *blobHost
	otherSrv  *httptest.Server
	certDir   string
	authFile  string
	imageRef  string
	redirectT string // "plain" or "other"
}

// redirectGap: containers/image v5.34 builds its own http.Client with no
// CheckRedirect and offers no hook to set one; carrying a patched copy of
// that library in this repository is not allowed (no copied code), so the
// fix is open (issue 17). These tests state the wanted behaviour.
const redirectGap = "open gap (issue 17): containers/image v5.34 gives no redirect hook; credentials may follow a same-host redirect to another scheme/port"

func newRedirectWorld(t *testing.T) *redirectWorld {
	t.Helper()
	inner := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	w := &redirectWorld{redirectT: "plain"}
	w.plain = &blobHost{upstream: inner}
	w.plainSrv = httptest.NewServer(w.plain)
	t.Cleanup(w.plainSrv.Close)
	w.other = &blobHost{upstream: inner}
	w.otherSrv = httptest.NewTLSServer(w.other)
	t.Cleanup(w.otherSrv.Close)
	w.reg = httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != user || p != pass {
			rw.Header().Set("WWW-Authenticate", `Basic realm="redirect-test"`)
			http.Error(rw, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/sha256:") {
			target := w.plainSrv.URL
			if w.redirectT == "other" {
				target = w.otherSrv.URL
			}
			http.Redirect(rw, r, target+r.URL.Path, http.StatusTemporaryRedirect)
			return
		}
		inner.ServeHTTP(rw, r)
	}))
	t.Cleanup(w.reg.Close)

	dir := t.TempDir()
	w.certDir = filepath.Join(dir, "certs")
	if err := os.Mkdir(w.certDir, 0o755); err != nil {
		t.Fatal(err)
	}
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: w.reg.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(w.certDir, "ca.crt"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(w.reg.URL, "https://")
	w.authFile = filepath.Join(dir, "auth.json")
	auth := `{"auths":{"` + host + `":{"auth":"` + b64(user+":"+pass) + `"}}}`
	if err := os.WriteFile(w.authFile, []byte(auth), 0o600); err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(64<<10, 2)
	if err != nil {
		t.Fatal(err)
	}
	w.imageRef = host + "/ocl/redirect:v1"
	ref, err := name.ParseReference(w.imageRef)
	if err != nil {
		t.Fatal(err)
	}
	tr := w.reg.Client().Transport
	if err := remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: user, Password: pass}), remote.WithTransport(tr)); err != nil {
		t.Fatal(err)
	}
	return w
}

// pull copies the image to an OCI layout with registry.Options.Copy, the
// path of every pull and push.
func (w *redirectWorld) pull(t *testing.T, o registry.Options) error {
	t.Helper()
	o.AuthFile, o.CertDir = w.authFile, w.certDir
	o.Retry = regretry.Policy{Retries: -1}
	sys, done, err := o.SystemContext()
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	tmp := t.TempDir()
	policy, err := sigpolicy.Path("", tmp)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := sigpolicy.Context(policy)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Destroy()
	src, err := docker.ParseReference("//" + w.imageRef)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := layout.ParseReference(filepath.Join(tmp, "oci") + ":v1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = o.Copy(context.Background(), pc, dst, src, registry.Transfer{Where: "pulling " + w.imageRef, Host: strings.TrimPrefix(w.reg.URL, "https://"), Sys: sys})
	return err
}

// A registry that redirects a blob GET from https to http on the same host
// (where Go would copy the Authorization header): refused outright when
// the registry is not insecure, so no request reaches the plain port.
func TestRedirectToPlainHTTPRefused(t *testing.T) {
	t.Skip(redirectGap)
	w := newRedirectWorld(t)
	err := w.pull(t, registry.Options{})
	if err == nil {
		t.Fatal("a blob redirected from https to http was followed for a verified registry")
	}
	if !strings.Contains(err.Error(), "refusing a redirect from https://") {
		t.Errorf("error %q does not say the redirect was refused", err)
	}
	if strings.Contains(err.Error(), "?") {
		t.Errorf("error quotes a query string: %q", err)
	}
	if log := w.plain.log(); len(log) != 0 {
		t.Errorf("the plain-HTTP server got %d requests (Authorization %q)", len(log), log)
	}
}

// With the registry allowed insecure (--tls-verify=false) the redirect is
// followed, but the credentials stay behind: the plain-HTTP server logs
// every Authorization header it receives, and there is none.
func TestRedirectToPlainHTTPInsecureCarriesNoCredentials(t *testing.T) {
	t.Skip(redirectGap)
	w := newRedirectWorld(t)
	if err := w.pull(t, registry.Options{TLSVerify: types.OptionalBoolFalse}); err != nil {
		t.Fatalf("pull through an allowed redirect: %v", err)
	}
	log := w.plain.log()
	if len(log) < 2 {
		t.Fatalf("the plain-HTTP server saw %d requests, want the 2 layers (the redirect was not exercised)", len(log))
	}
	for i, a := range log {
		if a != "" {
			t.Errorf("request %d to http:// carried Authorization (%d bytes)", i, len(a))
		}
	}
}

// https to https on another port of the same host: followed, without the
// credentials (Go would copy them: same host name).
func TestRedirectToOtherPortCarriesNoCredentials(t *testing.T) {
	t.Skip(redirectGap)
	w := newRedirectWorld(t)
	w.redirectT = "other"
	if err := w.pull(t, registry.Options{}); err != nil {
		t.Fatalf("pull through a redirect to another port: %v", err)
	}
	log := w.other.log()
	if len(log) < 2 {
		t.Fatalf("the other server saw %d requests, want the 2 layers", len(log))
	}
	for i, a := range log {
		if a != "" {
			t.Errorf("request %d to another port carried Authorization (%d bytes)", i, len(a))
		}
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
