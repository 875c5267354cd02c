package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/ocl-build/ocl-build/pkg/pullsecret"
)

// Layout is where Write put each input, as paths for the offline commands'
// flags ("" when the snapshot has no such input).
type Layout struct {
	Dir string
	// MOSC is machineosconfig.yaml (--mosc).
	MOSC string
	// MachineConfigs is the machineconfigs/ directory: the pool and the
	// MachineConfigs it selects (--machineconfigs).
	MachineConfigs string
	// Rendered is the pool's current rendered MachineConfig, for comparison
	// only (not an input).
	Rendered string
	// OSImageURL is the machine-config-osimageurl ConfigMap (--osimageurl).
	OSImageURL string
	// TrustBundle is the user-ca-bundle ConfigMap's PEM (--additional-trust-bundle).
	TrustBundle string
	// AuthFile and PushAuthFile are .dockerconfigjson files, mode 0600
	// (--authfile, --push-authfile); Secrets holds both as Secret manifests
	// (mode 0600) for validate.
	AuthFile, PushAuthFile, Secrets string
	// YumReposDir, RPMGPGDir and EntitlementDir are the mounted directories
	// (--yum-repos-dir, --rpm-gpg-dir, --entitlement-dir).
	YumReposDir, RPMGPGDir, EntitlementDir string
	// RegistriesConf is from the mirror sets (--registries-conf), CertDir
	// from image.config's additionalTrustedCA (--cert-dir).
	RegistriesConf, CertDir string
	// ProxyEnv is proxy.env (HTTP_PROXY=…, mode 0600: a proxy URL can hold a
	// password); Proxy the values themselves.
	ProxyEnv string
	Proxy    ProxySettings
	// ClusterVersion is clusterversion.yaml.
	ClusterVersion string
}

// MarkerFile marks a directory Write made, so a later Write may replace it.
const MarkerFile = ".ocl-build-snapshot"

// Write writes the snapshot into dir as files the offline commands read as
// they are (`oc get -o yaml` style manifests, .dockerconfigjson files,
// directories for the mounts), plus a README saying what came from where and
// when. Secrets and credential files are mode 0600 in 0700 directories. dir
// must be absent, empty, or an earlier snapshot; it is replaced as a whole
// (built beside it, then renamed), so a failure leaves it as it was.
func (s *Snapshot) Write(dir string) (*Layout, error) {
	dir = filepath.Clean(dir)
	if err := checkReplaceable(dir); err != nil {
		return nil, err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o700); err != nil {
		return nil, err
	}
	l, err := s.writeInto(tmp)
	if err != nil {
		return nil, err
	}
	if err := swapDir(tmp, dir); err != nil {
		return nil, err
	}
	l.rebase(tmp, dir)
	return l, nil
}

// WriteTemp writes the snapshot into a new private temp directory (for a
// command that reads the cluster and then works as if given files); remove
// it with os.RemoveAll when done.
func (s *Snapshot) WriteTemp() (*Layout, error) {
	tmp, err := os.MkdirTemp("", "ocl-build-cluster-")
	if err != nil {
		return nil, err
	}
	l, err := s.writeInto(tmp)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	return l, nil
}

func checkReplaceable(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, MarkerFile)); err == nil {
		return nil
	}
	return fmt.Errorf("%s exists and is not an ocl-build snapshot (no %s): choose a new directory", dir, MarkerFile)
}

func swapDir(tmp, dir string) error {
	if _, err := os.Stat(dir); err == nil {
		old := tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return err
		}
		if err := os.Rename(tmp, dir); err != nil {
			_ = os.Rename(old, dir)
			return err
		}
		return os.RemoveAll(old)
	}
	return os.Rename(tmp, dir)
}

func (l *Layout) rebase(from, to string) {
	for _, p := range []*string{&l.Dir, &l.MOSC, &l.MachineConfigs, &l.Rendered, &l.OSImageURL, &l.TrustBundle,
		&l.AuthFile, &l.PushAuthFile, &l.Secrets, &l.YumReposDir, &l.RPMGPGDir, &l.EntitlementDir,
		&l.RegistriesConf, &l.CertDir, &l.ProxyEnv, &l.ClusterVersion} {
		if *p != "" {
			rel, err := filepath.Rel(from, *p)
			if err == nil {
				*p = filepath.Join(to, rel)
			}
		}
	}
}

// readmeLine is one row of the README table.
type readmeLine struct{ file, from, flag string }

