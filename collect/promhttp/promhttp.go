package promhttp

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Config is the HTTP client configuration of one endpoint.
type Config struct {
	// BearerTokenFile holds a bearer token (surrounding white space is
	// trimmed); read at every request, so a rotated token is picked up.
	BearerTokenFile string
	// BasicAuthUser enables basic auth; the password comes from
	// BasicAuthPasswordFile or the environment variable BasicAuthPasswordEnv.
	BasicAuthUser         string
	BasicAuthPasswordFile string
	BasicAuthPasswordEnv  string
	// CAFile is a PEM bundle of the CAs to trust instead of the system's.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and its key.
	CertFile, KeyFile string
	// ServerName overrides the name the server's certificate is checked for.
	ServerName string
	// InsecureSkipVerify accepts any server certificate (a loud warning
	// is logged).
	InsecureSkipVerify bool
	// Headers are extra request headers, e.g. X-Scope-OrgID.
	Headers map[string]string
	// Timeout bounds each request, 0 = none (the caller's context then).
	Timeout time.Duration
	// DisableCompression asks for uncompressed responses (a server on
	// the same machine: gzip would cost both sides CPU for nothing).
	DisableCompression bool
	// headerFlags is the raw --header values of AddFlags.
	headerFlags []string
	// flagPrefix is the prefix of AddFlags' flag names, for messages.
	flagPrefix string
}

// AddFlags registers the configuration's flags on fs, each name prefixed
// with prefix (e.g. "" or "remote-write-"); what names the endpoint in the
// usage strings, e.g. "the API".
func (c *Config) AddFlags(fs *pflag.FlagSet, prefix, what string) {
	c.flagPrefix = prefix
	fs.StringVar(&c.BearerTokenFile, prefix+"bearer-token-file", c.BearerTokenFile, "`FILE` holding a bearer token for "+what)
	fs.StringVar(&c.BasicAuthUser, prefix+"basic-auth-user", c.BasicAuthUser, "basic auth `USER` for "+what+" (password from --"+prefix+"basic-auth-password-file or --"+prefix+"basic-auth-password-env)")
	fs.StringVar(&c.BasicAuthPasswordFile, prefix+"basic-auth-password-file", c.BasicAuthPasswordFile, "`FILE` holding the basic auth password")
	fs.StringVar(&c.BasicAuthPasswordEnv, prefix+"basic-auth-password-env", c.BasicAuthPasswordEnv, "environment `VARIABLE` holding the basic auth password")
	fs.StringVar(&c.CAFile, prefix+"ca-file", c.CAFile, "PEM `FILE` of the CAs to trust for "+what)
	fs.StringVar(&c.CertFile, prefix+"cert-file", c.CertFile, "PEM client certificate `FILE` for "+what)
	fs.StringVar(&c.KeyFile, prefix+"key-file", c.KeyFile, "PEM client key `FILE` of --"+prefix+"cert-file")
	fs.StringVar(&c.ServerName, prefix+"server-name", c.ServerName, "`NAME` the server certificate must be valid for (default: the URL's host)")
	fs.BoolVar(&c.InsecureSkipVerify, prefix+"insecure-skip-verify", false, "accept any server certificate (unsafe: anyone on the path can read the traffic)")
	fs.StringArrayVar(&c.headerFlags, prefix+"header", nil, "extra request header `NAME=VALUE`, repeatable (e.g. X-Scope-OrgID=team1)")
}

// ParseHeaders moves the --header values of AddFlags into Headers.
func (c *Config) ParseHeaders() error {
	for _, h := range c.headerFlags {
		k, v, ok := strings.Cut(h, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t\r\n:") || strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("--header %q: want NAME=VALUE", h)
		}
		if c.Headers == nil {
			c.Headers = map[string]string{}
		}
		c.Headers[http.CanonicalHeaderKey(k)] = v
	}
	c.headerFlags = nil
	return nil
}

// Validate checks the combinations and that the files can be read.
func (c *Config) Validate() error {
	switch {
	case c.BearerTokenFile != "" && c.BasicAuthUser != "":
		return errors.New("a bearer token and basic auth exclude each other")
	case c.BasicAuthUser == "" && (c.BasicAuthPasswordFile != "" || c.BasicAuthPasswordEnv != ""):
		return errors.New("a basic auth password needs a basic auth user")
	case c.BasicAuthUser != "" && c.BasicAuthPasswordFile != "" && c.BasicAuthPasswordEnv != "":
		return errors.New("the basic auth password comes from a file or an environment variable, not both")
	case (c.CertFile == "") != (c.KeyFile == ""):
		return errors.New("a client certificate needs both its certificate and its key file")
	}
	if c.BearerTokenFile != "" {
		if _, err := readSecret(c.BearerTokenFile); err != nil {
			return err
		}
	}
	if c.BasicAuthUser != "" {
		if _, err := c.password(); err != nil {
			return err
		}
	}
	return nil
}

// Enabled reports whether any authentication or TLS setting is made.
func (c *Config) Enabled() bool {
	return c.BearerTokenFile != "" || c.BasicAuthUser != "" || c.CAFile != "" || c.CertFile != "" || c.InsecureSkipVerify || len(c.Headers) > 0
}

