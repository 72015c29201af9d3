package store

import (
	"context"
	"strings"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/inventory/internal/model"
)

// MaxFind bounds the values of one FindMany.
const MaxFind = 1000

// FindMany returns, for each of values in order, the resource of kind in tenant whose unique key
// has that value, or nil where none has: each answer is Find's for that value (a nil where Find
// is NotFound), read in one transaction with one statement for the keys and their resources.
// The values are compared by the database itself, as Find compares one (joined to inv_keys by
// equality, never folded here): the same case rules on every dialect.
func (s *Store) FindMany(ctx context.Context, tenant string, kind inventoryv1.ResourceKind, key string, values []string) ([]*inventoryv1.Stored, error) {
	k, err := s.uniqueKey(kind, key)
	if err != nil {
		return nil, err
	}
	if len(values) == 0 || len(values) > MaxFind {
		return nil, provider.Errorf(provider.InvalidArgument, "values: %d values: send 1 to %d", len(values), MaxFind)
	}
	distinct := distinctValues(values)
	var byValue map[string]*inventoryv1.Stored
	err = s.inTenant(ctx, tenant, func(tx *storage.Tx) error {
		var err error
		byValue, err = s.findMany(ctx, tx, k.Name, key, distinct)
		return err
	}, storage.ReadOnly())
	if err != nil {
		return nil, err
	}
	out := make([]*inventoryv1.Stored, len(values))
	for i, v := range values {
		out[i] = byValue[v]
	}
	return out, nil
}

// findMany reads the resources of kind (its table name) whose key has one of values (distinct),
// expanded, by the value that found each.
func (s *Store) findMany(ctx context.Context, tx *storage.Tx, kind, key string, values []string) (map[string]*inventoryv1.Stored, error) {
	// The values are a derived table joined by equality, so that the database says which value
	// found which row, with its own comparison (a case-insensitive collation on MySQL finds "AB"
	// for "ab", as Find does there).
	q := "SELECT " + columns + ", q.v FROM (" + valuesTable(len(values)) + ") q" +
		" JOIN inv_keys k ON k.key_value = q.v" +
		" JOIN inv_resources t ON t.tenant_id = k.tenant_id AND t.resource_id = k.resource_id" +
		" WHERE k.kind = ? AND k.key_name = ? ORDER BY t.resource_id"
	args := append(anys(values), kind, key)
	var rows []row
	var found []string // found[i] is the value that found rows[i]
	var v string
	err := s.scanRows(ctx, tx, q, args, func(r row) error {
		rows, found = append(rows, r), append(found, v)
		return nil
	}, &v)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	distinct := distinctRows(rows)
	stored, err := s.expand(ctx, tx, distinct)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*inventoryv1.Stored, len(stored))
	for i, st := range stored {
		byID[distinct[i].id] = st // expand answers in the order of its rows
	}
	out := make(map[string]*inventoryv1.Stored, len(rows))
	for i, r := range rows {
		out[found[i]] = byID[r.id]
	}
	return out, nil
}

// valuesTable is a derived table of n rows of one column v, each a placeholder.
func valuesTable(n int) string {
	return "SELECT ? AS v" + strings.Repeat(" UNION ALL SELECT ?", n-1)
}

// uniqueKey returns kind's model, refusing a kind that is none or a key that is not one of its
// unique keys (Find's errors).
func (s *Store) uniqueKey(kind inventoryv1.ResourceKind, key string) (*model.Kind, error) {
	k, ok := s.table.Of(kind)
	if !ok {
		return nil, provider.Errorf(provider.InvalidArgument, "kind: %s is not a resource kind", kind)
	}
	if !contains(k.Unique, key) {
		return nil, provider.Errorf(provider.InvalidArgument, "key: %q is not a unique key of %s; use one of [%s]", key, k.Name, strings.Join(k.Unique, ", "))
	}
	return k, nil
}

// distinctValues returns values without repeats, in their first order.
func distinctValues(values []string) []string {
	seen := make(map[string]bool, len(values))
	out := make([]string, 0, len(values))
	for _, v := range values {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// distinctRows returns rows without a resource read twice (two values a case-insensitive
// collation matches to one key).
func distinctRows(rows []row) []row {
	seen := make(map[string]bool, len(rows))
	out := make([]row, 0, len(rows))
	for _, r := range rows {
		if !seen[r.id] {
			seen[r.id] = true
			out = append(out, r)
		}
	}
	return out
}
