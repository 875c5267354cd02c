package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ocl-build/ocl-build/pkg/mco"
)

// Where the operator keeps what it reads (MCO release-4.19,
// pkg/controller/build: the osimageurl ConfigMap, the global pull secret,
// the user CA bundle and the mounted ConfigMap/Secrets).
const (
	MCONamespace       = "openshift-machine-config-operator"
	ConfigNamespace    = "openshift-config"
	OSImageURLName     = "machine-config-osimageurl"
	GlobalPullSecret   = "pull-secret"
	UserCABundleName   = "user-ca-bundle"
	YumReposName       = "etc-yum-repos-d"
	RPMGPGName         = "etc-pki-rpm-gpg"
	EntitlementName    = "etc-pki-entitlement"
	ClusterVersionName = "version"
	ClusterSingleton   = "cluster"
)

// Resources read and written.
var (
	GVRMachineOSConfig    = schema.GroupVersionResource{Group: "machineconfiguration.openshift.io", Version: "v1", Resource: "machineosconfigs"}
	GVRMachineOSBuild     = schema.GroupVersionResource{Group: "machineconfiguration.openshift.io", Version: "v1", Resource: "machineosbuilds"}
	GVRMachineConfig      = schema.GroupVersionResource{Group: "machineconfiguration.openshift.io", Version: "v1", Resource: "machineconfigs"}
	GVRMachineConfigPool  = schema.GroupVersionResource{Group: "machineconfiguration.openshift.io", Version: "v1", Resource: "machineconfigpools"}
	GVRClusterVersion     = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "clusterversions"}
	GVRImageConfig        = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "images"}
	GVRProxy              = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "proxies"}
	GVRImageDigestMirrors = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "imagedigestmirrorsets"}
	GVRImageTagMirrors    = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "imagetagmirrorsets"}
)

// Item is one input of the build that Read can fetch.
type Item string

// The items, each replaceable by a command-line flag.
const (
	ItemMachineOSConfig Item = "machineosconfig" // --mosc / --containerfile
	ItemMachineConfigs  Item = "machineconfigs"  // --machineconfigs
	ItemOSImageURL      Item = "osimageurl"      // --osimageurl / --base-image / --release
	ItemClusterVersion  Item = "clusterversion"
	ItemPullSecret      Item = "pull-secret"    // --authfile
	ItemPushSecret      Item = "push-secret"    // --push-authfile
	ItemUserCABundle    Item = "user-ca-bundle" // --additional-trust-bundle
	ItemYumRepos        Item = "yum-repos"      // --yum-repos-dir
	ItemRPMGPG          Item = "rpm-gpg"        // --rpm-gpg-dir
	ItemEntitlement     Item = "entitlement"    // --entitlement-dir
	ItemProxy           Item = "proxy"          // --http-proxy, --https-proxy, --no-proxy
	ItemMirrors         Item = "mirrors"        // --registries-conf
	ItemRegistryCAs     Item = "registry-cas"   // --cert-dir
)

// flagFor names the flag that gives an item as a file instead.
var flagFor = map[Item]string{
	ItemMachineOSConfig: "--mosc FILE or --containerfile FILE",
	ItemMachineConfigs:  "--machineconfigs DIR",
	ItemOSImageURL:      "--osimageurl FILE, --base-image REF or --release REF",
	ItemClusterVersion:  "--openshift-version X.Y",
	ItemPullSecret:      "--authfile FILE",
	ItemPushSecret:      "--push-authfile FILE",
	ItemUserCABundle:    "--additional-trust-bundle FILE",
	ItemYumRepos:        "--yum-repos-dir DIR",
	ItemRPMGPG:          "--rpm-gpg-dir DIR",
	ItemEntitlement:     "--entitlement-dir DIR",
	ItemProxy:           "--http-proxy/--https-proxy/--no-proxy",
	ItemMirrors:         "--registries-conf FILE",
	ItemRegistryCAs:     "--cert-dir DIR",
}

