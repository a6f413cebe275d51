package promhttp

import (
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kvmfit/kvmfit/collect/promhttp/promhttptest"
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

// A server that requires a client certificate: accepted with --cert-file
// and --key-file, refused without them (or with a certificate of another
// CA) with a message that says what to give.
func TestMutualTLS(t *testing.T) {
	var cn string
	srv, pki := promhttptest.NewMTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cn = r.TLS.PeerCertificates[0].Subject.CommonName
	}))
	if err := get(t, &Config{CAFile: pki.CAFile, CertFile: pki.CertFile, KeyFile: pki.KeyFile}, srv.URL); err != nil {
		t.Fatalf("with the client certificate: %v", err)
	}
	if cn != "kvmfit test client" {
		t.Errorf("the server saw client %q", cn)
	}
	var c Config
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	c.AddFlags(fs, "remote-write-", "the endpoint")
	if err := fs.Parse([]string{"--remote-write-ca-file", pki.CAFile}); err != nil {
		t.Fatal(err)
	}
	err := get(t, &c, srv.URL)
	if err == nil || !strings.Contains(err.Error(), "the server requires a client certificate: give --remote-write-cert-file and --remote-write-key-file") {
		t.Errorf("without a client certificate: %v", err)
	}
	other := promhttptest.NewPKI(t)
	err = get(t, &Config{CAFile: pki.CAFile, CertFile: other.CertFile, KeyFile: other.KeyFile}, srv.URL)
	if err == nil || !strings.Contains(err.Error(), "did not accept the client certificate "+other.CertFile) {
		t.Errorf("with a certificate of another CA: %v", err)
	}
	// A key that is not the certificate's: an error before any request.
	if _, err := (&Config{CAFile: pki.CAFile, CertFile: pki.CertFile, KeyFile: other.KeyFile}).RoundTripper(nil); err == nil ||
		!strings.Contains(err.Error(), "client certificate "+pki.CertFile) {
		t.Errorf("mismatched key: %v", err)
	}
}

// TestProxyEnvironment: HTTP_PROXY and HTTPS_PROXY are honoured (plain
// requests through the proxy, TLS through a CONNECT tunnel, verified end
// to end, the credentials not shown to the proxy of a tunnel) and NO_PROXY
// is respected. Go reads the proxy environment once per process, so the
// requests are made by a child process (this test binary) started with it.
func TestProxyEnvironment(t *testing.T) {
	if os.Getenv("KVMFIT_PROXY_CHILD") == "1" {
		proxyChild()
		return
	}
	pki := promhttptest.NewPKI(t, "api.kvmfit.test")
	target := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "tls target "+r.Header.Get("Authorization"))
	}))
	target.TLS = &tls.Config{Certificates: []tls.Certificate{pki.Server}}
	target.StartTLS()
	defer target.Close()

	var mu sync.Mutex
	var seen []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.RequestURI+" auth="+r.Header.Get("Authorization"))
		mu.Unlock()
		if r.Method != http.MethodConnect {
			io.WriteString(w, "via proxy")
			return
		}
		up, err := net.Dial("tcp", target.Listener.Addr().String())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			up.Close()
			return
		}
		if n := rw.Reader.Buffered(); n > 0 {
			b, _ := rw.Reader.Peek(n)
			up.Write(b)
		}
		go func() { io.Copy(up, conn); up.Close() }()
		io.Copy(conn, up)
		conn.Close()
	}))
	defer proxy.Close()

	// A direct server on an address that is not loopback (Go never
	// proxies loopback), for NO_PROXY.
	direct, directURL := "", ""
	if ip := nonLoopbackIP(); ip != "" {
		if l, err := net.Listen("tcp", net.JoinHostPort(ip, "0")); err == nil {
			s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "direct") }))
			s.Listener.Close()
			s.Listener = l
			s.Start()
			defer s.Close()
			direct, directURL = ip, s.URL+"/direct"
		}
	}
	noProxy := "direct.kvmfit.test"
	if direct != "" {
		noProxy += "," + direct
	}
	tok := write(t, "token", "proxy-test-token")
	cmd := exec.Command(os.Args[0], "-test.run=^TestProxyEnvironment$", "-test.count=1")
	cmd.Env = append(os.Environ(), "KVMFIT_PROXY_CHILD=1", "HTTP_PROXY="+proxy.URL, "HTTPS_PROXY="+proxy.URL, "NO_PROXY="+noProxy,
		"http_proxy=", "https_proxy=", "no_proxy=",
		"KVMFIT_PROXY_CA="+pki.CAFile, "KVMFIT_PROXY_TOKEN="+tok, "KVMFIT_PROXY_URLS=http://api.kvmfit.test/plain https://api.kvmfit.test/tunnel "+directURL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, want := range []string{
		"http://api.kvmfit.test/plain: via proxy",
		"https://api.kvmfit.test/tunnel: tls target Bearer proxy-test-token",
	} {
		if !strings.Contains(string(out), want+"\n") {
			t.Errorf("child output lacks %q:\n%s", want, out)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	got := strings.Join(seen, "\n")
	if !slices.Contains(seen, "GET http://api.kvmfit.test/plain auth=Bearer proxy-test-token") || !slices.Contains(seen, "CONNECT api.kvmfit.test:443 auth=") {
		t.Errorf("the proxy saw:\n%s", got)
	}
	if direct == "" {
		t.Log("no address but loopback: NO_PROXY not tested")
		return
	}
	if !strings.Contains(string(out), directURL+": direct\n") || strings.Contains(got, direct) {
		t.Errorf("NO_PROXY %s: child output\n%s\nproxy saw\n%s", noProxy, out, got)
	}
}

// proxyChild makes the requests of TestProxyEnvironment and prints, per
// URL, "URL: BODY" or "URL: error ERR".
func proxyChild() {
	c := Config{CAFile: os.Getenv("KVMFIT_PROXY_CA"), BearerTokenFile: os.Getenv("KVMFIT_PROXY_TOKEN")}
	cl, err := c.Client(nil)
	if err != nil {
		fmt.Println("error", err)
		return
	}
	for _, u := range strings.Fields(os.Getenv("KVMFIT_PROXY_URLS")) {
		resp, err := cl.Get(u)
		if err != nil {
			fmt.Printf("%s: error %v\n", u, err)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%s: %s\n", u, b)
	}
}

// nonLoopbackIP is an IPv4 address of this machine that is not loopback,
// or "".
func nonLoopbackIP() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return ""
}
