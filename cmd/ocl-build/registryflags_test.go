package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containers/image/v5/types"
	"github.com/spf13/pflag"
)

// One flag group, registered twice with a prefix: preflight's push group
// has its own names and help (no patching), and falls back to the pull
// group's values flag by flag, the credentials as a pair.
func TestRegistryFlagGroups(t *testing.T) {
	parse := func(args ...string) (pull, push *registryFlags) {
		fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
		pull, push = &registryFlags{}, &registryFlags{}
		pull.register(fs, "", registryFlagsHelp{authFile: "pull", target: "the registries pulled from", policy: true})
		push.fallback = pull
		push.register(fs, "push-", registryFlagsHelp{authFile: "push", target: "the push registry", policy: true})
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return pull, push
	}
	for _, name := range []string{"push-authfile", "push-creds", "push-cert-dir", "push-tls-verify", "push-registries-conf", "push-signature-policy"} {
		fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
		var g registryFlags
		g.fallback = &registryFlags{}
		g.register(fs, "push-", registryFlagsHelp{target: "the push registry", policy: true})
		f := fs.Lookup(name)
		if f == nil {
			t.Fatalf("no --%s", name)
		}
		if name != "push-authfile" && (!strings.Contains(f.Usage, "the push registry") && !strings.Contains(f.Usage, "(default: --")) {
			t.Errorf("--%s help %q names neither its registry nor its default", name, f.Usage)
		}
	}

	// Nothing given: undefined TLS (registries.conf decides) on both.
	pull, push := parse()
	if pull.options(nil).TLSVerify != types.OptionalBoolUndefined || push.options(nil).TLSVerify != types.OptionalBoolUndefined {
		t.Error("--tls-verify unset must leave TLS to registries.conf")
	}
	// Pull values are the push defaults.
	pull, push = parse("--authfile", "pull.json", "--cert-dir", "certs", "--tls-verify=false", "--registries-conf", "r.conf")
	if pl := pull.options(nil); pl.AuthFile != "pull.json" || pl.CertDir != "certs" || pl.TLSVerify != types.OptionalBoolFalse || pl.RegistriesConf != "r.conf" {
		t.Errorf("pull group's own values: %+v", pl)
	}
	po := push.options(nil)
	if po.AuthFile != "pull.json" || po.CertDir != "certs" || po.TLSVerify != types.OptionalBoolFalse || po.RegistriesConf != "r.conf" {
		t.Errorf("push group does not fall back: %+v", po)
	}
	// Push's own values win; --push-authfile is not overridden by --creds.
	_, push = parse("--creds", "u:p", "--push-authfile", "push.json", "--tls-verify=false", "--push-tls-verify=true", "--push-cert-dir", "pcerts")
	po = push.options(nil)
	if po.AuthFile != "push.json" || po.Creds != "" || po.TLSVerify != types.OptionalBoolTrue || po.CertDir != "pcerts" {
		t.Errorf("push group's own values: %+v", po)
	}
	// --creds falls back when the push group names no credentials.
	_, push = parse("--creds", "u:p")
	if po := push.options(nil); po.Creds != "u:p" || po.AuthFile != "" {
		t.Errorf("--creds fallback: %+v", po)
	}
	pull, _ = parse("--creds", "u:p", "--authfile", "a.json")
	if err := pull.check(); err == nil || !strings.Contains(err.Error(), "--creds") {
		t.Errorf("--creds with --authfile: %v", err)
	}
}

// inspect NAME: a bare name is an image of the default containers
// storage, as for push; transports and local paths are left alone.
func TestInspectRef(t *testing.T) {
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs")
	if err := os.Mkdir(rootfs, 0o755); err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"localhost/ocl-build/worker:latest": "containers-storage:localhost/ocl-build/worker:latest",
		"worker":                            "containers-storage:worker",
		"docker://quay.io/x/y:z":            "docker://quay.io/x/y:z",
		"oci-archive:/tmp/x.tar":            "oci-archive:/tmp/x.tar",
		"containers-storage:x":              "containers-storage:x",
		rootfs:                              rootfs,
	} {
		if got := inspectRef(in); got != want {
			t.Errorf("inspectRef(%q) = %q, want %q", in, got, want)
		}
	}
}
