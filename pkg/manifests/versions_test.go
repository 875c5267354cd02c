package manifests

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

// The name == pool CEL rule exists from 4.21 (the MCO's vendored CRD); 4.19
// and 4.20 accept a MachineOSConfig named apart from its pool, and every
// other rule still applies there.
func TestValidatorForVersion(t *testing.T) {
	mosc := func(name, pool, spec string) map[string]any {
		return map[string]any{
			"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineOSConfig",
			"metadata": map[string]any{"name": name},
			"spec": map[string]any{
				"machineConfigPool":       map[string]any{"name": pool},
				"imageBuilder":            map[string]any{"imageBuilderType": "Job"},
				"renderedImagePushSecret": map[string]any{"name": "push-secret"},
				"renderedImagePushSpec":   spec,
			},
		}
	}
	for v, wantRefused := range map[string]bool{"4.19": false, "4.20": false, "4.21": true, "5.2": true} {
		val, err := ValidatorFor(ocpversion.MustLookup(v))
		if err != nil {
			t.Fatal(err)
		}
		r, err := val.Validate(mosc("layered", "worker", "registry.example.com/os:v1"))
		if err != nil {
			t.Fatal(err)
		}
		if refused := len(r.Errors) > 0; refused != wantRefused {
			t.Errorf("%s: name apart from pool refused=%v (%v), want %v", v, refused, r.Errors, wantRefused)
		}
		if wantRefused && !strings.Contains(r.Errors.ToAggregate().Error(), "must match the referenced MachineConfigPool") {
			t.Errorf("%s: %v", v, r.Errors)
		}
		// The push spec rule (a tag or digest) holds in every version.
		if r, _ := val.Validate(mosc("worker", "worker", "registry.example.com/os")); len(r.Errors) == 0 {
			t.Errorf("%s: push spec without a tag accepted", v)
		}
	}
}

// OCL308 follows the version's pull-secret decoding: 4.19 passes secrets as
// written (release-4.19 pkg/controller/common/dockerconfig.go), 4.20+
// decode strictly (pkg/secrets), 4.22 without the credHelpers tolerance.
// The finding sits on the Secret's data line.
func TestPullSecretStrictnessPerVersion(t *testing.T) {
	secret := func(cfg string) []*Document {
		y := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: push-secret\n  namespace: openshift-machine-config-operator\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: " +
			base64.StdEncoding.EncodeToString([]byte(cfg)) + "\n"
		docs, err := ReadDocuments("s.yaml", []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		return docs
	}
	tok := secret(`{"auths":{"quay.io":{"auth":"dXNlcjpwYXNz","identitytoken":"t0k"}}}`)
	helpers := secret(`{"auths":{"quay.io":{"auth":"dXNlcjpwYXNz"}},"credHelpers":{"gcr.io":"gcloud"}}`)
	clean := secret(`{"auths":{"quay.io":{"auth":"dXNlcjpwYXNz","email":"a@b"}}}`)
	for _, c := range []struct {
		name    string
		docs    []*Document
		version string // "" : no version known
		sev     findings.Severity
		want    string // "" : no OCL308
	}{
		{"identitytoken on 4.19", tok, "4.19", findings.SeverityInfo, `OpenShift 4.19's build controller takes it, but 4.20's refuses it (auths["quay.io"].identitytoken)`},
		{"identitytoken on 4.20", tok, "4.20", findings.SeverityError, `auths["quay.io"].identitytoken: unknown field: OpenShift 4.20`},
		{"identitytoken on 5.2", tok, "5.2", findings.SeverityError, "OpenShift 5.2 decodes registry entries"},
		{"identitytoken, no version", tok, "", findings.SeverityError, "identitytoken: unknown field"},
		{"credHelpers on 4.19", helpers, "4.19", findings.SeverityInfo, "but 4.22's refuses it (credHelpers)"},
		{"credHelpers on 4.21", helpers, "4.21", findings.SeverityInfo, "but 4.22's refuses it (credHelpers)"},
		{"credHelpers on 4.22", helpers, "4.22", findings.SeverityError, "credHelpers: unknown top-level key: OpenShift 4.22"},
		{"credHelpers on 4.23", helpers, "4.23", 0, ""},
		{"clean on 4.20", clean, "4.20", 0, ""},
		{"clean on 4.19", clean, "4.19", 0, ""},
	} {
		opts := CheckOptions{Now: now}
		if c.version != "" {
			p := ocpversion.MustLookup(c.version)
			opts.Profile = &p
		}
		fs, err := Check(c.docs, opts)
		if err != nil {
			t.Fatal(err)
		}
		var got []findings.Finding
		for _, f := range fs {
			if f.Rule == "OCL308" {
				got = append(got, f)
			}
		}
		if c.want == "" {
			if len(got) != 0 {
				t.Errorf("%s: %+v", c.name, got)
			}
			continue
		}
		if len(got) != 1 || got[0].Severity != c.sev || !strings.Contains(got[0].Message, c.want) || got[0].Line != 8 {
			t.Errorf("%s: got %+v, want one %v finding on line 8 containing %q", c.name, got, c.sev, c.want)
			continue
		}
		if strings.Contains(got[0].Message, "t0k") || strings.Contains(got[0].Message, "dXNlcjpwYXNz") {
			t.Errorf("%s: a credential in the message", c.name)
		}
	}
}
