// Package promhttptest makes the certificates of tests of TLS endpoints:
// a throwaway certificate authority, a server certificate for loopback
// and a client certificate, generated at each run (no key is committed),
// and a loopback HTTPS server that requires a client certificate.
package promhttptest
