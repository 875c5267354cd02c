package imagecheck

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/containers/image/v5/transports/alltransports"

	"github.com/ocl-build/ocl-build/internal/storehold"
	"github.com/ocl-build/ocl-build/pkg/image"
	"github.com/ocl-build/ocl-build/pkg/mco"
)

// ErrNoTemplate: the image history does not show the operator's template.
var ErrNoTemplate = errors.New("no LABEL " + mco.LabelBaseImage + " in the image history")

// TemplateLayers counts the layers of a built image that come from the base
// image and the operator's template: every layer the history records up to
// and including the template's last instruction (LABEL
// baseOSContainerImage=…). The user's content starts after it.
func TemplateLayers(ctx context.Context, ref string, opts image.Options) (int, error) {
	ir, err := alltransports.ParseImageName(ref)
	if err != nil {
		return 0, &image.Error{Ref: ref, Err: err}
	}
	defer storehold.Acquire(ir)() // shut a containers-storage store down after
	sys, done, err := opts.Registry.SystemContext()
	if err != nil {
		return 0, &image.Error{Ref: ref, Err: err}
	}
	defer done()
	img, err := ir.NewImage(ctx, sys)
	if err != nil {
		return 0, &image.Error{Ref: ref, Err: err}
	}
	defer img.Close()
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return 0, &image.Error{Ref: ref, Err: fmt.Errorf("reading image config: %w", err)}
	}
	// Images assembled by hand may record no history for their bottom
	// layers; those are below every entry we count.
	total := 0
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			total++
		}
	}
	missing := len(img.LayerInfos()) - total
	if missing < 0 {
		missing = 0
	}
	n := 0
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			n++
		}
		if isTemplateEnd(h.CreatedBy) {
			return n + missing, nil
		}
	}
	return 0, ErrNoTemplate
}

// DiffIDs are the image's uncompressed layer digests (config rootfs.diff_ids),
// bottom first: the same layer has the same diff ID whether a registry
// serves it compressed or containers-storage holds it.
func DiffIDs(ctx context.Context, ref string, opts image.Options) ([]string, error) {
	ir, err := alltransports.ParseImageName(ref)
	if err != nil {
		return nil, &image.Error{Ref: ref, Err: err}
	}
	defer storehold.Acquire(ir)()
	sys, done, err := opts.Registry.SystemContext()
	if err != nil {
		return nil, &image.Error{Ref: ref, Err: err}
	}
	defer done()
	img, err := ir.NewImage(ctx, sys)
	if err != nil {
		return nil, &image.Error{Ref: ref, Err: err}
	}
	defer img.Close()
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return nil, &image.Error{Ref: ref, Err: fmt.Errorf("reading image config: %w", err)}
	}
	var out []string
	for _, d := range cfg.RootFS.DiffIDs {
		out = append(out, d.String())
	}
	return out, nil
}

func isTemplateEnd(createdBy string) bool {
	i := strings.Index(createdBy, "LABEL ")
	return i >= 0 && strings.Contains(createdBy[i:], mco.LabelBaseImage+"=")
}