// String describes the configuration without any credential: file names
// and header names only.
func (c *Config) String() string {
	var parts []string
	if c.BearerTokenFile != "" {
		parts = append(parts, "bearer token from a file")
	}
	if c.BasicAuthUser != "" {
		parts = append(parts, "basic auth")
	}
	if c.CAFile != "" {
		parts = append(parts, "own CA")
	}
	if c.CertFile != "" {
		parts = append(parts, "client certificate")
	}
	if c.InsecureSkipVerify {
		parts = append(parts, "certificate NOT verified")
	}
	if len(c.Headers) > 0 {
		names := make([]string, 0, len(c.Headers))
		for k := range c.Headers {
			names = append(names, k)
		}
		sort.Strings(names)
		parts = append(parts, "headers "+strings.Join(names, ", "))
	}
	if len(parts) == 0 {
		return "no authentication"
	}
	return strings.Join(parts, "; ")
}

// readSecret reads a secret file, trimmed of surrounding white space.
func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s: empty", path)
	}
	return s, nil
}

func (c *Config) password() (string, error) {
	switch {
	case c.BasicAuthPasswordFile != "":
		return readSecret(c.BasicAuthPasswordFile)
	case c.BasicAuthPasswordEnv != "":
		v, ok := os.LookupEnv(c.BasicAuthPasswordEnv)
		if !ok {
			return "", fmt.Errorf("environment variable %s (the basic auth password) is not set", c.BasicAuthPasswordEnv)
		}
		return v, nil
	}
	return "", nil
}

// TLSConfig returns the TLS configuration, nil when the defaults do.
func (c *Config) TLSConfig() (*tls.Config, error) {
	if c.CAFile == "" && c.CertFile == "" && !c.InsecureSkipVerify && c.ServerName == "" {
		return nil, nil
	}
	t := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName, InsecureSkipVerify: c.InsecureSkipVerify} //nolint:gosec // opt-in, warned about
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificate", c.CAFile)
		}
		t.RootCAs = pool
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate %s, key %s: %w", c.CertFile, c.KeyFile, err)
		}
		t.Certificates = []tls.Certificate{cert}
	}
	return t, nil
}

// RoundTripper returns a transport with the TLS settings, the proxy from
// the environment and the authentication and headers added to every
// request. warn, if non-nil, receives the warning of
// InsecureSkipVerify.
func (c *Config) RoundTripper(warn func(string, ...any)) (http.RoundTripper, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	tc, err := c.TLSConfig()
	if err != nil {
		return nil, err
	}
	if c.InsecureSkipVerify && warn != nil {
		warn("WARNING: --insecure-skip-verify: the server's certificate is NOT checked; anyone on the path can impersonate it and read the credentials and data")
	}
	base := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tc,
		TLSHandshakeTimeout:   10 * time.Second,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
		DisableCompression:    c.DisableCompression,
	}
	return &authTransport{c: *c, base: base}, nil
}

// Client returns an HTTP client with RoundTripper and Timeout.
func (c *Config) Client(warn func(string, ...any)) (*http.Client, error) {
	rt, err := c.RoundTripper(warn)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: rt, Timeout: c.Timeout}, nil
}

// authTransport adds the headers and credentials to each request.
type authTransport struct {
	c    Config
	base http.RoundTripper
}

func (t *authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range t.c.Headers {
		r.Header.Set(k, v)
	}
	switch {
	case t.c.BearerTokenFile != "":
		tok, err := readSecret(t.c.BearerTokenFile)
		if err != nil {
			return nil, fmt.Errorf("bearer token: %w", err)
		}
		r.Header.Set("Authorization", "Bearer "+tok)
	case t.c.BasicAuthUser != "":
		pw, err := t.c.password()
		if err != nil {
			return nil, fmt.Errorf("basic auth: %w", err)
		}
		r.SetBasicAuth(t.c.BasicAuthUser, pw)
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		err = t.c.explain(err)
	}
	return resp, err
}

// explain adds what to do to the TLS alerts of a server that wants a
// client certificate: the bare "remote error: tls: certificate required"
// does not say which flags give one.
func (c *Config) explain(err error) error {
	s := err.Error()
	rejected := strings.Contains(s, "tls: certificate required") || strings.Contains(s, "tls: bad certificate") ||
		strings.Contains(s, "tls: unknown certificate authority") || strings.Contains(s, "tls: unknown certificate")
	switch {
	case !rejected:
		return err
	case c.CertFile == "":
		return fmt.Errorf("%w (the server requires a client certificate: give --%scert-file and --%skey-file)", err, c.flagPrefix, c.flagPrefix)
	default:
		return fmt.Errorf("%w (the server did not accept the client certificate %s: is it issued by a CA the server trusts, for client authentication?)", err, c.CertFile)
	}
}

// IsLoopback reports whether the host of rawURL is this machine
// (localhost, 127.0.0.0/8, ::1).
func IsLoopback(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
