package reliability

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// A storage.conf that says vfs (given as $CONTAINERS_STORAGE_CONF, no
// --root or --storage-driver flags): ocl-build builds into that store with
// that driver, and Debian's real podman, reading the same file, lists the
// image under its name and ID.
func TestPodmanSeesWhatBuildMade(t *testing.T) {
	needWorld(t)
	podman, err := exec.LookPath("podman")
	if err != nil {
		t.Fatalf("podman is in hack/apt/build.txt: %v", err)
	}
	dir := t.TempDir()
	graph, runroot := filepath.Join(dir, "graph"), filepath.Join(dir, "run")
	conf := filepath.Join(dir, "storage.conf")
	if err := os.WriteFile(conf, []byte("[storage]\ndriver = \"vfs\"\ngraphroot = \""+graph+"\"\nrunroot = \""+runroot+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cf := filepath.Join(dir, "Containerfile")
	if err := os.WriteFile(cf, []byte("RUN echo layered > /etc/ocl-podman\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"CONTAINERS_STORAGE_CONF=" + conf, "OCL_BUILD_NO_CACHE_WARN=1"}
	tag := "localhost/ocl-reliability/podman:v1"
	// --cluster-layout: one commit per stage, as the cluster's vfs build pod
	// does (vfs copies the whole tree at every commit).
	r := run(t, runOpts{env: env, timeout: 8 * time.Minute}, "build", "--cluster-layout", "--containerfile", cf, "--base-image", world.BaseImage,
		"--authfile", world.PullSecretFile, "--cert-dir", world.CertDir, "--yum-repos-dir", world.YumReposDir, "--pool", "worker", "--tag", tag, "--quiet")
	if r.code != 0 {
		t.Fatalf("build: %s", r)
	}
	id := strings.TrimSpace(r.stdout)
	if len(id) != 64 {
		t.Fatalf("--quiet printed %q, want the image ID", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(graph, "vfs-images")); err != nil {
		t.Errorf("storage.conf's vfs driver not used: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(graph, "overlay*")); len(m) > 0 {
		t.Errorf("overlay directories beside storage.conf's vfs ones: %v", m)
	}

	pm := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(podman, args...)
		cmd.Env = append(os.Environ(), "CONTAINERS_STORAGE_CONF="+conf)
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("podman %v: %v\n%s", args, err, stderr)
		}
		return strings.TrimSpace(string(out))
	}
	out := pm("images", "--format", "json")
	var images []struct {
		ID    string   `json:"Id"`
		Names []string `json:"Names"`
	}
	if err := json.Unmarshal([]byte(out), &images); err != nil {
		t.Fatalf("podman images output: %v\n%s", err, out)
	}
	found := false
	for _, im := range images {
		if im.ID == id {
			found = true
			if !slices.Contains(im.Names, tag) {
				t.Errorf("podman lists %s as %v, want the name %s", id[:12], im.Names, tag)
			}
		}
	}
	if !found {
		t.Errorf("podman images does not list %s:\n%s", id[:12], out)
	}
	if got := pm("image", "inspect", "--format", "{{.Labels.machineconfigpool}}", tag); got != "worker" {
		t.Errorf("podman image inspect: label machineconfigpool %q, want worker", got)
	}
	// podman mounts it and finds the file our RUN wrote, and the
	// MachineConfig the configs stage laid down.
	mnt := pm("image", "mount", tag)
	defer pm("image", "unmount", tag)
	if b, err := os.ReadFile(filepath.Join(mnt, "etc/ocl-podman")); err != nil || string(b) != "layered\n" {
		t.Errorf("/etc/ocl-podman through podman's mount: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(mnt, "etc/machine-config-daemon/currentconfig")); err != nil {
		t.Errorf("the configs stage's currentconfig is missing: %v", err)
	}
}