// Target says what to read: the pool, or the MachineOSConfig by name (its
// pool then), and which items not to read because the caller has them
// from files.
type Target struct {
	Pool, MOSC string
	Skip       map[Item]bool
	// Given is a MachineOSConfig the caller has from a file (its own is not
	// read then): the pull and push Secrets read are the ones it names.
	Given *mcfgv1.MachineOSConfig
}

// Source records where one input came from, for the snapshot's README.
type Source struct {
	Item Item
	// From is "Kind namespace/name" on the cluster, or a note why absent.
	From string
}

// Snapshot is everything Read found. Objects are as the API server returned
// them, managedFields dropped. Absent optional objects are nil.
type Snapshot struct {
	Server, Context string
	ReadAt          time.Time

	PoolName string
	Pool     *mcfgv1.MachineConfigPool
	// MachineConfigs are the ones the pool's machineConfigSelector picks.
	MachineConfigs []*mcfgv1.MachineConfig
	// Rendered is the rendered MachineConfig the pool currently uses
	// (spec.configuration.name), nil when it has none yet.
	Rendered *mcfgv1.MachineConfig
	MOSC     *mcfgv1.MachineOSConfig

	OSImageURL     *corev1.ConfigMap
	ClusterVersion *configv1.ClusterVersion
	// Version is ClusterVersion's status.desired.version (feed it to
	// pkg/ocpversion), ReleaseImage its status.desired.image.
	Version, ReleaseImage string

	// PullSecret is the base image's pull secret: the MachineOSConfig's
	// baseImagePullSecret, else openshift-config/pull-secret.
	PullSecret *corev1.Secret
	PushSecret *corev1.Secret

	UserCABundle *corev1.ConfigMap
	YumRepos     *corev1.ConfigMap
	RPMGPG       *corev1.Secret
	Entitlement  *corev1.Secret

	Proxy       *configv1.Proxy
	IDMS        []*configv1.ImageDigestMirrorSet
	ITMS        []*configv1.ImageTagMirrorSet
	ImageConfig *configv1.Image
	RegistryCAs *corev1.ConfigMap

	Sources []Source
	// Notes are things the admin should know: the pool's rendered config is
	// out of date, an optional object is absent, ...
	Notes []string
}

func (s *Snapshot) source(it Item, format string, args ...any) {
	s.Sources = append(s.Sources, Source{Item: it, From: fmt.Sprintf(format, args...)})
}

func (s *Snapshot) note(format string, args ...any) {
	s.Notes = append(s.Notes, fmt.Sprintf(format, args...))
}

