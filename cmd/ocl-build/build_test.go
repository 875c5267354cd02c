package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/storage/pkg/reexec"
	"github.com/ocl-build/ocl-build/internal/fixture"
	"github.com/ocl-build/ocl-build/pkg/build"
	"github.com/ocl-build/ocl-build/pkg/build/buildtest"
)

// chroot isolation re-executes the test binary for each RUN; an init (not a
// TestMain) so other command tests may keep their own TestMain.
func init() {
	if reexec.Init() {
		os.Exit(0)
	}
}

func bldNeedRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("building with chroot isolation needs root")
	}
}

func bldStoreFlags(t *testing.T, driver string) (build.StoreOptions, []string) {
	d := t.TempDir()
	so := build.StoreOptions{Root: filepath.Join(d, "root"), RunRoot: filepath.Join(d, "runroot"), Driver: driver}
	return so, []string{"--root", so.Root, "--runroot", so.RunRoot, "--storage-driver", driver}
}

func bldWriteFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Against the tiny host-made base image: flags, output shape, failures.
func TestBuildCommandQuick(t *testing.T) {
	bldNeedRoot(t)
	reg := buildtest.Start(t)
	dir := t.TempDir()
	_, storeFlags := bldStoreFlags(t, build.DriverOverlay)
	cf2 := bldWriteFile(t, dir, "Containerfile", "RUN echo hi\n")

	args := append([]string{"build", "--containerfile", cf2, "--base-image", reg.BaseImage, "--tls-verify=false", "--pool", "infra"}, storeFlags...)
	// The rendered template needs RHCOS tools (base64, gunzip, ignition)
	// the tiny base lacks: a template step fails, numbered, and its RUN's
	// own exit status (127, command not found) is passed through as
	// buildah bud does.
	code, _, errOut := runCLI(t, "", args...)
	if code != 127 {
		t.Fatalf("code %d, want 127 (the failing RUN's status)\n%s", code, errOut)
	}
	for _, want := range []string{"base image: " + reg.BaseImage, "digest: sha256:", "build failed at [1/2] STEP", "last output lines"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}

	// Bad flag values (--output, --storage-driver, --pull, --log-level):
	// TestFlagErrorsBeforeAnyWork, word for word, without root or a registry.
	// TLS verification is on by default: the plain-HTTP registry is refused, named.
	code, _, errOut = runCLI(t, "", append([]string{"build", "--containerfile", cf2, "--base-image", reg.BaseImage}, storeFlags...)...)
	if code != exitInput || !strings.Contains(errOut, reg.Host) {
		t.Errorf("tls-verify default: code %d stderr %q", code, errOut)
	}
}

// bldMachineConfig writes a MachineConfig for the worker pool with a file
// and a unit that it enables.
func bldMachineConfig(t *testing.T, dir string) string {
	ign := map[string]any{
		"ignition": map[string]any{"version": "3.5.0"},
		"storage": map[string]any{"files": []any{map[string]any{
			"path": "/etc/ocl-build-test.conf", "mode": 420, "overwrite": true,
			"contents": map[string]any{"source": "data:text/plain;charset=utf-8;base64," + base64.StdEncoding.EncodeToString([]byte("from-machineconfig\n"))},
		}}},
		"systemd": map[string]any{"units": []any{map[string]any{
			"name": "ocl-build-test.service", "enabled": true,
			"contents": "[Unit]\nDescription=ocl-build test\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n",
		}}},
	}
	raw, _ := json.Marshal(ign)
	mc := `apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: 50-ocl-build-test
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  config: ` + string(raw) + "\n"
	return bldWriteFile(t, dir, "mc.yaml", mc)
}

// inspectImage mounts the built image and returns the rpm names, labels and
// a view of the tree.
type bldImage struct {
	root   string
	labels map[string]string
}

func bldOpenImage(t *testing.T, so build.StoreOptions, id string) *bldImage {
	t.Helper()
	store, err := build.OpenStore(so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Shutdown(false) })
	ref, err := istorage.Transport.ParseStoreReference(store, id)
	if err != nil {
		t.Fatal(err)
	}
	img, err := ref.NewImage(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	cfg, err := img.OCIConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mp, err := store.MountImage(id, []string{"ro"}, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.UnmountImage(id, true) })
	return &bldImage{root: mp, labels: cfg.Config.Labels}
}

func (b *bldImage) rpms(t *testing.T) map[string]bool {
	t.Helper()
	out, err := exec.Command("rpm", "-qa", "--qf", "%{NAME}\n", "--dbpath", filepath.Join(b.root, "usr/share/rpm")).CombinedOutput()
	if err != nil {
		t.Fatalf("rpm -qa: %v\n%s", err, out)
	}
	m := map[string]bool{}
	for _, n := range strings.Fields(string(out)) {
		m[n] = true
	}
	return m
}

