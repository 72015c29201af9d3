// Package secrets is the portable secrets provider kind (DESIGN.md §3.3): a Store of named
// secrets (Get, Put, Delete, and List where the adapter declares it), a Keeper that encrypts and
// decrypts, and watches that hand consumers the new value of a secret when it rotates or when
// the lease of a dynamic secret ends.
//
// Services use the types of this package only. Adapters (vault, kms, file, local) implement the
// narrow driver interfaces (StoreDriver, KeeperDriver, Conn) and register an Adapter in
// Registry from their init function; Open assembles a Provider from the configured blocks.
//
// Every error returned by a portable method is wrapped once with provider.Wrap:
//
//	secrets/vault: get "db/creds": permission denied: <cause>
//
// and carries one provider.Code. Neither errors nor logs ever carry a secret value.
package secrets
