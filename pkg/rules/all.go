package rules

//go:generate go run ./internal/gendocs ../../docs/rules

import "sort"

// All is the one list of rules, in ID order. `lint --list`, SARIF, the
// pages under docs/rules and every checker's tests iterate it.
func All() []*Rule {
	return []*Rule{
		OCL100, OCL101, OCL102, OCL103, OCL104, OCL105, OCL106, OCL107, OCL108, OCL109, OCL110,
		OCL201, OCL202, OCL203, OCL204, OCL205, OCL206, OCL207, OCL208, OCL209, OCL210,
		OCL211, OCL212, OCL213, OCL214, OCL215, OCL216, OCL217,
		OCL301, OCL302, OCL303, OCL304, OCL305, OCL306, OCL307, OCL308,
		OCL401, OCL402, OCL403, OCL404, OCL405, OCL406, OCL407, OCL408, OCL409, OCL410,
		OCL411, OCL412, OCL413, OCL414, OCL415, OCL416, OCL417, OCL418, OCL419, OCL420,
		OCL421, OCL422, OCL423,
	}
}

var byID = func() map[string]*Rule {
	m := map[string]*Rule{}
	for _, r := range All() {
		m[r.ID] = r
	}
	return m
}()

// ByID finds a rule.
func ByID(id string) (*Rule, bool) {
	r, ok := byID[id]
	return r, ok
}

// Of lists the rules a checker reports (retired ones left out).
func Of(c Checker) []*Rule {
	var out []*Rule
	for _, r := range All() {
		if r.Checker == c && r.Retired == "" {
			out = append(out, r)
		}
	}
	return out
}

// IDs lists the IDs of rs, sorted.
func IDs(rs []*Rule) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	sort.Strings(out)
	return out
}
