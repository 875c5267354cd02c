package cluster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ocl-build/ocl-build/internal/regretry"
)

func TestRegistriesConfFromMirrorSets(t *testing.T) {
	s := &Snapshot{
		IDMS: []*configv1.ImageDigestMirrorSet{{Spec: configv1.ImageDigestMirrorSetSpec{ImageDigestMirrors: []configv1.ImageDigestMirrors{
			{Source: "quay.io/openshift-release-dev/ocp-v4.0-art-dev", Mirrors: []configv1.ImageMirror{"mirror.example.com/art", "backup.example.com/art"}, MirrorSourcePolicy: configv1.NeverContactSource},
		}}}},
		ITMS: []*configv1.ImageTagMirrorSet{{Spec: configv1.ImageTagMirrorSetSpec{ImageTagMirrors: []configv1.ImageTagMirrors{
			{Source: "registry.redhat.io/ubi9", Mirrors: []configv1.ImageMirror{"mirror.example.com/ubi9"}},
			{Source: "quay.io/openshift-release-dev/ocp-v4.0-art-dev", Mirrors: []configv1.ImageMirror{"tags.example.com/art"}},
		}}}},
	}
	got := string(s.RegistriesConf())
	want := `# From the cluster's ImageDigestMirrorSets and ImageTagMirrorSets (ocl-build snapshot).
unqualified-search-registries = []

[[registry]]
  prefix = ""
  location = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
  blocked = true

  [[registry.mirror]]
    location = "mirror.example.com/art"
    pull-from-mirror = "digest-only"

  [[registry.mirror]]
    location = "backup.example.com/art"
    pull-from-mirror = "digest-only"

  [[registry.mirror]]
    location = "tags.example.com/art"
    pull-from-mirror = "tag-only"

[[registry]]
  prefix = ""
  location = "registry.redhat.io/ubi9"

  [[registry.mirror]]
    location = "mirror.example.com/ubi9"
    pull-from-mirror = "tag-only"
`
	if got != want {
		t.Errorf("registries.conf:\n%s\nwant:\n%s", got, want)
	}
	if (&Snapshot{}).RegistriesConf() != nil {
		t.Error("no mirror sets must give no registries.conf")
	}
}

func TestRegistryCAKeysBecomeHostPortFiles(t *testing.T) {
	s := &Snapshot{RegistryCAs: &corev1.ConfigMap{Data: map[string]string{"registry.example.com..5000": "A", "quay.example.com": "B"}}}
	got, err := s.RegistryCAFiles()
	if err != nil {
		t.Fatal(err)
	}
	if string(got["registry.example.com:5000.crt"]) != "A" || string(got["quay.example.com.crt"]) != "B" || len(got) != 2 {
		t.Errorf("files: %v", got)
	}
	s.RegistryCAs.Data = map[string]string{"../evil": "x"}
	if _, err := s.RegistryCAFiles(); err == nil {
		t.Error("a key with a path in it was accepted")
	}
}

func TestWriteModesAndReplace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "snap")
	pull := `{"auths":{"quay.io":{"auth":"dXNlcjpwYXNz"}}}`
	s := &Snapshot{
		PoolName: "infra", Server: "https://127.0.0.1:1", ReadAt: time.Unix(0, 0),
		Pool: &mcfgv1.MachineConfigPool{ObjectMeta: metav1.ObjectMeta{Name: "infra"}},
		PullSecret: &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ConfigNamespace, Name: GlobalPullSecret},
			Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte(pull)}},
		RPMGPG: &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: MCONamespace, Name: RPMGPGName}, Data: map[string][]byte{"RPM-GPG-KEY-x": []byte("key")}},
		Proxy:  &configv1.Proxy{Spec: configv1.ProxySpec{HTTPProxy: "http://user:pw@proxy:3128"}},
	}
	l, err := s.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	for p, mode := range map[string]os.FileMode{l.AuthFile: 0o600, l.Secrets: 0o600, l.RPMGPGDir: 0o700 | os.ModeDir, filepath.Join(l.RPMGPGDir, "RPM-GPG-KEY-x"): 0o600, l.ProxyEnv: 0o600} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode()&(os.ModePerm|os.ModeDir) != mode {
			t.Errorf("%s: mode %v, want %v", p, st.Mode(), mode)
		}
	}
	readme, _ := os.ReadFile(filepath.Join(dir, "README"))
	if strings.Contains(string(readme), "pw@") || strings.Contains(string(readme), "dXNlcjpwYXNz") {
		t.Error("README holds a credential")
	}
	// Replaced whole: a stale file of the first snapshot is gone.
	_ = os.WriteFile(filepath.Join(dir, "stale"), nil, 0o644)
	s.RPMGPG = nil
	if _, err := s.Write(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "stale")); !os.IsNotExist(err) {
		t.Error("the old snapshot was not replaced")
	}
	if _, err := os.Stat(filepath.Join(dir, "rpm-gpg")); !os.IsNotExist(err) {
		t.Error("rpm-gpg/ survived a snapshot without it")
	}
	other := t.TempDir()
	_ = os.WriteFile(filepath.Join(other, "mine"), nil, 0o644)
	if _, err := s.Write(other); err == nil || !strings.Contains(err.Error(), "not an ocl-build snapshot") {
		t.Errorf("writing over a foreign directory: %v", err)
	}
}

func TestReadApplicableRefusals(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ok := write("ok.yaml", `apiVersion: machineconfiguration.openshift.io/v1
kind: MachineOSConfig
metadata: {name: infra, resourceVersion: "7"}
spec: {machineConfigPool: {name: infra}}
---
apiVersion: v1
kind: Secret
metadata: {name: push-secret}
type: kubernetes.io/dockerconfigjson
`)
	objs, err := ReadApplicable([]string{ok})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0].Obj.GetKind() != "Secret" || objs[0].Obj.GetNamespace() != MCONamespace || objs[1].Obj.GetResourceVersion() != "" {
		t.Errorf("order/namespace/cleanup wrong: %+v", objs)
	}
	for name, body := range map[string]string{
		"rebuild.yaml": "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineOSConfig\nmetadata:\n  name: infra\n  annotations:\n    machineconfiguration.openshift.io/rebuild: \"\"\n",
		"current.yaml": "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineOSConfig\nmetadata:\n  name: infra\n  annotations:\n    machineconfiguration.openshift.io/current-machine-os-build: x\n",
		"deploy.yaml":  "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n",
		"unnamed.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {}\n",
	} {
		_, err := ReadApplicable([]string{write(name, body)})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestUnreachableRetriedThenTyped(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	_ = os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
current-context: x
clusters: [{name: x, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: x, user: {token: t0ken}}]
contexts: [{name: x, context: {cluster: x, user: x}}]
`), 0o600)
	var notices int
	c, err := Connect(ConnectOptions{Kubeconfig: kc, Retry: regretry.Policy{Retries: 2, Delay: 10 * time.Millisecond},
		Notice: func(error, time.Duration, int, int) { notices++ }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Read(context.Background(), Target{Pool: "worker"})
	var ue *UnreachableError
	if !errors.As(err, &ue) || ue.Attempts != 3 || notices != 2 {
		t.Fatalf("err %v (notices %d)", err, notices)
	}
	if strings.Contains(err.Error(), "t0ken") {
		t.Error("the token is in the error")
	}
	if _, err := Connect(ConnectOptions{Kubeconfig: filepath.Join(t.TempDir(), "none")}); err == nil {
		t.Error("a missing kubeconfig was accepted")
	}
}
