package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ---------------------------------------------------------------- PostgreSQL

// PostgresServer is one PostgreSQL 15 instance of the test bed. The user is a superuser.
type PostgresServer struct {
	// Host is 127.0.0.1.
	Host string
	// Port is POSTGRES_PORT (plain) or POSTGRES_TLS_PORT (TLS only).
	Port int
	// User and Password are the superuser's (eim/eim).
	User, Password string
	// Database is the database that always exists (eim); create your own with CreateDatabase.
	Database string
	// TLS reports whether the instance accepts TLS connections only (hostssl; plain is rejected).
	TLS bool
	// CA is the test CA and server certificate (set for the TLS instance only).
	CA TLSFiles

	psql string
}

// Postgres returns the plain PostgreSQL instance (scram passwords over TCP, no TLS), failing the
// test if it is not reachable.
func Postgres(t TB) *PostgresServer {
	t.Helper()
	s := &PostgresServer{Host: Host, Port: portVar(t, "POSTGRES_PORT"), User: Var(t, "POSTGRES_USER"),
		Password: Var(t, "POSTGRES_PASSWORD"), Database: Var(t, "POSTGRES_DATABASE"),
		psql: filepath.Join(Var(t, "POSTGRES_BINDIR"), "psql")}
	require(t, "postgres", s.Addr(), tcpCheck(s.Addr()))
	return s
}

// PostgresTLS returns the TLS-only PostgreSQL instance, whose certificate is valid for localhost
// and 127.0.0.1 and signed by the test CA (see TLS), failing the test if it is not reachable.
func PostgresTLS(t TB) *PostgresServer {
	t.Helper()
	s := &PostgresServer{Host: Host, Port: portVar(t, "POSTGRES_TLS_PORT"), User: Var(t, "POSTGRES_USER"),
		Password: Var(t, "POSTGRES_PASSWORD"), Database: Var(t, "POSTGRES_DATABASE"), TLS: true,
		psql: filepath.Join(Var(t, "POSTGRES_BINDIR"), "psql")}
	require(t, "postgres-tls", s.Addr(), tcpCheck(s.Addr()))
	s.CA = TLS(t)
	return s
}

// Addr returns host:port.
func (s *PostgresServer) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// URL returns a postgres:// URL for database: sslmode=disable for the plain instance,
// sslmode=verify-full with the test CA for the TLS one.
func (s *PostgresServer) URL(database string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(s.User, s.Password), Host: s.Addr(), Path: "/" + database}
	q := url.Values{}
	if s.TLS {
		q.Set("sslmode", "verify-full")
		q.Set("sslrootcert", s.CA.CAFile)
	} else {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Conninfo returns a libpq key=value connection string for database (the same settings as URL).
func (s *PostgresServer) Conninfo(database string) string {
	ci := fmt.Sprintf("host=%s port=%d user=%s password=%s dbname=%s connect_timeout=5",
		s.Host, s.Port, s.User, s.Password, database)
	if s.TLS {
		return ci + " sslmode=verify-full sslrootcert=" + s.CA.CAFile
	}
	return ci + " sslmode=disable"
}

// Psql runs one SQL command with psql on database and returns its unaligned, tuples-only output.
func (s *PostgresServer) Psql(ctx context.Context, database, sql string) (string, error) {
	cmd := exec.CommandContext(ctx, s.psql, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", s.Conninfo(database), "-c", sql)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=5")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("psql %q: %w: %s", sql, err, bytes.TrimSpace(out))
	}
	return strings.TrimSpace(string(out)), nil
}

// CreateDatabase creates a fresh database named UniqueIdent(t, prefix), owned by the superuser,
// drops it (WITH (FORCE)) when the test ends, and returns its name.
func (s *PostgresServer) CreateDatabase(t TB, prefix string) string {
	t.Helper()
	name := UniqueIdent(t, prefix)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.Psql(ctx, s.Database, `CREATE DATABASE "`+name+`"`); err != nil {
		t.Fatalf("testenv: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := s.Psql(ctx, s.Database, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			t.Logf("testenv: drop database %s: %v", name, err)
		}
	})
	return name
}

// ---------------------------------------------------------------- MariaDB

