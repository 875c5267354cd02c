// Package regretry decides which registry failures are worth another
// attempt and paces those attempts, for every command that talks to a
// registry (push, rpmdiff, inspect). One classification everywhere means a
// registry hiccup is survived, or fatal, the same way whichever command
// meets it.
package regretry
