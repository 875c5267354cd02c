package reliability

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Credentials the world does not know about, planted where a user's would
// be: the proxy variables (environment and flags) and a kubeconfig token.
const (
	proxySecret = "pr0xyPassw0rdNeverPrinted"
	kubeToken   = "kubeT0kenNeverPrinted-0123456789"
)

// Every command the binary lists, at every --log-level (and none), with
// registry credentials from auth files and the planted ones above: no
// credential reaches stdout or stderr. Each row drives the command through
// the code that handles the credentials: a registry read or push that
// succeeds, or the error path of one that fails after authenticating.
func TestNoCredentialInAnyCommandAtAnyLogLevel(t *testing.T) {
	needWorld(t)
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	proxyURL := "http://proxyuser:" + proxySecret + "@127.0.0.1:9"
	// The Containerfile holds no credential: manifests and render print it
	// verbatim, as they must.
	cf := write("Containerfile", "FROM configs AS final\nRUN rpm -q bash\n", 0o644)
	push, err := os.ReadFile(world.PushSecretFile)
	if err != nil {
		t.Fatal(err)
	}
	secretYAML := write("push-secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: push-secret\n  namespace: openshift-machine-config-operator\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: "+base64.StdEncoding.EncodeToString(push)+"\n", 0o600)
	mc := write("mc.yaml", "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: 99-worker-x\n  labels:\n    machineconfiguration.openshift.io/role: worker\nspec:\n  config:\n    ignition:\n      version: 3.5.0\n", 0o644)
	mc2 := write("mc2.yaml", strings.Replace(readFile(t, mc), "version: 3.5.0", "version: 3.5.0\n  kernelArguments:\n  - nosmt", 1), 0o644)
	kubeconfig := write("kubeconfig", `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:9
contexts:
- name: c
  context:
    cluster: c
    user: u
current-context: c
users:
- name: u
  user:
    token: `+kubeToken+"\n", 0o600)
	manifestsDir := filepath.Join(dir, "manifests")
	if err := os.MkdirAll(manifestsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, _ := sourceImage(t)
	missing := strings.Replace(world.BaseImage, ":rhcos-fixture", ":no-such-tag", 1)
	reg := []string{"--authfile", world.MergedSecretFile, "--cert-dir", world.CertDir}
	proxyFlags := []string{"--http-proxy", proxyURL, "--https-proxy", proxyURL}
	st := newStore(t)

	rows := map[string][][]string{
		"lint":        {{"lint", cf}},
		"validate":    {{"validate", secretYAML}},
		"check":       {append([]string{"check", "docker://" + world.BaseImage}, reg...)},
		"render":      {append([]string{"render", "--containerfile", cf, "--base-image", world.BaseImage, "--machineconfigs", mc}, reg...)},
		"build":       {append(append(append([]string{"build", "--containerfile", cf, "--base-image", missing, "--machineconfigs", mc}, reg...), proxyFlags...), st.flags()...)},
		"preflight":   {append(append(append([]string{"preflight", "--containerfile", cf, "--base-image", missing, "--machineconfigs", mc, "--manifests-dir", filepath.Join(dir, "pf")}, reg...), proxyFlags...), st.flags()...)},
		"push":        {append([]string{"push", src, world.PushRegistry + "/ocl-reliability/redact:v1"}, reg...)},
		"inspect":     {append([]string{"inspect", "docker://" + world.BaseImage}, reg...)},
		"rpmdiff":     {append([]string{"rpmdiff", "docker://" + world.BaseImage, "docker://" + world.BaseImage}, reg...)},
		"manifests":   {{"manifests", "--containerfile", cf, "--pool", "worker", "--push-spec", world.PushImage, "--push-secret", "push-secret", "--base-pull-secret", "pull-secret", "-o", "yaml"}},
		"secret":      {{"secret", "merge", world.PullSecretFile, secretYAML, "-o", "json"}, {"secret", "check", world.MergedSecretFile, "--registry", world.ReleaseRegistry, "-o", "json"}},
		"diff-config": {{"diff-config", mc, mc2}},
		"snapshot":    {{"snapshot", "--kubeconfig", kubeconfig, "--pool", "worker", "--dir", filepath.Join(dir, "snap")}},
		"apply":       {{"apply", "--kubeconfig", kubeconfig, "--dry-run=server", manifestsDir}},
		"status":      {{"status", "--kubeconfig", kubeconfig, "--pool", "worker"}},
		"prune":       append([][]string{}, append([]string{"prune"}, st.flags()...)),
		"version":     {{"version", "-o", "json"}},
		"completion":  {{"completion", "bash"}},
		"help":        {{"help", "build"}},
	}
	// The table covers every command the binary has: a new command needs
	// its row.
	for _, name := range listCommands(t) {
		if _, ok := rows[name]; !ok {
			t.Errorf("command %q has no row in this test", name)
		}
	}

	env := []string{"HTTP_PROXY=" + proxyURL, "HTTPS_PROXY=" + proxyURL, "http_proxy=" + proxyURL, "https_proxy=" + proxyURL,
		"NO_PROXY=127.0.0.1,localhost", "OCL_BUILD_NO_CACHE_WARN=1"}
	homes := t.TempDir()
	var names []string
	for n := range rows {
		names = append(names, n)
	}
	sort.Strings(names)
	// The levels run side by side (as many as -parallel allows): the
	// commands mostly wait on the registries. Each level has its own HOME,
	// so each starts with the same empty caches.
	var debugLines int64
	t.Run("levels", func(t *testing.T) {
		for _, level := range []string{"", "debug", "info", "warn", "error"} {
			t.Run("level="+level, func(t *testing.T) {
				t.Parallel()
				home := filepath.Join(homes, "level-"+level)
				for _, name := range names {
					for _, args := range rows[name] {
						a := append([]string{}, args...)
						if level != "" {
							a = append([]string{"--log-level", level}, a...)
						}
						r := run(t, runOpts{home: home, env: env, timeout: 3 * time.Minute}, a...)
						if r.timedOut {
							t.Errorf("%v timed out", a)
						}
						for _, s := range []string{proxySecret, kubeToken} {
							if strings.Contains(r.stdout+r.stderr, s) {
								t.Errorf("%s: a planted credential appears in the output:\n%s", name, tail(redactFor(r.String(), s), 2000))
							}
						}
						if level == "debug" {
							atomic.AddInt64(&debugLines, int64(strings.Count(r.stderr, "level=debug")))
						}
					}
				}
			})
		}
	})
	// The scan proves something only if the libraries did talk.
	if debugLines < 50 {
		t.Errorf("only %d debug lines over every command at --log-level debug", debugLines)
	}
	t.Logf("%d commands × 5 log levels, %d library debug lines scanned", len(names), debugLines)
	noSecretsInTree(t, homes, nil)
}

// listCommands reads the command names from the binary's own help.
func listCommands(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command(bin, "--help").Output()
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	i := strings.Index(s, "Available Commands:")
	j := strings.Index(s, "\nFlags:")
	if i < 0 || j < i {
		t.Fatalf("no command list in --help:\n%s", s)
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^  (\S+)\s`).FindAllStringSubmatch(s[i:j], -1) {
		names = append(names, m[1])
	}
	if len(names) < 15 {
		t.Fatalf("only %d commands parsed from --help", len(names))
	}
	return names
}

// redactFor masks s in text, so a failing test does not print the secret
// it found.
func redactFor(text, s string) string { return strings.ReplaceAll(text, s, "<FOUND>") }

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
