// Package faultproxy is a fault-injecting HTTPS reverse proxy for tests. It
// stands between a client (ocl-build) and a real registry on 127.0.0.1 and,
// following a schedule of rules, answers with an error status (500, 502,
// 503, 429 with Retry-After), resets the TCP connection part-way through a
// request or response body, stalls, truncates a body, or flips a byte of
// it. Everything else is forwarded untouched, and every request and every
// fault is counted, so a test can assert both the outcome and that the
// fault really happened.
//
// The proxy terminates TLS with its own throw-away CA (WriteCA puts it in
// a --cert-dir), so it sees HTTP and can fault at the HTTP level, and it
// passes the client's Host header on, so the registry's upload Location
// URLs point back at the proxy.
package faultproxy
