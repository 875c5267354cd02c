package main

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/ocl-build/ocl-build/internal/testutil"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	authv1 "k8s.io/api/authentication/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/ocl-build/ocl-build/internal/fixture"
	"github.com/ocl-build/ocl-build/pkg/build"
	"github.com/ocl-build/ocl-build/pkg/cluster"
)

// clusterEnv is the fixture world and a seeded fixture cluster, plus every
// output the commands printed (scanned for credentials at the end).
type clusterEnv struct {
	w        *fixture.World
	c        *fixture.Cluster
	kube     kubernetes.Interface
	dyn      dynamic.Interface
	dir      string
	mu       sync.Mutex
	outputs  []string
	secrets  []string
	pushSpec string
}

func (e *clusterEnv) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	code, out, errOut := runCLI(t, "", args...)
	e.mu.Lock()
	e.outputs = append(e.outputs, out, errOut)
	e.mu.Unlock()
	return code, out, errOut
}

func (e *clusterEnv) writeYAML(t *testing.T, rel string, objs ...any) string {
	t.Helper()
	var b bytes.Buffer
	for _, o := range objs {
		y, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	p := filepath.Join(e.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The pool the tests set up as an admin would: a custom pool, its
// MachineOSConfig with Containerfile.example, the push secret and the
// yum repos ConfigMap.
const ceTestPool = "worker-automount"

func ceTypedPool(name string) *mcfgv1.MachineConfigPool {
	return &mcfgv1.MachineConfigPool{
		TypeMeta:   metav1.TypeMeta{APIVersion: "machineconfiguration.openshift.io/v1", Kind: "MachineConfigPool"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: mcfgv1.MachineConfigPoolSpec{
			MachineConfigSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
				Key: "machineconfiguration.openshift.io/role", Operator: metav1.LabelSelectorOpIn, Values: []string{"worker", name},
			}}},
			NodeSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"node-role.kubernetes.io/" + name: ""}},
			Paused:       true,
		},
	}
}

func ceTypedMOSC(pool, content, pushSpec string) *mcfgv1.MachineOSConfig {
	return &mcfgv1.MachineOSConfig{
		TypeMeta:   metav1.TypeMeta{APIVersion: "machineconfiguration.openshift.io/v1", Kind: "MachineOSConfig"},
		ObjectMeta: metav1.ObjectMeta{Name: pool},
		Spec: mcfgv1.MachineOSConfigSpec{
			MachineConfigPool:       mcfgv1.MachineConfigPoolReference{Name: pool},
			ImageBuilder:            mcfgv1.MachineOSImageBuilder{ImageBuilderType: mcfgv1.JobBuilder},
			RenderedImagePushSecret: mcfgv1.ImageSecretObjectReference{Name: "push-secret"},
			RenderedImagePushSpec:   mcfgv1.ImageTagFormat(pushSpec),
			Containerfile:           []mcfgv1.MachineOSContainerfile{{ContainerfileArch: mcfgv1.NoArch, Content: content}},
		},
	}
}

func ceTypedMC(name, role, ign string) *mcfgv1.MachineConfig {
	mc := fixture.SeedMachineConfigs()[0].DeepCopy()
	mc.Name = name
	mc.Labels = map[string]string{"machineconfiguration.openshift.io/role": role}
	mc.Spec.Config.Raw = []byte(ign)
	return mc
}

