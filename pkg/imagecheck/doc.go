// Package imagecheck runs the checks that need the pre-built image (rules
// OCL401–OCL404): units a MachineConfig enables that the base image lacks
// (OCPBUGS-56648), packages a `dnf install` names that the rpm diff does not
// show, and content the user's layers leave in /var, /run or /tmp.
package imagecheck
