package containerfile

import "github.com/ocl-build/ocl-build/pkg/findings"

// Rule IDs. Stable once released: never renumber, retire instead.
const (
	RuleParse          = "OCL100"
	RuleNoFrom         = "OCL101"
	RuleNotFromConfigs = "OCL102"
	RuleTooLong        = "OCL103"
	RuleCopyContext    = "OCL104"
	RuleReservedStage  = "OCL105"
	RulePromptingPM    = "OCL106"
	RuleArgNoDefault   = "OCL107"
	RulePMAsNonRoot    = "OCL108"

	RuleNoCommit       = "OCL201"
	RuleNoClean        = "OCL202"
	RuleOSUpgrade      = "OCL203"
	RuleWritesVar      = "OCL204"
	RuleKernelReplace  = "OCL205"
	RuleNoEffect       = "OCL206"
	RuleFinalNonRoot   = "OCL207"
	RuleRemoteCode     = "OCL208"
	RuleSecretName     = "OCL209"
	RuleNotFinal       = "OCL210"
	RuleExtension      = "OCL211"
	RuleMergeRuns      = "OCL212"
	RulePipefail       = "OCL213"
	RuleUnversionedPkg = "OCL214"

	RuleSchema         = "OCL301"
	RuleNoNoArch       = "OCL302"
	RulePushCred       = "OCL303"
	RulePullCred       = "OCL304"
	RuleTokenExpiry    = "OCL305"
	RuleLatestTag      = "OCL306"
	RulePoolSelector   = "OCL307"
	RuleUnitNotInBase  = "OCL401"
	RuleUnitNotInImage = "OCL402"
	RulePkgNotInDiff   = "OCL403"
	RuleVolatileLeft   = "OCL404"
)

const (
	sevE = findings.SeverityError
	sevW = findings.SeverityWarning
	sevI = findings.SeverityInfo
)

