package reliability

import (
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ocl-build/ocl-build/internal/faultproxy"
)

// registriesConf writes a registries.conf marking the fixture registries
// (and extra hosts) insecure = true.
func registriesConf(t *testing.T, hosts ...string) string {
	t.Helper()
	var b strings.Builder
	for _, h := range append([]string{world.ReleaseRegistry, world.PushRegistry}, hosts...) {
		b.WriteString("[[registry]]\nlocation = \"" + h + "\"\ninsecure = true\n\n")
	}
	p := filepath.Join(t.TempDir(), "registries.conf")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// insecure = true in registries.conf ($CONTAINERS_REGISTRIES_CONF) lets
// every registry command reach the fixture registries, whose CA is in no
// trust store, without --cert-dir: --tls-verify unset means registries.conf
// decides (build used to refuse). An explicit --tls-verify=true overrides it.
func TestRegistriesConfInsecureHonoured(t *testing.T) {
	conf := registriesConf(t)
	env := []string{"CONTAINERS_REGISTRIES_CONF=" + conf}
	src, _ := sourceImage(t)
	cases := []struct {
		name string
		args []string
	}{
		{"inspect", []string{"inspect", "docker://" + world.BaseImage, "--authfile", world.PullSecretFile}},
		{"push", []string{"push", src, world.PushRegistry + "/ocl-reliability/insecure-conf:v1", "--authfile", world.PushSecretFile}},
		{"build", append([]string{"build", "--containerfile", containerfile(t, "LABEL x=y\n"), "--base-image", world.BaseImage,
			"--authfile", world.PullSecretFile}, newStore(t).flags()...)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, runOpts{env: env, timeout: 3 * time.Minute}, c.args...)
			if r.code != 0 {
				t.Fatalf("%s with insecure = true in $CONTAINERS_REGISTRIES_CONF: want exit 0\n%s", c.name, r)
			}
			if strings.Contains(r.stderr, "plain HTTP") {
				t.Errorf("a TLS registry reached without verification was called plain HTTP:\n%s", r.stderr)
			}
			if c.name == "build" {
				return // the explicit override is the same code path for build; one slow build is enough
			}
			r = run(t, runOpts{env: env, timeout: time.Minute}, append(append([]string{}, c.args...), "--tls-verify=true")...)
			if r.code != 2 || !strings.Contains(r.stderr, "certificate") {
				t.Errorf("%s --tls-verify=true did not override registries.conf:\n%s", c.name, r)
			}
		})
	}
}

// plainProxy is a plain-HTTP registry: a reverse proxy on 127.0.0.1 in
// front of the push registry (TLS, the fixture's CA), as a registry
// without TLS would be.
func plainProxy(t *testing.T) string {
	t.Helper()
	up, _ := url.Parse("https://" + world.PushRegistry)
	rp := httputil.NewSingleHostReverseProxy(up)
	rp.Transport = world.Transport()
	direct := rp.Director
	rp.Director = func(r *http.Request) {
		direct(r)
		// The registry builds its upload URLs from these: point them
		// back at this plain-HTTP proxy.
		r.Header.Set("X-Forwarded-Proto", "http")
		r.Header.Set("X-Forwarded-Host", r.Host)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: rp}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

func authFileFor(t *testing.T, host, user, pass string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"auths": map[string]any{host: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))}}})
	p := filepath.Join(t.TempDir(), "auth.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Credentials sent over plain HTTP are never silent: --tls-verify=false or
// insecure = true lets the push through to a registry speaking no TLS, and
// a warning on stderr says the credentials went in cleartext.
func TestPlainHTTPCredentialsWarned(t *testing.T) {
	addr := plainProxy(t)
	auth := authFileFor(t, addr, world.PushUser, world.PushPassword)
	src, want := sourceImage(t)
	for _, c := range []struct {
		name, why string
		args      []string
		env       []string
	}{
		{"tls-verify=false", "--tls-verify=false", []string{"--tls-verify=false"}, nil},
		{"registries.conf", "registries.conf marks it insecure", nil, []string{"CONTAINERS_REGISTRIES_CONF=" + registriesConf(t, addr)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"push", src, addr + "/ocl-reliability/plain:v1", "--authfile", auth}, c.args...)
			r := run(t, runOpts{env: c.env}, args...)
			if r.code != 0 || !strings.Contains(r.stdout, want.String()) {
				t.Fatalf("push to a plain-HTTP registry allowed insecure: %s", r)
			}
			warn := "warning: credentials for " + addr + " go over plain HTTP (" + c.why
			if !strings.Contains(r.stderr, warn) {
				t.Errorf("no %q on stderr:\n%s", warn, r.stderr)
			}
		})
	}
	// Neither: refused, and nothing was sent in cleartext.
	r := run(t, runOpts{}, "push", src, addr+"/ocl-reliability/plain:v1", "--authfile", auth)
	if r.code != 2 {
		t.Errorf("push to a plain-HTTP registry without --tls-verify=false: %s", r)
	}
}