func (s *Snapshot) writeInto(dir string) (*Layout, error) {
	l := &Layout{Dir: dir}
	var rows []readmeLine
	put := func(rel string, data []byte, mode os.FileMode) (string, error) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		return p, os.WriteFile(p, data, mode)
	}
	putObj := func(rel string, obj any, mode os.FileMode) (string, error) {
		b, err := yaml.Marshal(obj)
		if err != nil {
			return "", fmt.Errorf("%s: %w", rel, err)
		}
		return put(rel, b, mode)
	}
	var err error
	if s.MOSC != nil {
		if l.MOSC, err = putObj("machineosconfig.yaml", s.MOSC, 0o644); err != nil {
			return nil, err
		}
		rows = append(rows, readmeLine{"machineosconfig.yaml", "MachineOSConfig " + s.MOSC.Name, "--mosc"})
	}
	if s.Pool != nil {
		l.MachineConfigs = filepath.Join(dir, "machineconfigs")
		if _, err := putObj(filepath.Join("machineconfigs", "machineconfigpool-"+s.Pool.Name+".yaml"), s.Pool, 0o644); err != nil {
			return nil, err
		}
		for _, mc := range s.MachineConfigs {
			if _, err := putObj(filepath.Join("machineconfigs", mc.Name+".yaml"), mc, 0o644); err != nil {
				return nil, err
			}
		}
		rows = append(rows, readmeLine{"machineconfigs/", fmt.Sprintf("MachineConfigPool %s and the %d MachineConfigs it selects", s.Pool.Name, len(s.MachineConfigs)), "--machineconfigs"})
	}
	if s.Rendered != nil {
		if l.Rendered, err = putObj("rendered-machineconfig.yaml", s.Rendered, 0o644); err != nil {
			return nil, err
		}
		rows = append(rows, readmeLine{"rendered-machineconfig.yaml", "MachineConfig " + s.Rendered.Name + " (the pool's current rendered config; for comparison)", ""})
	}
	if s.OSImageURL != nil {
		if l.OSImageURL, err = putObj("machine-config-osimageurl.yaml", s.OSImageURL, 0o644); err != nil {
			return nil, err
		}
		rows = append(rows, readmeLine{"machine-config-osimageurl.yaml", "ConfigMap " + MCONamespace + "/" + OSImageURLName, "--osimageurl"})
	}
	if s.ClusterVersion != nil {
		if l.ClusterVersion, err = putObj("clusterversion.yaml", s.ClusterVersion, 0o644); err != nil {
			return nil, err
		}
		rows = append(rows, readmeLine{"clusterversion.yaml", fmt.Sprintf("ClusterVersion %s (OpenShift %s, release image %s)", ClusterVersionName, orNone(s.Version), orNone(s.ReleaseImage)), "--openshift-version " + majorMinor(s.Version)})
	}
	if s.UserCABundle != nil {
		// As PEM (data["ca-bundle.crt"]): what the build context gets.
		if l.TrustBundle, err = put("user-ca-bundle.crt", []byte(s.UserCABundle.Data["ca-bundle.crt"]), 0o644); err != nil {
			return nil, err
		}
		rows = append(rows, readmeLine{"user-ca-bundle.crt", "ConfigMap " + ConfigNamespace + "/" + UserCABundleName + " data[ca-bundle.crt]", "--additional-trust-bundle"})
	}
	var secrets []any
	for _, sc := range []struct {
		sec  *corev1.Secret
		file string
		dst  *string
		flag string
	}{{s.PullSecret, "pull-secret.json", &l.AuthFile, "--authfile"}, {s.PushSecret, "push-secret.json", &l.PushAuthFile, "--push-authfile"}} {
		if sc.sec == nil {
			continue
		}
		js, err := dockerConfigJSON(sc.sec)
		if err != nil {
			return nil, err
		}
		if *sc.dst, err = put(sc.file, js, 0o600); err != nil {
			return nil, err
		}
		rows = append(rows, readmeLine{sc.file + " (0600)", "Secret " + sc.sec.Namespace + "/" + sc.sec.Name, sc.flag})
		secrets = append(secrets, minimalSecret(sc.sec))
	}
	if len(secrets) > 0 {
		if l.Secrets, err = putObj("secrets.yaml", map[string]any{"apiVersion": "v1", "kind": "List", "items": secrets}, 0o600); err != nil {
			return nil, err
		}
		rows = append(rows, readmeLine{"secrets.yaml (0600)", "the same Secrets as manifests", "ocl-build validate"})
	}
	if s.YumRepos != nil {
		if l.YumReposDir, err = writeKeys(dir, "yum.repos.d", s.YumRepos.Data, s.YumRepos.BinaryData, 0o755, 0o644); err != nil {
			return nil, fmt.Errorf("ConfigMap %s: %w", YumReposName, err)
		}
		rows = append(rows, readmeLine{"yum.repos.d/", "ConfigMap " + MCONamespace + "/" + YumReposName, "--yum-repos-dir"})
	}
	for _, sc := range []struct {
		sec  *corev1.Secret
		sub  string
		dst  *string
		flag string
	}{{s.RPMGPG, "rpm-gpg", &l.RPMGPGDir, "--rpm-gpg-dir"}, {s.Entitlement, "entitlement", &l.EntitlementDir, "--entitlement-dir"}} {
		if sc.sec == nil {
			continue
		}
		if *sc.dst, err = writeKeys(dir, sc.sub, nil, sc.sec.Data, 0o700, 0o600); err != nil {
			//lint:ignore ST1005 Secret is the Kubernetes kind, spelt as the API spells it
			return nil, fmt.Errorf("Secret %s: %w", sc.sec.Name, err)
		}
		rows = append(rows, readmeLine{sc.sub + "/ (0600)", "Secret " + sc.sec.Namespace + "/" + sc.sec.Name, sc.flag})
	}
	if rc := s.RegistriesConf(); rc != nil {
		if l.RegistriesConf, err = put("registries.conf", rc, 0o644); err != nil {
			return nil, err
		}
		rows = append(rows, readmeLine{"registries.conf", fmt.Sprintf("%d ImageDigestMirrorSets, %d ImageTagMirrorSets", len(s.IDMS), len(s.ITMS)), "--registries-conf"})
	}
	cas, err := s.RegistryCAFiles()
	if err != nil {
		return nil, err
	}
	if len(cas) > 0 {
		bin := map[string][]byte{}
		for k, v := range cas {
			bin[k] = v
		}
		if l.CertDir, err = writeKeys(dir, "cert-dir", nil, bin, 0o755, 0o644); err != nil {
			return nil, err
		}
		rows = append(rows, readmeLine{"cert-dir/", fmt.Sprintf("ConfigMap %s/%s (image.config additionalTrustedCA; keys host..port renamed host:port.crt)", ConfigNamespace, s.RegistryCAs.Name), "--cert-dir"})
	}
	if p := s.ProxySettings(); p != (ProxySettings{}) {
		l.Proxy = p
		env := fmt.Sprintf("HTTP_PROXY=%s\nHTTPS_PROXY=%s\nNO_PROXY=%s\n", shellQuote(p.HTTPProxy), shellQuote(p.HTTPSProxy), shellQuote(p.NoProxy))
		if l.ProxyEnv, err = put("proxy.env", []byte(env), 0o600); err != nil {
			return nil, err
		}
		rows = append(rows, readmeLine{"proxy.env (0600)", "Proxy " + ClusterSingleton + " (status, else spec)", "--http-proxy/--https-proxy/--no-proxy, or `set -a; . proxy.env`"})
	}
	var extra []any
	if s.Proxy != nil {
		extra = append(extra, s.Proxy)
	}
	if s.ImageConfig != nil {
		extra = append(extra, s.ImageConfig)
	}
	for _, o := range s.IDMS {
		extra = append(extra, o)
	}
	for _, o := range s.ITMS {
		extra = append(extra, o)
	}
	if len(extra) > 0 {
		if _, err := putObj("cluster-config.yaml", map[string]any{"apiVersion": "v1", "kind": "List", "items": extra}, 0o644); err != nil {
			return nil, err
		}
		rows = append(rows, readmeLine{"cluster-config.yaml", "Proxy, image.config and mirror sets as read (for reference)", ""})
	}
	if _, err := put("README", []byte(s.readme(rows, l)), 0o644); err != nil {
		return nil, err
	}
	if _, err := put(MarkerFile, []byte("1\n"), 0o644); err != nil {
		return nil, err
	}
	return l, nil
}