func bldRepoPath(t *testing.T, name string) string {
	t.Helper()
	root, err := fixture.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, name)
}

// The proof: Containerfile.example against the fixture base from
// the TLS+auth registry with the merged secret (overlay; vfs below).
func TestBuildExampleAgainstFixture(t *testing.T) {
	bldNeedRoot(t)
	if testing.Short() {
		t.Skip("e2e build against the fixture world (make test runs it)")
	}
	w := fixture.Start(t)
	dir := t.TempDir()
	mc := bldMachineConfig(t, dir)
	// An extension too: the configs stage bind-mounts the extensions image
	// (pulled with the same pull secret) as a dnf repo.
	ext := bldWriteFile(t, dir, "ext.yaml", `apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: 80-worker-usbguard
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  config:
    ignition:
      version: 3.5.0
  extensions:
  - usbguard
`)
	// vfs, the cluster's driver, is built the same way by test/reliability
	// TestPodmanSeesWhatBuildMade, chosen there by a storage.conf that
	// podman reads too (a subprocess: containers/storage reads storage.conf
	// once per process); pkg/build TestBuildDrivers covers both drivers.
	for _, driver := range []string{build.DriverOverlay} {
		t.Run(driver, func(t *testing.T) {
			so, storeFlags := bldStoreFlags(t, driver)
			args := append([]string{"build",
				"--containerfile", bldRepoPath(t, "Containerfile.example"),
				"--machineconfigs", mc, "--machineconfigs", ext,
				"--base-image", w.BaseImage, "--extensions-image", w.ExtensionsImage,
				"--authfile", w.MergedSecretFile, "--cert-dir", w.CertDir,
				"--yum-repos-dir", w.YumReposDir,
				"--quiet", "--iidfile", filepath.Join(dir, driver+".iid"),
			}, storeFlags...)
			code, out, errOut := runCLI(t, "", args...)
			if code != 0 {
				t.Fatalf("build: code %d\n%s", code, errOut)
			}
			id := strings.TrimSpace(out)
			if len(id) != 64 {
				t.Fatalf("--quiet printed %q, want the image ID only", out)
			}
			// --iidfile holds the ID as podman build writes it.
			if b, err := os.ReadFile(filepath.Join(dir, driver+".iid")); err != nil || string(b) != "sha256:"+id {
				t.Errorf("--iidfile: %q %v", b, err)
			}
			for _, s := range w.Secrets() {
				if strings.Contains(out+errOut, s) {
					t.Error("a credential appeared in the output")
				}
			}
			img := bldOpenImage(t, so, id)
			rpms := img.rpms(t)
			for _, p := range []string{"autofs", "libsss_autofs", "openldap-clients", "usbguard"} {
				if !rpms[p] {
					t.Errorf("rpmdb lacks %s", p)
				}
			}
			if img.labels["machineconfigpool"] != "worker" || !strings.HasPrefix(img.labels["machineconfig"], "rendered-worker-") || img.labels["baseOSContainerImage"] != w.BaseImage {
				t.Errorf("labels %v", img.labels)
			}
			if b, err := os.ReadFile(filepath.Join(img.root, "etc/ocl-build-test.conf")); err != nil || string(b) != "from-machineconfig\n" {
				t.Errorf("MachineConfig file: %q %v", b, err)
			}
			if _, err := os.Lstat(filepath.Join(img.root, "etc/systemd/system/multi-user.target.wants/ocl-build-test.service")); err != nil {
				t.Errorf("MachineConfig unit not enabled: %v", err)
			}
			ents, err := os.ReadDir(filepath.Join(img.root, "tmp"))
			if err != nil || len(ents) != 0 {
				var names []string
				for _, e := range ents {
					names = append(names, e.Name())
				}
				sort.Strings(names)
				t.Errorf("/tmp not empty after the commit: %v %v", names, err)
			}
		})
	}
}

