package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	configv1 "github.com/openshift/api/config/v1"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ocl-build/ocl-build/internal/fixture"
	"github.com/ocl-build/ocl-build/pkg/build"
	"github.com/ocl-build/ocl-build/pkg/cluster"
	"github.com/ocl-build/ocl-build/pkg/mco"
)

// The cluster inputs of validate and check, the mirror sets and the Proxy,
// and status's MachineOSBuild name per version, against the real
// kube-apiserver of the fixture (the operator played by writing objects).
func TestClusterInputsEndToEnd(t *testing.T) {
	bldNeedRoot(t)
	e := startClusterEnv(t)
	kc := e.c.Kubeconfig
	ctx := context.Background()

	t.Run("Validate", func(t *testing.T) {
		// The cluster's own objects for the pool: the MachineOSConfig, the
		// pool and its MachineConfigs, the push and pull Secrets.
		code, out, errOut := e.run(t, "validate", "--kubeconfig", kc, "--pool", ceTestPool)
		if code != 0 || !strings.Contains(errOut, "OpenShift 4.19 (from cluster (ClusterVersion))") {
			t.Fatalf("validate --kubeconfig --pool: %d\n%s\n%s", code, out, errOut)
		}
		for _, absent := range []string{"OCL307", "OCL303"} {
			if strings.Contains(out, absent) {
				t.Errorf("the pool and push secret came from the cluster, yet %s:\n%s", absent, out)
			}
		}
		// A new MachineOSConfig as a file: the file replaces the cluster's,
		// the cluster gives its pool and its push Secret. Offline the pool
		// and the secret are unknown (info findings).
		mosc := ceTypedMOSC(ceTestPool, "RUN dnf install -y tmux && dnf clean all && ostree container commit\n", e.pushSpec)
		file := e.writeYAML(t, "validate/mosc.yaml", mosc)
		code, out, _ = e.run(t, "validate", file)
		if code != 0 || !strings.Contains(out, "OCL307") || !strings.Contains(out, "OCL303") {
			t.Fatalf("offline validate of the file: %d\n%s", code, out)
		}
		code, out, errOut = e.run(t, "validate", "--kubeconfig", kc, file)
		if code != 0 || strings.Contains(out, "OCL307") || strings.Contains(out, "OCL303") || strings.Contains(out, "cluster:") {
			t.Fatalf("validate --kubeconfig FILE (the pool from the file's MachineOSConfig, no duplicate): %d\n%s\n%s", code, out, errOut)
		}
		// The push Secret's content is the cluster's: it has no credential
		// for another registry.
		other := ceTypedMOSC(ceTestPool, "RUN true\n", "registry.example.com/mco/os-image:v1")
		file = e.writeYAML(t, "validate/other-registry.yaml", other)
		code, out, _ = e.run(t, "validate", "--kubeconfig", kc, file)
		if code != exitFindings || !regexp.MustCompile(`error OCL303: .*push-secret.*registry\.example\.com`).MatchString(out) {
			t.Errorf("push to a registry the cluster's push-secret does not cover: %d\n%s", code, out)
		}
		// Findings in the cluster's objects name them as the snapshot does.
		if _, err := fixture.CreateObject(ctx, e.dyn, fixture.GVRMachineConfigPool, ceTypedPool("lint-pool")); err != nil {
			t.Fatal(err)
		}
		if _, err := fixture.CreateObject(ctx, e.dyn, fixture.GVRMachineOSConfig, ceTypedMOSC("lint-pool", "RUN dnf install -y tmux\n", e.pushSpec)); err != nil {
			t.Fatal(err)
		}
		code, out, _ = e.run(t, "validate", "--kubeconfig", kc, "--pool", "lint-pool")
		if !strings.Contains(out, "cluster:machineosconfig.yaml:") || !strings.Contains(out, "OCL201") {
			t.Errorf("a finding in the cluster's MachineOSConfig: %d\n%s", code, out)
		}
		// --kube-context alone takes the kubeconfig from $KUBECONFIG; a
		// $KUBECONFIG alone keeps validate offline (FILE arguments needed).
		t.Setenv("KUBECONFIG", kc)
		code, out, errOut = e.run(t, "validate", "--kube-context", "fixture", "--pool", ceTestPool)
		if code != 0 || !strings.Contains(errOut, "OpenShift 4.19 (from cluster (ClusterVersion))") {
			t.Errorf("validate --kube-context with $KUBECONFIG: %d\n%s\n%s", code, out, errOut)
		}
		if code, _, errOut := e.run(t, "validate", "--pool", ceTestPool); code != exitInput || !strings.Contains(errOut, "requires at least 1 arg") {
			t.Errorf("validate with only $KUBECONFIG set: %d %s", code, errOut)
		}
		code, _, errOut = e.run(t, "validate", "--kube-context", "no-such-context", "--pool", ceTestPool)
		if code != exitInput || !strings.Contains(errOut, "no-such-context") {
			t.Errorf("an unknown context: %d %s", code, errOut)
		}
		// Without the right to read Secrets: the clear error; with the
		// Secrets given as files, they are not read and validate works.
		reader := ceReaderKubeconfig(t, e, "validate-reader")
		file = e.writeYAML(t, "validate/mosc-again.yaml", mosc)
		code, _, errOut = e.run(t, "validate", "--kubeconfig", reader, file)
		if code != exitInput || !strings.Contains(errOut, `cannot get secrets pull-secret in namespace openshift-config`) || !strings.Contains(errOut, "give the Secret as a FILE argument") {
			t.Errorf("validate without get secrets: %d %s", code, errOut)
		}
		t.Logf("validate without get secrets: %s", lastLine(errOut))
		pull, _ := os.ReadFile(e.w.PullSecretFile)
		push, _ := os.ReadFile(e.w.PushSecretFile)
		secrets := e.writeYAML(t, "validate/secrets.yaml",
			&corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: metav1.ObjectMeta{Name: "pull-secret", Namespace: "openshift-config"},
				Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{corev1.DockerConfigJsonKey: pull}},
			&corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: metav1.ObjectMeta{Name: "push-secret", Namespace: cluster.MCONamespace},
				Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{corev1.DockerConfigJsonKey: push}})
		code, out, errOut = e.run(t, "validate", "--kubeconfig", reader, file, secrets)
		if code != 0 || strings.Contains(out, "OCL307") || strings.Contains(out, "OCL303") {
			t.Errorf("validate without get secrets, the Secrets as files: %d\n%s\n%s", code, out, errOut)
		}
		// A pool that does not exist: exit 2 naming it.
		code, _, errOut = e.run(t, "validate", "--kubeconfig", kc, "--pool", "no-such-pool")
		if code != exitInput || !strings.Contains(errOut, "no-such-pool") {
			t.Errorf("missing pool: %d %s", code, errOut)
		}
	})

	t.Run("Check", func(t *testing.T) {
		// A pool whose MachineConfig asks for the realtime kernel: on the
		// cluster's 4.19 a layered pool never gets it (OCL423).
		if _, err := fixture.CreateObject(ctx, e.dyn, fixture.GVRMachineConfigPool, ceTypedPool("rt-pool")); err != nil {
			t.Fatal(err)
		}
		rt := ceTypedMC("99-rt-pool-realtime", "rt-pool", `{"ignition":{"version":"3.5.0"}}`)
		rt.Spec.KernelType = "realtime"
		if _, err := fixture.CreateObject(ctx, e.dyn, fixture.GVRMachineConfig, rt); err != nil {
			t.Fatal(err)
		}
		good := chkLayout(t, chkRoot(t))
		code, out, errOut := e.run(t, "check", good, "--kubeconfig", kc, "--pool", "rt-pool", "-o", "json")
		if code != 0 || !strings.Contains(out, `"rule": "OCL423"`) || !strings.Contains(errOut, "OpenShift 4.19 (from cluster (ClusterVersion))") {
			t.Fatalf("check --kubeconfig: %d\n%s\n%s", code, out, errOut)
		}
		// Offline, the same image has no MachineConfigs to check against.
		if code, out, _ := e.run(t, "check", good, "-o", "json"); code != 0 || strings.Contains(out, "OCL423") {
			t.Errorf("offline check: %d\n%s", code, out)
		}
		// An image on the fixture's TLS + htpasswd registry: readable only
		// with the cluster's pull secret (--authfile) and image.config's
		// registry CAs (--cert-dir), both read from the cluster.
		base := "docker://" + e.w.BaseImageDigest
		if code, _, errOut := e.run(t, "check", base, "--base", base, "-o", "json"); code != exitInput {
			t.Errorf("the fixture registry without credentials and CA: %d %s", code, lastLine(errOut))
		}
		code, out, errOut = e.run(t, "check", base, "--base", base, "--kubeconfig", kc, "--pool", "rt-pool", "-o", "json")
		if code != 0 || !strings.Contains(out, `"rule": "OCL423"`) {
			t.Errorf("check docker:// --kubeconfig: %d\n%s\n%s", code, out, errOut)
		}
		// --openshift-version wins over the cluster's; 4.20 applies realtime.
		code, out, errOut = e.run(t, "check", good, "--kubeconfig", kc, "--pool", "rt-pool", "--openshift-version", "4.20", "-o", "json")
		if code != 0 || strings.Contains(out, "OCL423") || !strings.Contains(errOut, "OpenShift 4.20 (from --openshift-version)") {
			t.Errorf("check --kubeconfig --openshift-version 4.20: %d\n%s\n%s", code, out, errOut)
		}
	})

	t.Run("MirrorsAndProxy", func(t *testing.T) { ceMirrorsAndProxy(t, e) })
	t.Run("StatusNameRulePerVersion", func(t *testing.T) { ceStatusNameRule(t, e) })

	for _, out := range e.outputs {
		for _, s := range e.secrets {
			if s != "" && strings.Contains(out, s) {
				t.Errorf("a credential appeared in the output")
			}
		}
	}
}

