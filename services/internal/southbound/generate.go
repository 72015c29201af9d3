package southbound

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// The files of a generated local CA, in the directory given to EnsureLocal.
const (
	CAFile   = "ca.pem"
	CertFile = "server.pem"
	KeyFile  = "server-key.pem"
)

// Lifetimes of the generated certificates, and how long before its end a server certificate is
// renewed.
const (
	caLifetime     = 10 * 365 * 24 * time.Hour
	serverLifetime = 90 * 24 * time.Hour
	renewBefore    = 30 * 24 * time.Hour
)

// Local are the paths of a generated local CA and server certificate.
type Local struct {
	CA, Cert, Key string
}

// EnsureLocal makes sure dir holds a local CA and a server certificate it signed for hosts
// (names or IP addresses) that is valid for at least 30 more days, generating what is missing
// or due: the CA is kept across restarts so that devices trusting it keep trusting the server.
func EnsureLocal(dir string, hosts []string) (Local, error) {
	l := Local{CA: filepath.Join(dir, CAFile), Cert: filepath.Join(dir, CertFile), Key: filepath.Join(dir, KeyFile)}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return l, fmt.Errorf("southbound CA directory: %w", err)
	}
	ca, caKey, err := loadOrCreateCA(dir)
	if err != nil {
		return l, err
	}
	if serverValid(l.Cert, ca, hosts) {
		return l, nil
	}
	return l, issueServer(l, ca, caKey, hosts)
}

func loadOrCreateCA(dir string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPath, keyPath := filepath.Join(dir, CAFile), filepath.Join(dir, "ca-key.pem")
	ca, caKey, err := readPair(certPath, keyPath)
	if err == nil && time.Now().Add(renewBefore).Before(ca.NotAfter) {
		return ca, caKey, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("southbound CA in %s: %w (remove the directory to generate a new one)", dir, err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "EIM southbound local CA", Organization: []string{"EIM"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	if err := writePair(certPath, keyPath, der, key); err != nil {
		return nil, nil, err
	}
	ca, err = x509.ParseCertificate(der)
	return ca, key, err
}

func serverValid(certPath string, ca *x509.Certificate, hosts []string) bool {
	b, err := os.ReadFile(certPath)
	if err != nil {
		return false
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return false
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil || c.CheckSignatureFrom(ca) != nil || !time.Now().Add(renewBefore).Before(c.NotAfter) {
		return false
	}
	for _, h := range hosts {
		if c.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

func issueServer(l Local, ca *x509.Certificate, caKey *ecdsa.PrivateKey, hosts []string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: hosts[0], Organization: []string{"EIM"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(serverLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if !slices.Contains(tmpl.DNSNames, h) {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	return writePair(l.Cert, l.Key, der, key)
}

func readPair(certPath, keyPath string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	cb, err := os.ReadFile(certPath)
	if err != nil {
		return nil, nil, err
	}
	kb, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, err
	}
	cblk, kblk := pemBlock(cb), pemBlock(kb)
	if cblk == nil || kblk == nil {
		return nil, nil, errors.New("not PEM")
	}
	c, err := x509.ParseCertificate(cblk.Bytes)
	if err != nil {
		return nil, nil, err
	}
	k, err := x509.ParseECPrivateKey(kblk.Bytes)
	return c, k, err
}

func pemBlock(b []byte) *pem.Block {
	blk, _ := pem.Decode(b)
	return blk
}

// writePair writes the certificate (0644) and its key (0600), each through a temporary file
// renamed into place, so that a reader never sees half a file.
func writePair(certPath, keyPath string, der []byte, key *ecdsa.PrivateKey) error {
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := writeAtomic(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return err
	}
	return writeAtomic(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

// chainPEM returns the server certificate followed by the CA, as the listener presents them.
func chainPEM(l Local) ([]byte, error) {
	leaf, err := os.ReadFile(l.Cert)
	if err != nil {
		return nil, err
	}
	ca, err := os.ReadFile(l.CA)
	if err != nil {
		return nil, err
	}
	return bytes.Join([][]byte{leaf, ca}, nil), nil
}

// LocalLoader loads the generated server certificate of dir (followed by its CA) and key,
// renewing it first when it is due (EnsureLocal).
func LocalLoader(dir string, hosts []string) Loader {
	return func(context.Context) ([]byte, []byte, error) {
		l, err := EnsureLocal(dir, hosts)
		if err != nil {
			return nil, nil, err
		}
		chain, err := chainPEM(l)
		if err != nil {
			return nil, nil, err
		}
		key, err := os.ReadFile(l.Key)
		return chain, key, err
	}
}