func startClusterEnv(t *testing.T) *clusterEnv {
	t.Helper()
	e := &clusterEnv{w: fixture.Start(t), c: fixture.StartCluster(t), dir: t.TempDir()}
	ctx := context.Background()
	if err := e.c.Seed(ctx, e.w); err != nil {
		t.Fatal(err)
	}
	var err error
	if e.kube, err = kubernetes.NewForConfig(e.c.AdminRESTConfig()); err != nil {
		t.Fatal(err)
	}
	if e.dyn, err = dynamic.NewForConfig(e.c.AdminRESTConfig()); err != nil {
		t.Fatal(err)
	}
	e.secrets = append(append([]string{}, e.w.Secrets()...), e.c.Secrets()...)
	e.pushSpec = e.w.PushRegistry + "/" + fixture.PushRepoPath + ":cluster-test"

	// The admin's part, through the real API server.
	content, err := os.ReadFile(bldRepoPath(t, "Containerfile.example"))
	if err != nil {
		t.Fatal(err)
	}
	push, err := os.ReadFile(e.w.PushSecretFile)
	if err != nil {
		t.Fatal(err)
	}
	repo, err := os.ReadFile(filepath.Join(e.w.YumReposDir, "ocl-build-fixture.repo"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.kube.CoreV1().Secrets(cluster.MCONamespace).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "push-secret", Namespace: cluster.MCONamespace},
		Type:       corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{corev1.DockerConfigJsonKey: push},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.kube.CoreV1().ConfigMaps(cluster.MCONamespace).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: cluster.YumReposName, Namespace: cluster.MCONamespace},
		Data:       map[string]string{"ocl-build-fixture.repo": string(repo)},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		gvr schema.GroupVersionResource
		obj any
	}{
		{fixture.GVRMachineConfigPool, ceTypedPool(ceTestPool)},
		{fixture.GVRMachineConfig, ceTypedMC("60-worker-automount-file", ceTestPool, `{"ignition":{"version":"3.5.0"},"storage":{"files":[{"path":"/etc/auto.master.d/ocl.autofs","mode":420,"contents":{"source":"data:,%2Fmnt%20%2Fetc%2Fauto.ocl%0A"}}]}}`)},
		{fixture.GVRMachineOSConfig, ceTypedMOSC(ceTestPool, string(content), e.pushSpec)},
	} {
		if _, err := fixture.CreateObject(ctx, e.dyn, o.gvr, o.obj); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// Every command against one real kube-apiserver (the fixture cluster), the
// operator played only by writing what it would write.
func TestClusterEndToEnd(t *testing.T) {
	bldNeedRoot(t)
	e := startClusterEnv(t)
	kc := e.c.Kubeconfig

	t.Run("RenderFromClusterEqualsFiles", func(t *testing.T) {
		// The same objects as files: what the test applied plus what the
		// seed wrote (its worker MachineConfigs and the osimageurl ConfigMap).
		content, _ := os.ReadFile(bldRepoPath(t, "Containerfile.example"))
		mcs := []any{ceTypedPool(ceTestPool), ceTypedMC("60-worker-automount-file", ceTestPool, `{"ignition":{"version":"3.5.0"},"storage":{"files":[{"path":"/etc/auto.master.d/ocl.autofs","mode":420,"contents":{"source":"data:,%2Fmnt%20%2Fetc%2Fauto.ocl%0A"}}]}}`)}
		for _, mc := range fixture.SeedMachineConfigs() {
			mcs = append(mcs, mc)
		}
		mcFile := e.writeYAML(t, "files/mcs.yaml", mcs...)
		moscFile := e.writeYAML(t, "files/mosc.yaml", ceTypedMOSC(ceTestPool, string(content), e.pushSpec))
		osFile := e.writeYAML(t, "files/osimageurl.yaml", fixture.OSImageURLConfigMap(e.w))

		code, fromFiles, errOut := e.run(t, "render", "--mosc", moscFile, "--machineconfigs", mcFile, "--osimageurl", osFile)
		if code != 0 {
			t.Fatalf("render from files: %d\n%s", code, errOut)
		}
		code, fromCluster, errOut := e.run(t, "render", "--kubeconfig", kc, "--pool", ceTestPool)
		if code != 0 {
			t.Fatalf("render --kubeconfig: %d\n%s", code, errOut)
		}
		if fromCluster != fromFiles {
			t.Errorf("render from the cluster differs from render from the same objects as files:\ncluster:\n%s\nfiles:\n%s", fromCluster, fromFiles)
		}
		for _, want := range []string{"FROM " + e.w.BaseImageDigest, "LABEL machineconfigpool=" + ceTestPool, "dnf install -y"} {
			if !strings.Contains(fromCluster, want) {
				t.Errorf("rendered Containerfile lacks %q", want)
			}
		}
		if !strings.Contains(errOut, "OpenShift "+fixture.ReleaseVersion) {
			t.Errorf("the cluster's version is not reported: %s", errOut)
		}
		// The profile comes from ClusterVersion, before the ConfigMap.
		if !strings.Contains(errOut, "OpenShift 4.19 (from cluster (ClusterVersion))") {
			t.Errorf("the version is not taken from the cluster: %s", errOut)
		}
		// A file on the command line wins over the cluster's copy.
		other := e.writeYAML(t, "files/mosc-other.yaml", ceTypedMOSC(ceTestPool, "RUN echo from-the-file\n", e.pushSpec))
		code, out, errOut := e.run(t, "render", "--kubeconfig", kc, "--mosc", other)
		if code != 0 || !strings.Contains(out, "RUN echo from-the-file") || strings.Contains(out, "dnf install -y") {
			t.Errorf("--mosc FILE with --kubeconfig: %d\n%s\n%s", code, out, errOut)
		}
	})

	snap := filepath.Join(e.dir, "snap")
	t.Run("Snapshot", func(t *testing.T) {
		code, out, errOut := e.run(t, "snapshot", "--kubeconfig", kc, "--pool", ceTestPool, "--dir", snap, "--log-level", "debug")
		if code != 0 {
			t.Fatalf("snapshot: %d\n%s\n%s", code, out, errOut)
		}
		for f, mode := range map[string]os.FileMode{
			"README": 0o644, "machineosconfig.yaml": 0o644, "machine-config-osimageurl.yaml": 0o644, "clusterversion.yaml": 0o644,
			"user-ca-bundle.crt": 0o644, "pull-secret.json": 0o600, "push-secret.json": 0o600, "secrets.yaml": 0o600,
			"yum.repos.d/ocl-build-fixture.repo":       0o644,
			"cert-dir/" + e.w.ReleaseRegistry + ".crt": 0o644, "cert-dir/" + e.w.PushRegistry + ".crt": 0o644,
			"machineconfigs/machineconfigpool-" + ceTestPool + ".yaml": 0o644, "machineconfigs/60-worker-automount-file.yaml": 0o644,
			"machineconfigs/" + fixture.SeedRoleFileMachineConfig + ".yaml": 0o644,
		} {
			st, err := os.Stat(filepath.Join(snap, f))
			if err != nil {
				t.Errorf("snapshot lacks %s: %v", f, err)
				continue
			}
			if st.Mode().Perm() != mode {
				t.Errorf("%s: mode %v, want %v", f, st.Mode().Perm(), mode)
			}
		}
		// The global pull secret, canonical, byte for byte what the seed stored.
		got, _ := os.ReadFile(filepath.Join(snap, "pull-secret.json"))
		var a, b any
		want, _ := os.ReadFile(e.w.PullSecretFile)
		_ = json.Unmarshal(got, &a)
		_ = json.Unmarshal(want, &b)
		if ja, _ := json.Marshal(a); string(ja) != func() string { jb, _ := json.Marshal(b); return string(jb) }() {
			t.Errorf("pull-secret.json is not the cluster's global pull secret")
		}
		readme, _ := os.ReadFile(filepath.Join(snap, "README"))
		for _, want := range []string{"Secret openshift-config/pull-secret", "MachineOSConfig " + ceTestPool, e.c.Server, "--cert-dir cert-dir", "host..port"} {
			if !strings.Contains(string(readme), want) {
				t.Errorf("README lacks %q:\n%s", want, readme)
			}
		}
		// Written again over itself: replaced whole; over another directory: refused.
		if code, _, errOut := e.run(t, "snapshot", "--kubeconfig", kc, "--pool", ceTestPool, "--dir", snap, "-q"); code != 0 {
			t.Errorf("snapshot over a snapshot: %d %s", code, errOut)
		}
		if code, _, errOut := e.run(t, "snapshot", "--kubeconfig", kc, "--pool", ceTestPool, "--dir", e.w.RunDir); code != exitInput || !strings.Contains(errOut, "not an ocl-build snapshot") {
			t.Errorf("snapshot over a foreign directory: %d %s", code, errOut)
		}
	})

	t.Run("SnapshotThenOfflinePreflight", func(t *testing.T) {
		if testing.Short() {
			t.Skip("builds and pushes (make test runs it)")
		}
		if _, err := os.Stat(filepath.Join(snap, "README")); err != nil {
			t.Skip("no snapshot")
		}
		l := layoutFlags(snap)
		_, storeFlags := bldStoreFlags(t, build.DriverOverlay)
		manifestsDir := filepath.Join(e.dir, "preflight-out")
		args := append(append([]string{"preflight", "--push", e.pushSpec, "--manifests-dir", manifestsDir, "--with-pool", "--with-secrets", "--log-level", "debug"}, l...), storeFlags...)
		code, out, errOut := e.run(t, args...)
		if code != 0 {
			t.Fatalf("offline preflight from the snapshot: %d\n%s\n%s", code, out, errOut)
		}
		ref, _ := name.ParseReference(e.pushSpec)
		desc, err := remote.Head(ref, e.w.RemoteOptions(true)...)
		if err != nil {
			t.Fatalf("the image was not pushed: %v", err)
		}
		if !strings.Contains(out, desc.Digest.String()) {
			t.Errorf("preflight output does not name the pushed digest %s:\n%s", desc.Digest, out)
		}
	})

	t.Run("ApplyDryRunThenApply", func(t *testing.T) {
		const pool = "infra-ocl"
		dir := filepath.Join(e.dir, "apply")
		code, out, errOut := e.run(t, "manifests", "--containerfile", bldRepoPath(t, "Containerfile.example"), "--pool", pool, "--with-pool",
			"--push-spec", e.w.PushRegistry+"/"+fixture.PushRepoPath+":infra", "--push-secret", "push-secret")
		if code != 0 {
			t.Fatalf("manifests: %d\n%s\n%s", code, out, errOut)
		}
		_ = os.MkdirAll(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, "layering.yaml"), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errOut = e.run(t, "apply", "--kubeconfig", kc, "--dry-run=server", dir)
		if code != 0 || !strings.Contains(out, "MachineOSConfig "+pool+" created (server dry run)") || !strings.Contains(out, "+++ applied/MachineOSConfig/"+pool) {
			t.Fatalf("apply --dry-run=server: %d\n%s\n%s", code, out, errOut)
		}
		// The server's defaulting shows in the diff; nothing was stored.
		if !strings.Contains(out, "containerfileArch: NoArch") {
			t.Errorf("dry-run diff lacks the server-defaulted containerfileArch:\n%s", out)
		}
		if _, err := e.dyn.Resource(fixture.GVRMachineOSConfig).Get(context.Background(), pool, metav1.GetOptions{}); err == nil {
			t.Fatal("the dry run stored the MachineOSConfig")
		}
		code, out, errOut = e.run(t, "apply", "--kubeconfig", kc, dir)
		if code != 0 || !strings.Contains(out, "MachineOSConfig "+pool+" created") || !strings.Contains(out, "MachineConfigPool "+pool+" created") {
			t.Fatalf("apply: %d\n%s\n%s", code, out, errOut)
		}
		u, err := e.dyn.Resource(fixture.GVRMachineOSConfig).Get(context.Background(), pool, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if mf := u.GetManagedFields(); len(mf) == 0 || mf[0].Manager != cluster.FieldManager || mf[0].Operation != metav1.ManagedFieldsOperationApply {
			t.Errorf("not server-side applied by %s: %+v", cluster.FieldManager, mf)
		}
		code, out, _ = e.run(t, "apply", "--kubeconfig", kc, dir)
		if code != 0 || !strings.Contains(out, "MachineOSConfig "+pool+" unchanged") {
			t.Errorf("second apply: %d\n%s", code, out)
		}
		// The operator's annotations are refused before anything is sent.
		bad := filepath.Join(e.dir, "bad.yaml")
		mosc := ceTypedMOSC(pool, "RUN true\n", e.pushSpec)
		mosc.Annotations = map[string]string{cluster.AnnotationRebuild: ""}
		b, _ := yaml.Marshal(mosc)
		_ = os.WriteFile(bad, b, 0o644)
		code, _, errOut = e.run(t, "apply", "--kubeconfig", kc, bad)
		if code != exitInput || !strings.Contains(errOut, cluster.AnnotationRebuild) || !strings.Contains(errOut, "bad.yaml") {
			t.Errorf("rebuild annotation: %d %s", code, errOut)
		}
	})

	t.Run("StatusWatch", func(t *testing.T) { ceStatusWatch(t, e) })
	t.Run("PermissionDenied", func(t *testing.T) { cePermission(t, e) })

	t.Run("Unreachable", func(t *testing.T) {
		dead := filepath.Join(e.dir, "dead.kubeconfig")
		cfg, _ := os.ReadFile(kc)
		_ = os.WriteFile(dead, bytes.Replace(cfg, []byte(e.c.Server), []byte("https://127.0.0.1:1"), 1), 0o600)
		start := time.Now()
		code, _, errOut := e.run(t, "snapshot", "--kubeconfig", dead, "--pool", ceTestPool, "--dir", filepath.Join(e.dir, "dead"))
		if code != exitInput || !strings.Contains(errOut, "unreachable after 4 attempts") || !strings.Contains(errOut, "retry 3 of 3") {
			t.Errorf("unreachable API server: %d %s", code, errOut)
		}
		if d := time.Since(start); d < 7*time.Second {
			t.Errorf("gave up after %s: the retries (1s, 2s, 4s) did not wait", d)
		}
	})

	// No credential byte in anything printed, debug logs included.
	for _, out := range e.outputs {
		for _, s := range e.secrets {
			if s != "" && strings.Contains(out, s) {
				t.Errorf("a credential appeared in the output")
			}
		}
	}
}

// layoutFlags is the offline command line for a snapshot directory.
func layoutFlags(dir string) []string {
	var f []string
	for flag, rel := range map[string]string{
		"--mosc": "machineosconfig.yaml", "--machineconfigs": "machineconfigs", "--osimageurl": "machine-config-osimageurl.yaml",
		"--additional-trust-bundle": "user-ca-bundle.crt", "--authfile": "pull-secret.json", "--push-authfile": "push-secret.json",
		"--yum-repos-dir": "yum.repos.d", "--cert-dir": "cert-dir",
	} {
		f = append(f, flag, filepath.Join(dir, rel))
	}
	return f
}

func waitFor(t *testing.T, buf *testutil.SyncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(buf.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("status --watch never printed %q; it printed:\n%s", want, buf.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ceStatusWatch plays the operator for pool ceTestPool: it renders the
// pool, creates the MachineOSBuild with the predicted name, its Job and pod,
// finishes the build and rolls the node out, while status --watch follows.
func ceStatusWatch(t *testing.T, e *clusterEnv) {
	ctx := context.Background()
	kc := e.c.Kubeconfig
	dyn := e.dyn
	// The render controller's part: the pool's rendered config.
	pu, err := dyn.Resource(fixture.GVRMachineConfigPool).Get(ctx, ceTestPool, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var pool mcfgv1.MachineConfigPool
	b, _ := json.Marshal(pu.Object)
	_ = json.Unmarshal(b, &pool)
	pool.Spec.Configuration.Name = "rendered-" + ceTestPool + "-0123456789abcdef0123456789abcdef"
	pool.Spec.Configuration.Source = []corev1.ObjectReference{{Kind: "MachineConfig", Name: "60-worker-automount-file", APIVersion: "machineconfiguration.openshift.io/v1"}}
	m, _ := json.Marshal(pool)
	if err := json.Unmarshal(m, &pu.Object); err != nil {
		t.Fatal(err)
	}
	if pu, err = dyn.Resource(fixture.GVRMachineConfigPool).Update(ctx, pu, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := fixture.WriteStatus(ctx, dyn, fixture.GVRMachineConfigPool, pu, mcfgv1.MachineConfigPoolStatus{
		MachineCount: 1, UpdatedMachineCount: 0, ReadyMachineCount: 0,
		Conditions: []mcfgv1.MachineConfigPoolCondition{{Type: mcfgv1.MachineConfigPoolUpdating, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}},
	}); err != nil {
		t.Fatal(err)
	}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Labels: map[string]string{"node-role.kubernetes.io/" + ceTestPool: ""}}}
	if _, err := e.kube.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	var buf testutil.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"status", "--kubeconfig", kc, "--pool", ceTestPool, "--watch", "--resync", "1s", "--timeout", "3m"}, strings.NewReader(""), &buf, &buf)
	}()
	waitFor(t, &buf, "not created yet")
	// Without --watch, in progress is exit 3.
	if code, out, _ := e.run(t, "status", "--kubeconfig", kc, "--pool", ceTestPool); code != exitInProgress || !strings.Contains(out, "in progress") {
		t.Errorf("status while waiting: %d\n%s", code, out)
	}
	st, err := func() (*cluster.Status, error) {
		c, err := cluster.Connect(cluster.ConnectOptions{Kubeconfig: kc})
		if err != nil {
			return nil, err
		}
		return c.PoolStatus(ctx, ceTestPool, cluster.StatusOptions{})
	}()
	if err != nil || st.PredictedBuild == "" || !strings.HasPrefix(st.PredictedBuild, ceTestPool+"-") {
		t.Fatalf("predicted build name: %v %+v", err, st)
	}
	mosbName := st.PredictedBuild

	// The build controller's part: MachineOSBuild, Job, pod, annotation.
	if _, err := e.kube.CoreV1().ServiceAccounts(cluster.MCONamespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	jobName := "build-" + mosbName
	if _, err := e.kube.BatchV1().Jobs(cluster.MCONamespace).Create(ctx, &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: jobName},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{Name: "image-build", Image: "quay.io/buildah/stable"}}}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod, err := e.kube.CoreV1().Pods(cluster.MCONamespace).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: jobName + "-x1", Labels: map[string]string{"job-name": jobName}},
		Spec:       corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "image-build", Image: "quay.io/buildah/stable"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status.Phase = corev1.PodRunning
	if _, err := e.kube.CoreV1().Pods(cluster.MCONamespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	mosb := &mcfgv1.MachineOSBuild{
		TypeMeta:   metav1.TypeMeta{APIVersion: "machineconfiguration.openshift.io/v1", Kind: "MachineOSBuild"},
		ObjectMeta: metav1.ObjectMeta{Name: mosbName, Labels: map[string]string{"machineconfiguration.openshift.io/machine-os-config": ceTestPool}},
		Spec: mcfgv1.MachineOSBuildSpec{
			MachineConfig:         mcfgv1.MachineConfigReference{Name: pool.Spec.Configuration.Name},
			MachineOSConfig:       mcfgv1.MachineOSConfigReference{Name: ceTestPool},
			RenderedImagePushSpec: mcfgv1.ImageTagFormat(strings.TrimSuffix(e.pushSpec, ":cluster-test") + ":" + mosbName),
		},
	}
	mu, err := fixture.CreateObject(ctx, dyn, fixture.GVRMachineOSBuild, mosb)
	if err != nil {
		t.Fatal(err)
	}
	building := mcfgv1.MachineOSBuildStatus{
		Conditions: []metav1.Condition{{Type: string(mcfgv1.MachineOSBuilding), Status: metav1.ConditionTrue, Reason: "Building", Message: "Image build in progress", LastTransitionTime: metav1.Now()}},
		Builder:    &mcfgv1.MachineOSBuilderReference{ImageBuilderType: mcfgv1.JobBuilder, Job: &mcfgv1.ObjectReference{Group: "batch", Resource: "jobs", Namespace: cluster.MCONamespace, Name: jobName}},
	}
	if err := fixture.WriteStatus(ctx, dyn, fixture.GVRMachineOSBuild, mu, building); err != nil {
		t.Fatal(err)
	}
	waitFor(t, &buf, "MachineOSBuild "+mosbName+": Building")
	waitFor(t, &buf, "pod Running")

	// Success: digest, MachineOSConfig status and annotation, rollout.
	digest := strings.TrimSuffix(e.pushSpec, ":cluster-test") + "@sha256:" + strings.Repeat("ab", 32)
	mu, _ = dyn.Resource(fixture.GVRMachineOSBuild).Get(ctx, mosbName, metav1.GetOptions{})
	succeeded := building
	succeeded.Conditions = []metav1.Condition{
		{Type: string(mcfgv1.MachineOSBuilding), Status: metav1.ConditionFalse, Reason: "Built", Message: "done", LastTransitionTime: metav1.Now()},
		{Type: string(mcfgv1.MachineOSBuildSucceeded), Status: metav1.ConditionTrue, Reason: "Built", Message: "Build succeeded", LastTransitionTime: metav1.Now()},
	}
	succeeded.DigestedImagePushSpec = mcfgv1.ImageDigestFormat(digest)
	if err := fixture.WriteStatus(ctx, dyn, fixture.GVRMachineOSBuild, mu, succeeded); err != nil {
		t.Fatal(err)
	}
	mo, _ := dyn.Resource(fixture.GVRMachineOSConfig).Get(ctx, ceTestPool, metav1.GetOptions{})
	mo.SetAnnotations(map[string]string{cluster.AnnotationCurrentBuild: mosbName})
	if mo, err = dyn.Resource(fixture.GVRMachineOSConfig).Update(ctx, mo, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := fixture.WriteStatus(ctx, dyn, fixture.GVRMachineOSConfig, mo, mcfgv1.MachineOSConfigStatus{
		CurrentImagePullSpec: mcfgv1.ImageDigestFormat(digest), ObservedGeneration: mo.GetGeneration(),
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, &buf, "MachineOSBuild "+mosbName+": Succeeded")
	waitFor(t, &buf, "node worker-0 runs unknown")
	n, _ := e.kube.CoreV1().Nodes().Get(ctx, "worker-0", metav1.GetOptions{})
	n.Annotations = map[string]string{cluster.AnnotationDesiredImage: digest, cluster.AnnotationCurrentImage: digest, cluster.AnnotationNodeState: "Done"}
	if _, err := e.kube.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	pu, _ = dyn.Resource(fixture.GVRMachineConfigPool).Get(ctx, ceTestPool, metav1.GetOptions{})
	if err := fixture.WriteStatus(ctx, dyn, fixture.GVRMachineConfigPool, pu, mcfgv1.MachineConfigPoolStatus{
		MachineCount: 1, UpdatedMachineCount: 1, ReadyMachineCount: 1,
		Conditions: []mcfgv1.MachineConfigPoolCondition{{Type: mcfgv1.MachineConfigPoolUpdated, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}},
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		out := buf.String()
		if code != 0 || !strings.Contains(out, ": done") || !strings.Contains(out, "node worker-0: desired "+digest+", current "+digest) || !strings.Contains(out, "cluster's is the same") {
			t.Errorf("status --watch ended %d:\n%s", code, out)
		}
		e.mu.Lock()
		e.outputs = append(e.outputs, out)
		e.mu.Unlock()
	case <-time.After(90 * time.Second):
		t.Fatalf("status --watch did not end when the pool ran the image:\n%s", buf.String())
	}

	// A failed build: exit 1, the phase and the pod's state shown. The CRD
	// forbids changing a Succeeded build's conditions, so the operator's
	// next build is a new MachineOSBuild, named by the annotation.
	failedName := mosbName + "-retry"
	fb := mosb.DeepCopy()
	fb.Name = failedName
	fu, err := fixture.CreateObject(ctx, dyn, fixture.GVRMachineOSBuild, fb)
	if err != nil {
		t.Fatal(err)
	}
	failed := building
	failed.Conditions = []metav1.Condition{{Type: string(mcfgv1.MachineOSBuildFailed), Status: metav1.ConditionTrue, Reason: "BuildFailed", Message: "Failed: dnf exited 1", LastTransitionTime: metav1.Now()}}
	if err := fixture.WriteStatus(ctx, dyn, fixture.GVRMachineOSBuild, fu, failed); err != nil {
		t.Fatal(err)
	}
	mo, _ = dyn.Resource(fixture.GVRMachineOSConfig).Get(ctx, ceTestPool, metav1.GetOptions{})
	mo.SetAnnotations(map[string]string{cluster.AnnotationCurrentBuild: failedName})
	if _, err = dyn.Resource(fixture.GVRMachineOSConfig).Update(ctx, mo, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod, _ = e.kube.CoreV1().Pods(cluster.MCONamespace).Get(ctx, pod.Name, metav1.GetOptions{})
	pod.Status.Phase = corev1.PodFailed
	if _, err := e.kube.CoreV1().Pods(cluster.MCONamespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	code, out, _ := e.run(t, "status", "--kubeconfig", kc, "--pool", ceTestPool)
	if code != exitFindings || !strings.Contains(out, ": failed") || !strings.Contains(out, "dnf exited 1") || !strings.Contains(out, "pod Failed") || !strings.Contains(out, "logs of pod") {
		t.Errorf("failed build: %d\n%s", code, out)
	}
}

// cePermission: a ServiceAccount that may read everything but Secrets gets
// a clear error from snapshot, while render (which needs no Secret) works.
func cePermission(t *testing.T, e *clusterEnv) {
	ctx := context.Background()
	const ns, sa = "openshift-machine-config-operator", "ocl-reader"
	if _, err := e.kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "ocl-reader"},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"machineconfiguration.openshift.io", "config.openshift.io"}, Resources: []string{"*"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{""}, Resources: []string{"configmaps", "nodes", "pods"}, Verbs: []string{"get", "list", "watch"}},
		},
	}
	if _, err := e.kube.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.kube.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "ocl-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "ocl-reader"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa, Namespace: ns}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tr, err := e.kube.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, tr.Status.Token)
	kc := filepath.Join(e.dir, "reader.kubeconfig")
	if err := e.c.WriteKubeconfig(kc, sa, tr.Status.Token); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := e.run(t, "snapshot", "--kubeconfig", kc, "--pool", ceTestPool, "--dir", filepath.Join(e.dir, "denied"), "--log-level", "debug")
	if code != exitInput || !strings.Contains(errOut, `cannot get secrets pull-secret in namespace openshift-config`) || !strings.Contains(errOut, `needs "get" on "secrets"`) || !strings.Contains(errOut, "--authfile") {
		t.Errorf("snapshot without get secrets: %d %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "denied")); !os.IsNotExist(err) {
		t.Errorf("a failed snapshot left a directory: %v", err)
	}
	// render reads no Secret: it works with these rights.
	if code, out, errOut := e.run(t, "render", "--kubeconfig", kc, "--pool", ceTestPool); code != 0 || !strings.Contains(out, "FROM ") {
		t.Errorf("render without get secrets: %d %s", code, errOut)
	}
}
