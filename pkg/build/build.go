package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/containers/buildah/define"
	"github.com/containers/buildah/imagebuildah"
	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/oci/archive"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/types"
	"github.com/containers/storage"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocl-build/ocl-build/internal/atomicfile"
	"github.com/ocl-build/ocl-build/internal/ownedtemp"
	"github.com/ocl-build/ocl-build/internal/sigpolicy"
	"github.com/ocl-build/ocl-build/pkg/build/internal/sealedreexec"
	"github.com/ocl-build/ocl-build/pkg/registry"
)

// Pull policies, as podman's --pull.
const (
	PullMissing = "missing"
	PullAlways  = "always"
	PullNever   = "never"
	PullNewer   = "newer"
)

// Options describe one build. ContextDir and Containerfile are required;
// everything else has the cluster's (or podman's) default.
type Options struct {
	// ContextDir is the build context: Containerfile,
	// machineconfig/machineconfig.json.gz, openshift-config-user-ca-bundle.crt
	// (mco.WriteContext writes it). Nothing else is visible to COPY, as on
	// the cluster.
	ContextDir string
	// Containerfile defaults to ContextDir/Containerfile.
	Containerfile string

	Store StoreOptions
	// Registry is how the FROM images are pulled: credentials (the base
	// image's pull secret), TLS, registries.conf, signature policy, and
	// the retry policy and stall watchdog of each pull.
	Registry registry.Options

	// Tag names the result, e.g. localhost/ocl-build/worker:latest.
	Tag string
	// NoCache turns off the layer cache (on by default).
	NoCache bool
	// ClusterLayout builds as the operator's build pod does, `buildah bud`
	// without --layers: one layer per stage on top of its base, so the
	// image has the cluster's layer layout (and no layer cache is used).
	// For what is pushed; the local edit loop keeps the cache.
	ClusterLayout bool
	// Pull is the pull policy for FROM images: missing (default), always,
	// never, newer.
	Pull string

	// Directories copied and mounted into every RUN like the operator's
	// etc-pki-entitlement, etc-yum-repos-d and etc-pki-rpm-gpg volumes.
	EntitlementDir, YumReposDir, RPMGPGDir string

	// Proxies become the HTTP_PROXY/HTTPS_PROXY/NO_PROXY build args (always
	// passed, empty when unset, as the cluster does).
	HTTPProxy, HTTPSProxy, NoProxy string
	// BuildArgs adds further --build-arg values.
	BuildArgs map[string]string

	// OCIArchive, when set, also writes the image to this oci-archive file.
	OCIArchive string

	// BaseImage is the image the Containerfile's FROM lines name; when set,
	// Result reports its digest as pulled into the store.
	BaseImage string

	// OnReclaim, when set, hears what the build removed before it began:
	// the leftovers of ocl-build processes that were killed (see Prune),
	// and an error if some could not be removed (the build goes on).
	OnReclaim func(*Reclaimed, error)

	// Out receives the build steps and RUN output; Progress receives pull
	// progress (bars when it is a terminal, plain lines otherwise). Nil
	// discards. Logs is where buildah's own logrus messages go (nil: stderr).
	Out, Progress, Logs io.Writer
}

// Result describes the built image.
type Result struct {
	ImageID    string
	Tag        string
	Size       int64 // bytes in the store, all layers
	Elapsed    time.Duration
	BaseImage  string
	BaseDigest digest.Digest
	// Reference is the image's containers-storage reference with the store
	// spelled out, for rpmdiff, push and skopeo.
	Reference string
	Store     StoreOptions
}

// StepError is a build step that failed: which step, its instruction and the
// last lines it printed.
type StepError struct {
	Step        string // "[2/2] STEP 5/7"
	Instruction string // "RUN dnf install -y foo"
	Output      []string
	Err         error
	// Pull: the step was a FROM whose image could not be fetched
	// (credentials, network, TLS), not the Containerfile's own work.
	Pull bool
}

// RunExitStatus is the exit status of the step's command when it ran and
// exited non-zero (a RUN's `exit 3` gives 3), else 0. The CLI ends with it,
// as `buildah bud` does.
func (e *StepError) RunExitStatus() int {
	var ee *exec.ExitError
	// The storage library's layer applier is a child process too: its
	// "exit status 1" at a commit is not the RUN's.
	if e.Pull || isCommitFailure(e.Err) || !errors.As(e.Err, &ee) {
		return 0
	}
	if c := ee.ExitCode(); c > 0 {
		return c
	}
	return 0
}