// ceMirrorsAndProxy creates an ImageDigestMirrorSet, an ImageTagMirrorSet
// and the Proxy's settings in the API server; snapshot writes them as
// registries.conf and proxy.env, and preflight pulls through the mirror.
func ceMirrorsAndProxy(t *testing.T, e *clusterEnv) {
	ctx := context.Background()
	kc := e.c.Kubeconfig
	// The base image's repository, mirrored to a registry that does not
	// answer, the source blocked: a pull that follows the cluster's
	// mirrors must fail on the mirror.
	artRepo := e.w.ReleaseRegistry + "/" + fixture.ArtRepo
	const deadMirror = "127.0.0.1:9/mirror/ocp-v4.0-art-dev"
	idms := &configv1.ImageDigestMirrorSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "config.openshift.io/v1", Kind: "ImageDigestMirrorSet"},
		ObjectMeta: metav1.ObjectMeta{Name: "art-mirror"},
		Spec: configv1.ImageDigestMirrorSetSpec{ImageDigestMirrors: []configv1.ImageDigestMirrors{{
			Source: artRepo, Mirrors: []configv1.ImageMirror{deadMirror}, MirrorSourcePolicy: configv1.NeverContactSource,
		}}},
	}
	itms := &configv1.ImageTagMirrorSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "config.openshift.io/v1", Kind: "ImageTagMirrorSet"},
		ObjectMeta: metav1.ObjectMeta{Name: "ubi-mirror"},
		Spec: configv1.ImageTagMirrorSetSpec{ImageTagMirrors: []configv1.ImageTagMirrors{{
			Source: "registry.access.redhat.com/ubi9", Mirrors: []configv1.ImageMirror{"mirror.example.com/ubi9"},
		}}},
	}
	if _, err := fixture.CreateObject(ctx, e.dyn, fixture.GVRImageDigestMirrors, idms); err != nil {
		t.Fatal(err)
	}
	if _, err := fixture.CreateObject(ctx, e.dyn, fixture.GVRImageTagMirrors, itms); err != nil {
		t.Fatal(err)
	}
	// The Proxy: spec as the admin sets it, status as the operator
	// completes it (noProxy with the cluster's networks); status wins.
	pu, err := e.dyn.Resource(fixture.GVRProxy).Get(ctx, "cluster", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec := configv1.ProxySpec{HTTPProxy: "http://proxy.example.com:3128", HTTPSProxy: "http://proxy.example.com:3128", NoProxy: ".example.com"}
	setSpec(t, pu, spec)
	if pu, err = e.dyn.Resource(fixture.GVRProxy).Update(ctx, pu, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := fixture.WriteStatus(ctx, e.dyn, fixture.GVRProxy, pu, configv1.ProxyStatus{
		HTTPProxy: spec.HTTPProxy, HTTPSProxy: spec.HTTPSProxy, NoProxy: ".cluster.local,.example.com,.svc,10.128.0.0/14,127.0.0.1,localhost",
	}); err != nil {
		t.Fatal(err)
	}

	snap := filepath.Join(e.dir, "snap-mirrors")
	code, out, errOut := e.run(t, "snapshot", "--kubeconfig", kc, "--pool", ceTestPool, "--dir", snap)
	if code != 0 {
		t.Fatalf("snapshot: %d\n%s\n%s", code, out, errOut)
	}
	rc, err := os.ReadFile(filepath.Join(snap, "registries.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`location = "` + artRepo + `"`, "blocked = true", `location = "` + deadMirror + `"`, `pull-from-mirror = "digest-only"`,
		`location = "registry.access.redhat.com/ubi9"`, `location = "mirror.example.com/ubi9"`, `pull-from-mirror = "tag-only"`,
	} {
		if !strings.Contains(string(rc), want) {
			t.Errorf("registries.conf lacks %s:\n%s", want, rc)
		}
	}
	penv, err := os.ReadFile(filepath.Join(snap, "proxy.env"))
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(filepath.Join(snap, "proxy.env")); st == nil || st.Mode().Perm() != 0o600 {
		t.Errorf("proxy.env mode: %v", st)
	}
	for _, want := range []string{"HTTP_PROXY='http://proxy.example.com:3128'", "NO_PROXY='.cluster.local,.example.com,.svc,10.128.0.0/14,127.0.0.1,localhost'"} {
		if !strings.Contains(string(penv), want) {
			t.Errorf("proxy.env lacks %s (the Proxy's status):\n%s", want, penv)
		}
	}
	readme, _ := os.ReadFile(filepath.Join(snap, "README"))
	for _, want := range []string{"ImageDigestMirrorSet", "ImageTagMirrorSet", "Proxy cluster"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README lacks %q:\n%s", want, readme)
		}
	}

	// preflight --kubeconfig pulls the base through the cluster's mirror:
	// the source is blocked, the mirror does not answer, the error names it.
	_, storeFlags := bldStoreFlags(t, "vfs")
	args := append([]string{"preflight", "--kubeconfig", kc, "--pool", ceTestPool, "--log-level", "debug", "--retry", "0"}, storeFlags...)
	code, out, errOut = e.run(t, args...)
	if code != exitInput || !strings.Contains(errOut, "127.0.0.1:9") {
		t.Errorf("preflight through the cluster's mirror: %d\n%s\n%s", code, out, errOut)
	}
	t.Logf("preflight's error: %s", lastLine(errOut))
	for _, want := range []string{"cluster: mirrors from ImageDigestMirrorSet", "cluster: proxy from Proxy cluster"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("preflight's debug lines lack %q:\n%s", want, errOut)
		}
	}

	// Without the mirrors, build --kubeconfig passes the cluster's Proxy to
	// the RUN steps as the operator passes it to buildah (build args).
	if err := e.dyn.Resource(fixture.GVRImageDigestMirrors).Delete(ctx, "art-mirror", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := e.dyn.Resource(fixture.GVRImageTagMirrors).Delete(ctx, "ubi-mirror", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		t.Log("-short: the proxy build is left out")
		return
	}
	cf := filepath.Join(e.dir, "Containerfile.proxy")
	_ = os.WriteFile(cf, []byte("FROM configs AS final\nRUN echo \"proxy seen: $HTTP_PROXY no_proxy: $NO_PROXY\" && test \"$HTTP_PROXY\" = http://proxy.example.com:3128\n"), 0o644)
	_, storeFlags = bldStoreFlags(t, build.DriverOverlay)
	args = append([]string{"build", "--kubeconfig", kc, "--pool", ceTestPool, "--containerfile", cf}, storeFlags...)
	code, out, errOut = e.run(t, args...)
	if code != 0 || !strings.Contains(out+errOut, "proxy seen: http://proxy.example.com:3128 no_proxy: .cluster.local,.example.com,.svc,10.128.0.0/14,127.0.0.1,localhost") {
		t.Errorf("build --kubeconfig with the cluster's Proxy: %d\n%s\n%s", code, out, lastLines(errOut, 20))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func setSpec(t *testing.T, u *unstructured.Unstructured, spec any) {
	t.Helper()
	b, _ := json.Marshal(spec)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	u.Object["spec"] = m
}

var predictedRE = regexp.MustCompile(`build: predicted ([a-z0-9-]+)`)

// ceStatusNameRule: status predicts the MachineOSBuild name with the rule of
// the cluster's version. Up to 4.21 the osimageurl ConfigMap is hashed; from
// 4.22 the rendered MachineConfig's images and release-version annotation
// (MCO release-4.22 pkg/controller/build/buildrequest/machineosbuild.go).
func ceStatusNameRule(t *testing.T, e *clusterEnv) {
	ctx := context.Background()
	kc := e.c.Kubeconfig
	const pool = "name-rule"
	if _, err := fixture.CreateObject(ctx, e.dyn, fixture.GVRMachineConfigPool, ceTypedPool(pool)); err != nil {
		t.Fatal(err)
	}
	if _, err := fixture.CreateObject(ctx, e.dyn, fixture.GVRMachineOSConfig, ceTypedMOSC(pool, "RUN true\n", e.pushSpec)); err != nil {
		t.Fatal(err)
	}
	// The render controller's part: the pool's configuration and the
	// rendered MachineConfig it names.
	rendered := "rendered-" + pool + "-00112233445566778899aabbccddeeff"
	pu, err := e.dyn.Resource(fixture.GVRMachineConfigPool).Get(ctx, pool, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := mcfgv1.MachineConfigPoolStatusConfiguration{
		ObjectReference: corev1.ObjectReference{Name: rendered},
		Source:          []corev1.ObjectReference{{Kind: "MachineConfig", Name: fixture.SeedRoleFileMachineConfig, APIVersion: "machineconfiguration.openshift.io/v1"}},
	}
	_ = unstructured.SetNestedField(pu.Object, toMap(t, cfg), "spec", "configuration")
	if _, err := e.dyn.Resource(fixture.GVRMachineConfigPool).Update(ctx, pu, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	rmc := ceTypedMC(rendered, pool, `{"ignition":{"version":"3.5.0"}}`)
	rmc.Labels = nil
	rmc.Annotations = map[string]string{mco.ReleaseImageVersionAnnotation: "4.22.3", mco.GeneratedByControllerAnnotation: "fixture"}
	rmc.Spec.OSImageURL = e.w.BaseImageDigest
	rmc.Spec.BaseOSExtensionsContainerImage = "registry.example.com/ext@sha256:" + strings.Repeat("e", 64)
	if _, err := fixture.CreateObject(ctx, e.dyn, fixture.GVRMachineConfig, rmc); err != nil {
		t.Fatal(err)
	}

	setVersion := func(v string) {
		t.Helper()
		u, err := e.dyn.Resource(fixture.GVRClusterVersion).Get(ctx, cluster.ClusterVersionName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var cv configv1.ClusterVersion
		b, _ := json.Marshal(u.Object)
		_ = json.Unmarshal(b, &cv)
		cv.Status.Desired.Version = v
		if err := fixture.WriteStatus(ctx, e.dyn, fixture.GVRClusterVersion, u, cv.Status); err != nil {
			t.Fatal(err)
		}
	}
	predict := func(v string, extra ...string) string {
		t.Helper()
		if v != "" {
			setVersion(v)
		}
		args := append([]string{"status", "--kubeconfig", kc, "--pool", pool}, extra...)
		code, out, errOut := e.run(t, args...)
		m := predictedRE.FindStringSubmatch(out)
		if code != exitInProgress || m == nil || !strings.HasPrefix(m[1], pool+"-") {
			t.Fatalf("status on %s: %d\n%s\n%s", v, code, out, errOut)
		}
		if want := "name rule of OpenShift " + v[:4]; v != "" && len(extra) == 0 && !strings.Contains(out, want+" (from cluster (ClusterVersion))") {
			t.Errorf("status does not say %q:\n%s", want, out)
		}
		return m[1]
	}
	_, out, _ := e.run(t, "status", "--kubeconfig", kc, "--pool", pool)
	t.Logf("status:\n%s", out)
	names := map[string]string{}
	for _, v := range []string{"4.19.10", "4.21.2", "4.22.3", "4.23.0"} {
		names[v[:4]] = predict(v)
	}
	if names["4.19"] != names["4.21"] || names["4.22"] != names["4.23"] {
		t.Errorf("the rule changes only at 4.22: %v", names)
	}
	if names["4.19"] == names["4.22"] {
		t.Fatalf("4.22 predicts 4.19's name %s: the version's rule is not applied", names["4.22"])
	}
	// The 4.22 name is the hash of the rendered MachineConfig's images, as
	// the server stores the objects (CRD defaults included).
	mu, err := e.dyn.Resource(fixture.GVRMachineOSConfig).Get(ctx, pool, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var mosc mcfgv1.MachineOSConfig
	b, _ := json.Marshal(mu.Object)
	_ = json.Unmarshal(b, &mosc)
	want, err := mco.ImageTag(pool, cfg, mosc.Spec, mco.OSImageURLConfig{BaseOSContainerImage: rmc.Spec.OSImageURL, BaseOSExtensionsContainerImage: rmc.Spec.BaseOSExtensionsContainerImage, ReleaseVersion: "4.22.3"})
	if err != nil {
		t.Fatal(err)
	}
	if names["4.22"] != want {
		t.Errorf("4.22 name %s, want %s (hash of the rendered MachineConfig's images)", names["4.22"], want)
	}
	// What each rule reads: the ConfigMap moves 4.19's name, not 4.22's;
	// the rendered MachineConfig's osImageURL moves 4.22's, not 4.19's.
	cm, err := e.kube.CoreV1().ConfigMaps(cluster.MCONamespace).Get(ctx, cluster.OSImageURLName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["osImageURL"] = "registry.example.com/changed@sha256:" + strings.Repeat("c", 64)
	if _, err := e.kube.CoreV1().ConfigMaps(cluster.MCONamespace).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := predict("4.19.10"); n == names["4.19"] {
		t.Errorf("4.19's name did not follow the osimageurl ConfigMap")
	}
	if n := predict("4.22.3"); n != names["4.22"] {
		t.Errorf("4.22's name followed the osimageurl ConfigMap: %s, was %s", n, names["4.22"])
	}
	// --openshift-version overrides the cluster's, with a warning.
	code, out, _ := e.run(t, "status", "--kubeconfig", kc, "--pool", pool, "--openshift-version", "4.19")
	t.Logf("status --openshift-version 4.19:\n%s", out)
	if m := predictedRE.FindStringSubmatch(out); code != exitInProgress || m == nil || m[1] == names["4.22"] || !strings.Contains(out, "says OpenShift 4.22") {
		t.Errorf("--openshift-version 4.19 on a 4.22 cluster: %d\n%s", code, out)
	}
	mc, err := e.dyn.Resource(fixture.GVRMachineConfig).Get(ctx, rendered, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_ = unstructured.SetNestedField(mc.Object, "registry.example.com/other@sha256:"+strings.Repeat("d", 64), "spec", "osImageURL")
	if _, err := e.dyn.Resource(fixture.GVRMachineConfig).Update(ctx, mc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := predict("4.22.3"); n == names["4.22"] {
		t.Errorf("4.22's name did not follow the rendered MachineConfig's osImageURL")
	}
	// Where the 4.22 operator names no build, status says why: a rendered
	// MachineConfig without its generated-by-controller-version annotation,
	// then none at all. 4.19 still names one (it hashes the ConfigMap).
	mc, _ = e.dyn.Resource(fixture.GVRMachineConfig).Get(ctx, rendered, metav1.GetOptions{})
	mc.SetAnnotations(map[string]string{mco.ReleaseImageVersionAnnotation: "4.22.3"})
	if _, err := e.dyn.Resource(fixture.GVRMachineConfig).Update(ctx, mc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	code, out, _ = e.run(t, "status", "--kubeconfig", kc, "--pool", pool)
	if code != exitInProgress || !strings.Contains(out, "build: predicted (unknown: the build controller creates no MachineOSBuild: rendered MachineConfig "+rendered+" has no "+mco.GeneratedByControllerAnnotation+" annotation") {
		t.Errorf("4.22 with a rendered MachineConfig lacking the annotation: %d\n%s", code, out)
	}
	if err := e.dyn.Resource(fixture.GVRMachineConfig).Delete(ctx, rendered, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	code, out, _ = e.run(t, "status", "--kubeconfig", kc, "--pool", pool)
	if code != exitInProgress || !strings.Contains(out, "build: predicted (unknown: the build controller creates no MachineOSBuild: OpenShift 4.22 hashes the pool's rendered MachineConfig "+rendered+", which is missing)") {
		t.Errorf("4.22 without the rendered MachineConfig: %d\n%s", code, out)
	}
	if n := predict("4.19.10"); n == "" {
		t.Errorf("4.19 without the rendered MachineConfig names no build")
	}
	setVersion(fixture.ReleaseVersion)
}

func toMap(t *testing.T, v any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(v)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// ceReaderKubeconfig writes a kubeconfig for a new ServiceAccount that may
// read every openshift/api object, ConfigMaps, nodes and pods, but no Secret.
func ceReaderKubeconfig(t *testing.T, e *clusterEnv, sa string) string {
	t.Helper()
	ctx := context.Background()
	ns := cluster.MCONamespace
	if _, err := e.kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.kube.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: sa},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"machineconfiguration.openshift.io", "config.openshift.io"}, Resources: []string{"*"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{""}, Resources: []string{"configmaps", "nodes", "pods"}, Verbs: []string{"get", "list", "watch"}},
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.kube.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: sa},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: sa},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa, Namespace: ns}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tr, err := e.kube.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, &authv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, tr.Status.Token)
	kc := filepath.Join(e.dir, sa+".kubeconfig")
	if err := e.c.WriteKubeconfig(kc, sa, tr.Status.Token); err != nil {
		t.Fatal(err)
	}
	return kc
}
