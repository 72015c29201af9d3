package local

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
)

// Keys of the key secret.
const (
	keyJWKS   = "jwks"   // the private key set, JSON
	keyActive = "active" // the kid that signs
)

// keySet is the stored signing keys: every key still published, and the one that signs.
type keySet struct {
	keys   jose.JSONWebKeySet // private keys
	active string
}

func (s *keySet) activeKey() (*jose.JSONWebKey, error) {
	for i := range s.keys.Keys {
		if s.keys.Keys[i].KeyID == s.active {
			return &s.keys.Keys[i], nil
		}
	}
	return nil, provider.Errorf(provider.DataLoss, "the active signing key %q is not in the key set", s.active)
}

func (s *keySet) public() *jose.JSONWebKeySet {
	out := &jose.JSONWebKeySet{}
	for _, k := range s.keys.Keys {
		out.Keys = append(out.Keys, k.Public())
	}
	return out
}

// keyring keeps the signing keys in the secrets store. Every replica reads the same secret;
// rotation writes a new revision.
type keyring struct {
	store  *secrets.Store
	name   string
	alg    string
	maxAge time.Duration

	mu     sync.Mutex // serializes rotation and guards the cache
	cached *keySet
	loaded time.Time
}

// current returns the key set, re-read from the store when older than maxAge.
func (k *keyring) current(ctx context.Context) (*keySet, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cached != nil && time.Since(k.loaded) < k.maxAge {
		return k.cached, nil
	}
	s, err := k.load(ctx)
	if err != nil {
		if k.cached != nil {
			return k.cached, nil
		}
		return nil, err
	}
	k.cached, k.loaded = s, time.Now()
	return s, nil
}

// load reads the key set from the store.
func (k *keyring) load(ctx context.Context) (*keySet, error) {
	sec, err := k.store.Get(ctx, k.name)
	if err != nil {
		return nil, err
	}
	raw, err := sec.Value(keyJWKS)
	if err != nil {
		return nil, err
	}
	active, err := sec.Value(keyActive)
	if err != nil {
		return nil, err
	}
	s := &keySet{active: string(active)}
	if err := json.Unmarshal(raw, &s.keys); err != nil {
		return nil, provider.Errorf(provider.DataLoss, "signing keys in %q are not a JSON key set: %v", k.name, err)
	}
	return s, nil
}

// ensure loads the key set, creating it with a new key on first start.
func (k *keyring) ensure(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	s, err := k.load(ctx)
	if provider.CodeOf(err) == provider.NotFound {
		s = &keySet{}
		err = k.addKey(ctx, s)
	}
	if err != nil {
		return err
	}
	k.cached, k.loaded = s, time.Now()
	return nil
}

// rotate adds a new key that signs from now on; previous keys stay published.
func (k *keyring) rotate(ctx context.Context) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	s, err := k.load(ctx)
	if err != nil {
		return "", err
	}
	if err := k.addKey(ctx, s); err != nil {
		return "", err
	}
	k.cached, k.loaded = s, time.Now()
	return s.active, nil
}

// retire drops every key but the active one.
func (k *keyring) retire(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	s, err := k.load(ctx)
	if err != nil {
		return err
	}
	key, err := s.activeKey()
	if err != nil {
		return err
	}
	s.keys.Keys = []jose.JSONWebKey{*key}
	if err := k.save(ctx, s); err != nil {
		return err
	}
	k.cached, k.loaded = s, time.Now()
	return nil
}

func (k *keyring) addKey(ctx context.Context, s *keySet) error {
	key, err := newKey(k.alg)
	if err != nil {
		return err
	}
	s.keys.Keys = slices.Insert(s.keys.Keys, 0, *key)
	s.active = key.KeyID
	return k.save(ctx, s)
}

func (k *keyring) save(ctx context.Context, s *keySet) error {
	raw, err := json.Marshal(s.keys)
	if err != nil {
		return provider.WithCode(provider.Internal, err)
	}
	_, err = k.store.Put(ctx, k.name, map[string][]byte{keyJWKS: raw, keyActive: []byte(s.active)})
	return err
}

// newKey generates a signing key for alg, its kid the RFC 7638 thumbprint.
func newKey(alg string) (*jose.JSONWebKey, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case "RS256":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		return nil, provider.WithCode(provider.Internal, fmt.Errorf("generate key: %w", err))
	}
	k := &jose.JSONWebKey{Key: priv, Algorithm: alg, Use: "sig"}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, provider.WithCode(provider.Internal, err)
	}
	k.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	return k, nil
}
