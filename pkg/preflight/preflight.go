package preflight

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ocl-build/ocl-build/pkg/baseimage"
	"github.com/ocl-build/ocl-build/pkg/build"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/kubedoc"
	"github.com/ocl-build/ocl-build/pkg/manifests"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/ocl-build/ocl-build/pkg/pullsecret"
	"github.com/ocl-build/ocl-build/pkg/push"
	"github.com/ocl-build/ocl-build/pkg/rules"
)

// Options describe one preflight run.
type Options struct {
	// Render holds the loaded inputs (user Containerfile, pool,
	// MachineConfigs, trust bundle). BaseImage/ExtensionsImage may be empty:
	// Base says how to find them.
	Render mco.RenderOptions
	Base   baseimage.Options
	// OpenShiftVersion are the version sources known before the base image
	// (--openshift-version, the cluster), in order; the ConfigMap's or the
	// payload's version follows. The resolved profile goes into
	// Render.Profile (set it beforehand for lint). With no source stating a
	// version and Render.Profile set, that profile is used.
	OpenShiftVersion []ocpversion.Candidate
	// ContainerfileFile names the user's Containerfile in findings.
	ContainerfileFile string
	// LintDocs, when set, are the objects of the file the user wrote (a
	// MachineOSConfig YAML, as kubedoc read it once): lint checks them so
	// findings carry the YAML file's own lines.
	LintDocs []*kubedoc.Document
	// Config is the .ocl-build.yaml in effect: ignored rules and severity
	// overrides apply to lint and image check findings alike, and its
	// failure-threshold (default error) decides what counts as an error.
	Config findings.Config
	// MOSC is the MachineOSConfig the user gave (--mosc), written back
	// unchanged after validation; nil: one is generated.
	MOSC *mcfgv1.MachineOSConfig

	// Build: Store, Registry (pull credentials: the base image's), Tag,
	// cache, mounts and proxies. ContextDir is made (and removed) when empty.
	Build build.Options

	// Push, when Dest is set, pushes the built image; Src is filled in.
	// Its AuthFile holds the push credentials.
	Push push.Options

	// ManifestsDir receives the files; empty writes nothing.
	ManifestsDir string
	// PushSpec is the MachineOSConfig's renderedImagePushSpec; default
	// Push.Dest.
	PushSpec string
	// PushSecretName / BasePullSecretName name the Secrets in the
	// MachineOSConfig (defaults "push-secret" and none).
	PushSecretName, BasePullSecretName string
	WithPool                           bool
	// WithSecrets also writes secrets.yaml (mode 0600) from Push.AuthFile
	// (and Build.Registry's auth file when BasePullSecretName is set).
	WithSecrets bool
	// Fallback writes the out-of-cluster layering MachineConfig
	// (spec.osImageURL = the pushed digested pullspec); needs Push.Dest.
	Fallback bool
	// Force builds despite lint errors and writes manifests despite error
	// findings.
	Force bool
	// PreviousMachineConfigs, when set, are the pool's MachineConfigs on
	// the cluster now: the report predicts whether the change to
	// Render.MachineConfigs rebuilds the image, applies live or reboots.
	PreviousMachineConfigs []*mcfgv1.MachineConfig

	// Progress receives one line per step ("==> build"); nil: nothing.
	Progress io.Writer

	// Only, when set, names the steps to run (BuildSteps for `build`);
	// nil runs every step that applies.
	Only []string
	// Done, when set, is called after each step that succeeded, with the
	// report so far (build prints the base image as soon as it is known).
	Done func(step string, r *Report)
	// Backend does the work with registries and buildah; nil: the real one.
	Backend Backend
}

// DefaultPushSecretName is the seed article's push Secret name.
const DefaultPushSecretName = "push-secret"

// Validate checks the options before any work; its errors are input errors.
func (o *Options) Validate() error {
	if o.Fallback && o.Push.Dest == "" {
		return errors.New("--fallback needs --push: the fallback MachineConfig names the pushed image by digest")
	}
	if o.ManifestsDir != "" && o.MOSC == nil && o.pushSpec() == "" {
		return errors.New("writing a MachineOSConfig needs a push spec: give --push DEST (or --push-spec, or --mosc)")
	}
	if o.WithSecrets && o.ManifestsDir == "" {
		return errors.New("--with-secrets needs --manifests-dir")
	}
	if o.WithSecrets && o.Push.Registry.AuthFile == "" {
		return errors.New("--with-secrets needs the push credentials file (--push-authfile)")
	}
	return nil
}

func (o *Options) pushSpec() string {
	if o.PushSpec != "" {
		return o.PushSpec
	}
	return strings.TrimPrefix(o.Push.Dest, "docker://")
}

type outFile struct {
	name string
	data []byte
	perm os.FileMode
}

// File names in the manifests directory.
const (
	FileMachineOSConfig   = "machineosconfig.yaml"
	FileMachineConfigPool = "machineconfigpool.yaml"
	FileSecrets           = "secrets.yaml"
)

