package cluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

// Operator-managed names (MCO release-4.19 pkg/controller/build/constants
// and pkg/daemon/constants). ocl-build never writes the annotations.
const (
	AnnotationCurrentBuild = "machineconfiguration.openshift.io/current-machine-os-build"
	AnnotationRebuild      = "machineconfiguration.openshift.io/rebuild"
	AnnotationDesiredImage = "machineconfiguration.openshift.io/desiredImage"
	AnnotationCurrentImage = "machineconfiguration.openshift.io/currentImage"
	AnnotationNodeState    = "machineconfiguration.openshift.io/state"
	LabelMachineOSBuild    = "machineconfiguration.openshift.io/machine-os-build"
)

// Verdict sums a pool's status up.
type Verdict string

const (
	// VerdictDone: the build succeeded and every node of the pool runs it.
	VerdictDone Verdict = "done"
	// VerdictFailed: the build failed, or the pool is degraded.
	VerdictFailed Verdict = "failed"
	// VerdictInProgress: waiting for the operator, the build or the rollout.
	VerdictInProgress Verdict = "in progress"
)

// BuildState is one MachineOSBuild as the cluster has it.
type BuildState struct {
	Name string
	// Phase is the true one of Prepared, Building, Succeeded, Failed,
	// Interrupted (the last to change when several are true), or "".
	Phase, Message string
	Image          string // status.digestedImagePushSpec
	Job            string // namespace/name of the build Job
	// PodPhase is the phase of the Job's pod; LogTail its last log lines
	// when the build failed (or why they could not be read).
	PodPhase string
	LogTail  []string
}

// NodeState is one node of the pool.
type NodeState struct {
	Name, DesiredImage, CurrentImage, State string
}

// Status is a pool's On-Cluster Layering state.
type Status struct {
	Pool, MOSC string
	// PredictedBuild is the MachineOSBuild name ocl-build computes with the
	// name rule of the cluster's OpenShift version (pkg/mco
	// MachineOSBuildName: the pool's rendered config, the MachineOSConfig
	// spec, and the osimageurl ConfigMap up to 4.21, the rendered
	// MachineConfig's images from 4.22); "" with PredictNote saying why
	// when the operator would name no build.
	// ClusterBuild is the one the MachineOSConfig's
	// current-machine-os-build annotation names.
	PredictedBuild, ClusterBuild, PredictNote string
	// Version says which OpenShift version's rules apply and where it came
	// from ("OpenShift 4.22 (from cluster (ClusterVersion))");
	// VersionWarnings are pkg/ocpversion's (newer than known, disagreeing
	// sources).
	Version         string
	VersionWarnings []string
	Build           *BuildState
	// CurrentImage is the MachineOSConfig's status.currentImagePullSpec.
	CurrentImage                       string
	Conditions                         []mcfgv1.MachineConfigPoolCondition
	Machines, Updated, Ready, Degraded int32
	Nodes                              []NodeState
	Verdict                            Verdict
	// Reasons say why the verdict is not done.
	Reasons []string
}

// PoolStatus reads the pool, its MachineOSConfig, its MachineOSBuild, the
// build's Job and pod, and the pool's nodes.
func (c *Client) PoolStatus(ctx context.Context, pool string, o StatusOptions) (*Status, error) {
	st := &Status{Pool: pool}
	var pu *unstructured.Unstructured
	err := c.do(ctx, request{verb: "get", resource: resourceName(GVRMachineConfigPool), name: pool}, func(ctx context.Context) (err error) {
		pu, err = c.Dynamic.Resource(GVRMachineConfigPool).Get(ctx, pool, metav1.GetOptions{})
		return err
	})
	if apierrors.IsNotFound(unwrapAPI(err)) {
		return nil, &NotFoundError{Resource: "MachineConfigPool", Name: pool}
	}
	if err != nil {
		return nil, err
	}
	var p mcfgv1.MachineConfigPool
	if err := fromUnstructured(pu, &p); err != nil {
		return nil, err
	}
	s := &Snapshot{PoolName: pool, Pool: &p}
	if err := c.findMOSC(ctx, s); err != nil {
		return nil, err
	}
	if s.MOSC == nil {
		return nil, fmt.Errorf("pool %s has no MachineOSConfig: On-Cluster Layering is not set up for it (ocl-build apply the manifests first)", pool)
	}
	mosc := s.MOSC
	st.MOSC = mosc.Name
	st.ClusterBuild = mosc.Annotations[AnnotationCurrentBuild]
	st.CurrentImage = string(mosc.Status.CurrentImagePullSpec)
	st.Conditions = p.Status.Conditions
	st.Machines, st.Updated, st.Ready, st.Degraded = p.Status.MachineCount, p.Status.UpdatedMachineCount, p.Status.ReadyMachineCount, p.Status.DegradedMachineCount

	if err := c.predictBuild(ctx, o, &p, mosc, st); err != nil {
		return nil, err
	}

	buildName := st.ClusterBuild
	if buildName == "" {
		buildName = st.PredictedBuild
	}
	if buildName != "" {
		b, err := c.buildState(ctx, buildName)
		if err != nil {
			return nil, err
		}
		st.Build = b
	}
	if err := c.nodeStates(ctx, &p, st); err != nil {
		return nil, err
	}
	st.judge(&p)
	return st, nil
}