// dockerConfigJSON canonicalises a pull secret (.dockerconfigjson or legacy
// .dockercfg) to {"auths": …}. Errors name the Secret, never its content.
func dockerConfigJSON(sec *corev1.Secret) ([]byte, error) {
	where := "Secret " + sec.Namespace + "/" + sec.Name
	data, ok := sec.Data[corev1.DockerConfigJsonKey]
	if !ok {
		if data, ok = sec.Data[corev1.DockerConfigKey]; !ok {
			return nil, fmt.Errorf("%s has neither %s nor %s: not a pull secret", where, corev1.DockerConfigJsonKey, corev1.DockerConfigKey)
		}
	}
	c, err := pullsecret.Parse(where, data)
	if err != nil {
		return nil, err
	}
	return c.JSON(), nil
}

// minimalSecret is the Secret without server-set metadata, as a manifest.
func minimalSecret(sec *corev1.Secret) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1ObjectMeta(sec.Namespace, sec.Name),
		Type:       sec.Type,
		Data:       sec.Data,
	}
}

// writeKeys writes ConfigMap/Secret keys as files of dir/sub (what a volume
// mount shows the build).
func writeKeys(dir, sub string, data map[string]string, bin map[string][]byte, dirMode, fileMode os.FileMode) (string, error) {
	p := filepath.Join(dir, sub)
	if err := os.MkdirAll(p, dirMode); err != nil {
		return "", err
	}
	if err := os.Chmod(p, dirMode); err != nil {
		return "", err
	}
	write := func(k string, v []byte) error {
		if k == "" || k == "." || k == ".." || strings.ContainsAny(k, "/\\") {
			return fmt.Errorf("key %q is not a file name", k)
		}
		return os.WriteFile(filepath.Join(p, k), v, fileMode)
	}
	for k, v := range data {
		if err := write(k, []byte(v)); err != nil {
			return "", err
		}
	}
	for k, v := range bin {
		if err := write(k, v); err != nil {
			return "", err
		}
	}
	return p, nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func majorMinor(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) >= 2 {
		return parts[0] + "." + strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' })
	}
	return "X.Y"
}