func (e *StepError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s: %s", e.Step, e.Instruction, stepCause(e.Err, e.Instruction))
	if len(e.Output) > 0 {
		b.WriteString("\nlast output lines:")
		for _, l := range e.Output {
			b.WriteString("\n  ")
			b.WriteString(l)
		}
	}
	return b.String()
}

// stepCause drops buildah's `building at STEP "…": ` prefix, which repeats
// the instruction we already show.
func stepCause(err error, instruction string) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, `building at STEP "`); ok {
		if i := strings.Index(rest, `": `); i >= 0 {
			msg = rest[i+3:]
		}
	}
	return dropStepDump(msg, instruction)
}

// commitPrefix starts buildah's error for a step whose layer could not be
// committed (imagebuildah/stage_executor.go, buildah v1.39), followed by a
// %+v dump of the step: its environment (proxy variables with any
// credentials in them), arguments and original text.
const commitPrefix = "committing container for step "

func isCommitFailure(err error) bool {
	return err != nil && strings.Contains(err.Error(), commitPrefix+"{")
}

// dropStepDump replaces buildah's dump of the step with plain words; the
// instruction is shown beside it already. The dump ends with the field
// Original, the instruction's text, then "}: "; the instruction (spaces
// normalised) tells which "}: " that is when the text holds one itself.
func dropStepDump(msg, instruction string) string {
	i := strings.Index(msg, commitPrefix+"{")
	if i < 0 {
		return msg
	}
	rest := msg[i+len(commitPrefix):]
	const field = " Original:"
	from := strings.Index(rest, field)
	if from < 0 {
		from = 0
	} else {
		from += len(field)
	}
	end := -1
	for k := from; ; {
		j := strings.Index(rest[k:], "}: ")
		if j < 0 {
			break
		}
		if end < 0 {
			end = k + j // the first, unless the instruction says otherwise
		}
		if strings.Join(strings.Fields(rest[from:k+j]), " ") == instruction {
			end = k + j
			break
		}
		k += j + 3
	}
	if end < 0 {
		return msg[:i] + "committing the step's layer"
	}
	return msg[:i] + "committing the step's layer: " + rest[end+3:]
}

func (e *StepError) Unwrap() error { return e.Err }

// IsPull reports whether the failure happened while fetching a FROM image
// (credentials, network, TLS) rather than in the Containerfile's own work.
func (e *StepError) IsPull() bool { return e.Pull }

// isFrom reports whether a step's instruction is a FROM.
func isFrom(instruction string) bool {
	kw, _, _ := strings.Cut(strings.TrimSpace(instruction), " ")
	return strings.EqualFold(kw, "FROM")
}

// plan is a build whose inputs were checked: absolute paths, the pull
// policy, the resolved store and the build args.
type plan struct {
	ctxDir, containerfile string
	pull                  define.PullPolicy
	store                 StoreOptions
	args                  map[string]string
}

