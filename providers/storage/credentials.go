package storage

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/eim-byoi/eim/providers/provider"
)

// Credentials are what one new connection logs in with.
type Credentials struct {
	User     string
	Password provider.SecretValue
}

// CredentialSource supplies the credentials of new connections. Adapters ask it for every
// connection they open, so rotated passwords, Vault dynamic users and cloud IAM tokens are
// picked up without a restart.
type CredentialSource interface {
	// Credentials returns the credentials for a new connection.
	Credentials(ctx context.Context) (Credentials, error)
	// Generation changes when connections opened with earlier credentials must drain: they
	// finish what they are doing and are closed instead of being reused. It is called on every
	// connection reuse, so it must be cheap.
	Generation() uint64
}

// Static returns a source that always gives the same credentials.
func Static(user string, password provider.SecretValue) CredentialSource {
	return staticSource{Credentials{User: user, Password: password}}
}

type staticSource struct{ c Credentials }

func (s staticSource) Credentials(context.Context) (Credentials, error) { return s.c, nil }
func (s staticSource) Generation() uint64                               { return 0 }

// Rotating is a CredentialSource whose credentials are replaced at run time, by a watcher of a
// rotated secret or a renewer of Vault dynamic credentials. Each Set drains the connections
// opened before it. It is safe for concurrent use.
type Rotating struct {
	mu  sync.RWMutex
	c   Credentials
	gen atomic.Uint64
}

// NewRotating returns a rotating source starting with the given credentials.
func NewRotating(user string, password provider.SecretValue) *Rotating {
	r := &Rotating{}
	r.c = Credentials{User: user, Password: password}
	return r
}

// Set replaces the credentials; connections opened before drain.
func (r *Rotating) Set(user string, password provider.SecretValue) {
	r.mu.Lock()
	r.c = Credentials{User: user, Password: password}
	r.mu.Unlock()
	r.gen.Add(1)
}

// Credentials returns the current credentials.
func (r *Rotating) Credentials(context.Context) (Credentials, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.c, nil
}

// Generation counts the calls to Set.
func (r *Rotating) Generation() uint64 { return r.gen.Load() }