// Read fetches the build inputs of one pool. Only reads are made.
func (c *Client) Read(ctx context.Context, t Target) (*Snapshot, error) {
	s := &Snapshot{Server: c.Server, Context: c.Context, ReadAt: time.Now().UTC()}
	skip := func(it Item) bool { return t.Skip[it] }

	// The MachineOSConfig names the pool, or the pool finds its
	// MachineOSConfig (the CRD requires their names to match from 4.21; an
	// older cluster may differ, so search by spec.machineConfigPool.name).
	if t.MOSC != "" {
		var u *unstructured.Unstructured
		err := c.do(ctx, request{verb: "get", resource: resourceName(GVRMachineOSConfig), name: t.MOSC, without: flagFor[ItemMachineOSConfig]}, func(ctx context.Context) (err error) {
			u, err = c.Dynamic.Resource(GVRMachineOSConfig).Get(ctx, t.MOSC, metav1.GetOptions{})
			return err
		})
		if apierrors.IsNotFound(unwrapAPI(err)) {
			return nil, &NotFoundError{Resource: "MachineOSConfig", Name: t.MOSC}
		}
		if err != nil {
			return nil, err
		}
		var m mcfgv1.MachineOSConfig
		if err := fromUnstructured(u, &m); err != nil {
			return nil, err
		}
		s.MOSC = &m
		if t.Pool != "" && t.Pool != m.Spec.MachineConfigPool.Name {
			return nil, fmt.Errorf("MachineOSConfig %s is for pool %q, not %q", t.MOSC, m.Spec.MachineConfigPool.Name, t.Pool)
		}
		t.Pool = m.Spec.MachineConfigPool.Name
	}
	if t.Pool == "" {
		return nil, fmt.Errorf("say which pool: --pool NAME (or --mosc NAME)")
	}
	s.PoolName = t.Pool

	var pu *unstructured.Unstructured
	err := c.do(ctx, request{verb: "get", resource: resourceName(GVRMachineConfigPool), name: t.Pool, without: "--machineconfigs DIR with the pool's YAML"}, func(ctx context.Context) (err error) {
		pu, err = c.Dynamic.Resource(GVRMachineConfigPool).Get(ctx, t.Pool, metav1.GetOptions{})
		return err
	})
	switch {
	case apierrors.IsNotFound(unwrapAPI(err)):
		return nil, &NotFoundError{Resource: "MachineConfigPool", Name: t.Pool, Hint: "create it first (ocl-build manifests --with-pool writes one)"}
	case err != nil:
		return nil, err
	}
	var pool mcfgv1.MachineConfigPool
	if err := fromUnstructured(pu, &pool); err != nil {
		return nil, err
	}
	s.Pool = &pool
	s.source(ItemMachineConfigs, "MachineConfigPool %s", pool.Name)

	if s.MOSC == nil && !skip(ItemMachineOSConfig) {
		if err := c.findMOSC(ctx, s); err != nil {
			return nil, err
		}
	}
	if !skip(ItemMachineConfigs) {
		if err := c.readMachineConfigs(ctx, s); err != nil {
			return nil, err
		}
	}
	if !skip(ItemOSImageURL) {
		cm, err := c.configMap(ctx, MCONamespace, OSImageURLName, ItemOSImageURL)
		if err != nil {
			return nil, err
		}
		if cm == nil {
			s.note("ConfigMap %s/%s is missing: give the base image with %s", MCONamespace, OSImageURLName, flagFor[ItemOSImageURL])
		} else {
			s.OSImageURL = cm
			s.source(ItemOSImageURL, "ConfigMap %s/%s", MCONamespace, OSImageURLName)
		}
	}
	if !skip(ItemClusterVersion) {
		if err := c.readClusterVersion(ctx, s); err != nil {
			return nil, err
		}
	}
	secretsOf := s.MOSC
	if t.Given != nil {
		secretsOf = t.Given
	}
	if !skip(ItemPullSecret) {
		ns, name := ConfigNamespace, GlobalPullSecret
		if secretsOf != nil && secretsOf.Spec.BaseImagePullSecret != nil && secretsOf.Spec.BaseImagePullSecret.Name != "" {
			ns, name = MCONamespace, secretsOf.Spec.BaseImagePullSecret.Name
		}
		sec, err := c.secret(ctx, ns, name, ItemPullSecret)
		if err != nil {
			return nil, err
		}
		if sec == nil {
			return nil, &NotFoundError{Resource: "Secret", Namespace: ns, Name: name, Hint: "the base image's pull secret (or give " + flagFor[ItemPullSecret] + ")"}
		}
		s.PullSecret = sec
		s.source(ItemPullSecret, "Secret %s/%s", ns, name)
	}
	if !skip(ItemPushSecret) && secretsOf != nil && secretsOf.Spec.RenderedImagePushSecret.Name != "" {
		name := secretsOf.Spec.RenderedImagePushSecret.Name
		sec, err := c.secret(ctx, MCONamespace, name, ItemPushSecret)
		if err != nil {
			return nil, err
		}
		if sec == nil {
			s.note("the MachineOSConfig's push secret %s/%s does not exist: the cluster's build cannot push", MCONamespace, name)
		} else {
			s.PushSecret = sec
			s.source(ItemPushSecret, "Secret %s/%s", MCONamespace, name)
		}
	}
	if !skip(ItemUserCABundle) {
		cm, err := c.configMap(ctx, ConfigNamespace, UserCABundleName, ItemUserCABundle)
		if err != nil {
			return nil, err
		}
		s.UserCABundle = cm
		if cm != nil {
			s.source(ItemUserCABundle, "ConfigMap %s/%s", ConfigNamespace, UserCABundleName)
		}
	}
	if !skip(ItemYumRepos) {
		cm, err := c.configMap(ctx, MCONamespace, YumReposName, ItemYumRepos)
		if err != nil {
			return nil, err
		}
		s.YumRepos = cm
		if cm != nil {
			s.source(ItemYumRepos, "ConfigMap %s/%s", MCONamespace, YumReposName)
		}
	}
	if !skip(ItemRPMGPG) {
		sec, err := c.secret(ctx, MCONamespace, RPMGPGName, ItemRPMGPG)
		if err != nil {
			return nil, err
		}
		s.RPMGPG = sec
		if sec != nil {
			s.source(ItemRPMGPG, "Secret %s/%s", MCONamespace, RPMGPGName)
		}
	}
	if !skip(ItemEntitlement) {
		// The operator mounts only etc-pki-entitlement-<pool> (MCO
		// release-4.19 … main, buildrequest/buildrequestopts.go).
		name := EntitlementName + "-" + t.Pool
		sec, err := c.secret(ctx, MCONamespace, name, ItemEntitlement)
		if err != nil {
			return nil, err
		}
		if sec != nil {
			s.Entitlement = sec
			s.source(ItemEntitlement, "Secret %s/%s", MCONamespace, name)
		} else if generic, err := c.secret(ctx, MCONamespace, EntitlementName, ItemEntitlement); err == nil && generic != nil {
			s.note("Secret %s/%s exists, but the operator mounts only %s into pool %s's build: copy it under that name to use it", MCONamespace, EntitlementName, name, t.Pool)
		}
	}
	if !skip(ItemProxy) {
		var p configv1.Proxy
		ok, err := c.getCluster(ctx, GVRProxy, ClusterSingleton, ItemProxy, &p)
		if err != nil {
			return nil, err
		}
		if ok {
			s.Proxy = &p
			if proxyOf(&p) != (ProxySettings{}) {
				s.source(ItemProxy, "Proxy %s", ClusterSingleton)
			}
		}
	}
	if !skip(ItemMirrors) {
		if err := c.readMirrors(ctx, s); err != nil {
			return nil, err
		}
	}
	if !skip(ItemRegistryCAs) {
		var img configv1.Image
		ok, err := c.getCluster(ctx, GVRImageConfig, ClusterSingleton, ItemRegistryCAs, &img)
		if err != nil {
			return nil, err
		}
		if ok {
			s.ImageConfig = &img
			if name := img.Spec.AdditionalTrustedCA.Name; name != "" {
				cm, err := c.configMap(ctx, ConfigNamespace, name, ItemRegistryCAs)
				if err != nil {
					return nil, err
				}
				if cm == nil {
					s.note("image.config.openshift.io/cluster names additionalTrustedCA %q, but ConfigMap %s/%s does not exist", name, ConfigNamespace, name)
				} else {
					s.RegistryCAs = cm
					s.source(ItemRegistryCAs, "ConfigMap %s/%s (image.config.openshift.io/cluster spec.additionalTrustedCA)", ConfigNamespace, name)
				}
			}
		}
	}
	return s, nil
}

