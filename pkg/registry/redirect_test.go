package registry_test

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net"
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
	"github.com/google/go-containerregistry/pkg/v1/empty"
	ggcrlayout "github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	ggcrtypes "github.com/google/go-containerregistry/pkg/v1/types"

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
	cdn       *blobHost        // on 127.0.0.2: another host, as a CDN would be
	cdnSrv    *httptest.Server // TLS
	cdnPlain  *httptest.Server // plain HTTP, same handler
	certDir   string
	authFile  string
	imageRef  string
	redirectT string // "plain", "other", "cdn" (https) or "cdn-plain"; "upload-plain" for pushes
	// bearer: the registry wants a token from tokenSrv, on another port of
	// the same host (a realm the guard must allow).
	bearer   bool
	tokenSrv *httptest.Server
	// registriesD, when set, is the registries.d directory of the copy.
	registriesD string
	tokens      int
}

const token = "redirect-test-token"

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
	w.cdn = &blobHost{upstream: inner}
	w.cdnSrv = serveOn(t, "127.0.0.2:0", w.cdn, true)
	w.cdnPlain = serveOn(t, "127.0.0.2:0", w.cdn, false)
	w.tokenSrv = httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			http.Error(rw, "bad credentials", http.StatusUnauthorized)
			return
		}
		w.tokens++
		rw.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(rw, `{"token":"`+token+`"}`)
	}))
	t.Cleanup(w.tokenSrv.Close)
	w.reg = httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if w.bearer {
			if r.Header.Get("Authorization") != "Bearer "+token {
				rw.Header().Set("WWW-Authenticate", `Bearer realm="`+w.tokenSrv.URL+`/token",service="redirect-test"`)
				http.Error(rw, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
		} else if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			rw.Header().Set("WWW-Authenticate", `Basic realm="redirect-test"`)
			http.Error(rw, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/sha256:") && w.redirectT != "none" {
			target := map[string]string{"plain": w.plainSrv.URL, "other": w.otherSrv.URL, "cdn": w.cdnSrv.URL, "cdn-plain": w.cdnPlain.URL}[w.redirectT]
			http.Redirect(rw, r, target+r.URL.Path, http.StatusTemporaryRedirect)
			return
		}
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/blobs/uploads/") && w.redirectT == "upload-plain" {
			// The upload continues on plain HTTP, same host: the
			// library would PATCH/PUT there with the credentials.
			rw.Header().Set("Location", w.plainSrv.URL+r.URL.Path+"session-1")
			rw.WriteHeader(http.StatusAccepted)
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
	src, err := docker.ParseReference("//" + w.imageRef)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := layout.ParseReference(filepath.Join(t.TempDir(), "oci") + ":v1")
	if err != nil {
		t.Fatal(err)
	}
	return w.copy(t, o, src, dst, "pulling "+w.imageRef)
}

// copy runs registry.Options.Copy with the world's credentials and CA,
// without retries.
func (w *redirectWorld) copy(t *testing.T, o registry.Options, src, dst types.ImageReference, where string) error {
	t.Helper()
	o.AuthFile, o.CertDir = w.authFile, w.certDir
	o.Retry = regretry.Policy{Retries: -1}
	sys, done, err := o.SystemContext()
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	sys.RegistriesDirPath = w.registriesD
	policy, err := sigpolicy.Path("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pc, err := sigpolicy.Context(policy)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Destroy()
	_, err = o.Copy(context.Background(), pc, dst, src, registry.Transfer{Where: where, Host: strings.TrimPrefix(w.reg.URL, "https://"), Sys: sys})
	return err
}

// push copies an image from an OCI layout to the registry with
// registry.Options.Copy.
func (w *redirectWorld) push(t *testing.T, o registry.Options) error {
	t.Helper()
	l, err := random.Layer(32<<10, ggcrtypes.OCILayer)
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(mutate.ConfigMediaType(mutate.MediaType(empty.Image, ggcrtypes.OCIManifestSchema1), ggcrtypes.OCIConfigJSON), l)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "oci")
	lp, err := ggcrlayout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img, ggcrlayout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "v1"})); err != nil {
		t.Fatal(err)
	}
	src, err := layout.ParseReference(dir + ":v1")
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(w.reg.URL, "https://")
	dst, err := docker.ParseReference("//" + host + "/ocl/pushed:v1")
	if err != nil {
		t.Fatal(err)
	}
	return w.copy(t, o, src, dst, "push to "+host)
}