// StatusOptions tune PoolStatus.
type StatusOptions struct {
	// OpenShiftVersion (X.Y) overrides ClusterVersion's for the name rule.
	OpenShiftVersion string
}

// predictBuild computes the MachineOSBuild name the operator gives this
// pool's build, with the name rule of the version in force (one version
// model: pkg/ocpversion Profile.MOSBHashFromRenderedMachineConfig).
func (c *Client) predictBuild(ctx context.Context, o StatusOptions, p *mcfgv1.MachineConfigPool, mosc *mcfgv1.MachineOSConfig, st *Status) error {
	var cv configv1.ClusterVersion
	if _, err := c.getCluster(ctx, GVRClusterVersion, ClusterVersionName, ItemClusterVersion, &cv); err != nil {
		return err
	}
	cm, err := c.configMap(ctx, MCONamespace, OSImageURLName, ItemOSImageURL)
	if err != nil {
		return err
	}
	images := mco.OSImageURLConfig{}
	if cm != nil {
		images = mco.OSImageURLConfig{
			BaseOSContainerImage:           cm.Data["baseOSContainerImage"],
			BaseOSExtensionsContainerImage: cm.Data["baseOSExtensionsContainerImage"],
			OSImageURL:                     cm.Data["osImageURL"],
			ReleaseVersion:                 cm.Data["releaseVersion"],
		}
	}
	d, err := ocpversion.Resolve(
		ocpversion.Candidate{Value: o.OpenShiftVersion, Source: ocpversion.SourceFlag},
		ocpversion.Candidate{Value: cv.Status.Desired.Version, Source: ocpversion.SourceCluster},
		ocpversion.Candidate{Value: images.ReleaseVersion, Source: ocpversion.SourceConfigMap},
	)
	if err != nil {
		return err
	}
	st.Version, st.VersionWarnings = d.Describe(), d.Warnings

	cfg := p.Spec.Configuration
	if cfg.Name == "" {
		st.PredictNote = "the pool has no rendered MachineConfig yet"
		return nil
	}
	in := mco.MachineOSBuildInputs{MachineOSConfig: mosc, Pool: p}
	if cm != nil {
		in.OSImageURL = &images
	}
	if d.Profile.MOSBHashFromRenderedMachineConfig {
		var mc mcfgv1.MachineConfig
		ok, err := c.getCluster(ctx, GVRMachineConfig, cfg.Name, ItemMachineConfigs, &mc)
		if err != nil {
			return err
		}
		if ok {
			in.Rendered = &mc
		}
	}
	// The operator's own refusals (a missing ConfigMap or rendered config,
	// a rendered config without the annotations 4.22 requires) are why it
	// names no build: say so instead of a name.
	name, err := mco.MachineOSBuildName(d.Profile, in)
	if errors.Is(err, mco.ErrNoMachineOSBuild) {
		st.PredictNote = err.Error()
		return nil
	}
	if err != nil {
		return err
	}
	st.PredictedBuild = name
	return nil
}

