package build

import (
	"bytes"
	"context"
	"errors"
	"github.com/ocl-build/ocl-build/internal/testutil"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/containers/image/v5/types"

	"github.com/ocl-build/ocl-build/pkg/registry"

	"github.com/containers/storage/pkg/reexec"

	"github.com/ocl-build/ocl-build/pkg/build/buildtest"
)

func TestMain(m *testing.M) {
	// chroot isolation re-executes the test binary for each RUN.
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("building with chroot isolation needs root")
	}
}

// contextDir writes a build context with the given Containerfile and the two
// files the operator always puts beside it.
func contextDir(t *testing.T, containerfile string) string {
	t.Helper()
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "machineconfig"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "Containerfile"), []byte(containerfile), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "machineconfig", "machineconfig.json.gz"), []byte("e30K\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "openshift-config-user-ca-bundle.crt"), nil, 0o644))
	return dir
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testStore(t *testing.T, driver string) StoreOptions {
	t.Helper()
	d := t.TempDir()
	return StoreOptions{Root: filepath.Join(d, "root"), RunRoot: filepath.Join(d, "runroot"), Driver: driver}
}

// readImageFile mounts the image read-only and returns one file's content.
func readImageFile(t *testing.T, so StoreOptions, id, path string) (string, bool) {
	t.Helper()
	store, err := OpenStore(so)
	must(t, err)
	defer store.Shutdown(false)
	mp, err := store.MountImage(id, []string{"ro"}, "")
	must(t, err)
	defer store.UnmountImage(id, true)
	b, err := os.ReadFile(filepath.Join(mp, path))
	if errors.Is(err, os.ErrNotExist) {
		return "", false
	}
	must(t, err)
	return string(b), true
}

func assertClean(t *testing.T, so StoreOptions) {
	t.Helper()
	store, err := OpenStore(so)
	must(t, err)
	ctrs, err := store.Containers()
	store.Shutdown(false)
	must(t, err)
	if len(ctrs) != 0 {
		var names []string
		for _, c := range ctrs {
			names = append(names, strings.Join(c.Names, ","))
		}
		t.Errorf("store holds %d build containers after the build: %v", len(ctrs), names)
	}
	for _, dir := range []string{so.Root, so.RunRoot} {
		m, err := MountsUnder(dir)
		must(t, err)
		if len(m) != 0 {
			t.Errorf("mounts left under %s: %v", dir, m)
		}
	}
}

func TestBuildDrivers(t *testing.T) {
	requireRoot(t)
	reg := buildtest.Start(t)
	repos := t.TempDir()
	must(t, os.WriteFile(filepath.Join(repos, "test.repo"), []byte("[test]\nbaseurl=http://127.0.0.1/\n"), 0o600))
	gpg := t.TempDir()
	must(t, os.WriteFile(filepath.Join(gpg, "RPM-GPG-KEY-test"), []byte("key\n"), 0o600))
	ent := t.TempDir()
	must(t, os.WriteFile(filepath.Join(ent, "4242-key.pem"), []byte("entitlement\n"), 0o644))

	cf := "FROM " + reg.BaseImage + `
RUN echo built > /hello && cat /etc/yum.repos.d/test.repo > /seen-repo && stat -c %a /etc/yum.repos.d/test.repo > /repo-mode 2>/dev/null || ls -l /etc/yum.repos.d/test.repo > /repo-mode
RUN echo "proxy=$HTTP_PROXY no=$NO_PROXY" > /proxy && cat /etc/pki/rpm-gpg/RPM-GPG-KEY-test > /seen-gpg && cat /etc/pki/entitlement/4242-key.pem > /seen-ent && stat -c %a /etc/pki/entitlement/4242-key.pem > /ent-mode
LABEL io.ocl-build.test.label=yes
`
	for _, driver := range []string{DriverOverlay, DriverVFS} {
		t.Run(driver, func(t *testing.T) {
			so := testStore(t, driver)
			ctxDir := contextDir(t, cf)
			var out testutil.SyncBuffer
			opts := Options{
				ContextDir:  ctxDir,
				Store:       so,
				Registry:    registry.Options{TLSVerify: types.OptionalBoolFalse},
				Tag:         "localhost/ocl-build/worker:latest",
				YumReposDir: repos,
				RPMGPGDir:   gpg,
				// A RUN (as root) reads the private 0600 copy.
				EntitlementDir: ent,
				HTTPProxy:      "http://proxy.example:3128",
				NoProxy:        ".cluster.local",
				BaseImage:      reg.BaseImage,
				Out:            &out,
				OCIArchive:     filepath.Join(t.TempDir(), "image.tar"),
			}
			res, err := Build(context.Background(), opts)
			if err != nil {
				t.Fatalf("build: %v\n%s", err, out.String())
			}
			if res.ImageID == "" || res.Size <= 0 {
				t.Fatalf("result %+v", res)
			}
			if !strings.Contains(out.String(), "STEP 2/4: RUN echo built") {
				t.Errorf("steps not streamed with numbers:\n%s", out.String())
			}
			if want := reg.Digest(t, reg.BaseImage).String(); res.BaseDigest.String() != want {
				t.Errorf("base digest %q, registry says %q", res.BaseDigest, want)
			}
			if want := "containers-storage:[" + driver + "@" + so.Root + "+" + so.RunRoot + "]" + res.ImageID; res.Reference != want {
				t.Errorf("reference %q, want %q", res.Reference, want)
			}
			for path, want := range map[string]string{
				"hello":     "built\n",
				"seen-repo": "[test]\nbaseurl=http://127.0.0.1/\n",
				"seen-gpg":  "key\n",
				"seen-ent":  "entitlement\n",
				"ent-mode":  "600\n",
				"proxy":     "proxy=http://proxy.example:3128 no=.cluster.local\n",
			} {
				got, ok := readImageFile(t, so, res.ImageID, path)
				if !ok || got != want {
					t.Errorf("/%s = %q (present %v), want %q", path, got, ok, want)
				}
			}
			// The operator's mounts are transient: nothing of them is committed.
			if _, ok := readImageFile(t, so, res.ImageID, "etc/yum.repos.d/test.repo"); ok {
				t.Error("the yum.repos.d mount leaked into the image")
			}
			if _, ok := readImageFile(t, so, res.ImageID, "etc/pki/entitlement/4242-key.pem"); ok {
				t.Error("the entitlement mount leaked into the image")
			}
			if mode, _ := readImageFile(t, so, res.ImageID, "repo-mode"); strings.TrimSpace(mode) != "755" {
				t.Errorf("mounted repo file mode %q, want 755 as the operator sets", mode)
			}
			if fi, err := os.Stat(opts.OCIArchive); err != nil || fi.Size() < 1000 {
				t.Errorf("oci-archive not written: %v", err)
			}
			assertClean(t, so)

			// Nothing changed: every step comes from the cache, same image.
			out = testutil.SyncBuffer{}
			t0 := time.Now()
			opts.OCIArchive = ""
			res2, err := Build(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			if res2.ImageID != res.ImageID {
				t.Errorf("rebuild gave %s, want cached %s", res2.ImageID, res.ImageID)
			}
			if !strings.Contains(out.String(), "Using cache") {
				t.Errorf("rebuild did not use the layer cache:\n%s", out.String())
			}
			t.Logf("%s: first build %v, cached rebuild %v", driver, res.Elapsed, time.Since(t0))
		})
	}
}

func TestBuildFailingRun(t *testing.T) {
	requireRoot(t)
	reg := buildtest.Start(t)
	so := testStore(t, DriverOverlay)
	// Two stages, as the template: the earlier stage's image is mounted for
	// COPY --from and FROM, and must be released when the last one fails.
	cf := "FROM " + reg.BaseImage + " AS first\nRUN echo x > /x\nFROM first AS second\nCOPY --from=first /x /y\nRUN echo first-line-ok\nRUN echo doing work; echo 'Error: Unable to find a match: no-such-package' >&2; exit 3\nRUN echo never\n"
	var out testutil.SyncBuffer
	_, err := Build(context.Background(), Options{
		ContextDir: contextDir(t, cf), Store: so,
		Registry: registry.Options{TLSVerify: types.OptionalBoolFalse}, Tag: "localhost/ocl-build/fail:latest", Out: &out,
	})
	var se *StepError
	if !errors.As(err, &se) {
		t.Fatalf("want a StepError, got %v", err)
	}
	if se.Step != "[2/2] STEP 4/5" || !strings.HasPrefix(se.Instruction, "RUN echo doing work") || se.IsPull() {
		t.Errorf("step %q instruction %q", se.Step, se.Instruction)
	}
	msg := err.Error()
	for _, want := range []string{"[2/2] STEP 4/5", "exit 3", "Unable to find a match: no-such-package", "doing work"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "first-line-ok") {
		t.Errorf("error carries output of an earlier step:\n%s", msg)
	}
	assertClean(t, so)
}

// The context holds only the operator's three files: a COPY of anything
// else fails as it does on the cluster.
func TestBuildCopyLocalFails(t *testing.T) {
	requireRoot(t)
	reg := buildtest.Start(t)
	so := testStore(t, DriverVFS)
	ctxDir := contextDir(t, "FROM "+reg.BaseImage+"\nCOPY ./local /x\n")
	_, err := Build(context.Background(), Options{
		ContextDir: ctxDir, Store: so, Registry: registry.Options{TLSVerify: types.OptionalBoolFalse}, Tag: "localhost/ocl-build/copy:latest",
	})
	var se *StepError
	if !errors.As(err, &se) || !strings.HasPrefix(se.Instruction, "COPY ./local /x") {
		t.Fatalf("want the COPY step to fail, got %v", err)
	}
	if !strings.Contains(err.Error(), "local") || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("error does not say the file is missing: %v", err)
	}
	assertClean(t, so)
}

func TestBuildInterrupted(t *testing.T) {
	requireRoot(t)
	reg := buildtest.Start(t)
	for _, driver := range []string{DriverOverlay, DriverVFS} {
		t.Run(driver, func(t *testing.T) {
			so := testStore(t, driver)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var out testutil.SyncBuffer
			go func() {
				// Cancel once the RUN is under way, as a Ctrl-C would.
				for !strings.Contains(out.String(), "started-2") { // printed by the RUN, not the STEP banner
					time.Sleep(50 * time.Millisecond)
				}
				time.Sleep(300 * time.Millisecond)
				cancel()
			}()
			t0 := time.Now()
			_, err := Build(ctx, Options{
				ContextDir: contextDir(t, "FROM "+reg.BaseImage+" AS one\nRUN echo one > /one\nFROM one\nCOPY --from=one /one /two\nRUN echo started-$((1+1)); sleep 60\n"),
				Store:      so, Registry: registry.Options{TLSVerify: types.OptionalBoolFalse},
				Tag: "localhost/ocl-build/sleep:latest", Out: &out, NoCache: true,
			})
			took := time.Since(t0)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("want context.Canceled, got %v\n%s", err, out.String())
			}
			if took > 30*time.Second {
				t.Errorf("interrupted build took %v to stop", took)
			}
			if n := killRunSubtrees(); n != 0 {
				t.Errorf("%d RUN processes survived the interrupt", n)
			}
			assertClean(t, so)
		})
	}
}

