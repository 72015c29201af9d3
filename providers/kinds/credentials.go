package kinds

import (
	"context"

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
// The followers end with env.Lifetime (process shutdown) or when their watch stops (closing the
// secrets provider does, after storage).
func storageEnv(env *Env) storage.Env {
	out := storage.Env{DataDir: env.DataDir, Logger: env.Logger}
	lifetime := env.Lifetime
	if lifetime == nil {
		lifetime = context.Background() // a caller without a process lifetime: the watches' own end
	}
	log := env.Log()
	if p := env.Set.Secrets; p != nil && p.Capabilities().Has(secrets.CapLeases) {
		out.Dynamic = func(ctx context.Context, path string) (storage.CredentialSource, error) {
			return followDynamic(ctx, lifetime, env, p, path)
		}
	}
	out.Password = func(ctx context.Context, user string, ref *provider.SecretRef) (storage.CredentialSource, error) {
		w, err := WatchSecret(ctx, env.Set, ref)
		if err != nil {
			return nil, err
		}
		r := storage.NewRotating(user, w.Value())
		go follow(lifetime, w, func() {
			r.Set(user, w.Value())
			log.Info("database password rotated; new connections use it, old ones drain", "user", user, "secret", ref.String())
		})
		return r, nil
	}
	return out
}

// followDynamic returns a rotating source holding the username and password of the leased
// secret at path. One watch follows the password, which every new lease changes; the username
// is read from the same revision of the secret, so the two always belong together.
func followDynamic(ctx, lifetime context.Context, env *Env, p *secrets.Provider, path string) (*storage.Rotating, error) {
	w, err := p.Watch(ctx, path, "password")
	if err != nil {
		return nil, err
	}
	user, pass, err := credentialsOf(w.Secret())
	if err != nil {
		w.Stop()
		return nil, provider.Wrap(secrets.Kind, p.Adapter(), "read "+path, err)
	}
	r := storage.NewRotating(user, pass)
	log := env.Log()
	log.Info("database credentials issued by the secrets provider", "path", path, "user", user)
	go follow(lifetime, w, func() {
		u, pw, err := credentialsOf(w.Secret())
		if err != nil {
			log.Error("database credentials replaced by a revision without a username; keeping the previous ones", "path", path, "error", err)
			return
		}
		r.Set(u, pw)
		log.Info("database credentials replaced (new lease); new connections use the new user, old ones drain",
			"path", path, "user", u, "previousUser", user)
		user = u
	})
	return r, nil
}

// credentialsOf returns the username and password of one revision of a dynamic secret.
func credentialsOf(sec *secrets.Secret) (string, provider.SecretValue, error) {
	u, err := sec.Value("username")
	if err != nil {
		return "", provider.SecretValue{}, err
	}
	pw, err := sec.Value("password")
	if err != nil {
		return "", provider.SecretValue{}, err
	}
	return string(u), provider.NewSecretValue(pw), nil
}

// follow calls changed for every change w delivers, until lifetime ends or the watch stops;
// it stops the watch when it returns.
func follow(lifetime context.Context, w *secrets.Watch, changed func()) {
	defer w.Stop()
	for {
		select {
		case <-lifetime.Done():
			return
		case _, ok := <-w.Changes():
			if !ok {
				return
			}
			changed()
		}
	}
}
