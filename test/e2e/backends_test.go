package e2e_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// files writes the secrets and configuration files of a deployment (mode 0600).
type files struct {
	t   *testing.T
	dir string
}

func (f files) write(name, content string) string {
	p := filepath.Join(f.dir, name)
	require.NoError(f.t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// database is the providers.database block of a fresh database on the test bed's server
// (typ postgres or mysql), as its runtime role with a migration role, passwords in files.
func (f files) database(typ string, host string, port int, d dbtest.Database) string {
	return fmt.Sprintf(`  database:
    type: %s
    config:
      host: %s
      port: %d
      database: %s
      user: %s
      password: {file: %s}
      tls: {mode: disable}
      migration: {user: %s, password: {file: %s}}
`, typ, host, port, d.Name, d.Runtime.User, f.write("db-runtime", d.Runtime.Password),
		d.Migration.User, f.write("db-migration", d.Migration.Password))
}

// postgres is the providers.database block of a fresh PostgreSQL database.
func (f files) postgres() string {
	pg := dbtest.NewPostgres(f.t, false)
	return f.database("postgres", pg.Server.Host, pg.Server.Port, pg.Fresh(f.t))
}

// mariadb is the providers.database block of a fresh MariaDB database.
func (f files) mariadb() string {
	m := dbtest.NewMariaDB(f.t)
	return f.database("mysql", m.Server.Host, m.Server.Port, m.Fresh(f.t))
}

// nats is the providers.messaging block of the test bed's NATS, with a stream of the test's own.
func (f files) nats() string {
	n := testenv.NATS(f.t)
	return fmt.Sprintf(`  messaging:
    type: nats
    config: {url: %q, username: %s, password: {file: %s}, stream: %s, subjectPrefix: %s}
`, n.URL(), n.User, f.write("nats", n.Password), strings.ToUpper(testenv.UniqueIdent(f.t, "E2E")), testenv.UniqueIdent(f.t, "e2e")+".")
}

// rabbitmq is the providers.messaging block of the test bed's RabbitMQ, with an exchange of the
// test's own.
func (f files) rabbitmq() string {
	r := testenv.RabbitMQ(f.t)
	return fmt.Sprintf(`  messaging:
    type: rabbitmq
    config: {url: %q, username: %s, password: {file: %s}, exchange: %s}
`, "amqp://"+r.Addr()+"/", r.User, f.write("rabbitmq", r.Password), testenv.UniqueIdent(f.t, "e2e"))
}
