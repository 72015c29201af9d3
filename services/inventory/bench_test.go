package inventory_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/test/dbtest"
)

// benchHosts is the size of the fleet the list benchmark filters.
const benchHosts = 10000

// benchBed is a tenant with benchHosts hosts on a fresh database.
type benchBed struct {
	db     *storage.DB
	client inventory.Client
	tenant string
	ids    []string
}

// benchBedOn seeds a tenant on a fresh database of dialect.
func benchBedOn(b *testing.B, dialect string) *benchBed {
	db := dbtest.Open(b, dialect, kinds.DatabaseSchemas(inventory.Schema())...)
	m, err := inventory.Factory(module.Deps{Set: kinds.Set{Storage: db}})
	if err != nil {
		b.Fatal(err)
	}
	bb := &benchBed{db: db, client: m.(module.InventoryProvider).InventoryClient(), tenant: "bench-tenant"}
	bb.seed(b, benchHosts)
	return bb
}

// seed creates n hosts through the client, 8 at a time: a quarter onboarded with 8 or more cores.
func (bb *benchBed) seed(b *testing.B, n int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				h := &computev1.HostResource{Name: fmt.Sprintf("host-%05d", i), CpuCores: uint32(4 << (i % 3)), SerialNumber: fmt.Sprintf("SN%05d", i)}
				if i%2 == 0 {
					h.CurrentState = computev1.HostState_HOST_STATE_ONBOARDED
				}
				resp, err := bb.client.CreateResource(context.Background(), &inventoryv1.CreateResourceRequest{TenantId: bb.tenant, Resource: host(h)})
				if err != nil {
					b.Error(err)
					return
				}
				mu.Lock()
				bb.ids = append(bb.ids, resp.GetStored().GetResource().GetHost().GetResourceId())
				mu.Unlock()
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
}

var decode = protojson.UnmarshalOptions{DiscardUnknown: true}

// rawGet is what a hand-written Get of a host runs: the row, and the one instance on it (the
// statements the module runs for a host without a site), each body decoded.
func rawGet(ctx context.Context, db *storage.DB, tenant, id string) error {
	d := db.Dialect()
	return db.InTenant(ctx, tenant, func(tx *storage.Tx) error {
		var rid, kind string
		var rev, c, u int64
		var body []byte
		if err := tx.QueryRowContext(ctx, d.Rebind("SELECT t.resource_id, t.kind, t.revision, t.created_us, t.updated_us, t.body FROM inv_resources t WHERE t.resource_id = ?"), id).
			Scan(&rid, &kind, &rev, &c, &u, &body); err != nil {
			return err
		}
		var h computev1.HostResource
		if err := decode.Unmarshal(body, &h); err != nil {
			return err
		}
		return rawInstances(ctx, tx, d, []string{id})
	}, storage.ReadOnly())
}

func rawInstances(ctx context.Context, tx *storage.Tx, d storage.Dialect, ids []string) error {
	args := []any{"instance.host"}
	ph := ""
	for i, id := range ids {
		if i > 0 {
			ph += ", "
		}
		ph += "?"
		args = append(args, id)
	}
	rows, err := tx.QueryContext(ctx, d.Rebind("SELECT t.resource_id, t.kind, t.revision, t.created_us, t.updated_us, t.body, r.to_id FROM inv_refs r"+
		" JOIN inv_resources t ON t.tenant_id = r.tenant_id AND t.resource_id = r.from_id WHERE r.ref = ? AND r.to_id IN ("+ph+") ORDER BY t.resource_id"), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var rid, kind, to string
		var rev, c, u int64
		var body []byte
		if err := rows.Scan(&rid, &kind, &rev, &c, &u, &body, &to); err != nil {
			return err
		}
		var in computev1.InstanceResource
		if err := decode.Unmarshal(body, &in); err != nil {
			return err
		}
	}
	return rows.Err()
}

// rawList is a hand-written filtered page of 100: onboarded hosts with at least 8 cores, by
// name, with the total, then the instances of the page.
func rawList(ctx context.Context, db *storage.DB, tenant string) error {
	d := db.Dialect()
	var state, cores string
	switch d {
	case storage.Postgres:
		state, cores = "COALESCE((t.body #>> '{current_state}'), 'HOST_STATE_UNSPECIFIED')", "COALESCE((t.body #>> '{cpu_cores}')::numeric, 0)"
	case storage.MySQL:
		state = "COALESCE(JSON_UNQUOTE(JSON_EXTRACT(t.body, '$.current_state')), 'HOST_STATE_UNSPECIFIED')"
		cores = "COALESCE(CAST(JSON_UNQUOTE(JSON_EXTRACT(t.body, '$.cpu_cores')) AS DECIMAL(20,0)), 0)"
	default:
		state, cores = "COALESCE(json_extract(t.body, '$.current_state'), 'HOST_STATE_UNSPECIFIED')", "COALESCE(CAST(json_extract(t.body, '$.cpu_cores') AS INTEGER), 0)"
	}
	return db.InTenant(ctx, tenant, func(tx *storage.Tx) error {
		rows, err := tx.QueryContext(ctx, d.Rebind("SELECT t.resource_id, t.kind, t.revision, t.created_us, t.updated_us, t.body, COUNT(*) OVER () FROM inv_resources t"+
			" WHERE t.kind = 'host' AND ("+state+" = ? AND "+cores+" >= ?) ORDER BY t.name ASC, t.resource_id LIMIT 100 OFFSET 0"), "HOST_STATE_ONBOARDED", 8)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var rid, kind string
			var rev, c, u, total int64
			var body []byte
			if err := rows.Scan(&rid, &kind, &rev, &c, &u, &body, &total); err != nil {
				rows.Close()
				return err
			}
			var h computev1.HostResource
			if err := decode.Unmarshal(body, &h); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, rid)
		}
		rows.Close()
		return rawInstances(ctx, tx, d, ids)
	}, storage.ReadOnly())
}

