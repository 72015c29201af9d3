package bootstrap

import "github.com/eim-byoi/eim/services/module"

// withProviders returns the modules' dependencies with the opened provider of every kind; a
// kind that is absent stays nil.
func withProviders(opts Options, st *State) module.Deps {
	deps := opts.Deps
	deps.Secrets = SecretsOf(st)
	deps.Storage = StorageOf(st)
	deps.Identity = IdentityOf(st)
	deps.Messaging = MessagingOf(st)
	return deps
}
