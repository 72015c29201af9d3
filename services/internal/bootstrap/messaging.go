package bootstrap

import (
	"context"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/outbox"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

// openMessaging is the messaging step. providers.messaging selects the adapter; with no block
// the embedded memory adapter serves. When a database is open (the storage step has applied
// the messaging schema: outbox, inbox, sql adapter queues), an outbox relay publishes the
// events services append; it stops before the bus closes.
func openMessaging(ctx context.Context, st *State) (Opened, error) {
	typ := messaging.DefaultAdapter
	var cfg provider.AdapterConfig
	if e := st.Config.Providers.Messaging; e != nil && e.Type != "" {
		typ, cfg = e.Type, e.Settings
	} else if !messaging.Registry.Has(typ) {
		return Opened{}, nil // no block and no embedded default in this build: the kind is absent
	}
	db := StorageOf(st) // migrated with the messaging schema by the storage step (StorageSchemas)
	bus, err := messaging.Open(ctx, typ, cfg, messaging.Env{Logger: st.Logger, Storage: db})
	if err != nil {
		return Opened{}, err
	}
	if db != nil {
		relay := outbox.NewRelay(db, bus, outbox.RelayOptions{Logger: st.Logger.With("component", "outbox")})
		relay.Start()
		bus.Adopt(relay)
	}
	return Opened{Adapter: bus.Adapter(), Provider: bus}, nil
}

// StorageOf returns the opened database, or nil when the storage kind is absent.
func StorageOf(st *State) *storage.DB {
	db, _ := st.Providers[storage.Kind].Provider.(*storage.DB)
	return db
}

// MessagingOf returns the opened messaging bus, or nil when the kind is absent.
func MessagingOf(st *State) *messaging.Bus {
	b, _ := st.Providers[messaging.Kind].Provider.(*messaging.Bus)
	return b
}
