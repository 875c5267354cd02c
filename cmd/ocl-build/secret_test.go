package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const pullsecretsDir = "../../testdata/pullsecrets/"

// secretBytes lists every credential value of the test files (auth fields,
// the passwords inside them, each part of the JWT), which must never appear
// in what ocl-build prints.
func secretBytes(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, f := range []string{"pull-secret.json", "push-secret.json", "quay-override.json", "legacy.dockercfg"} {
		b, err := os.ReadFile(pullsecretsDir + f)
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		auths, ok := v["auths"].(map[string]any)
		if !ok {
			auths = v
		}
		for _, e := range auths {
			m, _ := e.(map[string]any)
			for _, k := range []string{"auth", "password"} {
				s, _ := m[k].(string)
				if s == "" {
					continue
				}
				out = append(out, s)
				if k == "auth" {
					d, _ := base64.StdEncoding.DecodeString(s)
					_, pw, _ := strings.Cut(string(d), ":")
					out = append(out, pw)
				}
				for _, part := range strings.Split(s, ".") {
					if len(part) >= 8 {
						out = append(out, part)
					}
				}
			}
		}
	}
	if len(out) < 8 {
		t.Fatalf("only %d secret strings found", len(out))
	}
	return out
}

func assertNoSecrets(t *testing.T, secrets []string, outputs ...string) {
	t.Helper()
	for _, o := range outputs {
		for _, s := range secrets {
			if strings.Contains(o, s) {
				t.Fatalf("a credential value reached the output: …%s…", s[:4])
			}
		}
	}
}

func TestSecretMergeMatchesJqAndIsPrivate(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "pull-and-push-secret.json")
	pull, push := pullsecretsDir+"pull-secret.json", pullsecretsDir+"push-secret.json"
	code, stdout, stderr := runCLI(t, "", "--log-level", "debug", "secret", "merge", pull, push, pullsecretsDir+"quay-override.json", "--output-file", out)
	if code != 0 {
		t.Fatalf("code %d: %s", code, stderr)
	}
	assertNoSecrets(t, secretBytes(t), stdout, stderr)
	if !strings.Contains(stderr, "debug: read") {
		t.Errorf("debug logging not on: %q", stderr)
	}
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	got, _ := os.ReadFile(out)
	want, err := exec.Command("jq", "-s", ".[0] * .[1] * .[2]", pull, push, pullsecretsDir+"quay-override.json").Output()
	if err != nil {
		t.Fatalf("jq: %v", err)
	}
	if string(got) != string(want) {
		t.Fatalf("differs from jq:\n%s\n---\n%s", got, want)
	}
}

func TestSecretMergeSecretManifest(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.yaml")
	code, stdout, stderr := runCLI(t, "", "--log-level", "debug", "secret", "merge", pullsecretsDir+"pull-secret.json", pullsecretsDir+"push-secret.yaml", "--secret", "pull-and-push-secret", "--output-file", out)
	if code != 0 {
		t.Fatalf("code %d: %s", code, stderr)
	}
	assertNoSecrets(t, secretBytes(t), stdout, stderr)
	b, _ := os.ReadFile(out)
	for _, want := range []string{"kind: Secret", "name: pull-and-push-secret", "namespace: openshift-machine-config-operator", "type: kubernetes.io/dockerconfigjson", ".dockerconfigjson: "} {
		if !strings.Contains(string(b), want) {
			t.Errorf("manifest lacks %q:\n%s", want, b)
		}
	}
	// and it validates as a pull secret, and check reads it back
	code, stdout, stderr = runCLI(t, "", "--log-level", "debug", "secret", "check", out, "--registry", "quay.io", "--registry", "image-registry.openshift-image-registry.svc:5000")
	if code != 0 || !strings.Contains(stdout, "token for system:serviceaccount:openshift-machine-config-operator:builder, expires 2036-01-01T00:00:00Z") {
		t.Fatalf("check: code %d\n%s\n%s", code, stdout, stderr)
	}
	assertNoSecrets(t, secretBytes(t), stdout, stderr)
}

func TestSecretBadInputsWriteNothing(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := map[string]struct{ file, want string }{
		"malformed json":  {write("a.json", `{"auths":{"quay.io":{"auth":"eA==" }`), "a.json: malformed JSON at line 1"},
		"auth not base64": {write("b.json", `{"auths":{"quay.io":{"auth":"$$$"}}}`), `b.json: auths["quay.io"].auth: is not base64`},
		"wrong secret":    {"../../testdata/manifests/bad-secret-type.yaml", `type: Secret "push-secret" has type "Opaque"`},
		"unknown kind":    {"../../testdata/manifests/bad-unknown-kind.yaml", "kind: want a docker config or a v1 Secret"},
		"malformed yaml":  {write("c.yaml", "kind: Secret\n data: [\n"), "c.yaml: neither a docker config"},
	}
	for name, c := range cases {
		out := filepath.Join(dir, "out-"+strings.ReplaceAll(name, " ", "-"))
		code, _, stderr := runCLI(t, "", "secret", "merge", pullsecretsDir+"pull-secret.json", c.file, "--output-file", out)
		if code != exitInput || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: code %d stderr %q, want 2 and %q", name, code, stderr, c.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: output written", name)
		}
	}
	// Nothing goes to stdout without --output-file.
	code, stdout, stderr := runCLI(t, "", "secret", "merge", pullsecretsDir+"pull-secret.json")
	if code != exitInput || stdout != "" || !strings.Contains(stderr, "--output-file OUT is required") {
		t.Errorf("merge without -o: %d %q %q", code, stdout, stderr)
	}
}

