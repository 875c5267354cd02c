package pullsecret

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

const auth = `"auth":"dXNlcjpwYXNz"` // user:pass

func mustParse(t *testing.T, data string) *Config {
	t.Helper()
	c, err := Parse("in", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// secretYAML is a Secret of type typ whose data holds each key → JSON.
func secretYAML(typ string, data map[string]string) string {
	s := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: openshift-machine-config-operator\ntype: " + typ + "\ndata:\n"
	for k, v := range data {
		s += "  " + k + ": " + base64.StdEncoding.EncodeToString([]byte(v)) + "\n"
	}
	return s
}

// What each version's build controller refuses, read from the operator:
// release-4.19 pkg/controller/common/dockerconfig.go
// (ConvertSecretToDockerconfigJSON passes a non-empty auths as written) and
// pkg/controller/build/utils/helpers.go (GetPullSecretKey); release-4.20 …
// main pkg/secrets (strict decoding, ValidateKubernetesImageRegistrySecret),
// with release-4.22 lacking the credHelpers/credsStore tolerance. Checked
// once by running the operator's own code (outside this repository) on
// these inputs: release-4.20 and release-4.22 secrets.NewImageRegistrySecret
// and NormalizeDockerConfigJSONSecret, release-4.19
// ConvertSecretToDockerconfigJSON.
func TestRefusalsPerVersion(t *testing.T) {
	from420 := []string{"4.20", "4.21", "4.22", "4.23", "5.0", "5.1", "5.2"}
	cases := []struct {
		name, in string
		// refused: the versions that refuse it, and the field named
		refused []string
		field   string
	}{
		{"plain dockerconfigjson", `{"auths":{"quay.io":{` + auth + `,"email":"a@b"}}}`, nil, ""},
		{"legacy dockercfg", `{"reg.example.com:5000":{` + auth + `,"email":"a@b"}}`, nil, ""},
		{"identitytoken", `{"auths":{"quay.io":{` + auth + `,"identitytoken":"tok"}}}`,
			from420, `auths["quay.io"].identitytoken`},
		{"legacy with identitytoken", `{"quay.io":{` + auth + `,"identitytoken":"tok"}}`,
			from420, `auths["quay.io"].identitytoken`},
		{"HttpHeaders beside auths", `{"auths":{"quay.io":{` + auth + `}},"HttpHeaders":{"User-Agent":"x"}}`,
			from420, "HttpHeaders"},
		{"credHelpers", `{"auths":{"quay.io":{` + auth + `}},"credHelpers":{}}`,
			[]string{"4.22"}, "credHelpers"},
		{"case-insensitive field names", `{"auths":{"quay.io":{"Auth":"dXNlcjpwYXNz"}}}`, nil, ""},
		{"Secret with both keys", secretYAML("kubernetes.io/dockerconfigjson", map[string]string{
			".dockerconfigjson": `{"auths":{"quay.io":{` + auth + `}}}`,
			".dockercfg":        `{"quay.io":{` + auth + `}}`,
		}), from420, "data"},
		{"Secret, one key", secretYAML("kubernetes.io/dockercfg", map[string]string{".dockercfg": `{"quay.io":{` + auth + `}}`, "note": "x"}), nil, ""},
	}
	for _, c := range cases {
		cfg := mustParse(t, c.in)
		for _, v := range ocpversion.Known() {
			p := ocpversion.MustLookup(v.String())
			r := cfg.Refusals(p)
			want := false
			for _, w := range c.refused {
				want = want || w == v.String()
			}
			if (len(r) > 0) != want {
				t.Errorf("%s on %s: refusals %v, want refused=%v", c.name, v, r, want)
				continue
			}
			if want && (len(r) != 1 || r[0].Field != c.field || !strings.Contains(r[0].Msg, "OpenShift "+v.String())) {
				t.Errorf("%s on %s: %v, want one refusal of %s naming the version", c.name, v, r, c.field)
			}
			for _, x := range r {
				if strings.Contains(x.String(), "tok") && !strings.Contains(c.field, "tok") || strings.Contains(x.String(), "dXNlcjpwYXNz") {
					t.Errorf("%s: a refusal quotes a value: %s", c.name, x)
				}
			}
		}
	}
	// 4.19 takes every one of them.
	p419 := ocpversion.MustLookup("4.19")
	for _, c := range cases {
		if r := mustParse(t, c.in).Refusals(p419); r != nil {
			t.Errorf("4.19 refuses %s: %v", c.name, r)
		}
	}
}

// Verdicts group the versions; LaterRefusals tells a 4.19 admin which
// upgrade stops the build.
func TestVerdictsAndLaterRefusals(t *testing.T) {
	cfg := mustParse(t, `{"auths":{"quay.io":{`+auth+`}},"credHelpers":{"gcr.io":"gcloud"}}`)
	var got []string
	for _, v := range cfg.Verdicts() {
		got = append(got, v.Range()+":"+RefusalFields(v.Refusals))
	}
	if want := "4.19–4.21:|4.22:credHelpers|4.23 and later:"; strings.Join(got, "|") != want {
		t.Errorf("credHelpers verdicts %q, want %q", strings.Join(got, "|"), want)
	}
	tok := mustParse(t, `{"auths":{"quay.io":{`+auth+`,"identitytoken":"t"}}}`)
	vs := tok.Verdicts()
	if len(vs) != 2 || vs[0].Range() != "4.19" || len(vs[0].Refusals) != 0 || vs[1].Range() != "4.20 and later" || len(vs[1].Refusals) != 1 {
		t.Errorf("identitytoken verdicts %+v", vs)
	}
	v, r, ok := tok.LaterRefusals(ocpversion.MustLookup("4.19"))
	if !ok || v.String() != "4.20" || len(r) != 1 {
		t.Errorf("LaterRefusals from 4.19: %v %v %v", v, r, ok)
	}
	if _, _, ok := tok.LaterRefusals(ocpversion.MustLookup("4.20")); ok {
		t.Error("4.20 refuses it itself: no later refusal to announce")
	}
	v, _, ok = cfg.LaterRefusals(ocpversion.MustLookup("4.21"))
	if !ok || v.String() != "4.22" {
		t.Errorf("credHelpers from 4.21: %v %v", v, ok)
	}
	if _, _, ok := cfg.LaterRefusals(ocpversion.MustLookup("4.23")); ok {
		t.Error("nothing after 4.23 refuses credHelpers")
	}
	// A merge keeps other keys (as jq does), so it keeps the refusal.
	m := Merge(mustParse(t, `{"auths":{"a.io":{`+auth+`}}}`), tok)
	if r := m.Refusals(ocpversion.MustLookup("4.21")); len(r) != 1 || r[0].Field != `auths["quay.io"].identitytoken` {
		t.Errorf("merged: %v", r)
	}
}
