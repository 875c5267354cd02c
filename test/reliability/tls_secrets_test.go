package reliability

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// An untrusted certificate fails, and the message tells the admin both
// ways out: --cert-dir and --tls-verify=false. Then --tls-verify=false
// works. The fixture CA is in no system trust store, so the registries'
// certificates are untrusted without --cert-dir.
func TestTLSVerifiedByDefault(t *testing.T) {
	needWorld(t)
	src, want := sourceImage(t)
	cases := []struct {
		name string
		args []string
		// ok checks the --tls-verify=false run.
		ok func(t *testing.T, r result)
	}{
		{"push", []string{"push", src, world.PushRegistry + "/ocl-reliability/tls:v1", "--authfile", world.PushSecretFile},
			func(t *testing.T, r result) {
				if !strings.Contains(r.stdout, want.String()) {
					t.Errorf("push --tls-verify=false printed %q, want digest %s", r.stdout, want)
				}
			}},
		{"rpmdiff", []string{"rpmdiff", "docker://" + world.BaseImage, "docker://" + world.BaseImage, "--authfile", world.PullSecretFile, "--format", "json"},
			func(t *testing.T, r result) {
				var out rpmdiffJSON
				if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.Base == nil || out.Base.PackageCount != world.BasePackages {
					t.Errorf("rpmdiff --tls-verify=false: %v %+v", err, out.Base)
				}
			}},
		{"inspect", []string{"inspect", "docker://" + world.BaseImage, "--authfile", world.PullSecretFile}, nil},
		{"build", []string{"build", "--containerfile", "-", "--base-image", world.BaseImage, "--authfile", world.PullSecretFile}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if c.name == "build" {
				cf := containerfile(t, "LABEL x=y\n")
				args = append(append([]string{}, args...), newStore(t).flags()...)
				args[2] = cf
			}
			r := run(t, runOpts{timeout: time.Minute}, args...)
			if r.code != 2 {
				t.Fatalf("%s against an untrusted certificate: want exit 2\n%s", c.name, r)
			}
			msg := r.stderr
			if !strings.Contains(msg, "certificate") {
				t.Errorf("the error does not say the certificate is the problem:\n%s", msg)
			}
			var missing []string
			for _, hint := range []string{"--cert-dir", "--tls-verify=false"} {
				if !strings.Contains(msg, hint) {
					missing = append(missing, hint)
				}
			}
			if c.ok != nil {
				r2 := run(t, runOpts{timeout: 2 * time.Minute}, append(append([]string{}, args...), "--tls-verify=false")...)
				if r2.code != 0 {
					t.Fatalf("%s --tls-verify=false failed:\n%s", c.name, r2)
				}
				c.ok(t, r2)
			}
			if len(missing) > 0 {
				t.Errorf("the error lacks %v:\n%s", missing, msg)
			}
		})
	}
}

// --log-level debug makes containers/image talk about every request: no
// credential may appear in it, nor in files a command writes.
func TestNoSecretsWithDebugLogging(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.PushRegistry)
	_ = p.SetRules()
	src, _ := sourceImage(t)
	home := t.TempDir()
	dir := t.TempDir()
	digestFile := filepath.Join(dir, "digest")
	r := run(t, runOpts{home: home}, "--log-level", "debug", "push", src, p.Addr()+"/ocl-reliability/debug:v1",
		"--authfile", p.authFile, "--cert-dir", p.certDir, "--digestfile", digestFile)
	if r.code != 0 {
		t.Fatalf("push: %s", r)
	}
	if !strings.Contains(r.stderr, "level=debug") {
		t.Errorf("--log-level debug printed no debug lines; the scan proves little:\n%s", tail(r.stderr, 1000))
	}
	t.Logf("push: scanned %d bytes of debug output", len(r.stderr))
	// The merged secret file on purpose: both credentials available.
	r = run(t, runOpts{home: home}, "--log-level", "debug", "rpmdiff", "docker://"+world.BaseImage, "docker://"+world.BaseImage,
		"--authfile", world.MergedSecretFile, "--cert-dir", world.CertDir)
	if r.code != 0 {
		t.Fatalf("rpmdiff: %s", r)
	}
	noSecretsInTree(t, home, nil) // caches, temp files
	noSecretsInTree(t, dir, nil)
	if l := leftovers(t, home); len(l) > 0 {
		t.Errorf("temp files left: %v", l)
	}
	// rpmdiff routes containers/image's logging through --log-level too.
	if !strings.Contains(r.stderr, "level=debug") {
		t.Errorf("rpmdiff --log-level debug printed no debug lines; the scan proves little:\n%s", tail(r.stderr, 1000))
	}
	t.Logf("rpmdiff: scanned %d bytes of debug output", len(r.stderr))
}

// Two rpmdiff runs at once sharing one layer cache: both answer right, and
// a third run from the cache alone agrees.
func TestRpmdiffConcurrentSharedCache(t *testing.T) {
	needWorld(t)
	home := t.TempDir()
	args := []string{"rpmdiff", "docker://" + world.BaseImage, "docker://" + world.BaseImage,
		"--authfile", world.PullSecretFile, "--cert-dir", world.CertDir, "--format", "json"}
	var wg sync.WaitGroup
	res := make([]result, 3)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res[i] = run(t, runOpts{home: home}, args...)
		}(i)
	}
	wg.Wait()
	res[2] = run(t, runOpts{home: home}, args...)
	layers := baseLayers(t)
	for i, r := range res {
		if r.code != 0 {
			t.Errorf("run %d: %s", i, r)
			continue
		}
		var out rpmdiffJSON
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Errorf("run %d: %v", i, err)
			continue
		}
		if out.Base.PackageCount != world.BasePackages || out.Base.Layer != layers[4] {
			t.Errorf("run %d: %d packages from %s, want %d from %s", i, out.Base.PackageCount, out.Base.Layer, world.BasePackages, layers[4])
		}
	}
	var files int
	_ = filepath.Walk(filepath.Join(home, ".cache", "ocl-build", "rpmdiff"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			files++
			if !strings.HasSuffix(p, ".json") {
				t.Errorf("stray file in the cache (temp file of a non-atomic write?): %s", p)
			}
			if fi.Mode().Perm()&0o077 != 0 {
				t.Errorf("cache file %s is mode %v", p, fi.Mode().Perm())
			}
		}
		return nil
	})
	if files == 0 {
		t.Error("the shared cache is empty")
	}
}