func (c *Client) buildState(ctx context.Context, name string) (*BuildState, error) {
	var u *unstructured.Unstructured
	err := c.do(ctx, request{verb: "get", resource: resourceName(GVRMachineOSBuild), name: name}, func(ctx context.Context) (err error) {
		u, err = c.Dynamic.Resource(GVRMachineOSBuild).Get(ctx, name, metav1.GetOptions{})
		return err
	})
	if apierrors.IsNotFound(unwrapAPI(err)) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var b mcfgv1.MachineOSBuild
	if err := fromUnstructured(u, &b); err != nil {
		return nil, err
	}
	bs := &BuildState{Name: b.Name, Image: string(b.Status.DigestedImagePushSpec)}
	var latest time.Time
	for _, cond := range b.Status.Conditions {
		if cond.Status == metav1.ConditionTrue && !cond.LastTransitionTime.Time.Before(latest) {
			bs.Phase, bs.Message, latest = cond.Type, cond.Message, cond.LastTransitionTime.Time
		}
	}
	// A terminal condition wins over an older Building that stayed true.
	for _, t := range []string{string(mcfgv1.MachineOSBuildFailed), string(mcfgv1.MachineOSBuildInterrupted), string(mcfgv1.MachineOSBuildSucceeded)} {
		if cond := meta.FindStatusCondition(b.Status.Conditions, t); cond != nil && cond.Status == metav1.ConditionTrue {
			bs.Phase, bs.Message = cond.Type, cond.Message
			break
		}
	}
	if b.Status.Builder != nil && b.Status.Builder.Job != nil {
		j := b.Status.Builder.Job
		ns := j.Namespace
		if ns == "" {
			ns = MCONamespace
		}
		bs.Job = ns + "/" + j.Name
		var pods *corev1.PodList
		err := c.do(ctx, request{verb: "list", resource: "pods", namespace: ns}, func(ctx context.Context) (err error) {
			pods, err = c.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: labels.Set{"job-name": j.Name}.String()})
			return err
		})
		if err != nil {
			return nil, err
		}
		if len(pods.Items) > 0 {
			sort.Slice(pods.Items, func(i, k int) bool {
				return pods.Items[i].CreationTimestamp.Before(&pods.Items[k].CreationTimestamp)
			})
			pod := pods.Items[len(pods.Items)-1]
			bs.PodPhase = string(pod.Status.Phase)
			if bs.Phase == string(mcfgv1.MachineOSBuildFailed) || pod.Status.Phase == corev1.PodFailed {
				bs.LogTail = c.logTail(ctx, &pod, 20)
			}
		}
	}
	return bs, nil
}

// logTail is the last n lines of the pod's last container, or one line
// saying why they cannot be read.
func (c *Client) logTail(ctx context.Context, pod *corev1.Pod, n int64) []string {
	if len(pod.Spec.Containers) == 0 {
		return nil
	}
	container := pod.Spec.Containers[len(pod.Spec.Containers)-1].Name
	rc, err := c.Kube.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: container, TailLines: &n}).Stream(ctx)
	if err != nil {
		return []string{fmt.Sprintf("(logs of pod %s/%s unavailable: %v)", pod.Namespace, pod.Name, err)}
	}
	defer rc.Close()
	var lines []string
	sc := bufio.NewScanner(rc)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) == 0 {
		return []string{fmt.Sprintf("(logs of pod %s/%s: empty; the pod may never have run)", pod.Namespace, pod.Name)}
	}
	return lines
}

func (c *Client) nodeStates(ctx context.Context, p *mcfgv1.MachineConfigPool, st *Status) error {
	if p.Spec.NodeSelector == nil {
		return nil
	}
	sel, err := metav1.LabelSelectorAsSelector(p.Spec.NodeSelector)
	if err != nil {
		return fmt.Errorf("MachineConfigPool %s nodeSelector: %w", p.Name, err)
	}
	var nodes *corev1.NodeList
	err = c.do(ctx, request{verb: "list", resource: "nodes", without: "the counts from the pool's status are still shown"}, func(ctx context.Context) (err error) {
		nodes, err = c.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
		return err
	})
	if err != nil {
		return err
	}
	for _, n := range nodes.Items {
		st.Nodes = append(st.Nodes, NodeState{
			Name:         n.Name,
			DesiredImage: n.Annotations[AnnotationDesiredImage],
			CurrentImage: n.Annotations[AnnotationCurrentImage],
			State:        n.Annotations[AnnotationNodeState],
		})
	}
	sort.Slice(st.Nodes, func(i, j int) bool { return st.Nodes[i].Name < st.Nodes[j].Name })
	return nil
}