func (c *Client) findMOSC(ctx context.Context, s *Snapshot) error {
	var list *unstructured.UnstructuredList
	err := c.do(ctx, request{verb: "list", resource: resourceName(GVRMachineOSConfig), without: flagFor[ItemMachineOSConfig]}, func(ctx context.Context) (err error) {
		list, err = c.Dynamic.Resource(GVRMachineOSConfig).List(ctx, metav1.ListOptions{})
		return err
	})
	if err != nil {
		return err
	}
	for i := range list.Items {
		var m mcfgv1.MachineOSConfig
		if err := fromUnstructured(&list.Items[i], &m); err != nil {
			return err
		}
		if m.Spec.MachineConfigPool.Name == s.PoolName {
			if s.MOSC != nil {
				return fmt.Errorf("pool %s has two MachineOSConfigs (%s, %s); choose one with --mosc NAME", s.PoolName, s.MOSC.Name, m.Name)
			}
			mm := m
			s.MOSC = &mm
		}
	}
	if s.MOSC == nil {
		s.note("no MachineOSConfig for pool %s on the cluster: give the Containerfile with --containerfile FILE", s.PoolName)
	} else {
		s.source(ItemMachineOSConfig, "MachineOSConfig %s", s.MOSC.Name)
	}
	return nil
}

