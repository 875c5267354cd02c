package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/manifests"
	"github.com/ocl-build/ocl-build/pkg/pullsecret"
)

func init() { registerCommand("manifests", newManifestsCmd) }

type manifestsOptions struct {
	containerfile      string
	pool               string
	pushSpec           string
	pushSecret         string
	basePullSecret     string
	arch               string
	withPool           bool
	pushSecretFile     string
	basePullSecretFile string
	baseImage          string
	stdin              io.Reader
	output             string // -o: yaml or json
	outputFile         string
}

// manifestsFormats are manifests' -o values: a YAML stream, or a JSON List.
var manifestsFormats = []string{"yaml", "json"}

func newManifestsCmd(g *globalOptions) *cobra.Command {
	var o manifestsOptions
	cmd := &cobra.Command{
		Use:   "manifests",
		Short: "Write the MachineOSConfig (and its MachineConfigPool and Secrets), validated",
		Long: `manifests writes the MachineOSConfig for a pool with the Containerfile embedded
as its NoArch entry (the only one OpenShift 4.19 builds). With --with-pool it also
writes the MachineConfigPool the way the seed article does: machineConfigSelector
role In [worker, NAME], nodeSelector node-role.kubernetes.io/NAME: "", paused: true
and the pools.operator.machineconfiguration.openshift.io/NAME label. With
--push-secret-file / --base-pull-secret-file the credential files become
kubernetes.io/dockerconfigjson Secrets in openshift-machine-config-operator.

Everything is validated before it is written, against the CRDs of
github.com/openshift/api (schema and CEL rules, as oc apply --dry-run=server would)
and the cross-object checks of validate; invalid input is refused, nothing written.`,
		Example: `  # The seed article's two objects
  ocl-build manifests --containerfile Containerfile --pool worker-automount --with-pool \
    --push-spec image-registry.openshift-image-registry.svc:5000/openshift-machine-config-operator/os-image:v1 \
    --push-secret push-secret --base-pull-secret pull-and-push-secret --output-file layering.yaml

  # ... plus the two Secrets, from credential files (written with mode 0600)
  ocl-build secret merge pull-secret.json push-secret.json --output-file pull-and-push.json
  ocl-build manifests --pool worker-automount --with-pool --push-spec REGISTRY/REPO:TAG \
    --push-secret push-secret --push-secret-file push-secret.json \
    --base-pull-secret pull-and-push-secret --base-pull-secret-file pull-and-push.json --output-file layering.yaml

  # As a JSON List, for tools that want JSON
  ocl-build manifests --containerfile Containerfile --pool infra --push-spec REGISTRY/REPO:TAG \
    --push-secret push-secret -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.stdin = cmd.InOrStdin()
			if err := checkOutput(o.output, manifestsFormats, "--output-file"); err != nil {
				return inputError(err)
			}
			out, warnings, err := buildManifests(o)
			if err != nil {
				return inputError(err)
			}
			if o.output == "json" {
				if out, err = manifestsJSONList(out); err != nil {
					return err
				}
			}
			stderr := cmd.ErrOrStderr()
			if !g.quiet {
				for _, w := range warnings {
					fmt.Fprintf(stderr, "warning: %s\n", w)
				}
			}
			creds := o.pushSecretFile != "" || o.basePullSecretFile != ""
			perm := os.FileMode(0o644)
			if creds {
				perm = 0o600 // it holds credentials
			}
			if err := writeDestination(cmd.OutOrStdout(), o.outputFile, out, perm, creds); err != nil {
				return inputError(err)
			}
			if !g.quiet && o.outputFile != "" && o.outputFile != "-" {
				fmt.Fprintf(stderr, "wrote %s\n", o.outputFile)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.containerfile, "containerfile", "", "Containerfile whose content is embedded (required; - reads stdin)")
	f.StringVar(&o.pool, "pool", "", "MachineConfigPool name, also the MachineOSConfig's name (required)")
	f.StringVar(&o.pushSpec, "push-spec", "", "renderedImagePushSpec: host[:port]/path:tag the build pushes to (required)")
	f.StringVar(&o.pushSecret, "push-secret", "", "renderedImagePushSecret name (required)")
	f.StringVar(&o.basePullSecret, "base-pull-secret", "", "baseImagePullSecret name (default: none, the cluster's global pull secret)")
	f.StringVar(&o.arch, "arch", string(mcfgv1.NoArch), "containerfileArch of the entry: NoArch (the only one 4.19 builds), AMD64, ARM64, PPC64LE, S390X")
	f.BoolVar(&o.withPool, "with-pool", false, "also write the MachineConfigPool")
	f.StringVar(&o.pushSecretFile, "push-secret-file", "", "credential file (.dockerconfigjson, .dockercfg or Secret) to write as the push Secret")
	f.StringVar(&o.basePullSecretFile, "base-pull-secret-file", "", "credential file to write as the base-image pull Secret")
	f.StringVar(&o.baseImage, "base-image", manifests.DefaultBaseImage, "RHCOS base image the build pulls; its registry must be in the base pull secret")
	addOutputFlag(cmd, &o.output, "yaml", manifestsFormats, "")
	f.StringVar(&o.outputFile, "output-file", "", "write to this file (atomic; 0600 when it holds Secrets) instead of stdout")
	return cmd
}

// buildManifests returns the YAML stream and the warnings to show, or why
// the inputs are refused.
func buildManifests(o manifestsOptions) ([]byte, []string, error) {
	var missing []string
	for _, r := range []struct{ flag, v string }{{"--containerfile", o.containerfile}, {"--pool", o.pool}, {"--push-spec", o.pushSpec}, {"--push-secret", o.pushSecret}} {
		if r.v == "" {
			missing = append(missing, r.flag)
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("missing required flags: %s", strings.Join(missing, ", "))
	}
	if o.basePullSecretFile != "" && o.basePullSecret == "" {
		return nil, nil, errors.New("--base-pull-secret-file needs --base-pull-secret NAME")
	}
	if (o.outputFile == "" || o.outputFile == "-") && (o.pushSecretFile != "" || o.basePullSecretFile != "") {
		return nil, nil, errors.New("the output holds credentials: give --output-file FILE (written with mode 0600); they are never written to stdout")
	}
	content, err := readInput(o.containerfile, o.stdin)
	if err != nil {
		return nil, nil, fmt.Errorf("--containerfile: %w", err)
	}
	mosc := manifests.NewMachineOSConfig(manifests.MachineOSConfigOptions{
		Pool: o.pool, PushSpec: o.pushSpec, PushSecret: o.pushSecret, BasePullSecret: o.basePullSecret,
		Containerfile: manifests.TrimContainerfile(string(content)), Arch: mcfgv1.ContainerfileArch(o.arch),
	})
	objs := []any{mosc}
	if o.withPool {
		objs = append(objs, manifests.NewMachineConfigPool(o.pool))
	}
	addSecret := func(file, name string) error {
		c, err := pullsecret.ReadFile(file)
		if err != nil {
			return err
		}
		objs = append(objs, c.Secret(name, pullsecret.DefaultNamespace))
		return nil
	}
	if o.pushSecretFile != "" {
		if err := addSecret(o.pushSecretFile, o.pushSecret); err != nil {
			return nil, nil, err
		}
	}
	if o.basePullSecretFile != "" && !(o.basePullSecret == o.pushSecret && o.pushSecretFile != "") {
		if err := addSecret(o.basePullSecretFile, o.basePullSecret); err != nil {
			return nil, nil, err
		}
	}
	out, err := manifests.Marshal(objs...)
	if err != nil {
		return nil, nil, err
	}
	// Validate what will be written, exactly as validate would read it.
	docs, err := manifests.ReadDocuments("<output>", out)
	if err != nil {
		return nil, nil, fmt.Errorf("internal: generated manifests do not read back: %w", err)
	}
	fs, err := manifests.Check(docs, manifests.CheckOptions{BaseImage: o.baseImage})
	if err != nil {
		return nil, nil, err
	}
	var refused, warnings []string
	for _, f := range fs {
		msg := fmt.Sprintf("%s: %s", f.Rule, f.Message)
		switch {
		case f.Severity >= findings.SeverityError:
			refused = append(refused, msg)
		case f.Severity >= findings.SeverityWarning:
			warnings = append(warnings, msg)
		}
	}
	if len(refused) > 0 {
		return nil, warnings, fmt.Errorf("refusing to write invalid manifests (the cluster would reject or mis-build them):\n  %s", strings.Join(refused, "\n  "))
	}
	return out, warnings, nil
}

// readInput reads a file, or stdin for "-".
func readInput(path string, stdin io.Reader) ([]byte, error) {
	if path == "-" {
		if stdin == nil {
			return nil, errors.New("no stdin")
		}
		return io.ReadAll(stdin)
	}
	return os.ReadFile(path)
}

// manifestsJSONList turns the YAML stream into one JSON v1 List, as
// kubectl get -o json prints several objects.
func manifestsJSONList(stream []byte) ([]byte, error) {
	docs, err := manifests.ReadDocuments("<output>", stream)
	if err != nil {
		return nil, err
	}
	list := map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{}}
	for _, d := range docs {
		list["items"] = append(list["items"].([]any), d.Object)
	}
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
