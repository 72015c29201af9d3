package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// MariaDB describes a private MariaDB (PrivateMariaDB) as a MariaDBServer: its administrative
// user (every privilege, with grant option) and the database eim, plain TCP.
func (s *Private) MariaDB() *MariaDBServer {
	return &MariaDBServer{Host: Host, Port: s.Port, User: s.User, Password: s.Password, Database: "eim"}
}

// PrivateMariaDB installs a MariaDB data directory of the test's own (mariadb-install-db as the
// mysql system user, the binaries of make deps), starts it on a free loopback port and creates
// an administrative user User (every privilege on *.*, with grant option) and the database eim.
// Stop is SIGTERM (the server's clean shutdown).
func PrivateMariaDB(t TB) *Private {
	t.Helper()
	dir := privateDir(t, "mysql")
	s := &Private{Name: "mariadb", Port: FreePort(t), User: "eim", Password: "pw-" + Unique(t, "maria"), Dir: dir}
	sock := filepath.Join(dir, "mariadb.sock")
	cnf := filepath.Join(dir, "my.cnf")
	conf := fmt.Sprintf(`[mysqld]
datadir = %s
tmpdir = %s
socket = %s
pid-file = %s
bind-address = %s
port = %d
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
max_connections = 300
innodb_buffer_pool_size = 64M
innodb_flush_log_at_trx_commit = 2
`, filepath.Join(dir, "data"), dir, sock, filepath.Join(dir, "mariadbd.pid"), Host, s.Port)
	if err := os.WriteFile(cnf, []byte(conf), 0o644); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	install := exec.Command("mariadb-install-db", "--defaults-file="+cnf, "--user=mysql", "--skip-test-db",
		"--auth-root-authentication-method=socket")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("testenv: mariadb-install-db: %v: %s", err, out)
	}
	s.start = func() *exec.Cmd { return exec.Command("mariadbd", "--defaults-file="+cnf, "--user=mysql") }
	s.stop = func(cmd *exec.Cmd) error {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			return err
		}
		_ = cmd.Wait()
		return nil
	}
	s.Start(t)
	t.Cleanup(func() { s.Stop(t) })
	// root logs in through the socket as the root system user (unix_socket authentication).
	sql := fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'; GRANT ALL PRIVILEGES ON *.* TO '%s'@'%%' WITH GRANT OPTION; CREATE DATABASE eim;",
		s.User, s.Password, s.User)
	if out, err := exec.Command("mariadb", "--no-defaults", "-S", sock, "-u", "root", "-e", sql).CombinedOutput(); err != nil {
		t.Fatalf("testenv: private mariadb admin user: %v: %s", err, out)
	}
	return s
}
