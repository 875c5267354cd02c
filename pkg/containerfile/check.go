package containerfile

import (
	"fmt"
	"sync"

	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/ocl-build/ocl-build/pkg/rules"
)

// checkFn is one rule's check. It reports through c, which knows the rule,
// so a check never chooses a severity.
type checkFn func(c *ctx)

// checks maps a rule ID to its check. Each oclNNN.go registers its own
// (register), beside the code; the list of rules is rules.All, and a test
// holds the two together.
var checks = map[string]checkFn{}

func register(r *rules.Rule, fn checkFn) struct{} {
	if r.Checker != rules.Containerfile {
		panic(r.ID + " is not a Containerfile rule")
	}
	if _, dup := checks[r.ID]; dup {
		panic(r.ID + " registered twice")
	}
	checks[r.ID] = fn
	return struct{}{}
}

// ctx is what a check sees: the document, its rule, and the instructions
// and stages of the rule's scope (rules.Shipped: the final stage and its
// ancestors; otherwise every stage).
type ctx struct {
	d       *doc
	rule    *rules.Rule
	insts   []*inst
	stages  []*stage
	target  rules.Target
	profile *ocpversion.Profile
}

// newCtx points c (reused across the rules of one run) at rule r.
func newCtx(c *ctx, d *doc, r *rules.Rule, t rules.Target) *ctx {
	*c = ctx{d: d, rule: r, target: t, profile: d.profile}
	if r.Scope != rules.Shipped {
		c.insts, c.stages = d.insts, d.stages
		return c
	}
	if d.shippedInsts == nil {
		d.shippedInsts, d.shippedStages = []*inst{}, []*stage{}
		for _, st := range d.stages {
			if d.shipped[st] {
				d.shippedStages = append(d.shippedStages, st)
				d.shippedInsts = append(d.shippedInsts, st.insts...)
			}
		}
	}
	c.insts, c.stages = d.shippedInsts, d.shippedStages
	return c
}

// add reports the rule at a position.
func (c *ctx) add(line, col int, format string, args ...any) {
	c.d.add(c.rule, line, col, format, args...)
}

// addAt reports the rule at an instruction.
func (c *ctx) addAt(in *inst, format string, args ...any) {
	c.d.add(c.rule, in.line, in.col, format, args...)
}

// addVariant reports a named variant of the rule (its own severity).
func (c *ctx) addVariant(variant string, line, col int, format string, args ...any) {
	c.d.out = append(c.d.out, c.rule.VariantFinding(variant, c.d.file, line, col, fmt.Sprintf(format, args...)))
}

// final is the last stage (nil for an empty content).
func (c *ctx) final() *stage { return finalStage(c.d) }

// runs yields the analysed RUN scripts of the scope.
func (c *ctx) runs() []*inst {
	var out []*inst
	for _, in := range c.insts {
		if in.run != nil {
			out = append(out, in)
		}
	}
	return out
}

func finalStage(d *doc) *stage {
	if len(d.stages) == 0 {
		return nil
	}
	return d.stages[len(d.stages)-1]
}

// extensionProfile is the version whose extension table OCL211 uses: the
// one in force, or the newest known (looked up once: Lookup copies).
func (c *ctx) extensionProfile() *ocpversion.Profile {
	if c.profile != nil {
		return c.profile
	}
	newestOnce.Do(func() { newest = ocpversion.MustLookup(ocpversion.Newest().String()) })
	return &newest
}

var (
	newestOnce sync.Once
	newest     ocpversion.Profile
)
