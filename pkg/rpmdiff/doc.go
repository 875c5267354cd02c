// Package rpmdiff finds the effective RPM database in an image (reading as
// few layers as overlay semantics allow), reads it, and diffs two of them.
package rpmdiff