// MariaDBServer is the test bed's MariaDB 10.11 (MySQL protocol). TLS is available, not required.
type MariaDBServer struct {
	// Host is 127.0.0.1.
	Host string
	// Port is MARIADB_PORT.
	Port int
	// User and Password (eim/eim) have ALL PRIVILEGES ON *.* WITH GRANT OPTION (so CREATE USER too).
	User, Password string
	// Database is the database that always exists (eim); create your own with CreateDatabase.
	Database string
	// CA is the test CA and server certificate the server presents on TLS connections.
	CA TLSFiles
}

// MariaDB returns the MariaDB server, failing the test if it is not reachable.
func MariaDB(t TB) *MariaDBServer {
	t.Helper()
	s := &MariaDBServer{Host: Host, Port: portVar(t, "MARIADB_PORT"), User: Var(t, "MARIADB_USER"),
		Password: Var(t, "MARIADB_PASSWORD"), Database: Var(t, "MARIADB_DATABASE")}
	require(t, "mariadb", s.Addr(), tcpCheck(s.Addr()))
	s.CA = TLS(t)
	return s
}

// Addr returns host:port.
func (s *MariaDBServer) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// DSN returns a github.com/go-sql-driver/mysql DSN for database, plain TCP, with parseTime=true.
func (s *MariaDBServer) DSN(database string) string {
	return fmt.Sprintf("%s:%s@tcp(%s)/%s?parseTime=true", s.User, s.Password, s.Addr(), database)
}

// SQL runs statements with the mariadb client (plain TCP) on database ("" for none) and returns
// the tab-separated output without column names. Extra client flags (e.g. --ssl) go in flags.
func (s *MariaDBServer) SQL(ctx context.Context, database, statements string, flags ...string) (string, error) {
	args := append([]string{"--no-defaults", "--protocol=TCP", "-h", s.Host, "-P", strconv.Itoa(s.Port),
		"-u", s.User, "--connect-timeout=5", "-N", "-B"}, flags...)
	args = append(args, "-e", statements)
	if database != "" {
		args = append(args, database)
	}
	cmd := exec.CommandContext(ctx, "mariadb", args...)
	cmd.Env = append(os.Environ(), "MYSQL_PWD="+s.Password)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("mariadb %q: %w: %s", statements, err, bytes.TrimSpace(out))
	}
	return strings.TrimSpace(string(out)), nil
}

// CreateDatabase creates a fresh database named UniqueIdent(t, prefix), drops it when the test
// ends, and returns its name.
func (s *MariaDBServer) CreateDatabase(t TB, prefix string) string {
	t.Helper()
	name := UniqueIdent(t, prefix)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.SQL(ctx, "", "CREATE DATABASE `"+name+"`"); err != nil {
		t.Fatalf("testenv: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := s.SQL(ctx, "", "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Logf("testenv: drop database %s: %v", name, err)
		}
	})
	return name
}

// ---------------------------------------------------------------- Redis

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

// ---------------------------------------------------------------- NATS

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

// ---------------------------------------------------------------- RabbitMQ

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

// ---------------------------------------------------------------- Keycloak

// KeycloakServer is the test bed's Keycloak with the realm from
// test/testdata/keycloak/eim-realm.json (re-imported on every Keycloak start: nothing persists).
type KeycloakServer struct {
	// BaseURL is http://127.0.0.1:<KEYCLOAK_PORT>; the issuer is fixed to it (--hostname).
	BaseURL string
	// ManagementURL serves /health, /health/ready and /health/live.
	ManagementURL string
	// Realm is the test realm (eim-test).
	Realm string
	// AdminUser and AdminPassword log in to the master realm (admin-cli) as the bootstrap admin.
	AdminUser, AdminPassword string
	// Audience is the audience the eim-test-client and system-client tokens carry ("eim").
	Audience string
	// ClientID and ClientSecret: confidential eim-test-client (client credentials only). Its service
	// account is in Project1's Edge-Node-M2M group, so tokens carry Project1's en-agent-rw and en-ob roles.
	ClientID, ClientSecret string
	// AdminClientID and AdminClientSecret: host-manager-m2m-client, whose service account has the
	// realm-management roles create/manage/query/view-clients, manage/query/view-users,
	// query-groups and view-realm (the legacy EMF host manager's rights, used to create clients).
	AdminClientID, AdminClientSecret string
	// PasswordClientID is the public system-client with the resource-owner password grant.
	PasswordClientID string
	// User and UserPassword (eim-user) are in Project1's Host-Manager and Edge-Operator groups
	// (roles <Project1>_im-rw, _im-r, _en-ob); User2 likewise in Project2.
	User, UserPassword, User2, User2Password string
	// Project1 and Project2 are the project (tenant) UUIDs whose legacy-EMF roles
	// (<uuid>_im-rw, _im-r, _en-agent-rw, _en-ob) and groups (<uuid>_Edge-Node-M2M-Service-Account,
	// <uuid>_Host-Manager-Group, <uuid>_Edge-Operator-Group) exist in the realm.
	Project1, Project2 string
}

