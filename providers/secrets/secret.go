package secrets

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Kind is the provider kind name used in errors and in the registry.
const Kind = "secrets"

// The capabilities a secrets provider may declare.
const (
	// CapWrite: Store.Put and Store.Delete work. Read-only stores (file) do not declare it.
	CapWrite provider.Capability = "secrets.Write"
	// CapList: Store.List works.
	CapList provider.Capability = "secrets.List"
	// CapKeeper: Keeper.Encrypt and Keeper.Decrypt work.
	CapKeeper provider.Capability = "secrets.Keeper"
	// CapLeases: the store hands out leased (dynamic) secrets and renews them.
	CapLeases provider.Capability = "secrets.Leases"
)

// Secret is one named secret: a set of keys with their values, the version of the secret, and
// the lease when the secret is dynamic (issued per reader, with an expiry).
type Secret struct {
	// Data maps each key of the secret to its value. Values may be binary.
	Data map[string][]byte
	// Version identifies this revision of the secret. It is opaque (a KV version number, a
	// content hash, a lease id) and changes whenever the value does.
	Version string
	// Lease is set for dynamic secrets; the zero Lease means the secret does not expire.
	Lease Lease
}

// Lease describes the validity of a dynamic secret, such as database credentials issued by
// Vault's database secrets engine.
type Lease struct {
	ID        string        // lease id at the backend; empty when the secret is not leased
	Duration  time.Duration // validity from when the secret was read or last renewed
	Renewable bool          // whether the lease can be extended without a new secret
}

// IsZero reports whether there is no lease.
func (l Lease) IsZero() bool { return l.ID == "" && l.Duration == 0 }

// Value returns the value of key, or a NotFound error naming the key (never a value).
func (s *Secret) Value(key string) ([]byte, error) {
	v, ok := s.Data[key]
	if !ok {
		return nil, provider.Errorf(provider.NotFound, "secret has no key %q", key)
	}
	return v, nil
}

// Keys returns the keys of the secret, in no particular order.
func (s *Secret) Keys() []string {
	keys := make([]string, 0, len(s.Data))
	for k := range s.Data {
		keys = append(keys, k)
	}
	return keys
}

func (s *Secret) clone() *Secret {
	if s == nil {
		return nil
	}
	c := &Secret{Version: s.Version, Lease: s.Lease, Data: make(map[string][]byte, len(s.Data))}
	for k, v := range s.Data {
		c.Data[k] = append([]byte(nil), v...)
	}
	return c
}

// ValidateName checks a secret name: slash-separated segments, none empty, "." or "..", and
// no '#' (which separates the key in a reference) or control character. Adapters may rely on it.
func ValidateName(name string) error {
	if name == "" {
		return errors.New("secret name is empty")
	}
	if strings.ContainsAny(name, "#\x00") || strings.IndexFunc(name, isControl) >= 0 {
		return fmt.Errorf("secret name %q contains '#' or a control character", name)
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("secret name %q has an empty, \".\" or \"..\" segment", name)
		}
	}
	return nil
}

// ValidateKey checks a key of a secret: not empty, no '/', '#' or control character, and not
// starting with '.' (mounted secret files use such names for their own bookkeeping).
func ValidateKey(key string) error {
	if key == "" || strings.ContainsAny(key, "/#") || strings.HasPrefix(key, ".") || strings.IndexFunc(key, isControl) >= 0 {
		return fmt.Errorf("secret key %q is empty, starts with '.' or contains '/', '#' or a control character", key)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func validateData(data map[string][]byte) error {
	if len(data) == 0 {
		return errors.New("a secret needs at least one key")
	}
	for k := range data {
		if err := ValidateKey(k); err != nil {
			return err
		}
	}
	return nil
}
