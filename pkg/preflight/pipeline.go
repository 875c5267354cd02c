package preflight

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/ocl-build/ocl-build/internal/ownedtemp"
	"github.com/ocl-build/ocl-build/pkg/build"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/image"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/oclerr"
	"github.com/ocl-build/ocl-build/pkg/push"
	"github.com/ocl-build/ocl-build/pkg/rpmdiff"
)

// BuildSteps are the steps of `ocl-build build`: the pipeline without lint,
// rpm diff, checks, push and manifests.
var BuildSteps = []string{StepBase, StepRender, StepBuild}

// state is what the steps share: each reads what earlier ones left and adds
// its own part. The report is filled as the steps go.
type state struct {
	o         Options
	be        Backend
	rep       *Report
	threshold findings.Severity

	baseDigest digest.Digest
	rendered   *mco.Rendered
	ctxDir     string
	built      *build.Result
	imgOpts    image.Options
	baseRef    string
	basePkgs   []rpmdiff.Package
	builtPkgs  []rpmdiff.Package
	diff       rpmdiff.Result
	pushed     *push.Result

	cleanup []func()
}

// step is one named stage; a gate (no name) is a policy between stages
// that may stop the run with findings.
type step struct {
	name string
	// when: the step applies to this run (e.g. push only with a
	// destination); nil: always.
	when func(*state) bool
	run  func(context.Context, *state) error
	// gate returns why the run stops here, or "".
	gate func(*state) string
}

// pipeline is the whole job, in order.
var pipeline = []step{
	{name: StepLint, run: lintStep},
	{gate: func(s *state) string {
		if findings.AtOrAbove(s.rep.Lint, s.threshold) && !s.o.Force {
			return "lint errors (use --force to build anyway)"
		}
		return ""
	}},
	{name: StepBase, run: baseStep},
	{name: StepRender, run: renderStep},
	{name: StepBuild, run: buildStep},
	{name: StepRPMDiff, run: rpmdiffStep},
	{name: StepChecks, run: checksStep},
	{name: StepPush, when: func(s *state) bool { return s.o.Push.Dest != "" }, run: pushStep},
	// Manifests are written only now that everything they depend on
	// passed, and only without error findings unless --force.
	{when: wantManifests, gate: func(s *state) string {
		if s.errorsFound() && !s.o.Force {
			return "error findings: manifests not written (use --force to write them anyway)"
		}
		return ""
	}},
	{name: StepManifests, when: wantManifests, run: manifestsStep},
}

func wantManifests(s *state) bool { return s.o.ManifestsDir != "" }

// Steps are the names of every step, in order.
func Steps() []string {
	var out []string
	for _, st := range pipeline {
		if st.name != "" {
			out = append(out, st.name)
		}
	}
	return out
}

// Run executes the steps in order (all, or Options.Only) and returns the
// report. A returned error is an *oclerr.StepError naming the step that
// could not run (input, credentials, registry) or failed (a build step),
// with the context's cancel cause when a signal stopped it; the report says
// how far it got. Findings are not errors: see Report.Status.
func Run(ctx context.Context, o Options) (*Report, error) {
	start := time.Now()
	s := &state{o: o, be: o.Backend, threshold: findings.SeverityError,
		rep: &Report{SchemaVersion: SchemaVersion, Pool: o.Render.PoolName, Lint: []findings.Finding{}, Checks: []findings.Finding{}, Files: []string{}}}
	if s.be == nil {
		s.be = &realBackend{}
	}
	if o.Config.FailureThreshold != nil {
		s.threshold = *o.Config.FailureThreshold
	}
	if s.rep.Pool == "" {
		s.rep.Pool = mco.DefaultPoolName
	}
	defer func() {
		for i := len(s.cleanup) - 1; i >= 0; i-- {
			s.cleanup[i]()
		}
		s.rep.Seconds = time.Since(start).Seconds()
	}()
	if err := o.Validate(); err != nil {
		return s.fail(ctx, StepInputs, err)
	}
	for _, st := range pipeline {
		if st.name != "" && o.Only != nil && !slices.Contains(o.Only, st.name) {
			continue
		}
		if st.when != nil && !st.when(s) {
			continue
		}
		if st.gate != nil {
			if why := st.gate(s); why != "" {
				s.rep.Status, s.rep.Stopped = StatusFindings, why
				return s.rep, nil
			}
			continue
		}
		t := time.Now()
		if err := st.run(ctx, s); err != nil {
			return s.fail(ctx, st.name, err)
		}
		s.rep.mark(st.name, StepOK, time.Since(t))
		if o.Done != nil {
			o.Done(st.name, s.rep)
		}
	}
	s.rep.Status = StatusOK
	if s.errorsFound() {
		s.rep.Status = StatusFindings
	}
	return s.rep, nil
}

func (s *state) errorsFound() bool {
	return findings.AtOrAbove(s.rep.Lint, s.threshold) || findings.AtOrAbove(s.rep.Checks, s.threshold)
}

func (s *state) progress(format string, a ...any) {
	if s.o.Progress != nil {
		fmt.Fprintf(s.o.Progress, "==> "+format+"\n", a...)
	}
}

// fail records the failed step and classifies the error: a build step whose
// own work failed (not the pull of a FROM image) is Failed (exit 1);
// anything else could not run (exit 2); a signal's cause wins over both.
func (s *state) fail(ctx context.Context, step string, err error) (*Report, error) {
	err = oclerr.Canceled(ctx, err)
	failed := false
	var in *oclerr.Interrupted
	var bse *build.StepError
	var full *build.NoSpaceError
	switch {
	case errors.As(err, &in):
	case errors.As(err, &full): // the machine's disk, not the Containerfile
	case errors.As(err, &bse) && !bse.IsPull():
		failed = true
	case push.IsUntrustedCertificate(err) && !strings.Contains(err.Error(), "--cert-dir"):
		err = fmt.Errorf("%w (%s)", err, push.UntrustedCertificateHint)
	}
	se := &oclerr.StepError{Step: step, Err: err, Failed: failed}
	s.rep.Status = StatusError
	s.rep.Error = &ReportError{Step: step, Message: strings.TrimSpace(se.Error())}
	s.rep.mark(step, StepFailed, 0)
	return s.rep, se
}

// tempDir makes a directory removed when the run ends, owned
// (internal/ownedtemp) so that a later run or prune reclaims it if this
// process is killed.
func (s *state) tempDir(kind string) (string, error) {
	d, err := ownedtemp.Dir("", kind)
	if err != nil {
		return "", err
	}
	s.cleanup = append(s.cleanup, func() { os.RemoveAll(d) })
	return d, nil
}
