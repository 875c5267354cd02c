// Package oclerr owns the error classes that carry ocl-build's exit status
// (README "Exit codes"): an input error (2), a pipeline step error (1 when
// the step's own work failed, such as a RUN, else 2), findings already
// reported (1, silent) and the typed cause of a context cancelled by a
// signal (128+n). Libraries return them; the CLI maps any error to its
// status in one place, ExitCode.
package oclerr