func (c *Client) readMachineConfigs(ctx context.Context, s *Snapshot) error {
	var list *unstructured.UnstructuredList
	err := c.do(ctx, request{verb: "list", resource: resourceName(GVRMachineConfig), without: flagFor[ItemMachineConfigs]}, func(ctx context.Context) (err error) {
		list, err = c.Dynamic.Resource(GVRMachineConfig).List(ctx, metav1.ListOptions{})
		return err
	})
	if err != nil {
		return err
	}
	all := make([]*mcfgv1.MachineConfig, 0, len(list.Items))
	byName := map[string]*mcfgv1.MachineConfig{}
	for i := range list.Items {
		var mc mcfgv1.MachineConfig
		if err := fromUnstructured(&list.Items[i], &mc); err != nil {
			return err
		}
		m := &mc
		all = append(all, m)
		byName[m.Name] = m
	}
	sel, err := mco.SelectMachineConfigs(s.PoolName, s.Pool, all)
	if err != nil {
		return fmt.Errorf("MachineConfigPool %s: %w", s.PoolName, err)
	}
	s.MachineConfigs = sel
	var names []string
	for _, m := range sel {
		names = append(names, m.Name)
	}
	s.source(ItemMachineConfigs, "%d MachineConfigs selected by pool %s: %s", len(sel), s.PoolName, strings.Join(names, ", "))

	cur := s.Pool.Spec.Configuration
	if cur.Name == "" {
		s.note("pool %s has no rendered MachineConfig yet (spec.configuration.name is empty)", s.PoolName)
		return nil
	}
	s.Rendered = byName[cur.Name]
	if s.Rendered == nil {
		s.note("pool %s names rendered MachineConfig %s, which does not exist", s.PoolName, cur.Name)
	}
	var used []string
	for _, ref := range cur.Source {
		used = append(used, ref.Name)
	}
	if len(cur.Source) > 0 || s.Rendered != nil {
		added, removed := diffNames(names, used)
		if len(added)+len(removed) > 0 {
			var parts []string
			if len(added) > 0 {
				parts = append(parts, "not yet in it: "+strings.Join(added, ", "))
			}
			if len(removed) > 0 {
				parts = append(parts, "in it but no longer selected: "+strings.Join(removed, ", "))
			}
			s.note("pool %s still uses %s, rendered from other MachineConfigs than it selects now (%s): the operator has not rendered the change yet (a paused pool waits)", s.PoolName, cur.Name, strings.Join(parts, "; "))
		}
	}
	return nil
}

