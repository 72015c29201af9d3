package secrets

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Store is the portable secret store. Its methods check their arguments, call the driver and
// wrap the driver's error once. It is safe for concurrent use.
type Store struct {
	adapter string
	d       StoreDriver
	caps    provider.Capabilities
	t       *tracker
}

// NewStore returns a Store over d for the adapter named adapter, declaring caps. Adapters do
// not call it: Open does. Tests of drivers may.
func NewStore(adapter string, d StoreDriver, caps provider.Capabilities, refresh time.Duration) *Store {
	if refresh <= 0 {
		refresh = DefaultRefreshInterval
	}
	if d == nil {
		d, caps = noStore{}, nil
	}
	s := &Store{adapter: adapter, d: d, caps: caps}
	s.t = newTracker(s, refresh)
	return s
}

// Adapter returns the name of the adapter behind the store.
func (s *Store) Adapter() string { return s.adapter }

// Capabilities returns what the store declares: CapWrite, CapList, CapLeases.
func (s *Store) Capabilities() provider.Capabilities {
	return append(provider.Capabilities(nil), s.caps...)
}

func (s *Store) wrap(op string, err error) error { return provider.Wrap(Kind, s.adapter, op, err) }

// Get returns the current revision of the secret name, always from the backend. A missing
// secret is a NotFound error, never an empty value.
func (s *Store) Get(ctx context.Context, name string) (*Secret, error) {
	op := fmt.Sprintf("get %q", name)
	if err := ValidateName(name); err != nil {
		return nil, s.wrap(op, provider.WithCode(provider.InvalidArgument, err))
	}
	sec, err := s.d.Get(ctx, name)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	return sec, nil
}

// Put writes data as the new revision of name and returns its version. It is Unimplemented
// when the store does not declare CapWrite. Watches on name see the new value.
func (s *Store) Put(ctx context.Context, name string, data map[string][]byte) (string, error) {
	op := fmt.Sprintf("put %q", name)
	if !s.caps.Has(CapWrite) {
		return "", s.wrap(op, provider.Unsupported(CapWrite))
	}
	if err := ValidateName(name); err != nil {
		return "", s.wrap(op, provider.WithCode(provider.InvalidArgument, err))
	}
	if err := validateData(data); err != nil {
		return "", s.wrap(op, provider.WithCode(provider.InvalidArgument, err))
	}
	v, err := s.d.Put(ctx, name, data)
	if err != nil {
		return "", s.wrap(op, err)
	}
	s.t.changed(name)
	return v, nil
}

// Delete removes name and all its revisions; a missing secret is not an error. It is
// Unimplemented when the store does not declare CapWrite.
func (s *Store) Delete(ctx context.Context, name string) error {
	op := fmt.Sprintf("delete %q", name)
	if !s.caps.Has(CapWrite) {
		return s.wrap(op, provider.Unsupported(CapWrite))
	}
	if err := ValidateName(name); err != nil {
		return s.wrap(op, provider.WithCode(provider.InvalidArgument, err))
	}
	if err := s.d.Delete(ctx, name); err != nil {
		return s.wrap(op, err)
	}
	s.t.changed(name)
	return nil
}

// List returns the names that start with prefix, sorted. It is Unimplemented when the store
// does not declare CapList.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	op := fmt.Sprintf("list %q", prefix)
	l, ok := s.d.(Lister)
	if !s.caps.Has(CapList) || !ok {
		return nil, s.wrap(op, provider.Unsupported(CapList))
	}
	if strings.ContainsAny(prefix, "#\x00") || strings.Contains(prefix, "..") {
		return nil, s.wrap(op, provider.Errorf(provider.InvalidArgument, "prefix %q contains '#', '..' or NUL", prefix))
	}
	names, err := l.List(ctx, prefix)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	return names, nil
}

// ReadSecret returns the value of key in secret path (provider.SecretReader), which is how
// {secret: "path#key"} references resolve. A secret that is watched or leased is served from
// the tracked copy, without a backend round trip, so that all keys of one dynamic secret
// (username and password) come from the same lease; a leased secret read here is tracked from
// then on, and its lease renewed until Close.
func (s *Store) ReadSecret(ctx context.Context, path, key string) ([]byte, error) {
	op := fmt.Sprintf("read %q", path+"#"+key)
	if err := ValidateName(path); err != nil {
		return nil, s.wrap(op, provider.WithCode(provider.InvalidArgument, err))
	}
	sec, err := s.t.read(ctx, path)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	v, err := sec.Value(key)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	return v, nil
}

// As exposes the driver's backend client to callers that know the adapter; see the adapter's
// documentation for the types it supports.
func (s *Store) As(target any) bool {
	a, ok := s.d.(As)
	return ok && a.As(target)
}

func (s *Store) close() { s.t.close() }