// Keycloak returns the Keycloak server, failing the test unless the test realm's discovery
// document is served.
func Keycloak(t TB) *KeycloakServer {
	t.Helper()
	base := "http://" + net.JoinHostPort(Host, strconv.Itoa(portVar(t, "KEYCLOAK_PORT")))
	s := &KeycloakServer{
		BaseURL:       base,
		ManagementURL: "http://" + net.JoinHostPort(Host, strconv.Itoa(portVar(t, "KEYCLOAK_MANAGEMENT_PORT"))),
		Realm:         Var(t, "KEYCLOAK_REALM"), AdminUser: Var(t, "KEYCLOAK_ADMIN_USER"), AdminPassword: Var(t, "KEYCLOAK_ADMIN_PASSWORD"),
		Audience: Var(t, "KEYCLOAK_AUDIENCE"), ClientID: Var(t, "KEYCLOAK_CLIENT_ID"), ClientSecret: Var(t, "KEYCLOAK_CLIENT_SECRET"),
		AdminClientID: Var(t, "KEYCLOAK_ADMIN_CLIENT_ID"), AdminClientSecret: Var(t, "KEYCLOAK_ADMIN_CLIENT_SECRET"),
		PasswordClientID: Var(t, "KEYCLOAK_PASSWORD_CLIENT_ID"),
		User:             Var(t, "KEYCLOAK_USER"), UserPassword: Var(t, "KEYCLOAK_USER_PASSWORD"),
		User2: Var(t, "KEYCLOAK_USER2"), User2Password: Var(t, "KEYCLOAK_USER2_PASSWORD"),
		Project1: Var(t, "KEYCLOAK_PROJECT1"), Project2: Var(t, "KEYCLOAK_PROJECT2"),
	}
	require(t, "keycloak", s.DiscoveryURL(), httpCheck(s.DiscoveryURL()))
	return s
}

// IssuerURL returns the test realm's issuer, http://127.0.0.1:<port>/realms/<realm>.
func (s *KeycloakServer) IssuerURL() string { return s.BaseURL + "/realms/" + s.Realm }

// DiscoveryURL returns the test realm's OpenID Provider configuration URL.
func (s *KeycloakServer) DiscoveryURL() string {
	return s.IssuerURL() + "/.well-known/openid-configuration"
}

// TokenURL returns the test realm's token endpoint.
func (s *KeycloakServer) TokenURL() string { return s.IssuerURL() + "/protocol/openid-connect/token" }

// JWKSURL returns the test realm's JWKS endpoint.
func (s *KeycloakServer) JWKSURL() string { return s.IssuerURL() + "/protocol/openid-connect/certs" }

// AdminURL returns the admin REST API base of the test realm, /admin/realms/<realm>.
func (s *KeycloakServer) AdminURL() string { return s.BaseURL + "/admin/realms/" + s.Realm }

// ClientCredentialsToken obtains an access token for clientID/secret with the client-credentials
// grant, failing the test on error.
func (s *KeycloakServer) ClientCredentialsToken(t TB, clientID, secret string) string {
	t.Helper()
	return token(t, s.TokenURL(), url.Values{"grant_type": {"client_credentials"},
		"client_id": {clientID}, "client_secret": {secret}}, nil)
}

// PasswordToken obtains an access token for user/password through the public PasswordClientID
// with the resource-owner password grant, failing the test on error.
func (s *KeycloakServer) PasswordToken(t TB, user, password string) string {
	t.Helper()
	return token(t, s.TokenURL(), url.Values{"grant_type": {"password"}, "client_id": {s.PasswordClientID},
		"username": {user}, "password": {password}, "scope": {"openid"}}, nil)
}

// ---------------------------------------------------------------- OpenBao

