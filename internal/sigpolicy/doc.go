// Package sigpolicy picks the containers signature policy file that build
// and push hand to containers/image, the way podman and skopeo do, with an
// accept-anything fallback for machines that have no policy.json.
package sigpolicy
