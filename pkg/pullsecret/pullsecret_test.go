package pullsecret

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/kubedoc"
)

const td = "../../testdata/pullsecrets/"

func mustRead(t *testing.T, name string) *Config {
	t.Helper()
	c, err := ReadFile(td + name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// jqMerge runs the admins' one-liner, `jq -s '.[0] * .[1] ...'`, with the
// real jq on files.
func jqMerge(t *testing.T, files ...string) []byte {
	t.Helper()
	jq, err := exec.LookPath("jq")
	if err != nil {
		t.Fatal("jq is required (Debian package jq, hack/apt/base.txt)")
	}
	expr := make([]string, len(files))
	for i := range files {
		expr[i] = ".[" + string(rune('0'+i)) + "]"
	}
	out, err := exec.Command(jq, append([]string{"-s", strings.Join(expr, " * ")}, files...)...).Output()
	if err != nil {
		t.Fatalf("jq: %v", err)
	}
	return out
}

// canonicalFile writes c's canonical {"auths":...} JSON for jq to read:
// jq cannot read a Secret or a legacy .dockercfg in the merged form.
func canonicalFile(t *testing.T, c *Config) string {
	p := filepath.Join(t.TempDir(), "c.json")
	if err := os.WriteFile(p, c.JSON(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMergeEqualsJq(t *testing.T) {
	cases := [][]string{
		{"pull-secret.json", "push-secret.json"},
		{"push-secret.json", "pull-secret.json"},
		{"pull-secret.json", "quay-override.json"}, // same registry on both sides: recursive merge keeps email
		{"quay-override.json", "pull-secret.json", "push-secret.json"},
		{"pull-secret.json", "push-secret.yaml"},
		{"legacy.dockercfg", "pull-secret.json"},
		{"pull-secret.json", "legacy.dockercfg", "quay-override.json"},
	}
	for _, files := range cases {
		t.Run(strings.Join(files, "+"), func(t *testing.T) {
			var cfgs []*Config
			var jqFiles []string
			for _, f := range files {
				c := mustRead(t, f)
				cfgs = append(cfgs, c)
				if c.Format == FormatDockerConfigJSON {
					jqFiles = append(jqFiles, td+f) // the file as the admin has it
				} else {
					jqFiles = append(jqFiles, canonicalFile(t, c))
				}
			}
			got := Merge(cfgs...).JSON()
			want := jqMerge(t, jqFiles...)
			if !bytes.Equal(got, want) {
				t.Fatalf("merge differs from jq:\n--- ours\n%s\n--- jq\n%s", got, want)
			}
		})
	}
}

func TestMergeRecursiveKeepsLeftFields(t *testing.T) {
	m := Merge(mustRead(t, "pull-secret.json"), mustRead(t, "quay-override.json"))
	if !strings.Contains(string(m.JSON()), `"credHelpers"`) {
		t.Error("top-level key of the right side lost")
	}
	e, ok := m.Entry("quay.io")
	if !ok || e.Username != "fixture-quay-robot" {
		t.Fatalf("quay.io entry: %+v", e.Username)
	}
	// The email of the left entry survives, as with jq's recursive `*`.
	var v struct {
		Auths map[string]map[string]string `json:"auths"`
	}
	if err := json.Unmarshal(m.JSON(), &v); err != nil {
		t.Fatal(err)
	}
	if v.Auths["quay.io"]["email"] != "admin@example.com" {
		t.Errorf("email lost: %v", v.Auths["quay.io"])
	}
}

func TestParseFormats(t *testing.T) {
	for name, want := range map[string]Format{
		"pull-secret.json": FormatDockerConfigJSON,
		"legacy.dockercfg": FormatDockerCfg,
		"push-secret.yaml": FormatSecret,
	} {
		c := mustRead(t, name)
		if c.Format != want {
			t.Errorf("%s: format %s, want %s", name, c.Format, want)
		}
		if len(c.Registries()) == 0 {
			t.Errorf("%s: no registries", name)
		}
	}
	legacy := mustRead(t, "legacy.dockercfg")
	if got := legacy.Registries(); len(got) != 1 || got[0] != "registry.example.com:5000" {
		t.Errorf("legacy registries %v", got)
	}
}

func TestParseErrorsNameFieldAndHideSecrets(t *testing.T) {
	secretBits := "s3cr3t-value"
	b64 := base64.StdEncoding.EncodeToString([]byte("u:" + secretBits))
	secret := func(typ, rest string) string {
		return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ntype: " + typ + "\n" + rest
	}
	// where is the error's FILE[:LINE] prefix: a Secret manifest's errors
	// carry the line of the field (kubedoc's positions).
	cases := map[string]struct {
		data, where, want string
	}{
		"truncated":        {`{"auths":{"quay.io":{"auth":"` + b64, "in.json", "malformed JSON at line 1"},
		"bad char":         {`{"auths":{"quay.io":{"auth":` + secretBits + `}}}`, "in.json", "malformed JSON at line 1 column"},
		"auth not base64":  {`{"auths":{"quay.io":{"auth":"` + secretBits + `!!"}}}`, "in.json", `auths["quay.io"].auth: is not base64`},
		"auths not object": {`{"auths":["x"]}`, "in.json", "auths: must be an object"},
		"entry not object": {`{"auths":{"quay.io":"` + secretBits + `"}}`, "in.json", `auths["quay.io"]: must be an object`},
		"wrong type secret": {secret("Opaque", "data:\n  token: "+base64.StdEncoding.EncodeToString([]byte(secretBits))+"\n"),
			"in.json:5", `type: Secret "x" has type "Opaque"`},
		"secret missing key": {secret("kubernetes.io/dockerconfigjson", "data: {}\n"), "in.json:6", "data[.dockerconfigjson]: missing"},
		"secret bad base64":  {secret("kubernetes.io/dockerconfigjson", "data:\n  .dockerconfigjson: "+secretBits+"%%\n"), "in.json:7", "data[.dockerconfigjson]: is not base64"},
		"secret bad auth": {secret("kubernetes.io/dockerconfigjson", "stringData:\n  .dockerconfigjson: '{\"auths\":{\"quay.io\":{\"auth\":\""+secretBits+"!!\"}}}'\n"),
			"in.json:7", `stringData[.dockerconfigjson].auths["quay.io"].auth: is not base64`},
		"secret form and type disagree": {secret("kubernetes.io/dockercfg", "stringData:\n  .dockercfg: '{\"auths\":{}}'\n"),
			"in.json:7", "stringData[.dockercfg]: content is in dockerconfigjson form but the Secret has type kubernetes.io/dockercfg"},
		"secret type not a string":       {secret("[1]", "data: {}\n"), "in.json:5", "type: must be a string"},
		"secret data value not a string": {secret("kubernetes.io/dockerconfigjson", "data:\n  .dockerconfigjson: [1]\n"), "in.json:7", "data[.dockerconfigjson]: must be a string, not an array"},
		"secret without apiVersion":      {"kind: Secret\ntype: kubernetes.io/dockerconfigjson\n", "in.json:1", "kind: want a docker config or a v1 Secret, got  Secret"},
		"two objects":                    {secret("kubernetes.io/dockerconfigjson", "data: {}\n---\n"+secret("Opaque", "")), "in.json:8", "2 objects; a credential file holds one Secret"},
		"unknown kind":                   {"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n", "in.json:2", "kind: want a docker config or a v1 Secret, got v1 ConfigMap"},
		"malformed yaml":                 {"kind: Secret\n  data: [\n", "in.json", "neither a docker config (JSON) nor a Secret manifest (YAML): line 2"},
		"duplicate key":                  {"kind: Secret\nkind: " + secretBits + "\n", "in.json", "neither a docker config"},
		"empty":                          {"  \n", "in.json", "empty file"},
	}
	for name, c := range cases {
		_, err := Parse("in.json", []byte(c.data))
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if _, ok := err.(*Error); !ok {
			t.Errorf("%s: error of type %T", name, err)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, c.where+": ") || !strings.Contains(msg, c.want) {
			t.Errorf("%s: error %q, want it to start %q and contain %q", name, msg, c.where+": ", c.want)
		}
		if strings.Contains(msg, secretBits) || strings.Contains(msg, b64) || strings.Contains(msg, "s3cr") {
			t.Errorf("%s: error leaks the secret: %q", name, msg)
		}
	}
}

func TestLookup(t *testing.T) {
	c := Merge(mustRead(t, "pull-secret.json"), mustRead(t, "quay-override.json"), mustRead(t, "push-secret.json"))
	for ref, want := range map[string]string{
		"quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:0123": "quay.io/openshift-release-dev",
		"quay.io/someone/else:1":                                     "quay.io",
		"quay.io":                                                    "quay.io",
		"image-registry.openshift-image-registry.svc:5000/openshift-machine-config-operator/os-image:latest": "image-registry.openshift-image-registry.svc:5000",
		"registry.redhat.io/rhel9/support-tools": "registry.redhat.io",
	} {
		got, ok := c.Lookup(ref)
		if !ok || got != want {
			t.Errorf("Lookup(%s) = %q,%v want %q", ref, got, ok, want)
		}
	}
	if k, ok := c.Lookup("docker.io/library/busybox"); ok {
		t.Errorf("docker.io covered by %q", k)
	}
	legacy := mustRead(t, "legacy.dockercfg")
	if _, ok := legacy.Lookup("registry.example.com:5000/a/b:c"); !ok {
		t.Error("legacy key not matched")
	}
	hub := &Config{root: newObject()}
	hub.root.set("auths", newObject())
	hub.auths().set("https://index.docker.io/v1/", newObject())
	if _, ok := hub.Lookup("busybox:latest"); !ok {
		t.Error("docker hub alias not matched for a bare image name")
	}
}

func jwtFor(sub string, exp time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	h := enc([]byte(`{"alg":"RS256"}`))
	p, _ := json.Marshal(map[string]any{"sub": sub, "exp": exp.Unix()})
	return h + "." + enc(p) + "." + enc([]byte("sig"))
}

func TestCheckTokensAndCoverage(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(exp time.Time) *Config {
		tok := jwtFor("system:serviceaccount:openshift-machine-config-operator:builder", exp)
		data := `{"auths":{"reg.example:5000":{"auth":"` + base64.StdEncoding.EncodeToString([]byte("builder:"+tok)) + `"},` +
			`"quay.io":{"auth":"` + base64.StdEncoding.EncodeToString([]byte("nocolon")) + `"}}}`
		c, err := Parse("t.json", []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		exp  time.Time
		want findings.Severity
	}{
		{now.Add(-time.Hour), findings.SeverityError},
		{now.Add(10 * 24 * time.Hour), findings.SeverityWarning},
		{now.Add(400 * 24 * time.Hour), findings.SeverityNone},
	} {
		r := Check(mk(tc.exp), []string{"reg.example:5000", "registry.redhat.io"}, now, DefaultMinValidity)
		var reg, quay EntryReport
		for _, e := range r.Entries {
			switch e.Registry {
			case "reg.example:5000":
				reg = e
			case "quay.io":
				quay = e
			}
		}
		if reg.Token == nil || reg.Token.Subject != "system:serviceaccount:openshift-machine-config-operator:builder" || !reg.Token.Expires.Equal(time.Unix(tc.exp.Unix(), 0)) {
			t.Fatalf("token not read: %+v", reg.Token)
		}
		if reg.Severity != tc.want {
			t.Errorf("exp %s: severity %s want %s (%v)", tc.exp, reg.Severity, tc.want, reg.Problems)
		}
		if reg.Form != "user:password" || reg.Username != "builder" {
			t.Errorf("form %q user %q", reg.Form, reg.Username)
		}
		if quay.Severity != findings.SeverityError || !strings.Contains(strings.Join(quay.Problems, ";"), "user:password") {
			t.Errorf("quay.io auth without colon not reported: %+v", quay)
		}
		if len(r.Coverage) != 2 || !r.Coverage[0].Covered || r.Coverage[1].Covered {
			t.Errorf("coverage %+v", r.Coverage)
		}
	}
}

func TestSecretManifestRoundTrip(t *testing.T) {
	c := Merge(mustRead(t, "pull-secret.json"), mustRead(t, "push-secret.json"))
	y, err := c.SecretManifest("pull-and-push-secret", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(y), "namespace: openshift-machine-config-operator") || !strings.Contains(string(y), "type: kubernetes.io/dockerconfigjson") {
		t.Fatalf("manifest:\n%s", y)
	}
	back, err := Parse("s.yaml", y)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.JSON(), c.JSON()) {
		t.Fatal("Secret manifest does not round-trip")
	}
}

// FuzzDockerConfig: the parser returns a config or an *Error, never panics,
// and a parsed config re-parses to the same JSON.
func FuzzDockerConfig(f *testing.F) {
	for _, n := range []string{"pull-secret.json", "push-secret.json", "quay-override.json", "legacy.dockercfg", "push-secret.yaml"} {
		b, err := os.ReadFile(td + n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"auths":{"a":{"auth":"!!"}}}`))
	f.Add([]byte("kind: Secret\ntype: Opaque\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz", data)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		again, err := Parse("fuzz2", c.JSON())
		if err != nil {
			t.Fatalf("re-parse of our own output: %v", err)
		}
		if !bytes.Equal(again.JSON(), c.JSON()) {
			t.Fatal("output not stable")
		}
		_ = Check(c, []string{"quay.io"}, time.Unix(0, 0), DefaultMinValidity)
	})
}

// FromDocument takes a Secret kubedoc already read from a file of several
// objects: no second parse, and errors carry the file's own lines.
func TestFromDocumentKeepsFileLines(t *testing.T) {
	src := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n---\n" +
		"apiVersion: v1\nkind: Secret\nmetadata:\n  name: push\ntype: kubernetes.io/dockerconfigjson\n" +
		"stringData:\n  .dockerconfigjson: '{\"auths\":{\"quay.io\":{\"auth\":\"!!\"}}}'\n"
	docs, err := kubedoc.Parse("all.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	_, err = FromDocument(docs[1])
	if err == nil || err.Error() != `all.yaml:12: stringData[.dockerconfigjson].auths["quay.io"].auth: is not base64: illegal base64 data at input byte 0` {
		t.Fatalf("error %v", err)
	}
	good := strings.Replace(src, "!!", base64.StdEncoding.EncodeToString([]byte("u:p")), 1)
	if docs, err = kubedoc.Parse("all.yaml", []byte(good)); err != nil {
		t.Fatal(err)
	}
	c, err := FromDocument(docs[1])
	if err != nil || c.Format != FormatSecret || len(c.Registries()) != 1 || c.Registries()[0] != "quay.io" {
		t.Fatalf("config %+v, error %v", c, err)
	}
	if _, err := FromDocument(docs[0]); err == nil || err.Error() != "all.yaml:2: kind: want a docker config or a v1 Secret, got v1 ConfigMap" {
		t.Fatalf("ConfigMap: %v", err)
	}
}
