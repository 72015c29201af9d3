package bootstrap

import (
	"context"
	"log/slog"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/storage"
)

// storageEnv is what the storage adapters get besides their configuration: the data directory,
// the logger and, through the secrets provider, credentials that change at run time.
//
//   - Dynamic (when the secrets provider issues leases, i.e. vault): the leased secret at
//     dynamic.path (Vault's database/creds/<role>: keys username and password) is watched in
//     the secrets provider, which renews its lease and reads it anew when the lease cannot be
//     renewed any more; each new user and password is Set on a storage.Rotating, so new
//     connections log in as the new user and the connections of the old one drain.
//   - Password: a password given as a {secret: "path#key"} reference is watched (WatchSecret)
//     and each new value Set the same way.
//
// The followers end when their watches stop, which closing the secrets provider does (it is
// closed after storage).
func storageEnv(st *State) storage.Env {
	env := storage.Env{DataDir: st.Config.DataDir, Logger: st.Logger}
	log := st.Logger
	if log == nil {
		log = slog.Default()
	}
	if p := SecretsOf(st); p != nil && p.Capabilities().Has(secrets.CapLeases) {
		env.Dynamic = func(ctx context.Context, path string) (storage.CredentialSource, error) {
			return followDynamic(ctx, log, p, path)
		}
	}
	env.Password = func(ctx context.Context, user string, ref *provider.SecretRef) (storage.CredentialSource, error) {
		w, err := WatchSecret(ctx, st, ref)
		if err != nil {
			return nil, err
		}
		r := storage.NewRotating(user, w.Value())
		go func() {
			for v := range w.Changes() {
				r.Set(user, v)
				log.Info("database password rotated; new connections use it, old ones drain", "user", user, "secret", ref.String())
			}
		}()
		return r, nil
	}
	return env
}

// followDynamic returns a rotating source holding the username and password of the leased
// secret at path, kept current by a watch of each key.
func followDynamic(ctx context.Context, log *slog.Logger, p *secrets.Provider, path string) (*storage.Rotating, error) {
	wu, err := p.Watch(ctx, path, "username")
	if err != nil {
		return nil, err
	}
	wp, err := p.Watch(ctx, path, "password")
	if err != nil {
		wu.Stop()
		return nil, err
	}
	user, pass := consistent(wu, wp)
	r := storage.NewRotating(user, pass)
	log.Info("database credentials issued by the secrets provider", "path", path, "user", user)
	go func() {
		defer wu.Stop()
		defer wp.Stop()
		for {
			select {
			case _, ok := <-wu.Changes():
				if !ok {
					return
				}
			case _, ok := <-wp.Changes():
				if !ok {
					return
				}
			}
			u, pw := consistent(wu, wp)
			if cur, _ := r.Credentials(context.Background()); cur.User == u && cur.Password.Reveal() == pw.Reveal() {
				continue
			}
			r.Set(u, pw)
			log.Info("database credentials replaced (new lease); new connections use the new user, old ones drain",
				"path", path, "user", u, "previousUser", user)
			user = u
		}
	}()
	return r, nil
}

// consistent returns the username and password of the same revision of the secret: the two
// watches are told of a new revision one after the other, so it waits (briefly) until both
// report the same version.
func consistent(wu, wp *secrets.Watch) (string, provider.SecretValue) {
	for range 100 {
		vu, vp := wu.Version(), wp.Version()
		u, pw := wu.Value(), wp.Value()
		if vu == vp && wu.Version() == vu && wp.Version() == vp {
			return u.Reveal(), pw
		}
		time.Sleep(5 * time.Millisecond)
	}
	return wu.Value().Reveal(), wp.Value()
}
