package testenv

import (
	"net"
	"strconv"
)

// NATSServer is the test bed's NATS 2.9 server with JetStream. Anonymous clients are refused.
// TLSPort is a second, TLS-only server (NATS 2.9 cannot serve TLS and plain clients on one
// port) with its own JetStream store and the same users; it requires a client certificate signed
// by the test CA (CA.ClientCertFile) besides the user and password.
type NATSServer struct {
	// Host is 127.0.0.1.
	Host string
	// Port is the client port (NATS_PORT); MonitorPort the HTTP monitoring port.
	Port, MonitorPort int
	// TLSPort is the TLS-only server's client port (NATS_TLS_PORT); TLSMonitorPort its monitoring port.
	TLSPort, TLSMonitorPort int
	// CA is the test CA and server certificate the TLS server presents, and the client certificate
	// it requires (CA.ClientCertFile, CA.ClientKeyFile).
	CA TLSFiles
	// User and Password (eim/eim) may publish and subscribe to everything, JetStream API included.
	User, Password string
	// DeniedUser and DeniedPassword may connect but neither publish nor subscribe.
	DeniedUser, DeniedPassword string
}

// NATS returns the NATS server, failing the test if it is not reachable.
func NATS(t TB) *NATSServer {
	t.Helper()
	s := &NATSServer{Host: Host, Port: portVar(t, "NATS_PORT"), MonitorPort: portVar(t, "NATS_MONITOR_PORT"),
		TLSPort: portVar(t, "NATS_TLS_PORT"), TLSMonitorPort: portVar(t, "NATS_TLS_MONITOR_PORT"),
		User: Var(t, "NATS_USER"), Password: Var(t, "NATS_PASSWORD"),
		DeniedUser: Var(t, "NATS_DENIED_USER"), DeniedPassword: Var(t, "NATS_DENIED_PASSWORD")}
	require(t, "nats", s.Addr(), tcpCheck(s.Addr()))
	require(t, "nats-tls", s.TLSAddr(), tcpCheck(s.TLSAddr()))
	s.CA = TLS(t)
	return s
}

// TLSAddr returns host:port of the TLS-only server.
func (s *NATSServer) TLSAddr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.TLSPort)) }

// TLSURL returns tls://host:TLSPort (credentials are passed separately).
func (s *NATSServer) TLSURL() string { return "tls://" + s.TLSAddr() }

// TLSMonitorURL returns the TLS-only server's monitoring endpoint (plain HTTP).
func (s *NATSServer) TLSMonitorURL() string {
	return "http://" + net.JoinHostPort(s.Host, strconv.Itoa(s.TLSMonitorPort))
}

// Addr returns host:port of the client port.
func (s *NATSServer) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// URL returns nats://host:port (credentials are passed separately: User, Password).
func (s *NATSServer) URL() string { return "nats://" + s.Addr() }

// MonitorURL returns the monitoring endpoint, e.g. MonitorURL()+"/jsz".
func (s *NATSServer) MonitorURL() string {
	return "http://" + net.JoinHostPort(s.Host, strconv.Itoa(s.MonitorPort))
}
