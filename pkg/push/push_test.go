package push_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocl-build/ocl-build/pkg/registry"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/ocl-build/ocl-build/internal/fixture"
	"github.com/ocl-build/ocl-build/internal/regretry"
	"github.com/ocl-build/ocl-build/internal/testutil"
	"github.com/ocl-build/ocl-build/pkg/push"
	"github.com/ocl-build/ocl-build/pkg/push/internal/regproxy"
)

// registryDigest asks the registry which manifest digest a tag points at.
func registryDigest(t *testing.T, w *fixture.World, ref string) string {
	t.Helper()
	return testutil.RegistryDigest(t, ref, w.CAFile, w.PushUser, w.PushPassword)
}

// registryManifest reads the tag's manifest with go-containerregistry.
func registryManifest(t *testing.T, w *fixture.World, ref string) *v1.Manifest {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(r, remote.WithAuth(&authn.Basic{Username: w.PushUser, Password: w.PushPassword}),
		remote.WithTransport(testutil.RegistryTransport(t, w.CAFile)))
	if err != nil {
		t.Fatalf("GET %s: %v", ref, err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func baseOptions(w *fixture.World, src, dest string) push.Options {
	return push.Options{
		Src: src, Dest: dest,
		Registry: registry.Options{AuthFile: w.PushSecretFile, CertDir: w.CertDir, Retry: regretry.Policy{Delay: 50 * time.Millisecond}},
	}
}

func TestPushOCILayoutReportsTheRegistryDigest(t *testing.T) {
	w := fixture.Start(t)
	img := testutil.RandomOCIImage(t, 256<<10, 3)
	src := testutil.OCILayout(t, img)
	dest := w.PushRegistry + "/ocl/push-digest:v1"
	digestFile := filepath.Join(t.TempDir(), "digest")
	o := baseOptions(w, src, "docker://"+dest)
	o.DigestFile = digestFile
	o.Registry.BlobInfoCacheDir = t.TempDir()
	res, err := push.Push(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	got := registryDigest(t, w, dest)
	if res.Digest.String() != got {
		t.Fatalf("Push reported %s, the registry has %s", res.Digest, got)
	}
	want := w.PushRegistry + "/ocl/push-digest@" + got
	if res.PullSpec != want {
		t.Fatalf("PullSpec %q, want %q", res.PullSpec, want)
	}
	b, err := os.ReadFile(digestFile)
	if err != nil || string(b) != got {
		t.Fatalf("digest file %q (%v), want %q", b, err, got)
	}
	// 3 layers and the config went up; the layout's layers are compressed,
	// so the bytes sent are their sizes.
	m, _ := img.Manifest()
	var size int64 = m.Config.Size
	for _, l := range m.Layers {
		size += l.Size
	}
	if res.BlobsCopied != 4 || res.BlobsReused != 0 || res.BytesUploaded != size || res.BytesRead != size {
		t.Fatalf("copied %d blobs (%d bytes uploaded, %d read), reused %d; want 4 blobs, %d bytes, 0 reused", res.BlobsCopied, res.BytesUploaded, res.BytesRead, res.BlobsReused, size)
	}

	// The same image again: every blob is at the registry already.
	o.DigestFile = ""
	again, err := push.Push(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if again.Digest != res.Digest || again.BlobsCopied != 0 || again.BytesUploaded != 0 {
		t.Fatalf("second push: digest %s, copied %d blobs / %d bytes; want %s and nothing copied", again.Digest, again.BlobsCopied, again.BytesUploaded, res.Digest)
	}
}

func TestPushToBareDestWithREGISTRY_AUTH_FILE(t *testing.T) {
	w := fixture.Start(t)
	src := testutil.OCILayout(t, testutil.RandomOCIImage(t, 64<<10, 1))
	t.Setenv("REGISTRY_AUTH_FILE", w.PushSecretFile)
	o := baseOptions(w, src, w.PushRegistry+"/ocl/env-auth:latest")
	o.Registry.AuthFile = ""
	o.Registry.BlobInfoCacheDir = t.TempDir()
	res, err := push.Push(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if got := registryDigest(t, w, w.PushRegistry+"/ocl/env-auth:latest"); got != res.Digest.String() {
		t.Fatalf("digest %s, registry has %s", res.Digest, got)
	}
}

func TestWrongPasswordNamesTheRegistryAndKeepsTheDigestFile(t *testing.T) {
	w := fixture.Start(t)
	src := testutil.OCILayout(t, testutil.RandomOCIImage(t, 64<<10, 1))
	bad := filepath.Join(t.TempDir(), "bad-push-secret.json")
	// The right user with a wrong password.
	auth := `{"auths":{"` + w.PushRegistry + `":{"auth":"` + b64(w.PushUser+":not-the-password") + `"}}}`
	if err := os.WriteFile(bad, []byte(auth), 0o600); err != nil {
		t.Fatal(err)
	}
	digestFile := filepath.Join(t.TempDir(), "digest")
	if err := os.WriteFile(digestFile, []byte("sha256:previous"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := baseOptions(w, src, w.PushRegistry+"/ocl/denied:v1")
	o.Registry.AuthFile, o.DigestFile = bad, digestFile
	o.Registry.BlobInfoCacheDir = t.TempDir()
	start := time.Now()
	_, err := push.Push(context.Background(), o)
	if err == nil {
		t.Fatal("push with a wrong password succeeded")
	}
	msg := err.Error()
	t.Logf("error: %s", msg)
	for _, want := range []string{"push to " + w.PushRegistry + "/ocl/denied", "unauthorized", bad} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	for _, s := range append(w.Secrets(), "not-the-password", b64(w.PushUser+":not-the-password")) {
		if strings.Contains(msg, s) {
			t.Errorf("error leaks a credential: %q", msg)
		}
	}
	if !push.IsUnauthorized(err) || regretry.IsTransient(err) {
		t.Errorf("IsUnauthorized=%v IsTransient=%v, want true/false", push.IsUnauthorized(err), regretry.IsTransient(err))
	}
	// Not retried: an auth failure is final.
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s: an unauthorized push must not be retried", d)
	}
	if b, _ := os.ReadFile(digestFile); string(b) != "sha256:previous" {
		t.Fatalf("digest file now %q, want the previous content", b)
	}
	// The pull secret cannot push either (the credentials truly differ).
	o.Registry.AuthFile = w.PullSecretFile
	if _, err := push.Push(context.Background(), o); err == nil || !strings.Contains(err.Error(), w.PushRegistry) {
		t.Fatalf("push with the pull secret: %v", err)
	}
}

func TestSecondRepositoryMountsInsteadOfUploading(t *testing.T) {
	w := fixture.Start(t)
	proxy, err := regproxy.Start(regproxy.Config{
		Upstream: w.PushRegistry, RootCAs: testutil.CAPool(t, w.CAFile),
		CertFile: filepath.Join(w.RunDir, "tls", "server.crt"), KeyFile: filepath.Join(w.RunDir, "tls", "server.key"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	auth := proxyAuthFile(t, w, proxy.Host)
	img := testutil.RandomOCIImage(t, 512<<10, 4)
	src := testutil.OCILayout(t, img)
	cache := t.TempDir() // shared by both pushes, as by build and push
	m, _ := img.Manifest()
	var layerBytes int64
	for _, l := range m.Layers {
		layerBytes += l.Size
	}

	o := baseOptions(w, src, proxy.Host+"/team-a/os-image:v1")
	o.Registry.AuthFile, o.Registry.BlobInfoCacheDir = auth, cache
	first, err := push.Push(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	st := proxy.Stats()
	if st.BytesUploaded < layerBytes {
		t.Fatalf("first push: proxy saw %d bytes uploaded, the layers are %d", st.BytesUploaded, layerBytes)
	}
	proxy.Reset()

	o.Dest = proxy.Host + "/team-b/os-image:v1"
	second, err := push.Push(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	st = proxy.Stats()
	// Only the config (a few hundred bytes) may travel; no layer bytes.
	if st.BytesUploaded >= m.Layers[0].Size || st.BytesUploaded > int64(m.Config.Size) {
		t.Fatalf("second push to another repository uploaded %d bytes (config %d, smallest layer ~%d): layers were not mounted; stats %+v",
			st.BytesUploaded, m.Config.Size, m.Layers[0].Size, st)
	}
	if st.MountsAccepted < len(m.Layers) {
		t.Fatalf("mounted %d blobs, want at least the %d layers; stats %+v", st.MountsAccepted, len(m.Layers), st)
	}
	if second.Digest != first.Digest || second.BlobsReused < len(m.Layers) {
		t.Fatalf("second push: digest %s (first %s), reused %d", second.Digest, first.Digest, second.BlobsReused)
	}
	if got := registryDigest(t, w, w.PushRegistry+"/team-b/os-image:v1"); got != second.Digest.String() {
		t.Fatalf("registry has %s for team-b, push said %s", got, second.Digest)
	}

	// One new layer on top: only that layer (and config) is uploaded.
	proxy.Reset()
	extra, err := random.Layer(300<<10, types.OCILayer)
	if err != nil {
		t.Fatal(err)
	}
	img2, err := mutate.AppendLayers(img, extra)
	if err != nil {
		t.Fatal(err)
	}
	extraSize, _ := extra.Size()
	o.Src = testutil.OCILayout(t, img2)
	o.Dest = proxy.Host + "/team-a/os-image:v2"
	third, err := push.Push(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	st = proxy.Stats()
	m2, _ := img2.Manifest()
	if st.BytesUploaded < extraSize || float64(st.BytesUploaded) > 1.05*float64(extraSize)+float64(m2.Config.Size) {
		t.Fatalf("changed-layer push uploaded %d bytes, the new layer is %d (config %d)", st.BytesUploaded, extraSize, m2.Config.Size)
	}
	if third.BlobsCopied != 2 {
		t.Fatalf("changed-layer push copied %d blobs, want 2 (the new layer and the config)", third.BlobsCopied)
	}
	// What Push reports is what the registry received.
	if third.BytesUploaded != st.BytesUploaded || third.BytesUploaded != extraSize+m2.Config.Size {
		t.Fatalf("Push reports %d bytes uploaded, the proxy counted %d, layer+config are %d", third.BytesUploaded, st.BytesUploaded, extraSize+m2.Config.Size)
	}
}

func TestTransient503IsRetried(t *testing.T) {
	w := fixture.Start(t)
	proxy, err := regproxy.Start(regproxy.Config{
		Upstream: w.PushRegistry, RootCAs: testutil.CAPool(t, w.CAFile),
		CertFile: filepath.Join(w.RunDir, "tls", "server.crt"), KeyFile: filepath.Join(w.RunDir, "tls", "server.key"),
		FailUploads: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	auth := proxyAuthFile(t, w, proxy.Host)
	src := testutil.OCILayout(t, testutil.RandomOCIImage(t, 128<<10, 2))
	o := baseOptions(w, src, proxy.Host+"/ocl/flaky:v1")
	o.Registry.AuthFile, o.Registry.BlobInfoCacheDir = auth, t.TempDir()
	var log strings.Builder
	o.Progress = &log
	res, err := push.Push(context.Background(), o)
	if err != nil {
		t.Fatalf("push through 2 injected 503s: %v\n%s", err, log.String())
	}
	if st := proxy.Stats(); st.Injected503 != 2 {
		t.Fatalf("proxy injected %d 503s, want 2", st.Injected503)
	}
	if res.Attempts < 2 || !strings.Contains(log.String(), "retrying in") {
		t.Fatalf("attempts %d, log %q: want a reported retry", res.Attempts, log.String())
	}
	if got := registryDigest(t, w, w.PushRegistry+"/ocl/flaky:v1"); got != res.Digest.String() {
		t.Fatalf("registry has %s, push said %s", got, res.Digest)
	}
	// Each blob counts once however many attempts touched it.
	m := registryManifest(t, w, w.PushRegistry+"/ocl/flaky:v1")
	if want := m.Config.Size + m.Layers[0].Size + m.Layers[1].Size; res.BlobsCopied != 3 || res.BytesUploaded != want {
		t.Fatalf("after retries: %d blobs, %d bytes uploaded; want 3 blobs, %d bytes", res.BlobsCopied, res.BytesUploaded, want)
	}

	// Bounded: more failures than retries fails, naming the registry.
	proxy2, err := regproxy.Start(regproxy.Config{
		Upstream: w.PushRegistry, RootCAs: testutil.CAPool(t, w.CAFile),
		CertFile: filepath.Join(w.RunDir, "tls", "server.crt"), KeyFile: filepath.Join(w.RunDir, "tls", "server.key"),
		FailUploads: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy2.Close()
	o.Registry.AuthFile = proxyAuthFile(t, w, proxy2.Host)
	o.Dest = proxy2.Host + "/ocl/down:v1"
	o.Registry.Retry.Retries = 2
	o.Progress = nil
	res, err = push.Push(context.Background(), o)
	if err == nil || res != nil {
		t.Fatalf("push against a registry answering 503: result %+v, error %v; want only an error", res, err)
	}
	if !strings.Contains(err.Error(), "push to "+proxy2.Host+"/ocl/down") || !strings.Contains(err.Error(), "503") {
		t.Fatalf("error %q should name the registry and the 503", err)
	}
	t.Logf("error: %v", err)
	if !regretry.IsTransient(err) {
		t.Fatalf("IsTransient(%v) = false", err)
	}
}

func TestPushFromRegistryWithMergedSecret(t *testing.T) {
	// Any transport: the fixture's RHCOS stand-in straight from the
	// release registry (pull credentials) to the push registry (push
	// credentials), one merged secret as the seed article uses.
	w := fixture.Start(t)
	o := baseOptions(w, "docker://"+w.BaseImage, w.PushImage)
	o.Registry.AuthFile = w.MergedSecretFile
	o.Registry.BlobInfoCacheDir = t.TempDir()
	res, err := push.Push(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest.String() != w.BaseDigest {
		t.Fatalf("copied digest %s, the base image is %s", res.Digest, w.BaseDigest)
	}
	if got := registryDigest(t, w, w.PushImage); got != w.BaseDigest {
		t.Fatalf("push registry has %s", got)
	}
	if res.BlobsCopied != w.BaseLayers+1 {
		t.Fatalf("copied %d blobs, want %d layers + config", res.BlobsCopied, w.BaseLayers)
	}
}

func TestRegistriesConfIsHonoured(t *testing.T) {
	w := fixture.Start(t)
	conf := filepath.Join(t.TempDir(), "registries.conf")
	body := "[[registry]]\nlocation = \"" + w.PushRegistry + "\"\nblocked = true\n"
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	o := baseOptions(w, testutil.OCILayout(t, testutil.RandomOCIImage(t, 16<<10, 1)), w.PushRegistry+"/ocl/blocked:v1")
	o.Registry.RegistriesConf, o.Registry.BlobInfoCacheDir = conf, t.TempDir()
	_, err := push.Push(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "blocked") || !strings.Contains(err.Error(), w.PushRegistry) {
		t.Fatalf("push to a registry blocked in registries.conf: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    push.Options
		want string
	}{
		{"no source", push.Options{Dest: "127.0.0.1:1/x:y"}, "no source"},
		{"no destination", push.Options{Src: "oci:/nonexistent"}, "no destination"},
		{"wrong transport", push.Options{Src: "oci:/nonexistent", Dest: "oci:/tmp/x"}, "registry"},
		{"digest destination", push.Options{Src: "oci:/nonexistent", Dest: "127.0.0.1:1/x@sha256:" + strings.Repeat("a", 64)}, "tag, not a digest"},
		{"missing authfile", push.Options{Src: "oci:/nonexistent", Dest: "127.0.0.1:1/x:y", Registry: registry.Options{AuthFile: "/nonexistent/auth.json"}}, "authfile"},
		{"missing cert dir", push.Options{Src: "oci:/nonexistent", Dest: "127.0.0.1:1/x:y", Registry: registry.Options{CertDir: "/nonexistent/certs"}}, "cert-dir"},
		{"missing policy", push.Options{Src: "oci:/nonexistent", Dest: "127.0.0.1:1/x:y", Registry: registry.Options{SignaturePolicy: "/nonexistent/policy.json"}}, "signature policy"},
		{"bad source", push.Options{Src: "docker://Not A Name", Dest: "127.0.0.1:1/x:y"}, "source image"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := push.Push(context.Background(), tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// transport trusts the world's CA.
// proxyAuthFile is the push secret for a proxy in front of the push
// registry (credentials are looked up by host:port).
func proxyAuthFile(t *testing.T, w *fixture.World, host string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "proxy-push-secret.json")
	auth := `{"auths":{"` + host + `":{"auth":"` + b64(w.PushUser+":"+w.PushPassword) + `"}}}`
	if err := os.WriteFile(p, []byte(auth), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