// serveOn starts h on addr (another loopback address is another host).
func serveOn(t *testing.T, addr string, h http.Handler, useTLS bool) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("listening on %s: %v", addr, err)
	}
	s := httptest.NewUnstartedServer(h)
	s.Listener.Close()
	s.Listener = l
	if useTLS {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

// refused checks a pull the guard stopped: the error says so, in one
// attempt, without a query string, and the redirect target got nothing.
func refused(t *testing.T, err error, target *blobHost) {
	t.Helper()
	if err == nil {
		t.Fatal("the redirect was followed")
	}
	if !errors.Is(err, registry.ErrRedirectRefused) || !strings.Contains(err.Error(), "refusing a redirect from https://") {
		t.Errorf("error %q does not say the redirect was refused", err)
	}
	if strings.Contains(err.Error(), "?") || strings.Contains(err.Error(), "closed network connection") {
		t.Errorf("error quotes a query string or the closed connection: %q", err)
	}
	if !strings.Contains(err.Error(), "(1 attempt)") {
		t.Errorf("a refused redirect was retried: %q", err)
	}
	if log := target.log(); len(log) != 0 {
		t.Errorf("the redirect target got %d requests (Authorization %q)", len(log), log)
	}
}

// https → http on the same host (where Go would copy the Authorization
// header): refused for a verified registry; no request reaches the plain
// port.
func TestRedirectToPlainHTTPRefused(t *testing.T) {
	w := newRedirectWorld(t)
	refused(t, w.pull(t, registry.Options{}), w.plain)
}

// The registry allowed insecure (--tls-verify=false): the plain port of
// the same host is still another port, which Go would send the credentials
// to; refused too, since the header cannot be dropped from outside
// containers/image.
func TestRedirectToPlainHTTPInsecureRefused(t *testing.T) {
	w := newRedirectWorld(t)
	refused(t, w.pull(t, registry.Options{TLSVerify: types.OptionalBoolFalse}), w.plain)
}

// https → https on another port of the same host: refused (Go would copy
// the credentials: same host name).
func TestRedirectToOtherPortRefused(t *testing.T) {
	w := newRedirectWorld(t)
	w.redirectT = "other"
	refused(t, w.pull(t, registry.Options{}), w.other)
}

// https → http on another host: a downgrade, refused for a verified
// registry even though Go would send no credentials there.
func TestRedirectDowngradeToOtherHostRefused(t *testing.T) {
	w := newRedirectWorld(t)
	w.redirectT = "cdn-plain"
	refused(t, w.pull(t, registry.Options{}), w.cdn)
}

// The controls: a redirect to another host (blobs on a CDN) is followed,
// and the blob host logs no Authorization header; over plain HTTP when the
// user allowed the registry to be insecure, over TLS otherwise (its test
// certificate is not valid for 127.0.0.2, hence --tls-verify=false there
// too).
func TestRedirectToOtherHostFollowedWithoutCredentials(t *testing.T) {
	for _, target := range []string{"cdn", "cdn-plain"} {
		t.Run(target, func(t *testing.T) {
			w := newRedirectWorld(t)
			w.redirectT = target
			if err := w.pull(t, registry.Options{TLSVerify: types.OptionalBoolFalse}); err != nil {
				t.Fatalf("pull through a redirect to another host: %v", err)
			}
			log := w.cdn.log()
			if len(log) < 2 {
				t.Fatalf("the other host saw %d requests, want the 2 layers (the redirect was not exercised)", len(log))
			}
			for i, a := range log {
				if a != "" {
					t.Errorf("request %d to the other host carried Authorization (%d bytes)", i, len(a))
				}
			}
		})
	}
}

// A push whose upload the registry continues on plain HTTP at the same
// host (Location: http://…): refused before the PATCH carries the
// credentials.
func TestPushUploadRedirectToPlainHTTPRefused(t *testing.T) {
	w := newRedirectWorld(t)
	w.redirectT = "upload-plain"
	refused(t, w.push(t, registry.Options{}), w.plain)
}

// Token auth whose realm is another port of the same host (a registry and
// its token service side by side): the guard learns the realm from the
// registry's challenge and lets the credentials go there, as they must.
func TestBearerRealmOnOtherPortAllowed(t *testing.T) {
	w := newRedirectWorld(t)
	w.bearer, w.redirectT = true, "none"
	if err := w.pull(t, registry.Options{}); err != nil {
		t.Fatalf("pull with a token realm on another port: %v", err)
	}
	if w.tokens == 0 {
		t.Error("no token was fetched: the realm was not exercised")
	}
	if err := w.push(t, registry.Options{}); err != nil {
		t.Fatalf("push with a token realm on another port: %v", err)
	}
}

// Without a redirect nothing changes: the registry's own requests pass the
// guard (the direct pull is the baseline of the tests above).
func TestNoRedirectUnaffected(t *testing.T) {
	w := newRedirectWorld(t)
	w.redirectT = "none"
	if err := w.pull(t, registry.Options{}); err != nil {
		t.Fatalf("plain pull under the guard: %v", err)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// A signature store that registries.d names on plain HTTP is the user's
// configuration, not a downgrade: the guard lets it through; any other
// plain-HTTP host stays refused for a verified registry.
func TestPlainLookasideFromRegistriesD(t *testing.T) {
	dir := t.TempDir()
	conf := "default-docker:\n  lookaside: http://127.0.0.3:8081/sigs\ndocker:\n  quay.io/ns:\n    sigstore: https://secure.example/sigs\n  registry.example:\n    lookaside-staging: http://127.0.0.4/staging\n"
	if err := os.WriteFile(filepath.Join(dir, "sigs.yaml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	sys := &types.SystemContext{RegistriesDirPath: dir}
	got := registry.PlainLookasides(sys)
	if want := []string{"127.0.0.3:8081", "127.0.0.4"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("plain lookasides %v, want %v", got, want)
	}
}

// The same downgrade to another host, when registries.d names that host as
// a plain-HTTP signature store: the user's configuration, let through (and
// Go sends it no credentials).
func TestPlainLookasideHostAllowed(t *testing.T) {
	w := newRedirectWorld(t)
	w.redirectT = "cdn-plain"
	w.registriesD = t.TempDir()
	conf := "default-docker:\n  lookaside: " + w.cdnPlain.URL + "/sigs\n"
	if err := os.WriteFile(filepath.Join(w.registriesD, "sigs.yaml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := w.pull(t, registry.Options{}); err != nil {
		t.Fatalf("pull with a plain-HTTP lookaside host: %v", err)
	}
	for i, a := range w.cdn.log() {
		if a != "" {
			t.Errorf("request %d carried Authorization", i)
		}
	}
}
