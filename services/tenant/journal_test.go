package tenant

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/test/dbtest"
)

// TestJournal: on each database (the migrations of every dialect), a deletion is journaled
// once, advances step by step, lists oldest first, and closes.
func TestJournal(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.Open(t, dialect, kinds.DatabaseSchemas(Schema())...)
			now := time.Unix(1_700_000_000, 0)
			j := &journal{db: db, now: func() time.Time { now = now.Add(time.Second); return now }}
			require.NoError(t, j.record(ctx, "p-1", "one"))
			require.NoError(t, j.record(ctx, "p-2", "two"))
			require.NoError(t, j.record(ctx, "p-1", "one"), "recording twice keeps the first")
			require.NoError(t, j.advance(ctx, "p-1", StepResourcesPurged))
			got, err := j.pending(ctx)
			require.NoError(t, err)
			assert.Equal(t, []Deletion{{ProjectID: "p-1", ProjectName: "one", Done: StepResourcesPurged},
				{ProjectID: "p-2", ProjectName: "two", Done: StepRequested}}, got)
			require.NoError(t, j.finish(ctx, "p-1"))
			require.NoError(t, j.finish(ctx, "p-1"), "finishing twice is harmless")
			got, err = j.pending(ctx)
			require.NoError(t, err)
			assert.Equal(t, []Deletion{{ProjectID: "p-2", ProjectName: "two", Done: StepRequested}}, got)
		})
	}
}

// TestStepNames: the journal's steps name themselves in logs.
func TestStepNames(t *testing.T) {
	for s, want := range map[Step]string{StepRequested: "requested", StepClientsRevoked: "clients-revoked",
		StepResourcesPurged: "resources-purged", StepRolesDeleted: "roles-deleted", Step(9): "unknown"} {
		assert.Equal(t, want, s.String())
	}
}
