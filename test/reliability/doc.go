// Package reliability proves, end to end, how ocl-build behaves when
// registries fail, when it is interrupted, and around credentials: the
// real binary (built once with the Makefile's tags) runs against the
// fixture world, with internal/faultproxy between it and the registries.
// docs/reliability.md lists every case and the test that covers it.
package reliability
