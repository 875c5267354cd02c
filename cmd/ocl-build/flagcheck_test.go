package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Flag and argument errors are usage errors (exit 2) with one exact line on
// stderr and nothing on stdout, before any work: no root, no registry, no
// store. 127.0.0.1:1 refuses connections, so a check that ran only after
// the network would show up here as a different message (and seconds of
// retries: the whole table is bounded below).
func TestFlagErrorsBeforeAnyWork(t *testing.T) {
	dir := t.TempDir()
	cf := filepath.Join(dir, "Containerfile")
	if err := os.WriteFile(cf, []byte("FROM configs AS final\nRUN true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.json")
	const base = "127.0.0.1:1/ocl/rhcos:x"
	build := func(extra ...string) []string {
		return append([]string{"build", "--containerfile", cf, "--base-image", base}, extra...)
	}
	preflight := func(extra ...string) []string {
		return append([]string{"preflight", "--containerfile", cf, "--base-image", base}, extra...)
	}
	// One --openshift-version on every command: its value is checked as
	// the flag is parsed.
	const badVersion = `invalid argument "3.x" for "--openshift-version" flag: "3.x" is not an OpenShift version (want X.Y or X.Y.Z, e.g. 4.20 or 4.20.3)`
	const stall = "--stall-timeout -1s: want a positive duration, or 0 for none"
	for _, tc := range []struct {
		name string
		args []string
		want string // the whole stderr line after "ocl-build: "
	}{
		// The global flags and the command line itself.
		{"unknown command", []string{"bogus"}, `unknown command "bogus" for "ocl-build"`},
		{"unknown flag", []string{"build", "--no-such-flag"}, "unknown flag: --no-such-flag"},
		{"bad --log-level", build("--log-level", "loud"), `--log-level "loud": want debug, info, warn or error`},

		// build: the inputs, then its own flags.
		{"--containerfile and --mosc", []string{"build", "--containerfile", cf, "--mosc", cf, "--base-image", base}, "give --containerfile or --mosc, not both"},
		{"no user content", []string{"build", "--base-image", base}, "give the user content with --containerfile FILE or --mosc FILE"},
		{"two base image sources", []string{"build", "--containerfile", cf, "--base-image", base, "--release", base}, "choose the base image with one of --base-image, --release or --osimageurl"},
		{"--extensions-image without --base-image", []string{"build", "--containerfile", cf, "--release", base, "--extensions-image", base}, "--extensions-image goes with --base-image"},
		{"stdin twice", []string{"build", "--containerfile", "-", "--machineconfigs", "-", "--base-image", base}, "standard input (-) can feed only one input flag"},
		{"--creds and --authfile", build("--creds", "u:p", "--authfile", missing), "--creds and --authfile: give one"},
		{"archive as -o", build("--output", "docker-archive:x.tar"), `-o/--output "docker-archive:x.tar": -o is the output format now (text, json, yaml); an archive is written with --oci-archive FILE`},
		{"bad build -o", build("-o", "xml"), `-o/--output "xml": want text, json, yaml`},
		{"bad --pull", build("--pull", "sometimes"), `pull policy "sometimes": want missing, always, never or newer`},
		{"bad --storage-driver", build("--storage-driver", "btrfs"), `storage driver "btrfs" (from --storage-driver): ocl-build builds with "overlay" or "vfs"`},
		{"bad --storage-opt", build("--storage-opt", "foo"), `storage option "foo": want NAME=VALUE (e.g. overlay.mount_program=PATH)`},
		{"bad --retry", build("--retry", "-1"), "--retry -1: want 0 or more"},
		{"bad build --openshift-version", build("--openshift-version", "3.x"), badVersion},

		// preflight adds the push group and its formats.
		{"bad preflight -o", preflight("-o", "xml"), `-o/--output "xml": want text, json, yaml, markdown`},
		{"--push-creds and --push-authfile", preflight("--push-creds", "u:p", "--push-authfile", missing), "--push-creds and --push-authfile: give one"},
		{"--fallback without --push", preflight("--fallback"), "--fallback needs --push: the fallback MachineConfig names the pushed image by digest"},
		{"bad preflight --openshift-version", preflight("--openshift-version", "3.x"), badVersion},

		// The registry commands check --log-level, --stall-timeout and
		// --retry before any registry (was TestRegistryFlagsValidated).
		{"rpmdiff --log-level", []string{"--log-level", "chatty", "rpmdiff", "a", "b"}, `--log-level "chatty": want debug, info, warn or error`},
		{"inspect --log-level", []string{"--log-level", "chatty", "inspect", "a"}, `--log-level "chatty": want debug, info, warn or error`},
		{"rpmdiff --stall-timeout", []string{"rpmdiff", "--stall-timeout", "-1s", "a", "b"}, stall},
		{"inspect --stall-timeout", []string{"inspect", "--stall-timeout", "-1s", "a"}, stall},
		{"push --stall-timeout", []string{"push", "--stall-timeout", "-1s", "oci:" + dir, base}, stall},
		{"push --retry", []string{"push", "--retry", "-1", "oci:" + dir, base}, "--retry -1: want 0 or more"},
		{"build --stall-timeout", build("--stall-timeout", "-1s"), stall},
		{"build --retry-delay", build("--retry-delay", "0s"), "--retry-delay 0s: want a positive duration"},
		{"preflight --stall-timeout", preflight("--stall-timeout", "-1s"), stall},
		{"preflight --retry", preflight("--retry", "-1"), "--retry -1: want 0 or more"},

		// push: arguments and credentials.
		{"push without a destination", []string{"push", "oci:" + dir}, "accepts 2 arg(s), received 1"},
		{"push to a non-registry", []string{"push", "oci:" + dir, "oci:" + dir + "/out"}, `destination "oci:` + dir + `/out": push goes to a registry (docker://host/repo:tag), not to the oci: transport`},
		{"push --retry-delay 0", []string{"push", "oci:" + dir, base, "--retry-delay", "0s"}, "--retry-delay 0s: want a positive duration"},
		{"push with a missing authfile", []string{"push", "oci:" + dir, base, "--authfile", missing}, "authfile: stat " + missing + ": no such file or directory"},

		// lint, render, and the commands that check files.
		{"lint without a file", []string{"lint"}, "lint needs a FILE, or - for standard input (see ocl-build lint --help)"},
		{"bad lint -o", []string{"lint", "-o", "xml", cf}, `-o/--output "xml": want text, json, yaml, sarif`},
		{"bad lint --target", []string{"lint", "--target", "nowhere", cf}, `--target: unknown target "nowhere" (want on-cluster, out-of-cluster, bootc or auto)`},
		{"unknown lint --enable", []string{"lint", "--enable", "OCL999", cf}, "--enable OCL999: no such rule (see ocl-build lint --list)"},
		{"bad lint --fail-level", []string{"lint", "--fail-level", "bogus", cf}, `--fail-level: unknown severity "bogus" (want error, warning, info or none)`},
		{"bad lint --openshift-version", []string{"lint", "--openshift-version", "3.x", cf}, badVersion},
		{"bad render --show", []string{"render", "--containerfile", cf, "--base-image", base, "--show", "everything"}, `--show "everything": want containerfile or machineconfig`},
		{"render from a release", []string{"render", "--containerfile", cf, "--release", base}, "render does not pull the release payload; give --base-image (and --extensions-image) or --osimageurl, or let `ocl-build build --release` resolve it"},
		{"render without a base", []string{"render", "--containerfile", cf}, "no base image: give --base-image REF or --osimageurl FILE (the machine-config-osimageurl ConfigMap)"},
		{"bad diff-config -o", []string{"diff-config", "-o", "xml", cf, cf}, `-o/--output "xml": want text, json, yaml`},
		{"bad diff-config --openshift-version", []string{"diff-config", "--openshift-version", "3.x", cf, cf}, badVersion},
		{"bad rpmdiff -o", []string{"rpmdiff", "-o", "xml", dir, dir}, `-o/--output "xml": want text, json, markdown, yaml`},

		// manifests and secrets: the credential rules.
		{"manifests without its required flags", []string{"manifests", "--containerfile", cf}, "missing required flags: --pool, --push-spec, --push-secret"},
		{"--base-pull-secret-file without a name", []string{"manifests", "--pool", "p", "--push-spec", base, "--push-secret", "s", "--containerfile", cf, "--base-pull-secret-file", missing}, "--base-pull-secret-file needs --base-pull-secret NAME"},
		{"secret merge to stdout", []string{"secret", "merge", missing}, "--output-file OUT is required: merged credentials are written to a file (mode 0600), never to stdout"},
		{"secret merge -o yaml without --secret", []string{"secret", "merge", missing, "-o", "yaml", "--output-file", missing}, "-o yaml needs --secret NAME: the bare docker config is JSON"},
		{"secret merge --namespace without --secret", []string{"secret", "merge", missing, "--namespace", "x", "--output-file", missing}, "--namespace needs --secret NAME"},
		{"negative --min-validity", []string{"secret", "check", "--min-validity", "-1h", missing}, "--min-validity must not be negative"},

		// The cluster commands.
		{"apply --dry-run=client", []string{"apply", "--dry-run=client", cf}, `--dry-run "client": want server or none (a client-side dry run cannot check the CRDs: use ocl-build validate)`},
		{"status without --pool", []string{"status"}, "give the pool with --pool NAME"},
		{"snapshot without --dir", []string{"snapshot"}, "give the output directory with --dir DIR"},
		{"bad status --openshift-version", []string{"status", "--pool", "worker", "--openshift-version", "3.x"}, badVersion},
		{"bad check --openshift-version", []string{"check", "oci:" + dir, "--openshift-version", "3.x"}, badVersion},
		{"bad validate --openshift-version", []string{"validate", cf, "--openshift-version", "3.x"}, badVersion},
		{"bad secret check --openshift-version", []string{"secret", "check", missing, "--openshift-version", "3.x"}, badVersion},
		{"bad render --openshift-version", []string{"render", "--containerfile", cf, "--base-image", base, "--openshift-version", "3.x"}, badVersion},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			code, out, errOut := runCLI(t, "", tc.args...)
			if code != exitInput || out != "" || errOut != "ocl-build: "+tc.want+"\n" {
				t.Errorf("ocl-build %s\nexit %d, stdout %q\nstderr %q\nwant exit %d, no stdout, stderr %q", strings.Join(tc.args, " "), code, out, errOut, exitInput, "ocl-build: "+tc.want+"\n")
			}
			// Refused before any registry: 127.0.0.1:1 would cost 7 s of retries.
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %s: the check ran after some work", d)
			}
		})
	}
}