func jwtExpiring(exp time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	p, _ := json.Marshal(map[string]any{"sub": "system:serviceaccount:openshift-machine-config-operator:builder", "exp": exp.Unix()})
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc(p) + "." + enc([]byte("signature"))
}

func TestSecretCheckExpiry(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name     string
		exp      time.Time
		args     []string
		code     int
		contains string
	}{
		{"expired", time.Now().Add(-time.Hour), nil, 1, "error: system:serviceaccount:openshift-machine-config-operator:builder expired on"},
		{"soon", time.Now().Add(48 * time.Hour), nil, 0, "warning: system:serviceaccount:openshift-machine-config-operator:builder expires on"},
		{"soon fails at warning", time.Now().Add(48 * time.Hour), []string{"--fail-level", "warning"}, 1, "warning:"},
		{"long", time.Now().Add(5000 * time.Hour), nil, 0, "expires 20"},
		{"long but min-validity longer", time.Now().Add(5000 * time.Hour), []string{"--min-validity", "8760h", "--fail-level", "warning"}, 1, "under 365d"},
		{"uncovered", time.Now().Add(5000 * time.Hour), []string{"--registry", "quay.io"}, 1, "error: quay.io is not covered"},
	} {
		tok := jwtExpiring(c.exp)
		p := filepath.Join(dir, c.name+".json")
		data := `{"auths":{"image-registry.openshift-image-registry.svc:5000":{"auth":"` + base64.StdEncoding.EncodeToString([]byte("builder:"+tok)) + `"}}}`
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runCLI(t, "", append([]string{"--log-level", "debug", "secret", "check", p}, c.args...)...)
		if code != c.code || !strings.Contains(stdout, c.contains) {
			t.Errorf("%s: code %d (want %d)\n%s%s", c.name, code, c.code, stdout, stderr)
		}
		for _, part := range strings.Split(tok, ".") {
			if strings.Contains(stdout+stderr, part) {
				t.Errorf("%s: token printed", c.name)
			}
		}
	}
	// JSON output carries subject and expiry, no token.
	p := filepath.Join(dir, "long.json")
	code, stdout, _ := runCLI(t, "", "secret", "check", p, "--format", "json")
	var r struct {
		Entries []struct {
			Token struct {
				Subject string    `json:"subject"`
				Expires time.Time `json:"expires"`
			} `json:"token"`
		} `json:"entries"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil || len(r.Entries) != 1 || r.Entries[0].Token.Subject == "" || r.Entries[0].Token.Expires.IsZero() {
		t.Fatalf("json: %d %s", code, stdout)
	}
}

// secret check judges the secret as each version's build controller does:
// 4.19 passes an identitytoken through, 4.20+ refuse it (pkg/secrets,
// release-4.20); without --openshift-version every known version is listed.
func TestSecretCheckByOpenShiftVersion(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tok.json")
	if err := os.WriteFile(p, []byte(`{"auths":{"quay.io":{"auth":"dXNlcjpwYXNz","identitytoken":"s3cr3t-t0ken"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"--openshift-version", "4.19"}, 0, []string{"OpenShift 4.19: the build controller takes it", `info: OpenShift 4.20 refuses it (auths["quay.io"].identitytoken)`}},
		{[]string{"--openshift-version", "4.20"}, 1, []string{"error: OpenShift 4.20: the build controller refuses it", `auths["quay.io"].identitytoken: unknown field`}},
		{nil, 0, []string{"OpenShift 4.19: the build controller takes it", "warning: OpenShift 4.20 and later: the build controller refuses it"}},
		{[]string{"--fail-level", "warning"}, 1, []string{"warning: OpenShift 4.20 and later"}},
	} {
		code, stdout, stderr := runCLI(t, "", append([]string{"secret", "check", p}, c.args...)...)
		if code != c.code {
			t.Errorf("%v: code %d, want %d\n%s%s", c.args, code, c.code, stdout, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("%v: no %q in\n%s", c.args, w, stdout)
			}
		}
		if strings.Contains(stdout+stderr, "s3cr3t-t0ken") || strings.Contains(stdout+stderr, "dXNlcjpwYXNz") {
			t.Errorf("%v: credential printed", c.args)
		}
	}
	code, stdout, _ := runCLI(t, "", "secret", "check", p, "-o", "json")
	var r struct {
		Verdicts []struct {
			Versions string `json:"versions"`
			Accepted bool   `json:"accepted"`
			Refusals []struct {
				Field string `json:"field"`
			} `json:"refusals"`
		} `json:"verdicts"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil || len(r.Verdicts) != 2 || !r.Verdicts[0].Accepted || r.Verdicts[0].Versions != "4.19" ||
		r.Verdicts[1].Accepted || r.Verdicts[1].Versions != "4.20 and later" || len(r.Verdicts[1].Refusals) != 1 || r.Verdicts[1].Refusals[0].Field != `auths["quay.io"].identitytoken` {
		t.Fatalf("json: %d %s", code, stdout)
	}
	// merge keeps the key (as jq does) and says who refuses the result.
	merged := filepath.Join(t.TempDir(), "merged.json")
	code, _, stderr := runCLI(t, "", "secret", "merge", pullsecretsDir+"pull-secret.json", p, "--output-file", merged)
	if code != 0 || !strings.Contains(stderr, `warning: the build controller of OpenShift 4.20 and later refuses the merged secret (auths["quay.io"].identitytoken)`) {
		t.Fatalf("merge: %d %s", code, stderr)
	}
	// A clean secret: one line for every version.
	code, stdout, _ = runCLI(t, "", "secret", "check", pullsecretsDir+"pull-secret.json")
	if code != 0 || !strings.Contains(stdout, "the build controller of every known OpenShift version (4.19 and later) takes it") {
		t.Fatalf("clean: %d\n%s", code, stdout)
	}
}
