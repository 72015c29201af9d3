package testenv

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

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
