package promhttptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// PKI is a certificate authority with one server and one client
// certificate, as PEM files in a test's temporary directory.
type PKI struct {
	// CAFile is the CA's certificate (for --ca-file).
	CAFile string
	// CertFile and KeyFile are the client's certificate and key (for
	// --cert-file and --key-file).
	CertFile, KeyFile string
	// Server is the server's certificate.
	Server tls.Certificate
	// Pool holds the CA.
	Pool *x509.CertPool
}

// NewPKI makes a CA, a server certificate valid for hosts (IP addresses
// or names) and a client certificate, and writes the CA certificate and
// the client's certificate and key into t's temporary directory.
func NewPKI(t testing.TB, hosts ...string) *PKI {
	t.Helper()
	dir := t.TempDir()
	now := time.Now()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kvmfit test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	issue := func(serial int64, cn string, usage x509.ExtKeyUsage, hosts []string) ([]byte, *ecdsa.PrivateKey) {
		key := newKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		}
		for _, h := range hosts {
			if ip := net.ParseIP(h); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else {
				tmpl.DNSNames = append(tmpl.DNSNames, h)
			}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, key
	}
	p := &PKI{Pool: x509.NewCertPool()}
	p.Pool.AddCert(ca)
	srvDER, srvKey := issue(2, "kvmfit test server", x509.ExtKeyUsageServerAuth, append([]string{"127.0.0.1", "localhost"}, hosts...))
	p.Server = tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}
	cliDER, cliKey := issue(3, "kvmfit test client", x509.ExtKeyUsageClientAuth, nil)
	p.CAFile = writePEM(t, dir, "ca.pem", "CERTIFICATE", caDER)
	p.CertFile = writePEM(t, dir, "client.pem", "CERTIFICATE", cliDER)
	keyDER, err := x509.MarshalPKCS8PrivateKey(cliKey)
	if err != nil {
		t.Fatal(err)
	}
	p.KeyFile = writePEM(t, dir, "client-key.pem", "PRIVATE KEY", keyDER)
	return p
}

// ServerTLS is a server configuration with the server certificate that
// requires a client certificate issued by the CA.
func (p *PKI) ServerTLS() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{p.Server}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: p.Pool}
}

// NewMTLSServer starts a loopback HTTPS server with h that requires a
// client certificate, closed at the end of the test.
func NewMTLSServer(t testing.TB, h http.Handler) (*httptest.Server, *PKI) {
	t.Helper()
	p := NewPKI(t)
	s := httptest.NewUnstartedServer(h)
	// Refused handshakes are what the tests make: not worth a log line.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.TLS = p.ServerTLS()
	s.StartTLS()
	t.Cleanup(s.Close)
	return s, p
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func writePEM(t testing.TB, dir, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
