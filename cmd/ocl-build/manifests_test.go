package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const manifestsDir = "../../testdata/manifests/"

// seedContainerfile is the Containerfile embedded in the seed's MachineOSConfig.
const seedContainerfile = `FROM configs AS final
RUN dnf install -y \
  autofs \
  libsss_autofs \
  openldap-clients \
  && dnf clean all \
  && ostree container commit
`

const seedPushSpec = "image-registry.openshift-image-registry.svc:5000/openshift-machine-config-operator/os-image:latest"

func writeTemp(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// docsByKind splits a YAML stream into generic objects keyed by kind/name.
func docsByKind(t *testing.T, data []byte) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, part := range strings.Split("\n"+string(data), "\n---\n") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		var m map[string]any
		if err := yaml.Unmarshal([]byte(part), &m); err != nil {
			t.Fatal(err)
		}
		md := m["metadata"].(map[string]any)
		out[m["kind"].(string)+"/"+md["name"].(string)] = m
	}
	return out
}

// TestManifestsWritesTheSeedObjects: with the seed's inputs, manifests
// writes the seed's MachineOSConfig and MachineConfigPool (plus the two
// Secrets), and validate finds nothing but the seed's :latest tag.
func TestManifestsWritesTheSeedObjects(t *testing.T) {
	dir := t.TempDir()
	cf := writeTemp(t, dir, "Containerfile", seedContainerfile)
	merged := filepath.Join(dir, "pull-and-push.json")
	if code, _, stderr := runCLI(t, "", "secret", "merge", pullsecretsDir+"pull-secret.json", pullsecretsDir+"push-secret.json", "--output-file", merged); code != 0 {
		t.Fatal(stderr)
	}
	out := filepath.Join(dir, "layering.yaml")
	code, stdout, stderr := runCLI(t, "", "--log-level", "debug", "manifests", "--containerfile", cf, "--pool", "worker-automount", "--with-pool",
		"--push-spec", seedPushSpec, "--push-secret", "push-secret", "--base-pull-secret", "pull-and-push-secret",
		"--push-secret-file", pullsecretsDir+"push-secret.yaml", "--base-pull-secret-file", merged, "--output-file", out)
	if code != 0 {
		t.Fatalf("code %d: %s", code, stderr)
	}
	assertNoSecrets(t, secretBytes(t), stdout, stderr)
	// :latest is fine: the cluster replaces the tag (OCL306 is retired).
	if strings.Contains(stderr, "OCL306") || strings.Contains(stderr, "warning") {
		t.Errorf("a warning for the seed's objects: %q", stderr)
	}
	st, _ := os.Stat(out)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("output with Secrets has mode %v", st.Mode().Perm())
	}
	got, _ := os.ReadFile(out)
	objs := docsByKind(t, got)
	seed := map[string]map[string]any{}
	for _, f := range []string{"seed-machineosconfig.yaml", "seed-machineconfigpool.yaml"} {
		b, err := os.ReadFile(manifestsDir + f)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range docsByKind(t, b) {
			seed[k] = v
		}
	}
	// The seed's MachineOSConfig, once the server defaults containerfileArch.
	wantMOSC := seed["MachineOSConfig/worker-automount"]
	wantMOSC["spec"].(map[string]any)["containerFile"].([]any)[0].(map[string]any)["containerfileArch"] = "NoArch"
	if !reflect.DeepEqual(objs["MachineOSConfig/worker-automount"], wantMOSC) {
		t.Errorf("MachineOSConfig differs from the seed:\n%v\n%v", dump(objs["MachineOSConfig/worker-automount"]), dump(wantMOSC))
	}
	// The seed's pool, minus its `annotation:` typo (an unknown field the
	// server drops).
	wantMCP := seed["MachineConfigPool/worker-automount"]
	delete(wantMCP["metadata"].(map[string]any), "annotation")
	if !reflect.DeepEqual(objs["MachineConfigPool/worker-automount"], wantMCP) {
		t.Errorf("MachineConfigPool differs from the seed:\n%v\n%v", dump(objs["MachineConfigPool/worker-automount"]), dump(wantMCP))
	}
	for _, s := range []string{"Secret/push-secret", "Secret/pull-and-push-secret"} {
		if objs[s] == nil || objs[s]["type"] != "kubernetes.io/dockerconfigjson" {
			t.Errorf("%s missing or of the wrong type", s)
		}
	}
	if len(objs) != 4 {
		t.Errorf("%d objects written", len(objs))
	}

	code, stdout, stderr = runCLI(t, "", "--log-level", "debug", "validate", out, "--format", "json")
	if code != 0 {
		t.Fatalf("validate: code %d\n%s%s", code, stdout, stderr)
	}
	assertNoSecrets(t, secretBytes(t), stdout, stderr)
	var res struct {
		Findings []struct {
			Rule     string `json:"rule"`
			Severity string `json:"severity"`
			Line     int    `json:"line"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		if f.Severity != "info" {
			t.Errorf("unexpected finding %+v", f)
		}
	}
}

func dump(v any) string {
	b, _ := yaml.Marshal(v)
	return string(b)
}

func TestManifestsRefusesInvalidInput(t *testing.T) {
	dir := t.TempDir()
	long := writeTemp(t, dir, "Containerfile.long", "FROM configs AS final\nRUN echo "+strings.Repeat("x", 4990)+"\n")
	good := writeTemp(t, dir, "Containerfile", seedContainerfile)
	base := []string{"manifests", "--pool", "worker-automount", "--with-pool", "--push-spec", "quay.io/acme/os:v1", "--push-secret", "push-secret"}
	cases := map[string]struct {
		args []string
		want string
	}{
		"5000-char content": {[]string{"--containerfile", long}, "spec.containerFile[0].content: Too long: may not be more than 4096 bytes"},
		"bad push spec":     {[]string{"--containerfile", good, "--push-spec", "quay.io/acme/os"}, "spec.renderedImagePushSpec: Invalid value"},
		"bad pool name":     {[]string{"--containerfile", good, "--pool", "Worker_X"}, "metadata.name: Invalid value"},
		"bad arch":          {[]string{"--containerfile", good, "--arch", "MIPS"}, `spec.containerFile[0].containerfileArch: Unsupported value: "MIPS"`},
		"arch dropped":      {[]string{"--containerfile", good, "--arch", "AMD64"}, "OCL302"},
		"push not covered": {[]string{"--containerfile", good, "--push-secret-file", pullsecretsDir + "legacy.dockercfg"},
			"OCL303: renderedImagePushSecret \"push-secret\" has no credential for quay.io"},
		"missing file":  {[]string{"--containerfile", filepath.Join(dir, "nope")}, "--containerfile: open"},
		"missing flags": {[]string{"--containerfile", good, "--push-secret", ""}, "missing required flags: --push-secret"},
		"bad secret":    {[]string{"--containerfile", good, "--push-secret-file", manifestsDir + "bad-secret-auth.yaml"}, "is not base64"},
		"secret no -o":  {[]string{"--containerfile", good, "--push-secret-file", pullsecretsDir + "push-secret.json", "--output-file", ""}, "give --output-file FILE"},
	}
	for name, c := range cases {
		out := filepath.Join(dir, "out.yaml")
		args := append(append([]string{}, base...), c.args...)
		if !slices.Contains(c.args, "--output-file") {
			args = append(args, "--output-file", out)
		}
		code, stdout, stderr := runCLI(t, "", args...)
		if code != exitInput || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: code %d, stderr %q; want 2 and %q", name, code, stderr, c.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) || stdout != "" {
			t.Errorf("%s: something was written", name)
		}
	}
}

func TestValidateExitCodesAndFormats(t *testing.T) {
	seed := []string{manifestsDir + "seed-machineosconfig.yaml", manifestsDir + "seed-machineconfigpool.yaml", manifestsDir + "seed-secrets.yaml"}
	code, stdout, _ := runCLI(t, "", append([]string{"validate"}, seed...)...)
	if code != 0 || strings.Contains(stdout, "OCL306") || !strings.Contains(stdout, "seed-machineconfigpool.yaml:5:3: warning OCL301") {
		t.Errorf("seed: %d\n%s", code, stdout)
	}
	code, _, _ = runCLI(t, "", append([]string{"validate", "--fail-level", "warning"}, seed...)...)
	if code != exitFindings {
		t.Errorf("--fail-level warning: %d", code)
	}
	code, stdout, _ = runCLI(t, "", "validate", "--format", "sarif", manifestsDir+"arch-only.yaml", manifestsDir+"seed-machineconfigpool.yaml")
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	if code != exitFindings || json.Unmarshal([]byte(stdout), &sarif) != nil || sarif.Version != "2.1.0" || !strings.Contains(stdout, `"OCL302"`) {
		t.Errorf("sarif: %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, "", "validate", manifestsDir+"bad-content-too-long.yaml", manifestsDir+"seed-machineconfigpool.yaml")
	if code != exitFindings || !strings.Contains(stdout, "bad-content-too-long.yaml:10:5: error OCL301: MachineOSConfig \"worker-automount\": spec.containerFile[0].content: Too long: may not be more than 4096 bytes") {
		t.Errorf("too long: %d\n%s", code, stdout)
	}
	for f, want := range map[string]string{
		"bad-malformed.yaml":    "bad-malformed.yaml:4: malformed YAML",
		"bad-unknown-kind.yaml": "bad-unknown-kind.yaml: no MachineOSConfig, MachineConfigPool, MachineConfig or pull Secret to validate",
		"bad-secret-auth.yaml":  `bad-secret-auth.yaml:8: data[.dockerconfigjson].auths["quay.io"].auth: is not base64`,
	} {
		code, stdout, stderr := runCLI(t, "", "validate", manifestsDir+f)
		if code != exitInput || stdout != "" || !strings.Contains(stderr, want) {
			t.Errorf("%s: %d %q, want 2 and %q", f, code, stderr, want)
		}
	}
	// A dump as `oc get -o yaml` prints it, from stdin: the ConfigMap and
	// the Opaque Secret are skipped with an info line; the rest is checked.
	var dump strings.Builder
	for _, f := range []string{"bad-unknown-kind.yaml", "bad-secret-type.yaml", "seed-machineosconfig.yaml", "seed-machineconfigpool.yaml"} {
		b, err := os.ReadFile(manifestsDir + f)
		if err != nil {
			t.Fatal(err)
		}
		dump.WriteString("---\n")
		dump.Write(b)
	}
	code, stdout, stderr := runCLI(t, dump.String(), "validate", "-")
	if code != exitFindings || !strings.Contains(stderr, `info: <stdin>:2: v1 ConfigMap "machine-config-osimageurl" skipped`) ||
		!strings.Contains(stderr, `info: <stdin>:9: v1 Secret "push-secret" skipped: type Opaque is not a pull secret`) ||
		!strings.Contains(stdout, `<stdin>:14:1: error OCL303: Secret "push-secret" has type "Opaque"`) {
		t.Errorf("dump on stdin: %d\n%s\n%s", code, stdout, stderr)
	}
	if code, _, _ := runCLI(t, "", "validate", "--format", "xml", seed[0]); code != exitInput {
		t.Errorf("bad --format: %d", code)
	}
}

// TestValidateLintsEmbeddedContainerfile: validate reports the lint rules of
// the embedded Containerfile at the same YAML lines as lint does.
func TestValidateLintsEmbeddedContainerfile(t *testing.T) {
	f := manifestsDir + "lint-embedded.yaml"
	code, vout, _ := runCLI(t, "", "validate", f)
	if code != exitFindings || !strings.Contains(vout, "lint-embedded.yaml:18:11: error OCL106") {
		t.Fatalf("validate: %d\n%s", code, vout)
	}
	_, lout, _ := runCLI(t, "", "lint", f)
	for _, l := range strings.Split(strings.TrimSpace(lout), "\n") {
		if !strings.Contains(vout, l) {
			t.Errorf("lint reports %q, validate does not", l)
		}
	}
	if code, out, _ := runCLI(t, "", "validate", "--no-lint", f); code != 0 || strings.Contains(out, "OCL106") {
		t.Errorf("--no-lint: %d\n%s", code, out)
	}
}