func TestBuildFailuresAgainstFixture(t *testing.T) {
	bldNeedRoot(t)
	if testing.Short() {
		t.Skip("e2e build against the fixture world (make test runs it)")
	}
	w := fixture.Start(t)
	dir := t.TempDir()
	_, storeFlags := bldStoreFlags(t, build.DriverOverlay)
	common := func(cf string, extra ...string) []string {
		a := []string{"build", "--containerfile", cf, "--base-image", w.BaseImage, "--extensions-image", w.ExtensionsImage,
			"--cert-dir", w.CertDir, "--yum-repos-dir", w.YumReposDir}
		if len(extra) == 0 {
			a = append(a, "--authfile", w.MergedSecretFile)
		}
		return append(append(a, extra...), storeFlags...)
	}

	t.Run("dnf-no-such-package", func(t *testing.T) {
		cf := bldWriteFile(t, dir, "nopkg", "FROM configs AS final\nRUN dnf install -y no-such-package && ostree container commit\n")
		code, _, errOut := runCLI(t, "", common(cf)...)
		if code != exitFindings {
			t.Fatalf("code %d, want 1\n%s", code, errOut)
		}
		for _, want := range []string{"RUN dnf install -y no-such-package", "No match for argument: no-such-package", "last output lines"} {
			if !strings.Contains(errOut[strings.LastIndex(errOut, "build failed at"):], want) {
				t.Errorf("failure report lacks %q:\n%s", want, errOut)
			}
		}
	})
	t.Run("copy-local", func(t *testing.T) {
		bldWriteFile(t, dir, "local", "x")
		cf := bldWriteFile(t, dir, "copy", "FROM configs AS final\nCOPY ./local /x\n")
		code, _, errOut := runCLI(t, "", common(cf)...)
		if code != exitFindings || !strings.Contains(errOut, "COPY ./local /x") {
			t.Fatalf("code %d, want 1 naming the COPY\n%s", code, errOut)
		}
	})
	t.Run("wrong-password", func(t *testing.T) {
		bad := base64.StdEncoding.EncodeToString([]byte(w.PullUser + ":not-the-password"))
		auth := bldWriteFile(t, dir, "bad-auth.json", `{"auths":{"`+w.ReleaseRegistry+`":{"auth":"`+bad+`"}}}`)
		cf := bldWriteFile(t, dir, "ok", "FROM configs AS final\nRUN true\n")
		code, _, errOut := runCLI(t, "", common(cf, "--authfile", auth)...)
		if code != exitInput || !strings.Contains(errOut, w.ReleaseRegistry) {
			t.Fatalf("code %d, want 2 naming %s\n%s", code, w.ReleaseRegistry, errOut)
		}
		if strings.Contains(errOut, "not-the-password") || strings.Contains(errOut, bad) {
			t.Error("the password was printed")
		}
	})
}

// A MachineOSConfig without containerfileArch builds its content: the CRD
// defaults the field to NoArch (as the API server does on create), so the
// loader must too; without the default the content was dropped and the
// bare configs stage was built. Proof through the fixture: the rpm diff of
// the built image against the base lists the installed packages.
func TestBuildMOSCWithoutArchAgainstFixture(t *testing.T) {
	bldNeedRoot(t)
	if testing.Short() {
		t.Skip("e2e build against the fixture world (make test runs it)")
	}
	w := fixture.Start(t)
	dir := t.TempDir()
	mosc := bldWriteFile(t, dir, "mosc.yaml", `apiVersion: machineconfiguration.openshift.io/v1
kind: MachineOSConfig
metadata:
  name: worker
spec:
  machineConfigPool:
    name: worker
  imageBuilder:
    imageBuilderType: Job
  renderedImagePushSecret:
    name: push-secret
  renderedImagePushSpec: image-registry.openshift-image-registry.svc:5000/openshift-machine-config-operator/os-image:latest
  containerFile:
  - content: |
      FROM configs AS final
      RUN dnf install -y autofs && dnf clean all && ostree container commit
`)
	so, storeFlags := bldStoreFlags(t, build.DriverOverlay)
	args := append([]string{"build", "--mosc", mosc,
		"--base-image", w.BaseImage, "--authfile", w.MergedSecretFile, "--cert-dir", w.CertDir,
		"--yum-repos-dir", w.YumReposDir, "--quiet"}, storeFlags...)
	code, out, errOut := runCLI(t, "", args...)
	if code != 0 {
		t.Fatalf("build: code %d\n%s", code, errOut)
	}
	id := strings.TrimSpace(out)
	built := "containers-storage:[" + so.Driver + "@" + so.Root + "+" + so.RunRoot + "]" + id
	code, diff, errOut := runCLI(t, "", "rpmdiff", "--no-cache", "--authfile", w.MergedSecretFile, "--cert-dir", w.CertDir,
		"-o", "json", "docker://"+w.BaseImage, built)
	if code != 0 {
		t.Fatalf("rpmdiff: code %d\n%s", code, errOut)
	}
	var res struct {
		Added []struct {
			Name string `json:"name"`
		} `json:"added"`
	}
	if err := json.Unmarshal([]byte(diff), &res); err != nil {
		t.Fatalf("%v\n%s", err, diff)
	}
	added := map[string]bool{}
	for _, p := range res.Added {
		added[p.Name] = true
	}
	if !added["autofs"] {
		t.Fatalf("the rpm diff lacks autofs: the MachineOSConfig's content was not built\n%s", diff)
	}
}
