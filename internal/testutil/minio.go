package testutil

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// S3 holds the address and keys of a MinIO server for tests.
type S3 struct {
	Endpoint, AccessKey, SecretKey string
}

// SharedMinIO returns the MinIO server the test setup started for the
// whole run (scripts/test.sh exports CHARTSCAN_TEST_S3_*). Without one the
// test fails: S3 support is proven against a real server only.
func SharedMinIO(tb testing.TB) S3 {
	tb.Helper()
	s := S3{
		Endpoint:  os.Getenv("CHARTSCAN_TEST_S3_ENDPOINT"),
		AccessKey: os.Getenv("CHARTSCAN_TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("CHARTSCAN_TEST_S3_SECRET_KEY"),
	}
	if s.Endpoint == "" {
		tb.Fatal("no MinIO for the S3 tests: run them with make test, which starts one, or set CHARTSCAN_TEST_S3_ENDPOINT, _ACCESS_KEY and _SECRET_KEY")
	}
	return s
}

// MinIO is a private MinIO server a test can stop and start again, on the
// same port and data folder.
type MinIO struct {
	S3
	// CAFile is the certificate authority of a TLS server, else "".
	CAFile string
	// Drives are the folders of an erasure-coded server (StartMinIOCluster);
	// empty for a server on one folder.
	Drives   []string
	bin, dir string
	certs    string
	cmd      *exec.Cmd
	tb       testing.TB
}

// StartMinIOCluster starts a private MinIO server in erasure-coded mode
// over drives folders (a MinIO cluster's layout on one machine: any two of
// four drives may fail and nothing is lost). It is killed when the test
// ends.
func StartMinIOCluster(tb testing.TB, drives int) *MinIO {
	tb.Helper()
	m := newMinIO(tb, "", "")
	for i := 1; i <= drives; i++ {
		d := filepath.Join(m.dir, fmt.Sprintf("drive%d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			tb.Fatal(err)
		}
		m.Drives = append(m.Drives, d)
	}
	m.Start()
	tb.Cleanup(m.Stop)
	return m
}

// StartMinIOTLS starts a private MinIO server that speaks HTTPS only, with
// a certificate for 127.0.0.1 from a throw-away authority (m.CAFile).
func StartMinIOTLS(tb testing.TB) *MinIO {
	tb.Helper()
	certs := filepath.Join(tb.TempDir(), "certs")
	ca := WriteTestCerts(tb, certs)
	return startMinIO(tb, certs, ca)
}

// StartMinIO starts a private MinIO server from the binary the test setup
// installed ($CHARTSCAN_TEST_MINIO_BIN). It is killed when the test ends.
func StartMinIO(tb testing.TB) *MinIO {
	tb.Helper()
	return startMinIO(tb, "", "")
}

func startMinIO(tb testing.TB, certs, ca string) *MinIO {
	tb.Helper()
	m := newMinIO(tb, certs, ca)
	m.Start()
	tb.Cleanup(m.Stop)
	return m
}

func newMinIO(tb testing.TB, certs, ca string) *MinIO {
	tb.Helper()
	bin := os.Getenv("CHARTSCAN_TEST_MINIO_BIN")
	if bin == "" {
		if home, err := os.UserCacheDir(); err == nil {
			bin = filepath.Join(home, "chartscan", "bin", "minio")
		}
	}
	if _, err := os.Stat(bin); err != nil {
		tb.Fatalf("MinIO server binary not found (%v): make test installs it", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return &MinIO{
		S3:  S3{Endpoint: addr, AccessKey: "chartscan-test", SecretKey: "chartscan-test-secret"},
		bin: bin, dir: tb.TempDir(), tb: tb, certs: certs, CAFile: ca,
	}
}

// testKMSKey is a fixed 32-byte key, base64: test data only.
const testKMSKey = "Y2hhcnRzY2FuLXRlc3Qta21zLWtleS0zMi1ieXRlcyE="

// Start starts the server and waits until it accepts connections.
func (m *MinIO) Start() {
	m.tb.Helper()
	_, port, _ := net.SplitHostPort(m.Endpoint)
	var console int
	fmt.Sscan(port, &console)
	args := []string{"server"}
	if len(m.Drives) > 0 {
		args = append(args, m.Drives...)
	} else {
		args = append(args, filepath.Join(m.dir, "data"))
	}
	args = append(args, "--address", m.Endpoint, "--console-address", fmt.Sprintf("127.0.0.1:%d", console+1), "--quiet")
	if m.certs != "" {
		args = append(args, "--certs-dir", m.certs)
	}
	m.cmd = exec.Command(m.bin, args...)
	m.cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+m.AccessKey, "MINIO_ROOT_PASSWORD="+m.SecretKey,
		// Drives that are folders of one disk are refused unless asked for.
		"MINIO_CI_CD=on",
		// A static key so that server-side encryption (SSE-S3) works.
		"MINIO_KMS_SECRET_KEY=chartscan-test:"+testKMSKey)
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := m.cmd.Start(); err != nil {
		m.tb.Fatal(err)
	}
	// Ready is more than listening: a MinIO that accepts connections may
	// still answer "Server not initialized yet" while it sets up its
	// drives.
	deadline := time.Now().Add(30 * time.Second)
	client, url := m.healthClient()
	for {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			m.tb.Fatalf("MinIO did not get ready on %s", m.Endpoint)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// healthClient returns a client for the server's readiness probe and its
// URL, over TLS with the test CA when the server has certificates.
func (m *MinIO) healthClient() (*http.Client, string) {
	if m.certs == "" {
		return &http.Client{Timeout: time.Second}, "http://" + m.Endpoint + "/minio/health/ready"
	}
	pool := x509.NewCertPool()
	if b, err := os.ReadFile(m.CAFile); err == nil {
		pool.AppendCertsFromPEM(b)
	}
	return &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}},
		"https://" + m.Endpoint + "/minio/health/ready"
}

// Stop kills the server at once, as a crash or a network cut would.
func (m *MinIO) Stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
	_ = m.cmd.Wait()
	m.cmd = nil
}

// WriteTestCerts writes a certificate authority and a server certificate
// for 127.0.0.1 signed by it, as MinIO expects them in dir
// (public.crt, private.key). It returns the authority's PEM file.
func WriteTestCerts(tb testing.TB, dir string) string {
	tb.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "chartscan test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	write := func(name, typ string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	write("public.crt", "CERTIFICATE", der)
	write("private.key", "EC PRIVATE KEY", keyDER)
	ca := filepath.Join(filepath.Dir(dir), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		tb.Fatal(err)
	}
	return ca
}
