package testenv

import (
	"net"
	"net/url"
	"strconv"
)

// RedisServer is the test bed's Redis 7. The default user has no password; the ACL user
// User/Password (eim/eim) may do everything. Use Unique for key prefixes and stream names.
type RedisServer struct {
	// Host is 127.0.0.1.
	Host string
	// Port is REDIS_PORT (plain); TLSPort is REDIS_TLS_PORT, the same server over TLS. It asks for
	// a client certificate (tls-auth-clients optional): none is accepted, one not signed by the
	// test CA (CA.ForeignClientCertFile) fails the handshake.
	Port, TLSPort int
	// User and Password are the ACL user's (eim/eim).
	User, Password string
	// CA is the test CA and server certificate presented on TLSPort.
	CA TLSFiles
}

// Redis returns the Redis server, failing the test if it is not reachable.
func Redis(t TB) *RedisServer {
	t.Helper()
	s := &RedisServer{Host: Host, Port: portVar(t, "REDIS_PORT"), TLSPort: portVar(t, "REDIS_TLS_PORT"),
		User: Var(t, "REDIS_USER"), Password: Var(t, "REDIS_PASSWORD")}
	require(t, "redis", s.Addr(), tcpCheck(s.Addr()))
	require(t, "redis", s.TLSAddr(), tcpCheck(s.TLSAddr()))
	s.CA = TLS(t)
	return s
}

// Addr returns host:port of the plain port.
func (s *RedisServer) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// TLSAddr returns host:port of the TLS port.
func (s *RedisServer) TLSAddr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.TLSPort)) }

// TLSURL returns rediss://User:Password@host:TLSPort/0 (verify against CA).
func (s *RedisServer) TLSURL() string {
	return (&url.URL{Scheme: "rediss", User: url.UserPassword(s.User, s.Password), Host: s.TLSAddr(), Path: "/0"}).String()
}

// URL returns redis://User:Password@host:port/0.
func (s *RedisServer) URL() string {
	return (&url.URL{Scheme: "redis", User: url.UserPassword(s.User, s.Password), Host: s.Addr(), Path: "/0"}).String()
}
