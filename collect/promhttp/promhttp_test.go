package promhttp

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// seen records the request headers a server received.
func serve(t *testing.T, tlsOn bool) (*httptest.Server, *http.Header) {
	t.Helper()
	var h http.Header
	f := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h = r.Header.Clone() })
	var s *httptest.Server
	if tlsOn {
		s = httptest.NewTLSServer(f)
	} else {
		s = httptest.NewServer(f)
	}
	t.Cleanup(s.Close)
	return s, &h
}

func get(t *testing.T, c *Config, url string) error {
	t.Helper()
	cl, err := c.Client(nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := cl.Get(url)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFlagsAuthAndHeaders(t *testing.T) {
	srv, h := serve(t, false)
	tok := write(t, "token", "s3cr3t-token\n")
	var c Config
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	c.AddFlags(fs, "", "the API")
	if err := fs.Parse([]string{"--bearer-token-file", tok, "--header", "X-Scope-OrgID=team1", "--header", "x-extra=a=b"}); err != nil {
		t.Fatal(err)
	}
	if err := c.ParseHeaders(); err != nil {
		t.Fatal(err)
	}
	if err := get(t, &c, srv.URL); err != nil {
		t.Fatal(err)
	}
	if got := h.Get("Authorization"); got != "Bearer s3cr3t-token" {
		t.Errorf("Authorization %q", got)
	}
	if h.Get("X-Scope-Orgid") != "team1" || h.Get("X-Extra") != "a=b" {
		t.Errorf("headers %v", *h)
	}
	if s := c.String(); strings.Contains(s, "s3cr3t") || s != "bearer token from a file; headers X-Extra, X-Scope-Orgid" {
		t.Errorf("String() = %q", s)
	}
	// A rotated token is read at the next request.
	os.WriteFile(tok, []byte("rotated"), 0o600)
	get(t, &c, srv.URL)
	if got := h.Get("Authorization"); got != "Bearer rotated" {
		t.Errorf("after rotation: Authorization %q", got)
	}

	t.Setenv("KVMFIT_TEST_PW", "pw from env")
	b := Config{BasicAuthUser: "alice", BasicAuthPasswordEnv: "KVMFIT_TEST_PW"}
	if err := get(t, &b, srv.URL); err != nil {
		t.Fatal(err)
	}
	r := &http.Request{Header: *h}
	if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != "pw from env" {
		t.Errorf("basic auth %q %q %v", u, p, ok)
	}
	if strings.Contains(b.String(), "pw from env") {
		t.Errorf("String() shows the password: %q", b.String())
	}
}

func TestValidate(t *testing.T) {
	tok := write(t, "token", "x")
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{BearerTokenFile: tok, BasicAuthUser: "a", BasicAuthPasswordEnv: "HOME"}, "exclude"},
		{Config{BasicAuthPasswordFile: tok}, "needs a basic auth user"},
		{Config{CertFile: tok}, "both"},
		{Config{BearerTokenFile: filepath.Join(t.TempDir(), "missing")}, "no such file"},
		{Config{BearerTokenFile: write(t, "empty", " \n")}, "empty"},
		{Config{BasicAuthUser: "a", BasicAuthPasswordEnv: "KVMFIT_SURELY_UNSET_VAR"}, "is not set"},
		{Config{CAFile: tok}, "no PEM certificate"},
	} {
		_, err := c.cfg.RoundTripper(nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.cfg, err, c.want)
		}
	}
	bad := Config{headerFlags: []string{"NoEquals"}}
	if err := bad.ParseHeaders(); err == nil {
		t.Error("--header without =: no error")
	}
}

func TestTLS(t *testing.T) {
	srv, _ := serve(t, true)
	// Unknown CA: refused.
	if err := get(t, &Config{}, srv.URL); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("self-signed server without --ca-file: %v, want a certificate error", err)
	}
	ca := write(t, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	if err := get(t, &Config{CAFile: ca}, srv.URL); err != nil {
		t.Errorf("with --ca-file: %v", err)
	}
	var warned string
	c := Config{InsecureSkipVerify: true}
	cl, err := c.Client(func(f string, a ...any) { warned = f })
	if err != nil {
		t.Fatal(err)
	}
	resp, err := cl.Get(srv.URL)
	if err != nil {
		t.Fatalf("insecure: %v", err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(warned, "WARNING") {
		t.Errorf("no loud warning for --insecure-skip-verify: %q", warned)
	}
}

func TestIsLoopback(t *testing.T) {
	for u, want := range map[string]bool{"http://127.0.0.1:8428": true, "http://localhost:9090/": true, "http://[::1]:1": true,
		"https://victoria.example/": false, "http://10.0.0.1:8428": false, "::": false} {
		if got := IsLoopback(u); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", u, got, want)
		}
	}
}