func diffNames(now, used []string) (added, removed []string) {
	u := map[string]bool{}
	for _, n := range used {
		u[n] = true
	}
	n := map[string]bool{}
	for _, x := range now {
		n[x] = true
		if !u[x] {
			added = append(added, x)
		}
	}
	for _, x := range used {
		if !n[x] {
			removed = append(removed, x)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	return added, removed
}

func (c *Client) readClusterVersion(ctx context.Context, s *Snapshot) error {
	var cv configv1.ClusterVersion
	ok, err := c.getCluster(ctx, GVRClusterVersion, ClusterVersionName, ItemClusterVersion, &cv)
	if err != nil {
		return err
	}
	if !ok {
		s.note("ClusterVersion %q is missing: the OpenShift version is not known from the cluster", ClusterVersionName)
		return nil
	}
	s.ClusterVersion = &cv
	s.Version, s.ReleaseImage = cv.Status.Desired.Version, cv.Status.Desired.Image
	s.source(ItemClusterVersion, "ClusterVersion %s (version %s, release image %s)", ClusterVersionName, orNone(s.Version), orNone(s.ReleaseImage))
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func (c *Client) readMirrors(ctx context.Context, s *Snapshot) error {
	var idms, itms *unstructured.UnstructuredList
	err := c.do(ctx, request{verb: "list", resource: resourceName(GVRImageDigestMirrors), without: flagFor[ItemMirrors]}, func(ctx context.Context) (err error) {
		idms, err = c.Dynamic.Resource(GVRImageDigestMirrors).List(ctx, metav1.ListOptions{})
		return err
	})
	if err != nil {
		return err
	}
	err = c.do(ctx, request{verb: "list", resource: resourceName(GVRImageTagMirrors), without: flagFor[ItemMirrors]}, func(ctx context.Context) (err error) {
		itms, err = c.Dynamic.Resource(GVRImageTagMirrors).List(ctx, metav1.ListOptions{})
		return err
	})
	if err != nil {
		return err
	}
	var names []string
	for i := range idms.Items {
		var o configv1.ImageDigestMirrorSet
		if err := fromUnstructured(&idms.Items[i], &o); err != nil {
			return err
		}
		s.IDMS = append(s.IDMS, &o)
		names = append(names, "ImageDigestMirrorSet "+o.Name)
	}
	for i := range itms.Items {
		var o configv1.ImageTagMirrorSet
		if err := fromUnstructured(&itms.Items[i], &o); err != nil {
			return err
		}
		s.ITMS = append(s.ITMS, &o)
		names = append(names, "ImageTagMirrorSet "+o.Name)
	}
	if len(names) > 0 {
		s.source(ItemMirrors, "%s", strings.Join(names, ", "))
	}
	return nil
}

// configMap gets a ConfigMap; nil when it does not exist.
func (c *Client) configMap(ctx context.Context, ns, name string, it Item) (*corev1.ConfigMap, error) {
	var cm *corev1.ConfigMap
	err := c.do(ctx, request{verb: "get", resource: "configmaps", namespace: ns, name: name, without: flagFor[it]}, func(ctx context.Context) (err error) {
		cm, err = c.Kube.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		return err
	})
	if apierrors.IsNotFound(unwrapAPI(err)) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cm.ManagedFields = nil
	cm.APIVersion, cm.Kind = "v1", "ConfigMap"
	return cm, nil
}

// secret gets a Secret; nil when it does not exist. Its data is never put
// into an error or a log line.
func (c *Client) secret(ctx context.Context, ns, name string, it Item) (*corev1.Secret, error) {
	var sec *corev1.Secret
	err := c.do(ctx, request{verb: "get", resource: "secrets", namespace: ns, name: name, without: flagFor[it]}, func(ctx context.Context) (err error) {
		sec, err = c.Kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		return err
	})
	if apierrors.IsNotFound(unwrapAPI(err)) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sec.ManagedFields = nil
	sec.APIVersion, sec.Kind = "v1", "Secret"
	return sec, nil
}

// getCluster gets a cluster-scoped openshift/api object into out; false
// when it does not exist.
func (c *Client) getCluster(ctx context.Context, gvr schema.GroupVersionResource, name string, it Item, out any) (bool, error) {
	var u *unstructured.Unstructured
	err := c.do(ctx, request{verb: "get", resource: resourceName(gvr), name: name, without: flagFor[it]}, func(ctx context.Context) (err error) {
		u, err = c.Dynamic.Resource(gvr).Get(ctx, name, metav1.GetOptions{})
		return err
	})
	if apierrors.IsNotFound(unwrapAPI(err)) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, fromUnstructured(u, out)
}

// unwrapAPI finds the API status error inside do's wrapping.
func unwrapAPI(err error) error {
	for e := err; e != nil; {
		if _, ok := e.(apierrors.APIStatus); ok {
			return e
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
	return err
}

// fromUnstructured converts to a typed openshift/api object, dropping
// managedFields (noise in files, `oc get -o yaml` hides them too).
func fromUnstructured(u *unstructured.Unstructured, out any) error {
	u = u.DeepCopy()
	unstructured.RemoveNestedField(u.Object, "metadata", "managedFields")
	b, err := json.Marshal(u.Object)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)
	}
	return nil
}
