package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// endpoint is a server a provider reaches: its address, the YAML path of its TLS block and
// how TLS starts (https directly, or PostgreSQL's SSLRequest first).
type endpoint struct {
	host, port string
	tlsPath    string
	tls        provider.TLS
	mode       string // the effective TLS mode
	postgres   bool
	noProbe    bool // TLS is negotiated inside the protocol (MySQL): checked by the login
}

// check runs dns, reach and tls on c; it reports whether all passed.
func (e endpoint) check(ctx context.Context, c *collector, o *Options) bool {
	addr := net.JoinHostPort(e.host, e.port)
	if net.ParseIP(e.host) == nil {
		ips, err := o.Resolver.LookupHost(ctx, e.host)
		if err != nil {
			c.fail("dns", e.host, err.Error(), "make "+e.host+" resolvable from this host (DNS record or /etc/hosts), or fix the host name in eim.yaml")
			return false
		}
		c.ok("dns", e.host, strings.Join(ips, ", "))
	}
	d := net.Dialer{Timeout: 5 * time.Second, Resolver: o.Resolver}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		c.fail("reach", addr, err.Error(), "open the network path (firewall, security group, service) from this host to "+addr+", or fix the port in eim.yaml")
		return false
	}
	defer conn.Close()
	c.ok("reach", addr, "")
	if e.mode == provider.TLSDisable || e.mode == "" || e.noProbe {
		return true
	}
	return e.checkTLS(conn, c, o)
}

// checkTLS handshakes without verifying, then verifies the chain, the name and the expiry one
// by one so that each fault is named with its own fix.
func (e endpoint) checkTLS(conn net.Conn, c *collector, o *Options) bool {
	subject := net.JoinHostPort(e.host, e.port)
	cfg, err := e.tls.Config(e.host, e.mode)
	if err != nil {
		c.fail("tls", subject, err.Error(), "fix "+e.tlsPath+" (ca, cert and key are PEM files)")
		return false
	}
	roots, name := cfg.RootCAs, cfg.ServerName
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if e.postgres {
		if err := sslRequest(conn); err != nil {
			c.fail("tls", subject, err.Error(), "enable TLS on the server (ssl = on) or set "+e.tlsPath+".mode: disable on a trusted network")
			return false
		}
	}
	probe := cfg.Clone()
	probe.InsecureSkipVerify, probe.VerifyPeerCertificate = true, nil
	tc := tls.Client(conn, probe)
	if err := tc.Handshake(); err != nil {
		c.fail("tls", subject, "handshake: "+err.Error(), "check that "+subject+" speaks TLS and accepts the client certificate of "+e.tlsPath)
		return false
	}
	certs := tc.ConnectionState().PeerCertificates
	return e.verify(certs, roots, name, c, o)
}

func (e endpoint) verify(certs []*x509.Certificate, roots *x509.CertPool, name string, c *collector, o *Options) bool {
	subject := net.JoinHostPort(e.host, e.port)
	leaf := certs[0]
	inter := x509.NewCertPool()
	for _, ct := range certs[1:] {
		inter.AddCert(ct)
	}
	now := o.Now()
	opts := x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now}
	// The chain first, at a time the certificate is valid, so that expiry is reported apart.
	opts.CurrentTime = leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2)
	if _, err := leaf.Verify(opts); err != nil {
		c.fail("tls", subject, "chain: "+err.Error()+" (issuer "+leaf.Issuer.String()+")",
			"set "+e.tlsPath+".ca to {file: <PEM of the CA that issued the server certificate, "+leaf.Issuer.CommonName+">}")
		return false
	}
	if e.mode == provider.TLSVerifyFull {
		if err := leaf.VerifyHostname(name); err != nil {
			c.fail("tls", subject, "host name: "+err.Error(),
				"reissue the server certificate with "+name+" in its subject alternative names, or set "+e.tlsPath+".serverName to a name it carries")
			return false
		}
	}
	left := leaf.NotAfter.Sub(now)
	switch {
	case left <= 0 || now.Before(leaf.NotBefore):
		c.fail("tls", subject, fmt.Sprintf("certificate not valid now: valid from %s to %s", leaf.NotBefore.UTC().Format(time.RFC3339),
			leaf.NotAfter.UTC().Format(time.RFC3339)), "renew the server certificate of "+subject+" (and check this host's clock)")
		return false
	case left < o.CertMinValidity:
		c.fail("tls", subject, fmt.Sprintf("certificate expires in %d days (%s)", int(left.Hours()/24), leaf.NotAfter.UTC().Format(time.RFC3339)),
			"renew the server certificate of "+subject+" before it expires")
		return false
	}
	c.ok("tls", subject, fmt.Sprintf("%s, valid until %s", e.mode, leaf.NotAfter.UTC().Format("2006-01-02")))
	return true
}

// sslRequest asks a PostgreSQL server to switch to TLS.
func sslRequest(conn net.Conn) error {
	var msg [8]byte
	binary.BigEndian.PutUint32(msg[0:4], 8)
	binary.BigEndian.PutUint32(msg[4:8], 80877103)
	if _, err := conn.Write(msg[:]); err != nil {
		return err
	}
	var b [1]byte
	if _, err := io.ReadFull(conn, b[:]); err != nil {
		return err
	}
	if b[0] != 'S' {
		return errors.New("the server refused TLS (SSLRequest answered " + string(b[:]) + ")")
	}
	return nil
}
