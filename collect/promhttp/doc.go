// Package promhttp is the one HTTP client configuration that kvmfit uses
// for Prometheus-compatible endpoints, in both directions: the query API
// read by `kvmfit import prometheus` and the remote-write endpoint pushed
// to by `kvmfit collect --remote-write`.
//
// It covers what real endpoints sit behind: a bearer token read from a
// file, basic auth with the password from a file or an environment
// variable (never from a flag value, which would show in ps and shell
// history), a CA file, a client certificate and key, extra headers (e.g.
// Mimir's X-Scope-OrgID), the proxy from the environment (HTTP_PROXY,
// HTTPS_PROXY, NO_PROXY) and timeouts. Credentials live only in the
// transport: nothing in this package puts them in a string that could be
// written into a dataset, a plan or a report (Config.String redacts them).
package promhttp
