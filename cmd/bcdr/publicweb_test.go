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
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// publicWeb stands in for the internet a runbook's health checks reach: one HTTPS server
// answers for every name, through an HTTP CONNECT proxy that a child process uses via
// HTTPS_PROXY (loopback addresses, such as the engine and moto, bypass it). A request for
// a load balancer's name is answered by that load balancer's region; any other name is
// first resolved (resolve, e.g. through Route 53 in moto) to a load balancer, so a check
// of a DNS name passes only when the record really points where the runbook put it.
type publicWeb struct {
	site, proxy *httptest.Server
	certFile    string
	resolve     func(context.Context, string) (string, bool)
	balancers   map[string]string // load balancer DNS name -> region it serves from

	mu     sync.Mutex
	served map[string]string // name -> region of the last answer
}

// startPublicWeb serves the balancers' names and the other names given (the site's
// certificate covers those).
func startPublicWeb(t *testing.T, resolve func(context.Context, string) (string, bool), balancers map[string]string, names ...string) *publicWeb {
	w := &publicWeb{resolve: resolve, balancers: balancers, served: map[string]string{}}
	for lb := range balancers {
		names = append(names, lb)
	}
	cert, certPEM := selfSignedCert(t, names)
	w.certFile = filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(w.certFile, certPEM, 0o600))

	w.site = httptest.NewUnstartedServer(http.HandlerFunc(w.serve))
	w.site.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	w.site.StartTLS()
	t.Cleanup(w.site.Close)
	w.proxy = httptest.NewServer(http.HandlerFunc(w.connect))
	t.Cleanup(w.proxy.Close)
	return w
}

// clientEnv is the environment that sends a child process's HTTPS through the proxy and
// makes it trust the site's certificate.
func (w *publicWeb) clientEnv() map[string]string {
	return map[string]string{"HTTPS_PROXY": w.proxy.URL, "SSL_CERT_FILE": w.certFile}
}

// servedFrom is the region that last answered for name, or "".
func (w *publicWeb) servedFrom(name string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.served[name]
}

func (w *publicWeb) serve(rw http.ResponseWriter, r *http.Request) {
	name := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(name); err == nil {
		name = h
	}
	lb := name
	if _, ok := w.balancers[lb]; !ok {
		lb, _ = w.resolve(r.Context(), name)
	}
	region, ok := w.balancers[lb]
	if !ok {
		http.Error(rw, "no such host: "+name, http.StatusBadGateway)
		return
	}
	if r.URL.Path != "/healthz" {
		http.NotFound(rw, r)
		return
	}
	w.mu.Lock()
	w.served[name] = region
	w.mu.Unlock()
	fmt.Fprintf(rw, `{"service":"storefront","region":%q}`, region)
}

// connect tunnels a CONNECT request to the site, whatever host it names.
func (w *publicWeb) connect(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(rw, "CONNECT only", http.StatusMethodNotAllowed)
		return
	}
	upstream, err := net.Dial("tcp", w.site.Listener.Addr().String())
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadGateway)
		return
	}
	defer upstream.Close()
	conn, _, err := rw.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{})
	go func() { _, _ = io.Copy(upstream, conn); close(done) }()
	_, _ = io.Copy(conn, upstream)
	_ = conn.Close()
	<-done
}

// selfSignedCert is a certificate for the names that the clients trust as its own root.
func selfSignedCert(t *testing.T, names []string) (tls.Certificate, []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bcdr test web"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames:              names,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
