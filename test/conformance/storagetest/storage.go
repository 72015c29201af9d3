// Package storagetest is the storage conformance suite: StorageSuite and RunStorage over a
// StorageHarness (an adapter's tests provide it), and ExecuteTarget, which runs the read-only
// cases against the database an eim.yaml configures (`eim conformance`).
package storagetest

import (
	"context"
	"testing"

	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/conformance"
	"github.com/eim-byoi/eim/test/conformance/storageschema"
)

// StorageSchema is the schema the storage cases migrate: tenant-scoped widgets and parts (parts
// reference widgets) and a plain counters table, declared as EIM services declare theirs
// (package storageschema).
func StorageSchema() storage.Schema {
	return storageschema.Schema()
}

// StorageHarness is what the storage cases run against. Open is required; each hook left nil
// takes the cases that need it out of the adapter's run, and Absent must then say why.
type StorageHarness struct {
	// Open opens the adapter under test on a fresh, empty database of the case's own, connected
	// as a runtime role that cannot bypass tenant isolation. The case closes it.
	Open func(t T) *storage.DB
	// Hooks are the adapter-specific operations some cases need.
	Hooks StorageHooks
	// Absent gives, for each hook left nil, the reason it cannot be provided.
	Absent map[string]string
}

// StorageHooks are adapter-specific operations, run with the backend's administrative access.
type StorageHooks struct {
	// Rotating opens the adapter on a fresh database with a rotating credential source, and
	// returns a function that creates another runtime login (as a password rotation or a new
	// Vault lease would) and one that counts the server sessions of a user.
	Rotating func(t T) (db *storage.DB, src *storage.Rotating, newLogin func() storage.Credentials, sessions func(user string) int)
	// Interrupted opens the adapter on a fresh database through a fault the case controls: cut
	// drops every connection and refuses new ones, as a server restart does; restore ends it.
	Interrupted func(t T) (db *storage.DB, cut, restore func())
	// DownAtStartup opens the adapter while its database is unreachable; up makes it reachable.
	DownAtStartup func(t T) (db *storage.DB, up func())
	// WrongPassword opens the adapter with a password the server refuses, returning the
	// password, user, host and database the error must (or must not) name.
	WrongPassword func(t T) (db *storage.DB, password string, names []string)
	// WrongHost opens the adapter with TLS verify-full against a server whose certificate is
	// not valid for the name it verifies, and, as a control, with the right name.
	WrongHost func(t T) (wrong, right *storage.DB)
	// Shared creates a fresh, empty database and returns a function that opens another,
	// separate handle on it (its own pools), connected as a runtime role as Open is. The case
	// closes the handles.
	Shared func(t T) (open func() *storage.DB)
}

// The hook names, as used in StorageHarness.Absent.
const (
	HookRotating      = "Rotating"
	HookInterrupted   = "Interrupted"
	HookDownAtStartup = "DownAtStartup"
	HookWrongPassword = "WrongPassword"
	HookWrongHost     = "WrongHost"
	HookShared        = "Shared"
)

// StorageSuite returns the storage conformance suite for h: every case whose hooks h provides,
// and a failing case for each missing hook that Absent does not explain.
func StorageSuite(h StorageHarness) conformance.Suite[StorageHarness] {
	cases := storageCases()
	cases = conformance.WithHooks(cases, []conformance.HookCases[StorageHarness]{
		{Hook: HookRotating, Set: h.Hooks.Rotating != nil, Cases: []Case[StorageHarness]{{Name: "CredentialRotationMidRun", Run: dbCaseRotation}}},
		{Hook: HookInterrupted, Set: h.Hooks.Interrupted != nil, Cases: []Case[StorageHarness]{{Name: "RestartMidWorkload", Run: dbCaseRestart}}},
		{Hook: HookDownAtStartup, Set: h.Hooks.DownAtStartup != nil, Cases: []Case[StorageHarness]{{Name: "DownAtStartup", Run: dbCaseDownAtStartup}}},
		{Hook: HookWrongPassword, Set: h.Hooks.WrongPassword != nil, Cases: []Case[StorageHarness]{{Name: "WrongPassword", Run: dbCaseWrongPassword}}},
		{Hook: HookWrongHost, Set: h.Hooks.WrongHost != nil, Cases: []Case[StorageHarness]{{Name: "TLSWrongHost", Run: dbCaseWrongHost}}},
		{Hook: HookShared, Set: h.Hooks.Shared != nil, Cases: []Case[StorageHarness]{{Name: "ConcurrentMigrations", Run: dbCaseConcurrentMigrations}}},
	}, h.Absent, "StorageHarness")
	return conformance.Suite[StorageHarness]{Kind: storage.Kind, Cases: cases}
}

// RunStorage runs the storage suite for h under go test.
func RunStorage(t *testing.T, h StorageHarness) {
	t.Helper()
	StorageSuite(h).Run(t, h)
}

// openMigrated opens a fresh database and applies the test schema.
func openMigrated(t T, h StorageHarness) *storage.DB {
	t.Helper()
	db := h.Open(t)
	t.Cleanup(func() { db.Close() })
	migrate(t, db)
	return db
}

func migrate(t T, db *storage.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), dbCaseTimeout)
	defer cancel()
	if err := db.Migrate(ctx, StorageSchema()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
}
