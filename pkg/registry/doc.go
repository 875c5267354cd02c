// Package registry owns how ocl-build reaches a container registry: the
// options users know from podman and skopeo (--authfile, --creds,
// --cert-dir, a three-way --tls-verify, --registries-conf and their
// environment variables), the one containers/image SystemContext built from
// them, and the one copy (pull and push) with retries and a stall watchdog.
// Streaming reads of single layers (rpmdiff, inspect, the release payload)
// live in pkg/image and use the same options, retry policy and watchdog.
//
// Errors it returns name the registry, speak the registry's language
// ("manifest unknown", "unauthorized: no entry for HOST in FILE") and end
// with the number of attempts when there was more than one.
package registry
