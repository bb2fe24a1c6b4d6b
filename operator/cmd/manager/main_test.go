package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

func TestCheckPyroscopeAddress(t *testing.T) {
	tests := []struct {
		name, in string
		wantErr  bool
	}{
		{name: "empty pushes nothing", in: ""},
		{name: "http", in: "http://pyroscope.monitoring:4040"},
		{name: "https", in: "https://profiles.example.com"},
		{name: "no scheme", in: "pyroscope:4040", wantErr: true},
		{name: "other scheme", in: "grpc://pyroscope:4040", wantErr: true},
		{name: "no host", in: "http://", wantErr: true},
		{name: "unparsable", in: "http://[::1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkPyroscopeAddress(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "--pyroscope-address") {
				t.Errorf("got %q, want the flag named", err)
			}
		})
	}
}

func TestCheckMetricsCertDir(t *testing.T) {
	full := t.TempDir()
	for _, f := range []string{"tls.crt", "tls.key"} {
		if err := os.WriteFile(filepath.Join(full, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	half := t.TempDir()
	if err := os.WriteFile(filepath.Join(half, "tls.crt"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, dir, want string // want: "" no error, else in the error
	}{
		{name: "none: self-signed", dir: ""},
		{name: "both files", dir: full},
		{name: "no key", dir: half, want: "no tls.key"},
		{name: "no directory", dir: filepath.Join(full, "missing"), want: "no tls.crt"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := checkMetricsCertDir(tt.dir)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "--metrics-cert-dir")) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

// TestMetricsServeTheCertDir: with --metrics-cert-dir the metrics endpoint
// serves that certificate, so a scraper verifies it against its CA and the
// Service's DNS name (as the chart's ServiceMonitor does with
// metrics.certSecret), and a rotated certificate is served without a
// restart.
func TestMetricsServeTheCertDir(t *testing.T) {
	dir := t.TempDir()
	const serverName = "runtime-lab-metrics.runtimelab-system.svc"
	ca := newCA(t)
	ca.issue(t, dir, serverName, 1)
	addr := freeAddr(t)
	srv, err := metricsserver.NewServer(metricsOptions(addr, true, false, dir), &rest.Config{}, http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Start(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	// serial returns the serial of the certificate the endpoint serves,
	// verified against the CA for serverName.
	serial := func() (int64, error) {
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: serverName})
		if err != nil {
			return 0, err
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64(), nil
	}
	var got int64
	deadline := time.Now().Add(20 * time.Second)
	for got, err = serial(); err != nil && time.Now().Before(deadline); got, err = serial() {
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil || got != 1 {
		t.Fatalf("TLS to the metrics endpoint, verified against the CA: serial %d, %v; want the certificate of --metrics-cert-dir", got, err)
	}
	if _, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "someone-else.svc"}); err == nil {
		t.Error("the certificate verified for another name")
	}
	// Rotation (cert-manager renews the Secret, the kubelet updates the
	// files): the new certificate is served.
	ca.issue(t, dir, serverName, 2)
	for got, _ = serial(); got != 2 && time.Now().Before(deadline.Add(20*time.Second)); got, _ = serial() {
		time.Sleep(200 * time.Millisecond)
	}
	if got != 2 {
		t.Errorf("after rotation the endpoint serves serial %d, want 2", got)
	}
}

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(100), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key}
}

// issue writes dir/tls.crt and dir/tls.key: a serving certificate for
// name with the given serial, signed by the CA.
func (ca *testCA) issue(t *testing.T, dir, name string, serial int64) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	// Key first, then the certificate: the watcher reloads on the
	// certificate's write and finds a matching pair.
	if err := os.WriteFile(filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
