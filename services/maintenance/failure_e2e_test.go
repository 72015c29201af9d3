package maintenance_test

import (
	"database/sql"
	"fmt"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the owner's connection
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
)

// TestStatusNotWrittenIsUnavailable takes the database's write privileges from the process's
// runtime role: a status change that cannot be written is Unavailable (the agent sends it again
// on its next poll) and nothing of it is kept; once writes work again, the next poll records it,
// with one run.
func TestStatusNotWrittenIsUnavailable(t *testing.T) {
	s := startStack(t, "postgres")
	w := newWorld(t, s)
	n := w.node(t, s, "host-a", w.site, w.mutableOS, w.policy)
	_, err := s.poll(w.agent, n.guid, upToDate)
	require.NoError(t, err)

	owner, err := sql.Open("pgx", s.pgDB.pg.Server.URL(s.pgDB.db.Name))
	require.NoError(t, err)
	defer owner.Close()
	privileges := func(stmt string) {
		t.Helper()
		_, err := owner.Exec(fmt.Sprintf(stmt, s.pgDB.runtime))
		require.NoError(t, err)
	}
	privileges(`REVOKE INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public FROM %q`)
	started := reported(maintmgrv1.UpdateStatus_STATUS_TYPE_STARTED)
	_, err = s.poll(w.agent, n.guid, started)
	assert.Equal(t, codes.Unavailable, status.Code(err), "a status not written: %v", err)
	assert.Equal(t, "No new updates available", str(s.get(t, w.name, w.operator, "compute/instances/"+n.inst), "updateStatus"))
	resp, err := s.poll(w.agent, n.guid, upToDate)
	require.NoError(t, err, "a poll that writes nothing is answered while writes fail")
	assert.NotNil(t, resp.GetUpdateSchedule())

	privileges(`GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %q`)
	_, err = s.poll(w.agent, n.guid, started)
	require.NoError(t, err)
	assert.Equal(t, "Updating", str(s.get(t, w.name, w.operator, "compute/instances/"+n.inst), "updateStatus"))
	assert.Len(t, w.runs(t, s), 1)
}