func (s *Snapshot) readme(rows []readmeLine, l *Layout) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ocl-build snapshot of pool %s\n\n", s.PoolName)
	fmt.Fprintf(&b, "Read from %s (kubeconfig context %q) at %s.\n", s.Server, s.Context, s.ReadAt.Format(time.RFC3339))
	b.WriteString("Files holding credentials are mode 0600: keep this directory private (do not commit them).\n\n")
	b.WriteString("file | came from | give it to the offline commands as\n")
	b.WriteString("-----|-----------|----------------------------------\n")
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].file < rows[j].file })
	for _, r := range rows {
		fmt.Fprintf(&b, "%s | %s | %s\n", r.file, r.from, r.flag)
	}
	if len(s.Notes) > 0 {
		b.WriteString("\nNotes:\n")
		for _, n := range s.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	b.WriteString("\nThe same build offline (from this directory):\n\n  ocl-build preflight " + strings.Join(l.relFlags(), " \\\n    ") + "\n")
	return b.String()
}

// relFlags is the command line that feeds the layout to render, build or
// preflight, with paths relative to the snapshot directory.
func (l *Layout) relFlags() []string {
	var f []string
	add := func(flag, p string) {
		if p == "" {
			return
		}
		rel, err := filepath.Rel(l.Dir, p)
		if err != nil {
			rel = p
		}
		f = append(f, flag+" "+rel)
	}
	if l.MOSC != "" {
		add("--mosc", l.MOSC)
	} else {
		f = append(f, "--containerfile Containerfile")
	}
	add("--machineconfigs", l.MachineConfigs)
	add("--osimageurl", l.OSImageURL)
	add("--additional-trust-bundle", l.TrustBundle)
	add("--authfile", l.AuthFile)
	add("--push-authfile", l.PushAuthFile)
	add("--yum-repos-dir", l.YumReposDir)
	add("--rpm-gpg-dir", l.RPMGPGDir)
	add("--entitlement-dir", l.EntitlementDir)
	add("--registries-conf", l.RegistriesConf)
	add("--cert-dir", l.CertDir)
	return f
}

// Flags is that command line as arguments with absolute paths.
func (l *Layout) Flags() []string {
	var f []string
	for _, kv := range l.relFlags() {
		flag, rel, _ := strings.Cut(kv, " ")
		if flag == "--containerfile" {
			continue
		}
		f = append(f, flag, filepath.Join(l.Dir, rel))
	}
	return f
}

func metav1ObjectMeta(ns, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name}
}
