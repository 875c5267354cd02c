// Package pullsecret reads, merges and checks registry credential files:
// .dockerconfigjson ({"auths": {...}}), the legacy .dockercfg ({host: {...}})
// and Kubernetes Secrets that carry either. Errors and reports never contain
// credential bytes.
package pullsecret
