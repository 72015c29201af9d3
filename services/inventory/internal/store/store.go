// Package store keeps the inventory's resources in the storage provider's database: one table of
// resources (the apiv2 message as JSON, with id, kind, revision and timestamps as columns), one of
// references between them, one of unique keys, and per tenant a revision and a change log.
// Every statement runs inside storage.InTenant, so the database itself keeps tenants apart (RLS
// on PostgreSQL, tenant views elsewhere); nothing here filters on tenant_id by hand, but for the
// one index that spans tenants (globalkeys.go: keys unique across every tenant). Every change
// appends an event to the transactional outbox in the same transaction.
package store

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/inventory/internal/model"
)

//go:embed migrations
var migrations embed.FS

// Schema is the inventory's database schema.
func Schema() storage.Schema {
	sub, _ := fs.Sub(migrations, "migrations")
	return storage.Schema{Name: "inventory", Migrations: sub,
		TenantTables: []string{"inv_resources", "inv_refs", "inv_keys", "inv_revisions", "inv_changes"}}
}

// Store reads and writes the resources.
type Store struct {
	db         *storage.DB
	d          sqlDialect
	table      *model.Table
	validator  protovalidate.Validator
	validation protovalidate.ValidationOption // what validator checks: see validated
	log        *slog.Logger
	now        func() time.Time
	tenants    sync.Map // tenants whose inv_revisions row is known to exist
}

// New returns a store over db, whose schema must include Schema().
func New(db *storage.DB, log *slog.Logger) (*Store, error) {
	table := model.EIM()
	v, err := protovalidate.New()
	if err != nil {
		return nil, provider.Errorf(provider.Internal, "inventory: build the validator: %v", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{db: db, d: sqlDialect{db.Dialect()}, table: table, validator: v, log: log, now: time.Now,
		validation: protovalidate.WithFilter(protovalidate.FilterFunc(validated(table)))}, nil
}

// validated applies the legacy rules to the fields that are set (an empty optional field passes
// its min_len, as the legacy services let it), and leaves out what the inventory sets or checks
// itself: ids, timestamps,
// computed fields and references (an expanded resource is checked where it is stored; the
// reference is checked to exist), and InstanceResource's custom_configID, whose legacy rules
// (string rules on a repeated field) protovalidate refuses.
func validated(table *model.Table) func(protoreflect.Message, protoreflect.Descriptor) bool {
	kinds := map[protoreflect.FullName]*model.Kind{}
	for _, k := range table.Kinds() {
		kinds[k.Descriptor().FullName()] = k
	}
	return func(m protoreflect.Message, d protoreflect.Descriptor) bool {
		f, ok := d.(protoreflect.FieldDescriptor)
		if !ok {
			return true
		}
		if !m.Has(f) || f.Name() == "custom_configID" || f.Message() != nil && kinds[f.Message().FullName()] != nil {
			return false
		}
		k := kinds[f.ContainingMessage().FullName()]
		return k == nil || k.Stored(string(f.Name())) || k.IsIDField(string(f.Name()))
	}
}

// Table returns the kind table the store uses.
func (s *Store) Table() *model.Table { return s.table }

// DB returns the database.
func (s *Store) DB() *storage.DB { return s.db }

// kindOf returns the row and the message of a Resource.
func (s *Store) kindOf(res *inventoryv1.Resource) (*model.Kind, proto.Message, error) {
	m := res.ProtoReflect()
	f := m.WhichOneof(m.Descriptor().Oneofs().ByName("resource"))
	if f == nil {
		return nil, nil, provider.Errorf(provider.InvalidArgument, "resource: no resource is set: set one kind, e.g. host")
	}
	k, ok := s.table.Of(inventoryv1.ResourceKind(f.Number()))
	if !ok {
		return nil, nil, provider.Errorf(provider.Unimplemented, "resource: kind %s is not stored by this inventory", f.Name())
	}
	return k, m.Get(f).Message().Interface(), nil
}

// wrap returns msg of kind k as a Resource.
func wrap(k *model.Kind, msg proto.Message) *inventoryv1.Resource {
	res := &inventoryv1.Resource{}
	m := res.ProtoReflect()
	m.Set(m.Descriptor().Fields().ByNumber(protoreflect.FieldNumber(k.Kind)), protoreflect.ValueOfMessage(msg.ProtoReflect()))
	return res
}

// newID returns a fresh resource id of kind k: its prefix and 8 random hex digits, the legacy
// format.
func newID(k *model.Kind) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return k.Prefix + "-" + hex.EncodeToString(b[:])
}

// inTenant runs fn in a transaction scoped to tenant, retrying serialization failures and
// deadlocks. An error fn itself raises for the request (not found, invalid, in use, stale; an
// error with a provider code) rolls the transaction back and is returned as it is: it is not
// retried, and not wrapped as a database error.
func (s *Store) inTenant(ctx context.Context, tenant string, fn func(*storage.Tx) error, opts ...storage.TxOption) error {
	if tenant == "" {
		return provider.Errorf(provider.InvalidArgument, "tenant_id is required")
	}
	var refused error
	err := s.db.InTenant(ctx, tenant, func(tx *storage.Tx) error {
		refused = nil
		err := fn(tx)
		if err != nil && provider.CodeOf(err) != provider.Unknown && !isDBError(err) {
			refused = err
			return errRefused
		}
		return err
	}, append([]storage.TxOption{storage.WithRetry()}, opts...)...)
	if refused != nil && errors.Is(err, errRefused) {
		return refused
	}
	return err
}

// errRefused ends a transaction whose request was refused: coded so that it is not retried.
var errRefused = provider.Errorf(provider.FailedPrecondition, "inventory: request refused")

// isDBError reports an error the database raised, already mapped by storage (which wraps them
// as "storage/<adapter>: ..."): those are retried or reported as database errors.
func isDBError(err error) bool {
	var pe *provider.Error
	return errors.As(err, &pe) && pe.Kind == storage.Kind
}