func TestStepLogTail(t *testing.T) {
	l := newStepLog()
	var sink bytes.Buffer
	w := l.writer(&sink)
	e := l.writer(nil)
	w.Write([]byte("[1/2] STEP 1/3: FROM x AS extract\nnoise\n[2/2] STEP 2/5: RUN dnf install -y foo\nline 1\n"))
	e.Write([]byte("Error: no match"))
	step, instr, tail := l.current()
	if step != "[2/2] STEP 2/5" || instr != "RUN dnf install -y foo" {
		t.Errorf("step %q instr %q", step, instr)
	}
	if strings.Join(tail, "|") != "line 1|Error: no match" {
		t.Errorf("tail %q", tail)
	}
	if !strings.Contains(sink.String(), "noise") {
		t.Error("output not forwarded")
	}
	for i := 0; i < 40; i++ {
		w.Write([]byte("x\n"))
	}
	if _, _, tail = l.current(); len(tail) != tailLines {
		t.Errorf("tail keeps %d lines, want %d", len(tail), tailLines)
	}
}

func TestStageMountModes(t *testing.T) {
	src := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(src, "sub"), 0o700))
	must(t, os.WriteFile(filepath.Join(src, "sub", "a.repo"), []byte("a"), 0o600))
	must(t, os.Symlink("sub/a.repo", filepath.Join(src, "link.repo")))
	spec, err := stageMount(t.TempDir(), src, YumReposMountPoint)
	must(t, err)
	parts := strings.Split(spec, ":")
	if len(parts) != 3 || parts[1] != YumReposMountPoint || parts[2] != "z,rw" {
		t.Fatalf("mount spec %q", spec)
	}
	for _, p := range []string{"", "sub", "sub/a.repo", "link.repo"} {
		fi, err := os.Lstat(filepath.Join(parts[0], p))
		must(t, err)
		if fi.Mode().Perm() != 0o755 || fi.Mode()&os.ModeSymlink != 0 {
			t.Errorf("%s: mode %v, want 0755 regular", p, fi.Mode())
		}
	}
	if _, err := stageMount(t.TempDir(), filepath.Join(src, "missing"), YumReposMountPoint); err == nil || !strings.Contains(err.Error(), YumReposMountPoint) {
		t.Errorf("missing dir: %v", err)
	}
}

// The entitlement is a credential: its copy is private (0700/0600), even
// when the admin's own files are world-readable.
func TestStageMountEntitlementPrivate(t *testing.T) {
	src := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(src, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(src, "4242-key.pem"), []byte("key"), 0o644))
	must(t, os.WriteFile(filepath.Join(src, "sub", "4242.pem"), []byte("cert"), 0o755))
	spec, err := stageMount(t.TempDir(), src, EntitlementMountPoint)
	must(t, err)
	dir := strings.Split(spec, ":")[0]
	want := map[string]os.FileMode{"": 0o700, "sub": 0o700, "4242-key.pem": 0o600, "sub/4242.pem": 0o600}
	for p, mode := range want {
		fi, err := os.Lstat(filepath.Join(dir, p))
		must(t, err)
		if fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), mode)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "sub", "4242.pem"))
	must(t, err)
	if string(b) != "cert" {
		t.Errorf("copy holds %q", b)
	}
}
