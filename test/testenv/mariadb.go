package testenv

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

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
