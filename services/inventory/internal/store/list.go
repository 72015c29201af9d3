package store

import (
	"context"
	"strconv"
	"strings"

	"go.einride.tech/aip/ordering"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

// The legacy apiv2 limits of list requests.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
	MaxOffset       = 10000
	MaxFilterLength = 1000
)

// Page is a page of resources.
type Page struct {
	Resources []*inventoryv1.Stored
	Total     int
	HasNext   bool
}

// ListOptions selects a page.
type ListOptions struct {
	Filter   string
	OrderBy  string
	PageSize int
	Offset   int
}

// List returns a page of kind's resources matching the filter, in order.
func (s *Store) List(ctx context.Context, tenant string, kind inventoryv1.ResourceKind, o ListOptions) (*Page, error) {
	k, ok := s.table.Of(kind)
	if !ok {
		return nil, provider.Errorf(provider.InvalidArgument, "kind: %s is not a resource kind", kind)
	}
	if err := checkPage(&o); err != nil {
		return nil, err
	}
	q := newQuery(s.d, s.table, k)
	where, err := q.where(o.Filter)
	if err != nil {
		return nil, provider.Errorf(provider.InvalidArgument, "%v", err)
	}
	order, err := q.orderBy(o.OrderBy)
	if err != nil {
		return nil, provider.Errorf(provider.InvalidArgument, "%v", err)
	}
	from := q.from(where)
	var page Page
	err = s.inTenant(ctx, tenant, func(tx *storage.Tx) error {
		page = Page{}
		var rows []row
		var total int
		sql := "SELECT " + columns + ", COUNT(*) OVER () FROM " + from + " ORDER BY " + order +
			" LIMIT " + strconv.Itoa(o.PageSize) + " OFFSET " + strconv.Itoa(o.Offset)
		err := s.scanRows(ctx, tx, sql, q.args, func(r row) error { rows = append(rows, r); return nil }, &total)
		if err != nil {
			return err
		}
		if len(rows) == 0 && o.Offset > 0 {
			if err := tx.QueryRowContext(ctx, s.d.Rebind("SELECT COUNT(*) FROM "+from), q.args...).Scan(&total); err != nil {
				return err
			}
		}
		page.Resources, err = s.expand(ctx, tx, rows)
		page.Total, page.HasNext = total, o.Offset+len(rows) < total
		return err
	}, storage.ReadOnly())
	return &page, err
}

func checkPage(o *ListOptions) error {
	if len(o.Filter) > MaxFilterLength {
		return provider.Errorf(provider.InvalidArgument, "filter: %d characters, at most %d are allowed", len(o.Filter), MaxFilterLength)
	}
	if o.PageSize == 0 {
		o.PageSize = DefaultPageSize
	}
	if o.PageSize < 1 || o.PageSize > MaxPageSize {
		return provider.Errorf(provider.InvalidArgument, "pageSize: %d is out of range: use 1 to %d", o.PageSize, MaxPageSize)
	}
	if o.Offset < 0 || o.Offset > MaxOffset {
		return provider.Errorf(provider.InvalidArgument, "offset: %d is out of range: use 0 to %d", o.Offset, MaxOffset)
	}
	return nil
}

// from is the FROM clause of a list of q's kind: the resources, the joins, the kind and the
// filter.
func (q *query) from(where string) string {
	s := "inv_resources t" + strings.Join(q.joins, "") + " WHERE t.kind = '" + q.kind.Name + "'"
	if where != "" {
		s += " AND " + where
	}
	return s
}

// orderBy translates an AIP-132 order ("name desc, siteLat") into ORDER BY terms; resource_id
// always comes last, so that pages are stable.
func (q *query) orderBy(s string) (string, error) {
	var ob ordering.OrderBy
	if err := ob.UnmarshalString(s); err != nil {
		return "", err
	}
	var terms []string
	for _, f := range ob.Fields {
		t, err := q.resolve(f.Path)
		if err != nil {
			return "", err
		}
		if t.value == "" {
			return "", errField(f.Path, "is a message: order by one of its fields")
		}
		if t.value == "t.resource_id" {
			continue
		}
		dir := " ASC"
		if f.Desc {
			dir = " DESC"
		}
		terms = append(terms, q.ordered(t)+dir)
	}
	return strings.Join(append(terms, "t.resource_id"), ", "), nil
}

// ordered is the value a term sorts by: the name column for a resource's name (indexed).
func (q *query) ordered(t term) string {
	if t.field != nil && t.field.Name() == "name" && t.field.ContainingMessage() == q.kind.Descriptor() && strings.Contains(t.value, "t.body") {
		return "t.name"
	}
	return t.value
}

// HostsSummary counts the hosts matching filter: in all, with an error indicator (host, or its
// instance), running (an instance in INSTANCE_STATE_RUNNING without an instance error), and
// without a site, as the legacy API counts them.
func (s *Store) HostsSummary(ctx context.Context, tenant, filter string) (total, failed, running, unallocated int, err error) {
	k, _ := s.table.Of(inventoryv1.ResourceKind_RESOURCE_KIND_HOST)
	if len(filter) > MaxFilterLength {
		return 0, 0, 0, 0, provider.Errorf(provider.InvalidArgument, "filter: %d characters, at most %d are allowed", len(filter), MaxFilterLength)
	}
	q := newQuery(s.d, s.table, k)
	var conds []string // in the order they appear in the statement, as are their arguments
	for _, f := range []string{hostError, hostRunning, "NOT has(site)", filter} {
		c, err := q.where(f)
		if err != nil {
			return 0, 0, 0, 0, provider.Errorf(provider.InvalidArgument, "%v", err)
		}
		conds = append(conds, c)
	}
	count := func(c string) string { return "SUM(CASE WHEN " + c + " THEN 1 ELSE 0 END)" }
	sql := "SELECT COUNT(*), " + count(conds[0]) + ", " + count(conds[1]) + ", " + count(conds[2]) + " FROM " + q.from(conds[3])
	err = s.inTenant(ctx, tenant, func(tx *storage.Tx) error {
		var e, r, u *int64
		if err := tx.QueryRowContext(ctx, s.d.Rebind(sql), q.args...).Scan(&total, &e, &r, &u); err != nil {
			return err
		}
		failed, running, unallocated = deref(e), deref(r), deref(u)
		return nil
	}, storage.ReadOnly())
	return total, failed, running, unallocated, err
}

func deref(p *int64) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

// The legacy summary's conditions.
const (
	instanceError = "instance.instance_status_indicator = STATUS_INDICATION_ERROR OR instance.provisioning_status_indicator = STATUS_INDICATION_ERROR" +
		" OR instance.update_status_indicator = STATUS_INDICATION_ERROR OR instance.trusted_attestation_status_indicator = STATUS_INDICATION_ERROR"
	hostError = "host_status_indicator = STATUS_INDICATION_ERROR OR onboarding_status_indicator = STATUS_INDICATION_ERROR" +
		" OR registration_status_indicator = STATUS_INDICATION_ERROR OR power_status_indicator = STATUS_INDICATION_ERROR" +
		" OR amt_status_indicator = STATUS_INDICATION_ERROR OR " + instanceError
	hostRunning = "has(instance) AND instance.current_state = INSTANCE_STATE_RUNNING AND NOT (" + instanceError + ")"
)
