package containerfile

import "github.com/ocl-build/ocl-build/pkg/rules"

// OCL201: the final stage's last RUN that changes files is not followed
// (in itself or a later RUN) by `ostree container commit`. Cleanup after
// the commit is fine; COPY after it is fine; bootc is not a target of this
// rule.
var _ = register(rules.OCL201, func(c *ctx) {
	var lastChange *inst
	idx := map[*inst]int{}
	runs := c.runs()
	for i, in := range runs {
		idx[in] = i
		if in.run.bad {
			return // OCL100 has said what is wrong
		}
		if changesFiles(in.run) {
			lastChange = in
		}
	}
	if lastChange == nil {
		return
	}
	for _, in := range runs[idx[lastChange]:] {
		if commits(in.run) {
			return
		}
	}
	c.addAt(lastChange, "this RUN changes the image and no `ostree container commit` follows it in the final stage: end it with `&& ostree container commit`")
})

// commits reports whether the script calls `ostree container commit` (or
// `bootc container lint`) with no package change after it.
func commits(sc *script) bool {
	at := -1
	for i, c := range sc.calls {
		if isCommit(c) {
			at = i
		}
	}
	if at < 0 {
		return false
	}
	for _, c := range sc.calls[at+1:] {
		if pc := parsePkgCall(c); pc != nil && pc.modifies() && pc.sub != "clean" {
			return false
		}
	}
	return true
}

func isCommit(c *call) bool {
	has := func(a ...string) bool {
		if len(c.args) < len(a) {
			return false
		}
		for i := range a {
			if c.args[i] != a[i] {
				return false
			}
		}
		return true
	}
	return (c.name == "ostree" && has("container", "commit")) || (c.name == "bootc" && has("container", "lint"))
}

// Commands that change nothing an OS image keeps (or only clean up).
var noChange = map[string]bool{"echo": true, "printf": true, "true": true, ":": true, "rm": true, "rmdir": true,
	"set": true, "cat": true, "ls": true, "test": true, "[": true, "exit": true, "sleep": true, "find": true,
	"grep": true, "rpm": true, "command": true, "which": true, "stat": true, "id": true, "uname": true}

// changesFiles reports whether a RUN does more than inspect or clean up.
func changesFiles(sc *script) bool {
	for _, c := range sc.calls {
		if isCommit(c) || isShell(c.name) {
			continue
		}
		if pc := parsePkgCall(c); pc != nil {
			if pc.modifies() && pc.sub != "clean" {
				return true
			}
			continue
		}
		if !noChange[c.name] || len(c.redirs) > 0 {
			return true
		}
	}
	return false
}