// judge sets the verdict: failed on a failed or interrupted build, an
// ImageBuildDegraded or Degraded pool, or degraded machines; done when the
// MachineOSConfig's current image is the build's and every machine (and
// every node we can see) runs it; in progress otherwise.
func (st *Status) judge(p *mcfgv1.MachineConfigPool) {
	cond := func(t mcfgv1.MachineConfigPoolConditionType) *mcfgv1.MachineConfigPoolCondition {
		for i := range p.Status.Conditions {
			if p.Status.Conditions[i].Type == t {
				return &p.Status.Conditions[i]
			}
		}
		return nil
	}
	var failed []string
	if st.Build != nil && (st.Build.Phase == string(mcfgv1.MachineOSBuildFailed) || st.Build.Phase == string(mcfgv1.MachineOSBuildInterrupted)) {
		failed = append(failed, fmt.Sprintf("MachineOSBuild %s %s: %s", st.Build.Name, strings.ToLower(st.Build.Phase), st.Build.Message))
	}
	for _, t := range []mcfgv1.MachineConfigPoolConditionType{mcfgv1.MachineConfigPoolImageBuildDegraded, mcfgv1.MachineConfigPoolDegraded} {
		if c := cond(t); c != nil && c.Status == corev1.ConditionTrue {
			failed = append(failed, fmt.Sprintf("pool %s is %s: %s", st.Pool, t, c.Message))
		}
	}
	if st.Degraded > 0 {
		failed = append(failed, fmt.Sprintf("%d of %d machines degraded", st.Degraded, st.Machines))
	}
	if len(failed) > 0 {
		st.Verdict, st.Reasons = VerdictFailed, failed
		return
	}
	var wait []string
	switch {
	case st.Build == nil && st.PredictedBuild != "":
		wait = append(wait, fmt.Sprintf("MachineOSBuild %s not created yet (the operator creates it)", st.PredictedBuild))
	case st.Build == nil:
		wait = append(wait, "the pool has no rendered MachineConfig yet")
	case st.Build.Phase != string(mcfgv1.MachineOSBuildSucceeded):
		wait = append(wait, fmt.Sprintf("MachineOSBuild %s: %s", st.Build.Name, orNone(st.Build.Phase)))
	}
	image := st.CurrentImage
	if st.Build != nil && st.Build.Image != "" {
		image = st.Build.Image
	}
	if len(wait) == 0 {
		if image == "" || st.CurrentImage != image {
			wait = append(wait, "the MachineOSConfig does not name the built image yet (status.currentImagePullSpec)")
		}
		if st.Updated < st.Machines {
			wait = append(wait, fmt.Sprintf("%d of %d machines updated", st.Updated, st.Machines))
		}
		if c := cond(mcfgv1.MachineConfigPoolUpdated); c == nil || c.Status != corev1.ConditionTrue {
			wait = append(wait, fmt.Sprintf("pool %s is not Updated", st.Pool))
		}
		for _, n := range st.Nodes {
			if n.CurrentImage != image {
				wait = append(wait, fmt.Sprintf("node %s runs %s", n.Name, orNone(n.CurrentImage)))
			}
		}
	}
	if len(wait) > 0 {
		st.Verdict, st.Reasons = VerdictInProgress, wait
		return
	}
	st.Verdict = VerdictDone
}

// Watch calls fn with the pool's status now and after every change of the
// pool, its MachineOSConfig or MachineOSBuilds, or nodes (watched through
// the API server, re-read at least every resync), until fn returns true or
// ctx ends.
func (c *Client) Watch(ctx context.Context, pool string, o StatusOptions, resync time.Duration, fn func(*Status) bool) error {
	if resync <= 0 {
		resync = 10 * time.Second
	}
	events := make(chan struct{}, 1)
	poke := func() {
		select {
		case events <- struct{}{}:
		default:
		}
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, gvr := range []struct{ name string }{{"pools"}, {"moscs"}, {"mosbs"}, {"nodes"}} {
		var w watch.Interface
		var err error
		switch gvr.name {
		case "pools":
			w, err = c.Dynamic.Resource(GVRMachineConfigPool).Watch(wctx, metav1.ListOptions{FieldSelector: "metadata.name=" + pool})
		case "moscs":
			w, err = c.Dynamic.Resource(GVRMachineOSConfig).Watch(wctx, metav1.ListOptions{})
		case "mosbs":
			w, err = c.Dynamic.Resource(GVRMachineOSBuild).Watch(wctx, metav1.ListOptions{})
		case "nodes":
			w, err = c.Kube.CoreV1().Nodes().Watch(wctx, metav1.ListOptions{})
		}
		if err != nil {
			continue // the resync still sees changes
		}
		go func() {
			defer w.Stop()
			for {
				select {
				case _, ok := <-w.ResultChan():
					if !ok {
						return
					}
					poke()
				case <-wctx.Done():
					return
				}
			}
		}()
	}
	t := time.NewTicker(resync)
	defer t.Stop()
	for {
		st, err := c.PoolStatus(ctx, pool, o)
		if err != nil {
			return err
		}
		if fn(st) {
			return nil
		}
		select {
		case <-events:
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
