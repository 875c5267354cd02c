// Package ownedtemp names what an ocl-build process leaves on disk while it
// works (temporary directories, build container names) after the process
// that made it: its PID and start time. A later run, or `ocl-build prune`,
// can then tell the leftovers of a process that was killed (SIGKILL, OOM,
// a power cut of the terminal) from those of one still at work, and reclaim
// only the former.
package ownedtemp
