// Package findings holds the result type shared by every checker in
// ocl-build (lint, validate, image checks) and the rule catalogue metadata,
// so that all of them report through the same text/json/sarif formats.
package findings