// newPlan checks the options before anything is set up.
func newPlan(o Options) (*plan, error) {
	if o.ContextDir == "" {
		return nil, errors.New("build: no context directory")
	}
	ctxDir, err := filepath.Abs(o.ContextDir)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(ctxDir); err != nil {
		return nil, fmt.Errorf("build context: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("build context %s is not a directory", ctxDir)
	}
	cf := o.Containerfile
	if cf == "" {
		cf = filepath.Join(ctxDir, "Containerfile")
	}
	if cf, err = filepath.Abs(cf); err != nil {
		return nil, err
	}
	if _, err := os.Stat(cf); err != nil {
		return nil, fmt.Errorf("containerfile: %w", err)
	}
	pull, err := pullPolicy(o.Pull)
	if err != nil {
		return nil, err
	}
	so, err := o.Store.Resolved()
	if err != nil {
		return nil, err
	}
	// The proxies are always passed, empty when unset, as the cluster does.
	args := map[string]string{
		"HTTP_PROXY":  o.HTTPProxy,
		"HTTPS_PROXY": o.HTTPSProxy,
		"NO_PROXY":    o.NoProxy,
	}
	for k, v := range o.BuildArgs {
		args[k] = v
	}
	return &plan{ctxDir: ctxDir, containerfile: cf, pull: pull, store: so, args: args}, nil
}

// setup is what exists only while the build runs: the registry context,
// the signature policy, the staged mounts, our ulimits, the containers'
// name suffix and where output goes.
type setup struct {
	sys                *types.SystemContext
	policy             string
	mounts, ulimits    []string
	suffix             string
	out, err, progress io.Writer
}

// buildahOptions are the buildah options of the cluster's `buildah bud`
// for p: chroot isolation, the host network, the mounts in every RUN.
func buildahOptions(p *plan, o Options, su setup) define.BuildOptions {
	return define.BuildOptions{
		ContextDirectory: p.ctxDir,
		PullPolicy:       p.pull,
		Isolation:        define.IsolationChroot,
		Args:             p.args,
		Output:           o.Tag,
		Out:              su.out,
		Err:              su.err,
		ReportWriter:     su.progress,
		OutputFormat:     define.OCIv1ImageManifest,
		SystemContext:    su.sys,
		// chroot isolation cannot make namespaces of its own; the RUN shares
		// the host network (dnf needs its repos) as in the build pod.
		NamespaceOptions: define.NamespaceOptions{{Name: string(specs.NetworkNamespace), Host: true}},
		ConfigureNetwork: define.NetworkDisabled,
		NetworkInterface: hostNetwork{},
		IDMappingOptions: &define.IDMappingOptions{HostUIDMapping: true, HostGIDMapping: true},
		CommonBuildOpts: &define.CommonBuildOptions{
			Ulimit:  su.ulimits,
			Volumes: su.mounts,
		},
		TransientMounts:     su.mounts,
		SignaturePolicyPath: su.policy,
		// The layer cache commits every step; without it, one commit per
		// stage, exactly the cluster's `buildah bud` (no --layers).
		Layers:                  !o.NoCache && !o.ClusterLayout,
		NoCache:                 o.NoCache || o.ClusterLayout,
		RemoveIntermediateCtrs:  true,
		ForceRmIntermediateCtrs: true,
		ContainerSuffix:         su.suffix,
		MaxPullPushRetries:      2,
		PullPushRetryDelay:      2 * time.Second,
	}
}

// Build runs the build and returns the committed image. On error or when ctx
// is cancelled, it stops RUN processes, removes its build containers and
// unmounts them before returning.
func Build(ctx context.Context, o Options) (res *Result, err error) {
	start := time.Now()
	p, err := newPlan(o)
	if err != nil {
		return nil, err
	}

	// Each RUN re-executes this binary twice, and the storage library
	// protects the binary on disk by copying it into a sealed memfd at each
	// step (~0.08 s apiece for a binary our size). One sealed copy for the
	// whole build, which the re-executed children run instead, gives the
	// same protection. It is made while the build pulls and sets up; a RUN
	// that starts before it is sealed (or if it fails) copies as before.
	sealedExe := make(chan *os.File, 1)
	go func() {
		f, _ := sealedreexec.Copy() // nil on error
		sealedExe <- f
	}()
	defer func() {
		if f := <-sealedExe; f != nil {
			f.Close()
		}
	}()

	// Temporary directories and container names carry this process's mark
	// (ownedtemp): what a killed build leaves is found and reclaimed by the
	// next build, or by Prune.
	tmp, err := ownedtemp.Dir("", "build")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	su := setup{suffix: buildSuffix()}
	sys, authDone, err := o.Registry.SystemContext()
	if err != nil {
		return nil, err
	}
	defer authDone()
	su.sys = sys
	if su.policy, err = sigpolicy.Path(o.Registry.SignaturePolicy, tmp); err != nil {
		return nil, err
	}
	su.sys.SignaturePolicyPath = su.policy
	// Pulled blobs are staged on disk before they enter the store; a
	// private directory we remove on every exit path means an interrupted
	// pull leaves no partial blob behind, whatever containers/image does.
	staging, err := ownedtemp.Dir(bigFilesDir(), "pull")
	if err != nil {
		return nil, fmt.Errorf("staging directory for pulls: %w", err)
	}
	defer os.RemoveAll(staging)
	su.sys.BigFilesTemporaryDir = staging

	for _, m := range []struct{ src, dst string }{
		{o.EntitlementDir, EntitlementMountPoint},
		{o.YumReposDir, YumReposMountPoint},
		{o.RPMGPGDir, RPMGPGMountPoint},
	} {
		if m.src == "" {
			continue
		}
		spec, err := stageMount(tmp, m.src, m.dst)
		if err != nil {
			return nil, err
		}
		su.mounts = append(su.mounts, spec)
	}
	if su.ulimits, err = currentUlimits(); err != nil {
		return nil, err
	}

	store, err := OpenStore(p.store)
	if err != nil {
		return nil, err
	}
	defer func() {
		// A layer still mounted by someone else (podman mount, another
		// build) keeps the store open; that is theirs to release.
		if _, serr := store.Shutdown(false); serr != nil && err == nil && !errors.Is(serr, storage.ErrLayerUsedByContainer) {
			err = fmt.Errorf("closing storage: %w", serr)
		}
	}()

	if rec, err := reclaimStale(store); !rec.Empty() || err != nil {
		if o.OnReclaim != nil {
			o.OnReclaim(rec, err)
		}
	}

	steps := newStepLog()
	su.out = steps.writer(o.Out)
	su.progress = o.Progress
	if su.progress == nil {
		su.progress = io.Discard
	}
	logs := o.Logs
	if logs == nil {
		logs = os.Stderr
	}
	su.err = steps.writer(logs)
	bo := buildahOptions(p, o, su)

	if p.pull != define.PullNever {
		refs, err := containerfileImages(p.containerfile, p.args)
		if err != nil {
			return nil, err
		}
		err = pullImages(ctx, store, refs.Pull, pullSettings{
			policy: pullName(p.pull), reg: o.Registry, sys: su.sys, progress: su.progress,
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("build interrupted: %w", ctx.Err())
			}
			return nil, err
		}
		if len(refs.Left) == 0 {
			// Everything is in the store now; buildah must not fetch it
			// again without our retries (always, newer).
			bo.PullPolicy = define.PullIfMissing
		}
	}

	id, err := runBuildah(ctx, store, bo, p.containerfile, steps)
	if err != nil {
		// A full disk at a step's commit is the machine's problem: the RUN
		// itself exited 0 (a RUN that failed keeps its own status).
		var se *StepError
		if errors.As(err, &se) && !se.Pull && se.RunExitStatus() == 0 && isNoSpace(err) {
			return nil, newNoSpaceError(se.Step, p.store, err)
		}
		return nil, err
	}
	return result(ctx, store, o, p, su, id, start)
}

// runBuildah runs the build, stops RUN processes when ctx is cancelled, and
// removes the build containers on every path; a failure names its step.
func runBuildah(ctx context.Context, store storage.Store, bo define.BuildOptions, cf string, steps *stepLog) (string, error) {
	type built struct {
		id  string
		err error
	}
	done := make(chan built, 1)
	go func() {
		id, _, err := imagebuildah.BuildDockerfiles(ctx, store, bo, cf)
		done <- built{id, err}
	}()
	var b built
	select {
	case b = <-done:
	case <-ctx.Done():
		// A RUN under chroot isolation ignores the context: stop it, and
		// keep stopping late starters until buildah gives up.
		tick := time.NewTicker(200 * time.Millisecond)
	wait:
		for {
			killRunSubtrees()
			select {
			case b = <-done:
				break wait
			case <-tick.C:
			}
		}
		tick.Stop()
		if b.err == nil {
			b.err = ctx.Err()
		}
	}
	if b.err == nil {
		return b.id, removeBuildContainers(store, bo.ContainerSuffix)
	}
	var err error
	cerr := removeBuildContainers(store, bo.ContainerSuffix)
	if ctx.Err() != nil {
		err = fmt.Errorf("build interrupted: %w", ctx.Err())
	} else {
		step, instr, tail := steps.current()
		if step != "" {
			err = &StepError{Step: step, Instruction: strings.Join(strings.Fields(instr), " "), Output: tail, Err: b.err, Pull: isFrom(instr)}
		} else {
			err = b.err
		}
	}
	if cerr != nil {
		err = fmt.Errorf("%w (and cleanup: %v)", err, cerr)
	}
	return "", err
}

// result describes the committed image and writes the archive, if asked.
func result(ctx context.Context, store storage.Store, o Options, p *plan, su setup, id string, start time.Time) (*Result, error) {
	res := &Result{
		ImageID:   id,
		Tag:       o.Tag,
		BaseImage: o.BaseImage,
		Reference: p.store.Reference(id),
		Store:     p.store,
	}
	if size, err := store.ImageSize(id); err == nil {
		res.Size = size
	}
	if o.BaseImage != "" {
		if d, err := storedDigest(store, o.BaseImage); err == nil {
			res.BaseDigest = d
		}
	}
	if o.OCIArchive != "" {
		if err := writeOCIArchive(ctx, store, id, o.Tag, o.OCIArchive, su.sys); err != nil {
			return nil, err
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// bigFilesDir is where pulled blobs are staged: $TMPDIR when set, else
// /var/tmp as podman does (a tmpfs /tmp may be too small for a base image).
func bigFilesDir() string {
	if d := os.Getenv("TMPDIR"); d != "" {
		return d
	}
	return "/var/tmp"
}

func pullName(p define.PullPolicy) string {
	switch p {
	case define.PullAlways:
		return PullAlways
	case define.PullIfNewer:
		return PullNewer
	case define.PullNever:
		return PullNever
	}
	return PullMissing
}

// Check refuses values that mean nothing (a pull policy or a storage
// driver ocl-build does not know, a storage option that is not NAME=VALUE),
// so a command can say so before it contacts a registry; Build checks them
// again.
func (o Options) Check() error {
	if _, err := pullPolicy(o.Pull); err != nil {
		return err
	}
	_, err := o.Store.Resolved()
	return err
}

func pullPolicy(s string) (define.PullPolicy, error) {
	switch s {
	case "", PullMissing:
		return define.PullIfMissing, nil
	case PullAlways:
		return define.PullAlways, nil
	case PullNever:
		return define.PullNever, nil
	case PullNewer:
		return define.PullIfNewer, nil
	}
	return 0, fmt.Errorf("pull policy %q: want missing, always, never or newer", s)
}

// currentUlimits passes our own limits down explicitly: buildah's defaults
// try to raise RLIMIT_NPROC and fail with EPERM.
func currentUlimits() ([]string, error) {
	var out []string
	for _, l := range []struct {
		name string
		res  int
	}{{"nofile", syscall.RLIMIT_NOFILE}, {"nproc", 6 /* RLIMIT_NPROC */}} {
		var r syscall.Rlimit
		if err := syscall.Getrlimit(l.res, &r); err != nil {
			return nil, fmt.Errorf("getrlimit %s: %w", l.name, err)
		}
		out = append(out, fmt.Sprintf("%s=%s:%s", l.name, limitString(r.Cur), limitString(r.Max)))
	}
	return out, nil
}

func limitString(v uint64) string {
	if v == ^uint64(0) {
		return "-1"
	}
	return fmt.Sprint(v)
}

// storedDigest is the manifest digest of the named image as the store holds it.
func storedDigest(store storage.Store, name string) (digest.Digest, error) {
	ref, err := istorage.Transport.ParseStoreReference(store, name)
	if err != nil {
		return "", err
	}
	_, img, err := istorage.ResolveReference(ref)
	if err != nil {
		return "", err
	}
	if len(img.Digests) > 0 && img.Digest == "" {
		return img.Digests[0], nil
	}
	return img.Digest, nil
}

// writeOCIArchive copies the image to an oci-archive. containers/image
// creates its file by name (os.Create, following a symlink), so it writes
// into a private 0700 directory of ours, never into the user's directory
// where another user could plant a link at a name it can predict; the
// finished archive is then moved into place (atomicfile.MoveInto: a rename,
// or an O_EXCL temp file renamed across file systems).
func writeOCIArchive(ctx context.Context, store storage.Store, id, tag, path string, sys *types.SystemContext) error {
	private, err := ownedtemp.Dir("", "archive")
	if err != nil {
		return fmt.Errorf("oci-archive: %w", err)
	}
	defer os.RemoveAll(private)
	tmpPath := filepath.Join(private, "image.tar")

	src, err := istorage.Transport.ParseStoreReference(store, id)
	if err != nil {
		return err
	}
	dst, err := archive.NewReference(tmpPath, tag)
	if err != nil {
		return fmt.Errorf("oci-archive %s: %w", path, err)
	}
	pc, err := sigpolicy.Context(sys.SignaturePolicyPath)
	if err != nil {
		return err
	}
	defer pc.Destroy()
	if _, err := copy.Image(ctx, pc, dst, src, &copy.Options{SourceCtx: sys, DestinationCtx: sys}); err != nil {
		return fmt.Errorf("writing oci-archive %s: %w", path, err)
	}
	if err := atomicfile.MoveInto(tmpPath, path, 0o644); err != nil {
		return fmt.Errorf("oci-archive: %w", err)
	}
	return nil
}
