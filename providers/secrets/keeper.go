package secrets

import (
	"context"

	"github.com/eim-byoi/eim/providers/provider"
)

// Keeper encrypts and decrypts small payloads (data keys, tokens) with a key that never
// leaves the backend (Vault transit, a cloud KMS key) or the local key. A Keeper without a
// driver reports Unimplemented: the provider does not declare CapKeeper.
type Keeper struct {
	adapter string
	d       KeeperDriver
}

// NewKeeper returns a Keeper over d for the adapter named adapter; d may be nil.
func NewKeeper(adapter string, d KeeperDriver) *Keeper { return &Keeper{adapter: adapter, d: d} }

// Adapter returns the name of the adapter behind the keeper, or "" when there is none.
func (k *Keeper) Adapter() string { return k.adapter }

// Capabilities declares CapKeeper when there is a driver.
func (k *Keeper) Capabilities() provider.Capabilities {
	if k.d == nil {
		return nil
	}
	return provider.Capabilities{CapKeeper}
}

// Encrypt encrypts plaintext; two encryptions of the same plaintext differ.
func (k *Keeper) Encrypt(ctx context.Context, plaintext []byte) ([]byte, error) {
	if k.d == nil {
		return nil, provider.Wrap(Kind, k.adapter, "encrypt", provider.Unsupported(CapKeeper))
	}
	ct, err := k.d.Encrypt(ctx, plaintext)
	if err != nil {
		return nil, provider.Wrap(Kind, k.adapter, "encrypt", err)
	}
	return ct, nil
}

// Decrypt decrypts what Encrypt returned. Tampered or foreign ciphertext fails with
// InvalidArgument.
func (k *Keeper) Decrypt(ctx context.Context, ciphertext []byte) ([]byte, error) {
	if k.d == nil {
		return nil, provider.Wrap(Kind, k.adapter, "decrypt", provider.Unsupported(CapKeeper))
	}
	if len(ciphertext) == 0 {
		return nil, provider.Wrap(Kind, k.adapter, "decrypt", provider.Errorf(provider.InvalidArgument, "ciphertext is empty"))
	}
	pt, err := k.d.Decrypt(ctx, ciphertext)
	if err != nil {
		return nil, provider.Wrap(Kind, k.adapter, "decrypt", err)
	}
	return pt, nil
}

// As exposes the driver's backend client; see the adapter's documentation.
func (k *Keeper) As(target any) bool {
	a, ok := k.d.(As)
	return ok && a.As(target)
}
