package build

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/signature"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/types"
	"github.com/containers/storage"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/ocl-build/ocl-build/internal/sigpolicy"
	"github.com/ocl-build/ocl-build/pkg/registry"
)

// Why pull before buildah does: buildah retries a failed pull only when
// containers/common's heuristic calls the error retryable, and that
// heuristic does not know containers/image's "unexpected HTTP status"
// errors, so one 503 or 429 from a registry fails the whole build. Nor does
// anything in containers/image notice a registry that stops sending. The
// images a Containerfile names are therefore pulled here, with the retry
// rules and the stall watchdog push and rpmdiff use; buildah then finds
// them in the store.

// imageRefs are the images a Containerfile pulls.
type imageRefs struct {
	// Pull are fully qualified references we can pull ourselves.
	Pull []string
	// Left are those we cannot: short names (registries.conf decides
	// where they come from) and names built from ARGs we cannot resolve.
	// buildah pulls these under the build's own pull policy.
	Left []string
}

// containerfileImages lists the images the Containerfile at path pulls:
// FROM images that are not earlier stages or scratch, and images named by
// COPY --from and RUN --mount from=. args are the build args; ARGs
// declared before the first FROM supply defaults.
func containerfileImages(path string, args map[string]string) (imageRefs, error) {
	f, err := os.Open(path)
	if err != nil {
		return imageRefs{}, err
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		return imageRefs{}, fmt.Errorf("%s: %w", path, err)
	}
	global := map[string]string{}
	seenFrom := false
	stages := map[string]bool{}
	nstages := 0
	var refs imageRefs
	seen := map[string]bool{}
	add := func(raw string, vars map[string]string) {
		name, ok := expandArgs(raw, vars)
		if !ok {
			name = raw // unresolved: as written, for buildah to resolve
		}
		if name == "" || seen[name] {
			return
		}
		lower := strings.ToLower(name)
		if stages[lower] || lower == "scratch" {
			return
		}
		if n, err := strconv.Atoi(name); err == nil && n >= 0 && n < nstages {
			return // COPY --from=0: a stage by index
		}
		seen[name] = true
		if ok && qualified(name) {
			refs.Pull = append(refs.Pull, name)
		} else {
			refs.Left = append(refs.Left, name)
		}
	}
	for _, n := range res.AST.Children {
		switch strings.ToLower(n.Value) {
		case "arg":
			if seenFrom || n.Next == nil {
				continue
			}
			for a := n.Next; a != nil; a = a.Next {
				k, v, _ := strings.Cut(a.Value, "=")
				global[k] = strings.Trim(v, `"'`)
			}
		case "from":
			seenFrom = true
			if n.Next == nil {
				continue
			}
			add(n.Next.Value, buildVars(global, args))
			if as := n.Next.Next; as != nil && strings.EqualFold(as.Value, "as") && as.Next != nil {
				stages[strings.ToLower(as.Next.Value)] = true
			}
			nstages++
		case "copy", "run":
			for _, fl := range n.Flags {
				if v, ok := strings.CutPrefix(fl, "--from="); ok {
					add(v, buildVars(global, args))
				}
				if v, ok := strings.CutPrefix(fl, "--mount="); ok {
					for _, kv := range strings.Split(v, ",") {
						if from, ok := strings.CutPrefix(kv, "from="); ok {
							add(from, buildVars(global, args))
						}
					}
				}
			}
		}
	}
	return refs, nil
}

func buildVars(global, args map[string]string) map[string]string {
	m := make(map[string]string, len(global)+len(args))
	for k, v := range global {
		m[k] = v
	}
	for k, v := range args {
		if _, declared := global[k]; declared {
			m[k] = v
		}
	}
	return m
}

// expandArgs substitutes $VAR and ${VAR}; ok is false when a variable is
// unknown (the name is then only buildah's to resolve).
func expandArgs(s string, vars map[string]string) (string, bool) {
	if !strings.Contains(s, "$") {
		return s, true
	}
	ok := true
	out := os.Expand(s, func(k string) string {
		v, found := vars[k]
		if !found {
			ok = false
		}
		return v
	})
	return out, ok
}

// qualified reports whether name names its registry (a domain with a dot
// or a port, or localhost), so no short-name resolution is involved.
func qualified(name string) bool {
	first, _, found := strings.Cut(name, "/")
	if !found {
		return false
	}
	if !strings.ContainsAny(first, ".:") && first != "localhost" {
		return false
	}
	_, err := reference.ParseNormalizedNamed(name)
	return err == nil
}

// pullSettings are how pullImages works.
type pullSettings struct {
	policy   string           // PullMissing, PullAlways, PullNewer (never does not pull)
	reg      registry.Options // retries, stall watchdog, credential advice
	sys      *types.SystemContext
	progress io.Writer // copy's report and retry notices
}

// pullImages brings each image into the store under the pull policy:
// missing pulls what the store lacks; always and newer fetch the manifest
// again (layers already stored are not fetched). Transient registry
// failures are retried and a stalled transfer is given up and retried.
// A cancelled ctx ends it once containers/image has cleaned up.
func pullImages(ctx context.Context, store storage.Store, images []string, s pullSettings) error {
	if len(images) == 0 {
		return nil
	}
	pc, err := sigpolicy.Context(s.sys.SignaturePolicyPath)
	if err != nil {
		return err
	}
	defer pc.Destroy()
	for _, name := range images {
		if s.policy == PullMissing {
			if _, err := storedDigest(store, name); err == nil {
				continue
			}
		}
		if err := pullOne(ctx, store, pc, name, s); err != nil {
			return err
		}
	}
	return nil
}

func pullOne(ctx context.Context, store storage.Store, pc *signature.PolicyContext, name string, s pullSettings) error {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return fmt.Errorf("image %q: %w", name, err)
	}
	src, err := docker.NewReference(named)
	if err != nil {
		return fmt.Errorf("image %q: %w", name, err)
	}
	dst, err := istorage.Transport.NewStoreReference(store, named, "")
	if err != nil {
		return fmt.Errorf("image %q: %w", name, err)
	}
	where := "pulling " + name
	fmt.Fprintf(s.progress, "Pulling %s\n", name)
	host := reference.Domain(named)
	s.reg.WarnPlainHTTP(ctx, s.sys, host)
	_, err = s.reg.Copy(ctx, pc, dst, src, registry.Transfer{
		Where: where, Host: host, Start: "reading the manifest", Verb: "fetching",
		Sys: s.sys, Report: s.progress,
		Check: func(ctx context.Context) error {
			return registry.CheckSpace(ctx, s.sys, src, s.sys.BigFilesTemporaryDir)
		},
	})
	return err
}