// FallbackName is the out-of-cluster layering MachineConfig's name.
func FallbackName(pool string) string { return "99-" + pool + "-osimageurl" }

// NewFallbackMachineConfig is the out-of-cluster layering MachineConfig:
// the pool's role label and spec.osImageURL set to the pushed image by
// digest, for clusters (or moments) where on-cluster layering is not used.
// A custom pool's role is its own name, as the seed's pool selects it.
func NewFallbackMachineConfig(pool, pullSpec string) *mcfgv1.MachineConfig {
	return &mcfgv1.MachineConfig{
		TypeMeta: metav1.TypeMeta{APIVersion: manifests.MachineConfigGroupVersion, Kind: manifests.KindMachineConfig},
		ObjectMeta: metav1.ObjectMeta{Name: FallbackName(pool),
			Labels: map[string]string{mcfgv1.MachineConfigRoleLabelKey: pool}},
		Spec: mcfgv1.MachineConfigSpec{OSImageURL: pullSpec},
	}
}

func prepareManifests(o Options, pool string, pushed *push.Result) ([]outFile, error) {
	mosc := o.MOSC
	if mosc == nil {
		secret := o.PushSecretName
		if secret == "" {
			secret = DefaultPushSecretName
		}
		mosc = manifests.NewMachineOSConfig(manifests.MachineOSConfigOptions{
			Pool: pool, PushSpec: o.pushSpec(), PushSecret: secret, BasePullSecret: o.BasePullSecretName,
			Containerfile: manifests.TrimContainerfile(o.Render.Containerfile),
		})
	} else {
		mosc = mosc.DeepCopy()
		mosc.APIVersion, mosc.Kind = manifests.MachineConfigGroupVersion, manifests.KindMachineOSConfig
	}
	objs := []any{mosc}
	var files []outFile
	add := func(name string, perm os.FileMode, objs ...any) error {
		b, err := manifests.Marshal(objs...)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		files = append(files, outFile{name, b, perm})
		return nil
	}
	if err := add(FileMachineOSConfig, 0o644, mosc); err != nil {
		return nil, err
	}
	if o.WithPool {
		mcp := manifests.NewMachineConfigPool(pool)
		objs = append(objs, mcp)
		if err := add(FileMachineConfigPool, 0o644, mcp); err != nil {
			return nil, err
		}
	}
	if o.WithSecrets {
		var secrets []any
		c, err := pullsecret.ReadFile(o.Push.Registry.AuthFile)
		if err != nil {
			return nil, err
		}
		secrets = append(secrets, c.Secret(mosc.Spec.RenderedImagePushSecret.Name, pullsecret.DefaultNamespace))
		if bp := mosc.Spec.BaseImagePullSecret; bp != nil && bp.Name != "" && bp.Name != mosc.Spec.RenderedImagePushSecret.Name && o.Build.Registry.AuthFilePath() != "" {
			c, err := pullsecret.ReadFile(o.Build.Registry.AuthFilePath())
			if err != nil {
				return nil, err
			}
			secrets = append(secrets, c.Secret(bp.Name, pullsecret.DefaultNamespace))
		}
		objs = append(objs, secrets...)
		if err := add(FileSecrets, 0o600, secrets...); err != nil {
			return nil, err
		}
	}
	if o.Fallback && pushed != nil {
		mc := NewFallbackMachineConfig(pool, pushed.PullSpec)
		objs = append(objs, mc)
		if err := add(FallbackName(pool)+".yaml", 0o644, mc); err != nil {
			return nil, err
		}
	}
	// Validate all of it together, as `validate` would read the files.
	all, err := manifests.Marshal(objs...)
	if err != nil {
		return nil, err
	}
	docs, err := manifests.ReadDocuments("<manifests>", all)
	if err != nil {
		return nil, fmt.Errorf("internal: generated manifests do not read back: %w", err)
	}
	copts := manifests.CheckOptions{BaseImage: o.Render.BaseImage}
	if p := o.Render.Profile; !p.Version.IsZero() {
		// The version's CRDs and rules (OCL308: what its build controller
		// refuses in the secrets written here).
		copts.Profile = &p
	}
	fs, err := manifests.Check(docs, copts)
	if err != nil {
		return nil, err
	}
	var refused []string
	for _, f := range fs {
		// Without the pool or Secrets among the files, the cross-object
		// checks cannot see them; they may exist on the cluster already.
		if (f.Rule == rules.OCL307.ID && !o.WithPool) || ((f.Rule == rules.OCL303.ID || f.Rule == rules.OCL304.ID) && !o.WithSecrets) {
			continue
		}
		if f.Severity >= findings.SeverityError {
			refused = append(refused, f.Rule+": "+f.Message)
		}
	}
	if len(refused) > 0 {
		return nil, fmt.Errorf("refusing to write invalid manifests:\n  %s", strings.Join(refused, "\n  "))
	}
	return files, nil
}
