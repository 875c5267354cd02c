// Command gendocs writes the rule pages (docs/rules/OCLnnn.md and the
// index README.md) from pkg/rules. Run through `go generate ./pkg/rules`
// or `make rule-docs`; TestPagesAreCurrent fails when they drift.
package main