// OpenBaoServer is the test bed's OpenBao dev server (in memory: a restart loses everything).
// Mounted by `make deps`: kv-v2 at KVMount, transit at TransitMount, AppRole auth at AppRoleMount.
// The database secrets engine is left for tests to enable and configure.
type OpenBaoServer struct {
	// Addr is the API address, http://127.0.0.1:<OPENBAO_PORT> (BAO_ADDR / VAULT_ADDR).
	Addr string
	// RootToken is the dev root token (root).
	RootToken string
	// KVMount ("secret"), TransitMount ("transit") and AppRoleMount ("approle") are the mount paths.
	KVMount, TransitMount, AppRoleMount string
	// Bin is the bao CLI (.tools/bin/bao).
	Bin string
}

// OpenBao returns the OpenBao server, failing the test unless /v1/sys/health reports it
// initialized and unsealed.
func OpenBao(t TB) *OpenBaoServer {
	t.Helper()
	s := &OpenBaoServer{Addr: "http://" + net.JoinHostPort(Host, strconv.Itoa(portVar(t, "OPENBAO_PORT"))),
		RootToken: Var(t, "OPENBAO_ROOT_TOKEN"), KVMount: "secret", TransitMount: "transit", AppRoleMount: "approle",
		Bin: filepath.Join(toolsDir(t), "bin", "bao")}
	require(t, "openbao", s.Addr+"/v1/sys/health", httpCheck(s.Addr+"/v1/sys/health"))
	return s
}

// CLIEnv returns the environment entries that point the bao (and vault) CLI at this server with
// the root token, to append to an exec.Cmd's Env.
func (s *OpenBaoServer) CLIEnv() []string {
	return []string{"BAO_ADDR=" + s.Addr, "BAO_TOKEN=" + s.RootToken, "VAULT_ADDR=" + s.Addr, "VAULT_TOKEN=" + s.RootToken}
}

// ---------------------------------------------------------------- Hydra

// HydraServer is the test bed's Ory Hydra v2 (a second, non-Keycloak OpenID Provider): JWT access
// tokens by default, dynamic client registration (RFC 7591) enabled, no login/consent UI.
type HydraServer struct {
	// PublicURL serves discovery, JWKS, /oauth2/token and /oauth2/register.
	PublicURL string
	// AdminURL serves the admin API (/admin/clients, /health/ready).
	AdminURL string
}

// Hydra returns the Hydra server, failing the test unless its discovery document is served.
func Hydra(t TB) *HydraServer {
	t.Helper()
	s := &HydraServer{PublicURL: "http://" + net.JoinHostPort(Host, strconv.Itoa(portVar(t, "HYDRA_PUBLIC_PORT"))),
		AdminURL: "http://" + net.JoinHostPort(Host, strconv.Itoa(portVar(t, "HYDRA_ADMIN_PORT")))}
	require(t, "hydra", s.DiscoveryURL(), httpCheck(s.DiscoveryURL()))
	return s
}

// IssuerURL returns Hydra's issuer, http://127.0.0.1:<port>/ (with the trailing slash).
func (s *HydraServer) IssuerURL() string { return s.PublicURL + "/" }

// DiscoveryURL returns Hydra's OpenID Provider configuration URL.
func (s *HydraServer) DiscoveryURL() string { return s.PublicURL + "/.well-known/openid-configuration" }

// TokenURL returns Hydra's token endpoint.
func (s *HydraServer) TokenURL() string { return s.PublicURL + "/oauth2/token" }

// HydraClient is an OAuth2 client created in Hydra.
type HydraClient struct {
	// ID and Secret are the client's credentials (client_secret_basic or client_secret_post).
	ID, Secret string
}

// CreateClient creates a confidential client-credentials client named Unique(t, prefix) through the
// admin API, with audience as its allowed audience (may be empty), deletes it when the test ends,
// and returns its credentials.
func (s *HydraServer) CreateClient(t TB, prefix string, audience ...string) HydraClient {
	t.Helper()
	if audience == nil {
		audience = []string{}
	}
	body := map[string]any{
		"client_name":                Unique(t, prefix),
		"grant_types":                []string{"client_credentials"},
		"token_endpoint_auth_method": "client_secret_basic",
		"audience":                   audience,
	}
	b, _ := json.Marshal(body)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.AdminURL+"/admin/clients", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	out, err := doHTTP(req, http.StatusCreated)
	if err != nil {
		t.Fatalf("testenv: create Hydra client: %v", err)
	}
	var c struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	if err := json.Unmarshal(out, &c); err != nil || c.ID == "" {
		t.Fatalf("testenv: create Hydra client: unexpected answer %s (%v)", out, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, s.AdminURL+"/admin/clients/"+url.PathEscape(c.ID), nil)
		if _, err := doHTTP(req, http.StatusNoContent, http.StatusNotFound); err != nil {
			t.Logf("testenv: delete Hydra client %s: %v", c.ID, err)
		}
	})
	return HydraClient{ID: c.ID, Secret: c.Secret}
}

