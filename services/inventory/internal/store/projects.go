package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"regexp"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/outbox"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

// projectName is what a project's name may be: a DNS label, as the tenancy API's names are.
var projectName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// uuidPattern is a project id.
var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// projectColumns are the columns of a project, in scanProject's order.
const projectColumns = "id, name, description, status_message, status_indicator, created_us, updated_us"

func scanProject(sc interface{ Scan(...any) error }) (*inventoryv1.Project, error) {
	var p inventoryv1.Project
	var c, u int64
	if err := sc.Scan(&p.Id, &p.Name, &p.Description, &p.StatusMessage, &p.StatusIndicator, &c, &u); err != nil {
		return nil, err
	}
	p.CreateTime, p.UpdateTime = timestamppb.New(microsTime(c)), timestamppb.New(microsTime(u))
	return &p, nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// CreateProject registers a project: name must be a DNS label and free; id is a new UUID when
// empty. Its event is inventory.project.created.
func (s *Store) CreateProject(ctx context.Context, name, description, id string) (*inventoryv1.Project, error) {
	if !projectName.MatchString(name) {
		return nil, provider.Errorf(provider.InvalidArgument,
			"project name %q is not valid: use 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit", name)
	}
	if id == "" {
		id = newUUID()
	} else if !uuidPattern.MatchString(id) {
		return nil, provider.Errorf(provider.InvalidArgument, "project id %q is not a lower-case UUID", id)
	}
	now := s.now().UnixMicro()
	err := s.db.InTx(ctx, func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.Rebind("INSERT INTO inv_projects ("+projectColumns+") VALUES (?, ?, ?, '', ?, ?, ?)"),
			id, name, description, "STATUS_INDICATION_IDLE", now, now); err != nil {
			return err
		}
		return s.projectEvent(ctx, tx, id, inventoryv1.Operation_OPERATION_CREATED)
	})
	if provider.CodeOf(err) == provider.AlreadyExists {
		return nil, provider.Errorf(provider.AlreadyExists, "project %q already exists", name)
	}
	if err != nil {
		return nil, err
	}
	return s.GetProject(ctx, id)
}

// projectEvent appends a project's change event to the outbox.
func (s *Store) projectEvent(ctx context.Context, tx *storage.Tx, id string, op inventoryv1.Operation) error {
	c := &inventoryv1.Change{TenantId: id, Kind: inventoryv1.ResourceKind_RESOURCE_KIND_PROJECT, ResourceId: id, Operation: op,
		ChangeTime: timestamppb.New(s.now())}
	payload, err := proto.Marshal(c)
	if err != nil {
		return err
	}
	return outbox.Append(ctx, s.db, tx, Topic("project", op), messaging.Message{Key: id, Payload: payload,
		Headers: map[string]string{"content-type": EventContentType}})
}

// GetProject reads a project by name or id.
func (s *Store) GetProject(ctx context.Context, nameOrID string) (*inventoryv1.Project, error) {
	var p *inventoryv1.Project
	err := s.db.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		p, err = s.project(ctx, tx, nameOrID)
		return err
	}, storage.ReadOnly())
	return p, err
}

func (s *Store) project(ctx context.Context, tx *storage.Tx, nameOrID string) (*inventoryv1.Project, error) {
	col := "name"
	if uuidPattern.MatchString(nameOrID) {
		col = "id"
	}
	p, err := scanProject(tx.QueryRowContext(ctx, s.d.Rebind("SELECT "+projectColumns+" FROM inv_projects WHERE "+col+" = ?"), nameOrID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, provider.Errorf(provider.NotFound, "project %q not found", nameOrID)
	}
	return p, err
}

// ListProjects returns every project, by name.
func (s *Store) ListProjects(ctx context.Context) ([]*inventoryv1.Project, error) {
	var out []*inventoryv1.Project
	err := s.db.InTx(ctx, func(tx *storage.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, "SELECT "+projectColumns+" FROM inv_projects ORDER BY name")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanProject(rows)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	}, storage.ReadOnly())
	return out, err
}

// UpdateProject sets the fields of mask (description, status_message, status_indicator) from p.
func (s *Store) UpdateProject(ctx context.Context, nameOrID string, p *inventoryv1.Project, mask []string) (*inventoryv1.Project, error) {
	var out *inventoryv1.Project
	err := s.db.InTx(ctx, func(tx *storage.Tx) error {
		cur, err := s.project(ctx, tx, nameOrID)
		if err != nil {
			return err
		}
		id := cur.GetId()
		for _, f := range mask {
			switch f {
			case "description":
				cur.Description = p.GetDescription()
			case "status_message":
				cur.StatusMessage = p.GetStatusMessage()
			case "status_indicator":
				cur.StatusIndicator = p.GetStatusIndicator()
			default:
				return provider.Errorf(provider.InvalidArgument, "field_mask: %q cannot be changed; use description, status_message or status_indicator", f)
			}
		}
		if _, err := tx.ExecContext(ctx, s.d.Rebind("UPDATE inv_projects SET description = ?, status_message = ?, status_indicator = ?, updated_us = ? WHERE id = ?"),
			cur.GetDescription(), cur.GetStatusMessage(), cur.GetStatusIndicator(), s.now().UnixMicro(), id); err != nil {
			return err
		}
		if err := s.projectEvent(ctx, tx, id, inventoryv1.Operation_OPERATION_UPDATED); err != nil {
			return err
		}
		// Read in the transaction: once it commits, a module following the event may already
		// have acted on the change (the tenant module deletes a project whose deletion it asks).
		out, err = s.project(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteProject deletes every resource of the project's tenant, then the project, and returns how
// many resources there were. Its event is inventory.project.deleted; the resources' own events
// are not published one by one.
func (s *Store) DeleteProject(ctx context.Context, nameOrID string) (int, error) {
	p, err := s.GetProject(ctx, nameOrID)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.inTenant(ctx, p.GetId(), func(tx *storage.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM inv_resources").Scan(&n); err != nil {
			return err
		}
		for _, t := range []string{"inv_refs", "inv_keys", "inv_resources", "inv_changes", "inv_revisions"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	s.tenants.Delete(p.GetId())
	err = s.db.InTx(ctx, func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.Rebind("DELETE FROM inv_projects WHERE id = ?"), p.GetId()); err != nil {
			return err
		}
		return s.projectEvent(ctx, tx, p.GetId(), inventoryv1.Operation_OPERATION_DELETED)
	})
	return n, err
}
