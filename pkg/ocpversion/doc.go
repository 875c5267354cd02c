// Package ocpversion is the one place that knows how the Machine Config
// Operator's on-cluster build differs between OpenShift versions.
//
// Every fact here was read from a release branch of
// github.com/openshift/machine-config-operator (the branch is named beside
// each fact). Other packages ask a Profile; none of them compares version
// numbers itself. Adding a version is one entry in profiles plus its tests.
package ocpversion
