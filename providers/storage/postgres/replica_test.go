package postgres_test

import (
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/remote"
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
	"github.com/eim-byoi/eim/test/dbtest"
)

// TestReplica configures a read replica that is the test server itself reached through a fault
// proxy (the test bed has no streaming replica: this shows routing and failure behaviour, not
// replication). Replica() and OnReplica() transactions go through the proxy, primary work does
// not; when the replica is down, replica reads fail with Unavailable (there is no fallback to the
// primary), CheckHealth reports the replica, the primary keeps working, and replica reads
// recover when it is back.
func TestReplica(t *testing.T) {
	pg := dbtest.NewPostgres(t, false)
	p, err := faultproxy.New(pg.Server.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })

	c := config(t, pg.Server, pg.Fresh(t))
	host, port, err := net.SplitHostPort(p.Addr())
	require.NoError(t, err)
	c.Replica = &remote.Replica{Host: host}
	c.Replica.Port, err = strconv.Atoi(port)
	require.NoError(t, err)
	db := open(t, c, storage.Env{})
	t.Cleanup(func() { db.Close() })
	dbtest.CheckReplica(t, db, p, "INSERT INTO widgets (id, tenant_id, name, created_at, doc, payload, body) VALUES (gen_random_uuid(), 't1', 'w1', now(), '{}', NULL, 'b')")
}