// A layer trickled at one byte per second never lets a 3 s stall timeout
// run out, yet would take days; the rate floor (1 KiB/s over the stall
// window) ends each attempt, the retries are bounded, and the error says
// why. A byte every 10 s against the default 60 s window is the same
// arithmetic, only slower to watch.
func TestRpmdiffTrickledLayer(t *testing.T) {
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules(faultproxy.Rule{Name: "trickle", Method: "GET", Path: `/blobs/sha256:`, MinBody: 64 << 10,
		Kind: faultproxy.Trickle, AfterBytes: 512, StallFor: time.Second})
	r, _ := rpmdiffViaProxy(t, p, runOpts{timeout: 2 * time.Minute}, "--stall-timeout", "3s")
	if p.Hits("trickle") == 0 {
		t.Fatalf("the trickle was never injected:\n%s", p.faultLog())
	}
	if r.timedOut || r.code != 2 {
		t.Fatalf("want exit 2 within bounds\n%s", r)
	}
	msg := lastLine(r.stderr)
	for _, want := range []string{"fetching layer sha256:", "from " + p.Addr(), "below the floor of 1 KiB/s", "(4 attempts)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	// 4 attempts of about one window (3 s, plus a byte's wait) and
	// 1 + 2 + 4 s between them.
	if r.elapsed > 45*time.Second {
		t.Errorf("gave up only after %s", r.elapsed)
	}
	t.Logf("gave up after %s: %s", r.elapsed.Round(time.Millisecond), msg)
}

// The release payload read (build --release) goes through the one read
// path: a manifest that never comes is a stall, retried, then an error
// naming the release, the stall and the attempts.
func TestReleaseReadStalledManifest(t *testing.T) {
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules(faultproxy.Rule{Name: "stall", Method: "GET", Path: `/manifests/`, Kind: faultproxy.Stall})
	args := append([]string{"build", "--containerfile", containerfile(t, "LABEL x=y\n"), "--release", p.ref(world.ReleaseImage),
		"--authfile", p.authFile, "--cert-dir", p.certDir, "--stall-timeout", "1s", "--retry", "1", "--retry-delay", "100ms"}, newStore(t).flags()...)
	r := run(t, runOpts{timeout: time.Minute}, args...)
	if p.Hits("stall") == 0 {
		t.Fatalf("the stall was never injected:\n%s", p.faultLog())
	}
	if r.timedOut || r.code != 2 {
		t.Fatalf("want exit 2\n%s", r)
	}
	msg := lastLine(r.stderr)
	for _, want := range []string{"release " + p.ref(world.ReleaseImage), "stalled: no data for 1s", "(2 attempts)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	t.Logf("%d stalled manifest requests; %s", p.Hits("stall"), msg)
}

// build's first registry contact names the auth file and whether it had
// an entry for the registry; a missing tag says "manifest unknown", not
// `StatusCode: 404, ""`; each ends with the attempt count and says its
// prefix once.
func TestBuildRegistryErrorsSpeakRegistry(t *testing.T) {
	cf := containerfile(t, "LABEL x=y\n")
	flags := newStore(t).flags()
	r := run(t, runOpts{}, append([]string{"build", "--containerfile", cf, "--base-image", world.BaseImage,
		"--authfile", world.PushSecretFile, "--cert-dir", world.CertDir}, flags...)...)
	msg := lastLine(r.stderr)
	if r.code != 2 || !strings.Contains(msg, "unauthorized: no entry for "+world.ReleaseRegistry+" in "+world.PushSecretFile) ||
		!strings.HasSuffix(msg, "(1 attempt)") {
		t.Errorf("credential failure: %q\n%s", msg, r)
	}
	missing := world.ReleaseRegistry + "/openshift-release-dev/no-such:tag"
	r = run(t, runOpts{}, append([]string{"build", "--containerfile", cf, "--base-image", missing,
		"--authfile", world.PullSecretFile, "--cert-dir", world.CertDir}, flags...)...)
	msg = lastLine(r.stderr)
	if r.code != 2 || !strings.Contains(msg, "manifest unknown") || strings.Contains(msg, "StatusCode") || !strings.HasSuffix(msg, "(1 attempt)") {
		t.Errorf("missing image: %q\n%s", msg, r)
	}
	if strings.Count(msg, "image "+missing) > 1 {
		t.Errorf("prefix repeated: %q", msg)
	}
}

// --creds and an --authfile holding a Secret from `oc get secret -o yaml`
// reach the registry like a .dockerconfigjson does.
func TestCredsAndSecretAuthFile(t *testing.T) {
	src, want := sourceImage(t)
	r := run(t, runOpts{}, "push", src, world.PushRegistry+"/ocl-reliability/creds:v1", "--creds", world.PushUser+":"+world.PushPassword, "--cert-dir", world.CertDir)
	if r.code != 0 || !strings.Contains(r.stdout, want.String()) {
		t.Errorf("push --creds: %s", r)
	}
	dcj, err := os.ReadFile(world.PullSecretFile)
	if err != nil {
		t.Fatal(err)
	}
	secret := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: pull-secret\n  namespace: openshift-config\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: " +
		base64.StdEncoding.EncodeToString(dcj) + "\n"
	p := filepath.Join(t.TempDir(), "pull-secret.yaml")
	if err := os.WriteFile(p, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	r = run(t, runOpts{home: home}, "inspect", "docker://"+world.BaseImage, "--authfile", p, "--cert-dir", world.CertDir, "--format", "json")
	if r.code != 0 || !strings.Contains(r.stdout, world.BaseDigest) {
		t.Errorf("inspect --authfile SECRET.yaml: %s", r)
	}
	if l := leftovers(t, home); len(l) > 0 {
		t.Errorf("the converted credentials copy was left: %v", l)
	}
}

// Ctrl-C during rpmdiff (and inspect: the same reader) stops the read,
// removes its spool directory and exits 130.
func TestRpmdiffInterrupted(t *testing.T) {
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules(faultproxy.Rule{Name: "stall", Method: "GET", Path: `/blobs/sha256:`, MinBody: 64 << 10, Kind: faultproxy.Stall, AfterBytes: 4096})
	home := t.TempDir()
	pr := startBin(t, home, "rpmdiff", "docker://"+p.ref(world.BaseImage), "docker://"+world.BaseImage,
		"--authfile", p.authFile, "--cert-dir", p.certDir, "--no-cache")
	if !waitFor(time.Minute, func() bool { return p.Hits("stall") > 0 || pr.exited() }) || pr.exited() {
		t.Fatalf("the read never reached the stalled layer:\n%s\n%s", pr.errText(), p.faultLog())
	}
	if l := leftovers(t, home); len(l) == 0 {
		t.Log("no spool directory yet at the interrupt (the test still proves the exit)")
	}
	code, took := interrupt(t, pr, syscall.SIGINT)
	if code != 130 {
		t.Errorf("exit %d after SIGINT, want 130\n%s", code, pr.errText())
	}
	if took > 5*time.Second {
		t.Errorf("took %s to stop", took)
	}
	if l := leftovers(t, home); len(l) > 0 {
		t.Errorf("left in TMPDIR after SIGINT: %v", l)
	}
	noSecrets(t, "stderr", pr.errText())
}

// A registry (the fault proxy in front of the fixture) that redirects every
// blob GET to plain HTTP on its own host: build's pull, rpmdiff and inspect
// all refuse, in one attempt, and the plain listener, which logs each
// request's Authorization header, gets no request at all.
func TestRedirectedBlobRefusedEverywhere(t *testing.T) {
	needWorld(t)
	var mu sync.Mutex
	var got []string
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Authorization"))
		mu.Unlock()
		http.NotFound(w, r)
	}))
	defer plain.Close()
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules(faultproxy.Rule{Name: "307-to-http", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Redirect, Location: plain.URL})
	img := p.ref(world.BaseImage)
	reg := []string{"--authfile", p.authFile, "--cert-dir", p.certDir}
	cf := containerfile(t, "LABEL io.ocl-build.test=redirect\n")
	for name, args := range map[string][]string{
		"rpmdiff": append([]string{"rpmdiff", "docker://" + img, "docker://" + img}, reg...),
		"inspect": append([]string{"inspect", "docker://" + img}, reg...),
		"build":   buildArgs(p, newStore(t), cf, "localhost/ocl-reliability/redirect:latest"),
	} {
		t.Run(name, func(t *testing.T) {
			r := run(t, runOpts{env: []string{"OCL_BUILD_NO_CACHE_WARN=1"}}, args...)
			if r.code != 2 || !strings.Contains(r.stderr, "refusing a redirect from https://"+p.Addr()+" to http://127.0.0.1:") {
				t.Errorf("want exit 2 refusing the redirect:\n%s", tail(r.String(), 3000))
			}
			if strings.Contains(r.stderr, "attempts)") {
				t.Errorf("a refused redirect was retried:\n%s", tail(r.stderr, 2000))
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 0 {
		t.Errorf("the plain-HTTP listener got %d requests (with Authorization: %v)", len(got), nonEmpty(got))
	}
	var redirects int
	for _, e := range p.Events() {
		if e.Rule == "307-to-http" {
			redirects++
		}
	}
	if redirects < 3 {
		t.Errorf("the proxy redirected %d blob GETs, want one per command at least", redirects)
	}
}

func nonEmpty(list []string) int {
	n := 0
	for _, s := range list {
		if s != "" {
			n++
		}
	}
	return n
}