// ClientCredentialsToken obtains an access token for c with the client-credentials grant
// (client_secret_basic; audience optional), failing the test on error.
func (s *HydraServer) ClientCredentialsToken(t TB, c HydraClient, audience ...string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(audience) > 0 {
		form.Set("audience", strings.Join(audience, " "))
	}
	return token(t, s.TokenURL(), form, &c)
}

// ---------------------------------------------------------------- local-kms

// LocalKMSServer is the test bed's local-kms, an implementation of the AWS KMS API. It accepts any
// (or no) SigV4 signature: use any static credentials, e.g. AccessKeyID/SecretAccessKey.
type LocalKMSServer struct {
	// Endpoint is the KMS endpoint URL, http://127.0.0.1:<LOCALKMS_PORT>.
	Endpoint string
	// Region and AccountID appear in key ARNs.
	Region, AccountID string
	// KeyID is a seeded symmetric (AES) key that always exists; KeyAlias ("alias/eim-test") names it.
	KeyID, KeyAlias string
	// AccessKeyID and SecretAccessKey are dummy static credentials for AWS SDK clients.
	AccessKeyID, SecretAccessKey string
}

// LocalKMS returns the local-kms server, failing the test if it is not reachable.
func LocalKMS(t TB) *LocalKMSServer {
	t.Helper()
	addr := net.JoinHostPort(Host, strconv.Itoa(portVar(t, "LOCALKMS_PORT")))
	s := &LocalKMSServer{Endpoint: "http://" + addr, Region: Var(t, "LOCALKMS_REGION"), AccountID: Var(t, "LOCALKMS_ACCOUNT_ID"),
		KeyID: Var(t, "LOCALKMS_KEY_ID"), KeyAlias: Var(t, "LOCALKMS_KEY_ALIAS"), AccessKeyID: "test", SecretAccessKey: "test"}
	require(t, "local-kms", addr, tcpCheck(addr))
	return s
}

// KeyARN returns the ARN of KeyID.
func (s *LocalKMSServer) KeyARN() string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", s.Region, s.AccountID, s.KeyID)
}

// Call sends one KMS JSON request (operation e.g. "ListKeys", "Encrypt") without a signature and
// returns the response body, or an error naming the status for a non-2xx answer.
func (s *LocalKMSServer) Call(ctx context.Context, operation string, request any) ([]byte, error) {
	b, err := json.Marshal(request)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.Endpoint+"/", bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Amz-Target", "TrentService."+operation)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	return doHTTP(req, http.StatusOK)
}

// ---------------------------------------------------------------- helm

// Helm returns the path of the pinned helm binary (.tools/bin/helm), failing the test if it is missing.
func Helm(t TB) string {
	t.Helper()
	p := filepath.Join(toolsDir(t), "bin", "helm")
	if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("testenv: helm is not installed at %s (%v). Fix: run `%s` in %s", p, err, FixCommand, RepoRoot(t))
	}
	return p
}

// ---------------------------------------------------------------- helpers

func tcpCheck(addr string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		return c.Close()
	}
}

func httpCheck(u string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		_, err = doHTTP(req, http.StatusOK)
		return err
	}
}

// doHTTP sends req and returns the body if the status is one of want.
func doHTTP(req *http.Request, want ...int) ([]byte, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	for _, w := range want {
		if resp.StatusCode == w {
			return body, nil
		}
	}
	return body, fmt.Errorf("%s %s: %s: %s", req.Method, req.URL, resp.Status, bytes.TrimSpace(body))
}

// token posts an OAuth2 token request (with HTTP basic client authentication if basic is set) and
// returns the access token.
func token(t TB, tokenURL string, form url.Values, basic *HydraClient) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != nil {
		req.SetBasicAuth(url.QueryEscape(basic.ID), url.QueryEscape(basic.Secret))
	}
	out, err := doHTTP(req, http.StatusOK)
	if err != nil {
		t.Fatalf("testenv: token request (%s grant): %v", form.Get("grant_type"), err)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(out, &tr); err != nil || tr.AccessToken == "" {
		t.Fatalf("testenv: token response without access_token: %s", out)
	}
	return tr.AccessToken
}