// BenchmarkInventory compares, on PostgreSQL, the module's get, filtered list, create and
// update of hosts (through the in-process client) with hand-written database/sql doing the same
// statements: the ratio is the module's own cost (query building, expansion, proto assembly,
// change log and outbox for writes are in both).
func BenchmarkInventory(b *testing.B) {
	ctx := context.Background()
	bb := benchBedOn(b, "postgres")
	b.Run("get", func(b *testing.B) {
		i := 0
		dbtest.Compare(b,
			dbtest.Op{Name: "module", Run: func() error {
				i++
				_, err := bb.client.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: bb.tenant, ResourceId: bb.ids[i%len(bb.ids)]})
				return err
			}},
			dbtest.Op{Name: "sql", Run: func() error { i++; return rawGet(ctx, bb.db, bb.tenant, bb.ids[i%len(bb.ids)]) }},
		)
	})
	b.Run("list-filtered-100-of-10k", func(b *testing.B) {
		dbtest.Compare(b,
			dbtest.Op{Name: "module", Run: func() error {
				_, err := bb.client.ListResources(ctx, &inventoryv1.ListResourcesRequest{TenantId: bb.tenant, Kind: kindHost,
					Filter: "currentState=HOST_STATE_ONBOARDED AND cpuCores >= 8", OrderBy: "name", PageSize: 100})
				return err
			}},
			dbtest.Op{Name: "sql", Run: func() error { return rawList(ctx, bb.db, bb.tenant) }},
		)
	})
	b.Run("update", func(b *testing.B) {
		i := 0
		dbtest.Compare(b,
			dbtest.Op{Name: "module", Run: func() error {
				i++
				_, err := bb.client.UpdateResource(ctx, &inventoryv1.UpdateResourceRequest{TenantId: bb.tenant, ResourceId: bb.ids[i%len(bb.ids)],
					Resource: host(&computev1.HostResource{Note: fmt.Sprintf("n%d", i)}), FieldMask: &fieldmaskpb.FieldMask{Paths: []string{"note"}}})
				return err
			}},
			dbtest.Op{Name: "sql", Run: func() error {
				i++
				return rawUpdate(ctx, bb.db, bb.tenant, bb.ids[i%len(bb.ids)], fmt.Sprintf("n%d", i))
			}},
		)
	})
	b.Run("create", func(b *testing.B) {
		i := 0
		dbtest.Compare(b,
			dbtest.Op{Name: "module", Run: func() error {
				i++
				_, err := bb.client.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: bb.tenant, Resource: host(&computev1.HostResource{Name: fmt.Sprintf("new-%d", i)})})
				return err
			}},
			dbtest.Op{Name: "sql", Run: func() error { i++; return rawCreate(ctx, bb.db, bb.tenant, i) }},
		)
	})
}

// rawWrite is what every write of the module runs around its own statements: the tenant's
// revision, the change log, the outbox event.
func rawWrite(ctx context.Context, tx *storage.Tx, db *storage.DB, tenant, id, op string) (int64, error) {
	d := db.Dialect()
	if _, err := tx.ExecContext(ctx, d.Rebind("UPDATE inv_revisions SET revision = revision + 1 WHERE tenant_id = ?"), tenant); err != nil {
		return 0, err
	}
	var rev int64
	if err := tx.QueryRowContext(ctx, d.Rebind("SELECT revision FROM inv_revisions WHERE tenant_id = ?"), tenant).Scan(&rev); err != nil {
		return 0, err
	}
	now := time.Now().UnixMicro()
	if _, err := tx.ExecContext(ctx, d.Rebind("INSERT INTO inv_changes (tenant_id, revision, kind, resource_id, operation, changed_us) VALUES (?, ?, ?, ?, ?, ?)"),
		tenant, rev, "host", id, 2, now); err != nil {
		return 0, err
	}
	_, err := tx.ExecContext(ctx, d.Rebind("INSERT INTO eim_outbox (part, topic, message_id, msg_key, payload, headers, created_us) VALUES (?, ?, ?, ?, ?, ?, ?)"),
		1, "inventory.host."+op, messaging.NewID(), id, []byte("change"), "{}", now)
	if err == nil && d == storage.Postgres {
		_, err = tx.ExecContext(ctx, "SELECT pg_notify($1, '')", "eim_outbox")
	}
	return rev, err
}

