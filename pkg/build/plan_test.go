package build

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containers/buildah/define"
	"github.com/containers/image/v5/types"
)

// newPlan refuses what cannot be built before anything is set up, naming it.
func TestNewPlan(t *testing.T) {
	dir := t.TempDir()
	cf := filepath.Join(dir, "Containerfile")
	if err := os.WriteFile(cf, []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	store := StoreOptions{Root: "root", RunRoot: "run", Driver: DriverVFS}
	for _, c := range []struct {
		name string
		o    Options
		want string
	}{
		{"no context", Options{}, "no context directory"},
		{"missing context", Options{ContextDir: filepath.Join(dir, "nope")}, "build context:"},
		{"context is a file", Options{ContextDir: cf}, "is not a directory"},
		{"missing Containerfile", Options{ContextDir: dir, Containerfile: filepath.Join(dir, "Other")}, "containerfile:"},
		{"bad pull policy", Options{ContextDir: dir, Pull: "sometimes"}, `pull policy "sometimes"`},
		{"bad driver", Options{ContextDir: dir, Store: StoreOptions{Driver: "btrfs"}}, `storage driver "btrfs"`},
	} {
		if _, err := newPlan(c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}

	p, err := newPlan(Options{ContextDir: dir, Store: store, Pull: PullNewer, HTTPProxy: "http://proxy:3128",
		BuildArgs: map[string]string{"X": "1", "NO_PROXY": "override"}})
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if p.ctxDir != dir || p.containerfile != cf || p.pull != define.PullIfNewer || p.store.Root != filepath.Join(wd, "root") || p.store.Driver != DriverVFS {
		t.Errorf("plan %+v", p)
	}
	// The cluster always passes the three proxy args, empty when unset;
	// --build-arg values come on top.
	if len(p.args) != 4 || p.args["HTTP_PROXY"] != "http://proxy:3128" || p.args["HTTPS_PROXY"] != "" || p.args["NO_PROXY"] != "override" || p.args["X"] != "1" {
		t.Errorf("args %v", p.args)
	}
	if _, ok := p.args["HTTPS_PROXY"]; !ok {
		t.Error("HTTPS_PROXY not passed when empty")
	}
}

// The buildah options are the cluster's `buildah bud`: chroot isolation,
// the host network, the operator's mounts in every RUN, OCI manifests,
// intermediate containers removed, layers cached unless --no-cache.
func TestBuildahOptions(t *testing.T) {
	p := &plan{ctxDir: "/ctx", containerfile: "/ctx/Containerfile", pull: define.PullIfMissing, args: map[string]string{"HTTP_PROXY": ""}}
	su := setup{sys: &types.SystemContext{}, policy: "/tmp/policy.json", mounts: []string{"/tmp/x:/etc/yum.repos.d:z,rw"},
		ulimits: []string{"nofile=1024:1024"}, suffix: "ocl-build-abc"}
	// The cluster's layout: no --layers, one commit per stage.
	if bo := buildahOptions(p, Options{Tag: "t", ClusterLayout: true}, su); bo.Layers || !bo.NoCache {
		t.Errorf("ClusterLayout: layers %v nocache %v", bo.Layers, bo.NoCache)
	}
	for _, noCache := range []bool{false, true} {
		bo := buildahOptions(p, Options{Tag: "localhost/ocl-build/worker:latest", NoCache: noCache}, su)
		if bo.Isolation != define.IsolationChroot || bo.ContextDirectory != "/ctx" || bo.Output != "localhost/ocl-build/worker:latest" ||
			bo.OutputFormat != define.OCIv1ImageManifest || bo.SignaturePolicyPath != su.policy || bo.SystemContext != su.sys || bo.ContainerSuffix != su.suffix {
			t.Errorf("options %+v", bo)
		}
		if len(bo.NamespaceOptions) != 1 || bo.NamespaceOptions[0].Name != "network" || !bo.NamespaceOptions[0].Host || bo.ConfigureNetwork != define.NetworkDisabled {
			t.Errorf("network %+v %v", bo.NamespaceOptions, bo.ConfigureNetwork)
		}
		if len(bo.TransientMounts) != 1 || bo.CommonBuildOpts.Volumes[0] != su.mounts[0] || bo.CommonBuildOpts.Ulimit[0] != su.ulimits[0] {
			t.Errorf("mounts %v, volumes %v, ulimits %v", bo.TransientMounts, bo.CommonBuildOpts.Volumes, bo.CommonBuildOpts.Ulimit)
		}
		if bo.Layers == noCache || bo.NoCache != noCache || !bo.RemoveIntermediateCtrs || !bo.ForceRmIntermediateCtrs {
			t.Errorf("noCache %v: layers %v nocache %v rm %v/%v", noCache, bo.Layers, bo.NoCache, bo.RemoveIntermediateCtrs, bo.ForceRmIntermediateCtrs)
		}
		if !bo.IDMappingOptions.HostUIDMapping || !bo.IDMappingOptions.HostGIDMapping {
			t.Errorf("id mappings %+v", bo.IDMappingOptions)
		}
	}
}

func TestIsFrom(t *testing.T) {
	for in, want := range map[string]bool{"FROM quay.io/x AS base": true, "from x": true, "  FROM x": true, "RUN echo FROM x": false, "FROMAGE": false, "": false} {
		if isFrom(in) != want {
			t.Errorf("isFrom(%q) = %v", in, !want)
		}
	}
}

// Check refuses the values Build would refuse, without a store or network.
func TestOptionsCheck(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{}, ""},
		{Options{Pull: PullNever, Store: StoreOptions{Driver: DriverVFS}}, ""},
		{Options{Pull: "sometimes"}, `pull policy "sometimes": want missing, always, never or newer`},
		{Options{Store: StoreOptions{Driver: "btrfs"}}, `storage driver "btrfs" (from --storage-driver): ocl-build builds with "overlay" or "vfs"`},
		{Options{Store: StoreOptions{Driver: DriverOverlay, Options: []string{"mountopt"}}}, `storage option "mountopt": want NAME=VALUE (e.g. overlay.mount_program=PATH)`},
	} {
		err := c.o.Check()
		if got := fmt.Sprint(err); (c.want == "" && err != nil) || (c.want != "" && got != c.want) {
			t.Errorf("Check(%+v) = %v, want %q", c.o, err, c.want)
		}
	}
}