// catalogue is the whole rule set, including the OCL3xx/OCL4xx rules that
// other checkers emit, so --list and SARIF describe every rule in one place.
var catalogue = []findings.Rule{
	{ID: RuleParse, Severity: sevE, Short: "the content does not parse",
		Help: "The cluster builds the content with buildah; a Containerfile (or a RUN script) that does not parse fails the build. The message carries the parser's reason and line."},
	{ID: RuleNoFrom, Severity: sevE, Short: "there is no FROM",
		Help: "Without a FROM the cluster pastes the lines into its own `configs` stage, where they run with whatever that stage left behind. Start the content with `FROM configs AS final`."},
	{ID: RuleNotFromConfigs, Severity: sevE, Short: "the last stage does not descend from configs",
		Help: "The operator's template ends with a stage named `configs` that holds the rendered MachineConfig; the last stage wins, so it must be built FROM configs (directly or through earlier stages) or the node gets an image without its MachineConfig."},
	{ID: RuleTooLong, Severity: sevE, Short: "content longer than 4096 characters (CRD limit)",
		Help: "MachineOSConfig spec.containerFile[].content has maxLength 4096; the API server rejects a longer object. Move logic into an RPM or a script shipped from a builder stage image."},
	{ID: RuleCopyContext, Severity: sevE, Short: "COPY/ADD from the build context",
		Help: "The cluster's build context holds only its own files (the Containerfile, machineconfig/machineconfig.json.gz and the CA bundle), so `COPY ./file` fails there. Copy from an image with `COPY --from=IMAGE`, fetch with a RUN, or use a heredoc (`COPY <<EOF /path`)."},
	{ID: RuleReservedStage, Severity: sevE, Short: "a stage is named extract or configs",
		Help: "The operator's template defines the stages `extract` and `configs`; a stage of the same name shadows them and breaks `FROM configs`. Rename the stage."},
	{ID: RulePromptingPM, Severity: sevE, Short: "dnf/yum call that would prompt (no -y/--assumeyes)",
		Help: "The cluster build has no terminal: dnf/yum install, remove, upgrade... without -y read 'N' from the closed stdin and abort. Add -y (or --assumeyes). microdnf never prompts and is not flagged."},
	{ID: RuleArgNoDefault, Severity: sevE, Short: "an ARG with no default is used",
		Help: "The cluster passes only HTTP_PROXY, HTTPS_PROXY and NO_PROXY as build arguments (buildah adds the TARGET*/BUILD* platform ones); any other ARG is empty there. Give it a default: `ARG NAME=value`."},
	{ID: RulePMAsNonRoot, Severity: sevE, Short: "package manager called after a non-root USER",
		Help: "Installing packages needs root; after `USER 1000` dnf/rpm fail. Move the install before USER, or switch back with `USER root`."},

	{ID: RuleNoCommit, Severity: sevW, Short: "the final stage's last RUN does not end in `ostree container commit`",
		Help: "`ostree container commit` (or `bootc container lint`) at the end of the last RUN cleans /tmp and checks /var so the layer is a valid OS update. End the last RUN with `&& ostree container commit`."},
	{ID: RuleNoClean, Severity: sevW, Short: "dnf/yum install without `dnf clean all` in the same RUN",
		Help: "The dnf cache and metadata stay in the layer and in every node's image; end the RUN with `dnf clean all` (or remove /var/cache/dnf), or mount a cache at /var/cache/dnf."},
	{ID: RuleOSUpgrade, Severity: sevW, Short: "OS-wide upgrade (dnf update/upgrade/distro-sync, rpm-ostree upgrade)",
		Help: "The base image comes from the OpenShift release and is tested as a whole; an OS-wide upgrade replaces it with whatever the repositories hold today and is repeated at every rebuild. Upgrade named packages only."},
	{ID: RuleWritesVar, Severity: sevW, Short: "a RUN or COPY writes under /var",
		Help: "Nodes keep their own /var across updates: content written there only reaches a node on its first boot from this image, never on upgrades. Put files under /usr or /etc, or create them at boot with systemd-tmpfiles."},
	{ID: RuleKernelReplace, Severity: sevW, Short: "kernel replacement",
		Help: "Replacing the kernel from the Containerfile fights the operator's kernel management; use the MachineConfig's kernelType (realtime, 64k-pages) or the kernel-devel extension."},
	{ID: RuleNoEffect, Severity: sevW, Short: "instruction with no effect on a node OS in the final stage",
		Help: "CMD, ENTRYPOINT, EXPOSE, HEALTHCHECK, VOLUME, STOPSIGNAL and ONBUILD describe a container, not an operating system: the node boots systemd and ignores them. Use a systemd unit instead."},
	{ID: RuleFinalNonRoot, Severity: sevW, Short: "final stage ends with a non-root USER",
		Help: "The OS image's user is metadata a node ignores, but tools that inspect or extend the image (and the cluster's own steps) expect root. End the final stage as root."},
	{ID: RuleRemoteCode, Severity: sevW, Short: "remote code at build time (ADD of a URL, curl/wget piped to a shell)",
		Help: "Code fetched at build time changes under you and runs as root in every node's OS. Ship it as an RPM from a repository, or verify a checksum (ADD --checksum=...)."},
	{ID: RuleSecretName, Severity: sevW, Short: "ENV/ARG whose name looks like a secret",
		Help: "ENV and ARG values are stored in the image config and history, readable by anyone who can pull the image. Use the entitlement or rpm-gpg secrets the cluster mounts, or RUN --mount=type=secret."},
	{ID: RuleNotFinal, Severity: sevI, Short: "the last stage is not aliased final",
		Help: "The documented form is `FROM configs AS final`; naming the last stage `final` makes the intent obvious to readers and to `--target`."},
	{ID: RuleExtension, Severity: sevI, Short: "a package the cluster ships as a MachineConfig extension is installed with dnf",
		Help: "usbguard, kerberos, kernel-devel, sysstat, ipsec, wasm and sandboxed-containers are RHCOS extensions: list them in the MachineConfig's spec.extensions, which the build installs from the release's extensions image, matched to the base."},
	{ID: RuleMergeRuns, Severity: sevI, Short: "consecutive RUN instructions that could be one layer",
		Help: "Each RUN is a layer every node downloads; join consecutive RUNs with && and end with one `ostree container commit`."},
	{ID: RulePipefail, Severity: sevI, Short: "a RUN with a pipe and no `set -o pipefail`",
		Help: "A pipeline's status is its last command's: `curl ... | tar x` succeeds when curl fails. Start the RUN with `set -o pipefail &&` (the RHCOS /bin/sh is bash)."},
	{ID: RuleUnversionedPkg, Severity: sevI, OptIn: true, Short: "package installed without a version (opt-in)",
		Help: "Off by default: the cluster rebuilds the image against every new RHCOS base, where a pinned version often no longer resolves. Turn it on (override: {OCL214: info}) when the repositories are frozen and reproducibility matters more."},

	{ID: RuleSchema, Severity: sevE, Short: "the MachineOSConfig fails the CRD schema or a CEL rule",
		Help: "The API server would reject the object; the message names the field path and the rule's own message."},
	{ID: RuleNoNoArch, Severity: sevE, Short: "no NoArch containerFile entry",
		Help: "OpenShift 4.19 builds only the NoArch entry of spec.containerFile; arch-specific entries are dropped, so the content would never be built. Set containerfileArch: NoArch (or leave it out)."},
	{ID: RulePushCred, Severity: sevE, Short: "the push secret has no credential for the push registry",
		Help: "The build pushes with spec.renderedImagePushSecret only; without a credential for the registry of renderedImagePushSpec the push fails after the whole build."},
	{ID: RulePullCred, Severity: sevE, Short: "the base-image pull secret has no credential for the base image's registry",
		Help: "spec.baseImagePullSecret replaces the global pull secret (they are not merged): it must hold the release registry's credential too."},
	{ID: RuleTokenExpiry, Severity: sevW, Short: "a service-account token in a secret expires within 30 days",
		Help: "Builds start failing on the expiry date; rotate the token or use a long-lived one."},
	{ID: RuleLatestTag, Severity: sevW, Short: "the push spec uses the tag latest",
		Help: "The cluster rewrites the tag to <mosc-name>-<hash>; a mutable tag hides which build a node runs. Use a descriptive tag."},
	{ID: RulePoolSelector, Severity: sevE, Short: "the MachineConfigPool is missing or does not select its own role's MachineConfigs",
		Help: "The MachineOSConfig's name must be the pool's name, and the pool's machineConfigSelector must select the MachineConfigs of its role, or the build renders the wrong configuration."},
	{ID: RuleUnitNotInBase, Severity: sevE, Short: "a MachineConfig enables a systemd unit missing from the base image",
		Help: "On 4.19 the daemon enables units while still booted into the old image (OCPBUGS-56648): a unit that exists only in the layered image makes the node loop on update. Enable it in the Containerfile (systemctl enable) or apply the MachineConfig after rollout."},
	{ID: RuleUnitNotInImage, Severity: sevE, Short: "a MachineConfig enables a unit missing from the built image",
		Help: "The unit exists in neither the base nor the built image, so enabling it fails on every node."},
	{ID: RulePkgNotInDiff, Severity: sevW, Short: "a package named in dnf install is not in the rpm diff",
		Help: "The package is already in the base image or was not installed: the install line does nothing and may hide a typo."},
	{ID: RuleVolatileLeft, Severity: sevW, Short: "the build left content in /var, /run or /tmp",
		Help: "Nodes keep their own /var and mount /run and /tmp fresh: content there never reaches upgraded nodes."},
}

// Rules returns the rule catalogue (a copy, in ID order).
func Rules() []findings.Rule {
	return append([]findings.Rule(nil), catalogue...)
}

var ruleByID = func() map[string]findings.Rule {
	m := make(map[string]findings.Rule, len(catalogue))
	for _, r := range catalogue {
		m[r.ID] = r
	}
	return m
}()