// rawUpdate is a hand-written update of a host's note with the module's statements: the row
// locked, the body rewritten, references and keys rewritten, the change recorded, the host read
// back.
func rawUpdate(ctx context.Context, db *storage.DB, tenant, id, note string) error {
	d := db.Dialect()
	return db.InTenant(ctx, tenant, func(tx *storage.Tx) error {
		var body []byte
		if err := tx.QueryRowContext(ctx, d.Rebind("SELECT t.body FROM inv_resources t WHERE t.resource_id = ? FOR UPDATE"), id).Scan(&body); err != nil {
			return err
		}
		var h computev1.HostResource
		if err := decode.Unmarshal(body, &h); err != nil {
			return err
		}
		h.Note = note
		nb, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(&h)
		if err != nil {
			return err
		}
		rev, err := rawWrite(ctx, tx, db, tenant, id, "updated")
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, d.Rebind("UPDATE inv_resources SET name = ?, revision = ?, updated_us = ?, body = ? WHERE resource_id = ?"),
			h.GetName(), rev, time.Now().UnixMicro(), string(nb), id); err != nil {
			return err
		}
		for _, q := range []string{"DELETE FROM inv_refs WHERE from_id = ?", "DELETE FROM inv_keys WHERE resource_id = ?"} {
			if _, err := tx.ExecContext(ctx, d.Rebind(q), id); err != nil {
				return err
			}
		}
		return rawReadBack(ctx, tx, d, id)
	})
}

// rawReadBack reads a written host back as the module returns it.
func rawReadBack(ctx context.Context, tx *storage.Tx, d storage.Dialect, id string) error {
	var body []byte
	if err := tx.QueryRowContext(ctx, d.Rebind("SELECT t.body FROM inv_resources t WHERE t.resource_id = ?"), id).Scan(&body); err != nil {
		return err
	}
	var h computev1.HostResource
	if err := decode.Unmarshal(body, &h); err != nil {
		return err
	}
	return rawInstances(ctx, tx, d, []string{id})
}

// rawCreate is a hand-written create of a host with the module's statements.
func rawCreate(ctx context.Context, db *storage.DB, tenant string, i int) error {
	d := db.Dialect()
	id := fmt.Sprintf("host-%08x", 0x80000000+i)
	h := &computev1.HostResource{Name: fmt.Sprintf("raw-%d", i)}
	body, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(h)
	if err != nil {
		return err
	}
	return db.InTenant(ctx, tenant, func(tx *storage.Tx) error {
		rev, err := rawWrite(ctx, tx, db, tenant, id, "created")
		if err != nil {
			return err
		}
		now := time.Now().UnixMicro()
		if _, err := tx.ExecContext(ctx, d.Rebind("INSERT INTO inv_resources (tenant_id, resource_id, kind, name, revision, created_us, updated_us, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
			tenant, id, "host", h.GetName(), rev, now, now, string(body)); err != nil {
			return err
		}
		for _, q := range []string{"DELETE FROM inv_refs WHERE from_id = ?", "DELETE FROM inv_keys WHERE resource_id = ?"} {
			if _, err := tx.ExecContext(ctx, d.Rebind(q), id); err != nil {
				return err
			}
		}
		return rawReadBack(ctx, tx, d, id)
	})
}

// BenchmarkTenantWrites updates distinct hosts of one tenant from 64 goroutines at once on
// PostgreSQL, as the southbound managers do when a fleet starts: every write of a tenant takes
// the tenant's revision row lock, so how long it is held bounds the tenant's write rate.
func BenchmarkTenantWrites(b *testing.B) {
	ctx := context.Background()
	db := dbtest.Open(b, "postgres", kinds.DatabaseSchemas(inventory.Schema())...)
	m, err := inventory.Factory(module.Deps{Set: kinds.Set{Storage: db}})
	if err != nil {
		b.Fatal(err)
	}
	bb := &benchBed{db: db, client: m.(module.InventoryProvider).InventoryClient(), tenant: "bench-tenant"}
	bb.seed(b, 256)
	var next atomic.Int64
	b.SetParallelism(64 / max(1, runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			_, err := bb.client.UpdateResource(ctx, &inventoryv1.UpdateResourceRequest{TenantId: bb.tenant, ResourceId: bb.ids[int(i)%len(bb.ids)],
				Resource: host(&computev1.HostResource{Note: fmt.Sprintf("n%d", i)}), FieldMask: &fieldmaskpb.FieldMask{Paths: []string{"note"}}})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
