package onboarding

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"github.com/eim-byoi/eim/providers/storage"
)

//go:embed migrations
var migrations embed.FS

// Schema is the onboarding module's database schema (its journal, table onb_clients), applied
// by `eim serve` and `eim migrate db`.
func Schema() storage.Schema {
	sub, _ := fs.Sub(migrations, "migrations")
	return storage.Schema{Name: "onboarding", Migrations: sub}
}

// The states of a journal record.
const (
	// stateIssuing: the client is being created; the host is not marked onboarded yet.
	stateIssuing = "issuing"
	// stateIssued: the client exists and the host is marked onboarded.
	stateIssued = "issued"
	// stateRevoking: the client is being revoked (its host was deleted or invalidated).
	stateRevoking = "revoking"
)

// record is one device client the module issued or is issuing.
type record struct {
	Project, Device, Host, ClientID, State string
	// Since is when the record last changed state (for an issued client: when it was issued).
	Since time.Time
}

// journal keeps the records in the module's table: the intent is written before the identity
// provider is called, so that Start finds what a crash interrupted.
type journal struct {
	db  *storage.DB
	now func() time.Time
}

const recordColumns = "project_id, device, host_id, client_id, state"

// readColumns are recordColumns and updated_us, in scan order.
const readColumns = recordColumns + ", updated_us"

func (j *journal) q(query string) string { return j.db.Dialect().Rebind(query) }

// put writes the record: inserted, or the existing one of the device replaced.
func (j *journal) put(ctx context.Context, r record) error {
	return j.db.InTx(ctx, func(tx *storage.Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, j.q("SELECT COUNT(*) FROM onb_clients WHERE project_id = ? AND device = ?"), r.Project, r.Device).Scan(&n)
		if err != nil {
			return err
		}
		now := j.now().UnixMicro()
		if n > 0 {
			_, err = tx.ExecContext(ctx, j.q("UPDATE onb_clients SET host_id = ?, client_id = ?, state = ?, updated_us = ? WHERE project_id = ? AND device = ?"),
				r.Host, r.ClientID, r.State, now, r.Project, r.Device)
			return err
		}
		_, err = tx.ExecContext(ctx, j.q("INSERT INTO onb_clients ("+recordColumns+", updated_us) VALUES (?, ?, ?, ?, ?, ?)"),
			r.Project, r.Device, r.Host, r.ClientID, r.State, now)
		return err
	}, storage.WithRetry())
}

// remove deletes the record of a device; none is not an error.
func (j *journal) remove(ctx context.Context, project, device string) error {
	return j.db.InTx(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, j.q("DELETE FROM onb_clients WHERE project_id = ? AND device = ?"), project, device)
		return err
	}, storage.WithRetry())
}

// get returns the record of a device, or nil.
func (j *journal) get(ctx context.Context, project, device string) (*record, error) {
	rs, err := j.list(ctx, "WHERE project_id = ? AND device = ?", project, device)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return &rs[0], nil
}

// ofHost returns the records of a host.
func (j *journal) ofHost(ctx context.Context, project, host string) ([]record, error) {
	return j.list(ctx, "WHERE project_id = ? AND host_id = ?", project, host)
}

// ofProject returns the records of a project.
func (j *journal) ofProject(ctx context.Context, project string) ([]record, error) {
	return j.list(ctx, "WHERE project_id = ?", project)
}

// all returns every record.
func (j *journal) all(ctx context.Context) ([]record, error) { return j.list(ctx, "") }

func (j *journal) list(ctx context.Context, where string, args ...any) ([]record, error) {
	var out []record
	err := j.db.InTx(ctx, func(tx *storage.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, j.q("SELECT "+readColumns+" FROM onb_clients "+where+" ORDER BY project_id, device"), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r record
			var us int64
			if err := rows.Scan(&r.Project, &r.Device, &r.Host, &r.ClientID, &r.State, &us); err != nil {
				return err
			}
			r.Since = time.UnixMicro(us)
			out = append(out, r)
		}
		return rows.Err()
	}, storage.ReadOnly())
	return out, err
}
