package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// RabbitMQServer is the test bed's RabbitMQ 3.10 with the management plugin.
type RabbitMQServer struct {
	// Host is 127.0.0.1.
	Host string
	// Port is the AMQP 0-9-1 port; ManagementPort the management HTTP API's.
	Port, ManagementPort int
	// TLSPort is the AMQP-over-TLS (amqps) port of the same broker. It asks for a client
	// certificate (verify_peer, fail_if_no_peer_cert false): none is accepted, one not signed by
	// the test CA fails the handshake. Users still log in with their password.
	TLSPort int
	// CA is the test CA and server certificate presented on TLSPort.
	CA TLSFiles
	// User and Password (eim/eim) are an administrator with all permissions on VHost.
	User, Password string
	// VHost is the vhost that always exists ("/"); create your own with CreateVHost.
	VHost string
}

// RabbitMQ returns the RabbitMQ broker, failing the test if it is not reachable.
func RabbitMQ(t TB) *RabbitMQServer {
	t.Helper()
	s := &RabbitMQServer{Host: Host, Port: portVar(t, "RABBITMQ_AMQP_PORT"), ManagementPort: portVar(t, "RABBITMQ_MANAGEMENT_PORT"),
		TLSPort: portVar(t, "RABBITMQ_AMQPS_PORT"),
		User:    Var(t, "RABBITMQ_USER"), Password: Var(t, "RABBITMQ_PASSWORD"), VHost: Var(t, "RABBITMQ_VHOST")}
	require(t, "rabbitmq", s.Addr(), tcpCheck(s.Addr()))
	require(t, "rabbitmq", s.TLSAddr(), tcpCheck(s.TLSAddr()))
	s.CA = TLS(t)
	return s
}

// TLSAddr returns host:port of the amqps listener.
func (s *RabbitMQServer) TLSAddr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.TLSPort)) }

// AMQPSURL returns amqps://User:Password@host:TLSPort/<vhost> (vhost escaped).
func (s *RabbitMQServer) AMQPSURL(vhost string) string {
	return "amqps://" + url.UserPassword(s.User, s.Password).String() + "@" + s.TLSAddr() + "/" + url.PathEscape(vhost)
}

// Addr returns host:port of the AMQP listener.
func (s *RabbitMQServer) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// AMQPURL returns amqp://User:Password@host:port/<vhost> (vhost escaped; "/" is the default vhost).
func (s *RabbitMQServer) AMQPURL(vhost string) string {
	return "amqp://" + url.UserPassword(s.User, s.Password).String() + "@" + s.Addr() + "/" + url.PathEscape(vhost)
}

// ManagementURL returns the management HTTP API's base URL, e.g. ManagementURL()+"/api/overview".
func (s *RabbitMQServer) ManagementURL() string {
	return "http://" + net.JoinHostPort(s.Host, strconv.Itoa(s.ManagementPort))
}

// CreateVHost creates the vhost Unique(t, prefix) through the management API, grants User all
// permissions on it, deletes it when the test ends, and returns its name.
func (s *RabbitMQServer) CreateVHost(t TB, prefix string) string {
	t.Helper()
	name := Unique(t, prefix)
	vh := s.ManagementURL() + "/api/vhosts/" + url.PathEscape(name)
	if err := s.manage(http.MethodPut, vh, nil); err != nil {
		t.Fatalf("testenv: create vhost: %v", err)
	}
	perm := map[string]string{"configure": ".*", "write": ".*", "read": ".*"}
	if err := s.manage(http.MethodPut, s.ManagementURL()+"/api/permissions/"+url.PathEscape(name)+"/"+url.PathEscape(s.User), perm); err != nil {
		t.Fatalf("testenv: grant permissions on vhost %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := s.manage(http.MethodDelete, vh, nil); err != nil {
			t.Logf("testenv: delete vhost %s: %v", name, err)
		}
	})
	return name
}

func (s *RabbitMQServer) manage(method, u string, body any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return err
	}
	req.SetBasicAuth(s.User, s.Password)
	req.Header.Set("Content-Type", "application/json")
	_, err = doHTTP(req, http.StatusCreated, http.StatusNoContent, http.StatusOK)
	return err
}
