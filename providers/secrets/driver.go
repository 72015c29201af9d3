package secrets

import (
	"context"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// StoreDriver is what a store adapter implements. Errors carry a provider.Code (drivers use
// provider.WithCode or provider.Errorf) and never a secret value; the portable Store wraps them.
// Names and keys reaching a driver have been checked with ValidateName and ValidateKey.
type StoreDriver interface {
	// Get returns the current revision of the secret, or a NotFound error.
	Get(ctx context.Context, name string) (*Secret, error)
	// Put writes a new revision and returns its version. A driver that does not declare
	// CapWrite returns provider.Unsupported(CapWrite); the portable Store never calls it then.
	Put(ctx context.Context, name string, data map[string][]byte) (version string, err error)
	// Delete removes the secret and all its revisions; deleting a missing secret is not an error.
	Delete(ctx context.Context, name string) error
}

// Lister is implemented by store drivers that declare CapList: the names that start with
// prefix, sorted.
type Lister interface {
	List(ctx context.Context, prefix string) ([]string, error)
}

// LeaseRenewer is implemented by store drivers that declare CapLeases: it extends lease by
// increment and returns the lease as the backend granted it (possibly shorter, when the lease
// reaches its maximum).
type LeaseRenewer interface {
	RenewLease(ctx context.Context, lease Lease, increment time.Duration) (Lease, error)
}

// LeaseLossNotifier is implemented by store drivers whose leases can all end at once before
// their time: Vault and OpenBao revoke every lease a token obtained when the token is revoked.
// LeasesLost delivers a value each time that happened (the driver found its token revoked and
// logged in again); every leased secret is then read anew at once instead of being renewed.
type LeaseLossNotifier interface {
	LeasesLost() <-chan struct{}
}

// KeeperDriver is what a keeper adapter implements. Decrypt of tampered or foreign ciphertext
// fails with InvalidArgument.
type KeeperDriver interface {
	Encrypt(ctx context.Context, plaintext []byte) ([]byte, error)
	Decrypt(ctx context.Context, ciphertext []byte) ([]byte, error)
}

// Conn is the connection an adapter opened: checked for health and closed once.
type Conn interface {
	provider.Checker
	Close() error
}

// Drivers is what an adapter's Open returns: the store and keeper it serves (either may be
// nil) and the connection they share.
type Drivers struct {
	Store  StoreDriver
	Keeper KeeperDriver
	Conn   Conn
	// Capabilities the store declares: CapWrite, CapList, CapLeases. CapKeeper is added by the
	// portable layer when Keeper is set.
	Capabilities provider.Capabilities
	// RefreshInterval is how often watched secrets are re-read to notice changes made outside
	// this process; DefaultRefreshInterval when zero.
	RefreshInterval time.Duration
}

// DefaultRefreshInterval is how often a watched secret is re-read when the adapter says nothing.
const DefaultRefreshInterval = 30 * time.Second

// As is implemented by drivers that expose their backend client to callers that know the
// adapter (tests, doctor): As sets *target and returns true when it has that type.
type As interface {
	As(target any) bool
}
