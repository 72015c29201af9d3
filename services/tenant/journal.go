package tenant

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

//go:embed migrations
var migrations embed.FS

// Schema is the tenant module's database schema: the journal of deletions in progress.
func Schema() storage.Schema {
	sub, _ := fs.Sub(migrations, "migrations")
	return storage.Schema{Name: "tenant", Migrations: sub}
}

// Step is how far a project's deletion has come: each step is done once its number is
// journaled, and a resumed deletion starts after it.
type Step int

// The steps of a deletion, in order.
const (
	StepRequested       Step = iota // journaled: the project is being deleted
	StepClientsRevoked              // every host's device client revoked
	StepResourcesPurged             // the project and its resources deleted from the inventory
	StepRolesDeleted                // the identity provider's roles and group deleted
)

// String names the step.
func (s Step) String() string {
	switch s {
	case StepRequested:
		return "requested"
	case StepClientsRevoked:
		return "clients-revoked"
	case StepResourcesPurged:
		return "resources-purged"
	case StepRolesDeleted:
		return "roles-deleted"
	}
	return "unknown"
}

// Deletion is a journaled deletion in progress.
type Deletion struct {
	// ProjectID and ProjectName name the project being deleted.
	ProjectID, ProjectName string
	// Done is the last step done.
	Done Step
}

// journal is the tenant_deletions table.
type journal struct {
	db  *storage.DB
	now func() time.Time
}

func (j *journal) q(query string) string { return j.db.Dialect().Rebind(query) }

// record journals a deletion unless one is journaled already.
func (j *journal) record(ctx context.Context, id, name string) error {
	var n int
	err := j.db.SQL().QueryRowContext(ctx, j.q(`SELECT COUNT(*) FROM tenant_deletions WHERE project_id = ?`), id).Scan(&n)
	if err != nil || n > 0 {
		return j.db.Err("read the deletion journal", err)
	}
	us := j.now().UnixMicro()
	_, err = j.db.SQL().ExecContext(ctx, j.q(`INSERT INTO tenant_deletions (project_id, project_name, step, requested_us, updated_us)
		VALUES (?, ?, ?, ?, ?)`), id, name, int(StepRequested), us, us)
	if err = j.db.Err("journal a deletion", err); provider.CodeOf(err) == provider.AlreadyExists {
		return nil
	}
	return err
}

// advance journals that step is done.
func (j *journal) advance(ctx context.Context, id string, step Step) error {
	_, err := j.db.SQL().ExecContext(ctx, j.q(`UPDATE tenant_deletions SET step = ?, updated_us = ? WHERE project_id = ?`),
		int(step), j.now().UnixMicro(), id)
	return j.db.Err("journal a deletion step", err)
}

// finish removes a completed deletion from the journal.
func (j *journal) finish(ctx context.Context, id string) error {
	_, err := j.db.SQL().ExecContext(ctx, j.q(`DELETE FROM tenant_deletions WHERE project_id = ?`), id)
	return j.db.Err("close a deletion", err)
}

// pending returns the journaled deletions, oldest first.
func (j *journal) pending(ctx context.Context) ([]Deletion, error) {
	rows, err := j.db.SQL().QueryContext(ctx, `SELECT project_id, project_name, step FROM tenant_deletions ORDER BY requested_us, project_id`)
	if err != nil {
		return nil, j.db.Err("read the deletion journal", err)
	}
	defer rows.Close()
	var out []Deletion
	for rows.Next() {
		var d Deletion
		var step int
		if err := rows.Scan(&d.ProjectID, &d.ProjectName, &step); err != nil {
			return nil, j.db.Err("read the deletion journal", err)
		}
		d.Done = Step(step)
		out = append(out, d)
	}
	return out, j.db.Err("read the deletion journal", rows.Err())
}
