package identity

import (
	"context"
	"time"
)

// Minter is implemented by an identity adapter that signs access tokens itself (the embedded
// issuer): operators' tools such as `eim token` reach it with Provider.As(&minter). Adapters in
// front of an external identity provider do not offer it: that provider issues the tokens.
type Minter interface {
	// Mint signs an access token for g with the active key.
	Mint(ctx context.Context, g Grant) (string, error)
}

// Grant is what a minted access token says.
type Grant struct {
	// Subject is the token's sub claim: who the token speaks for (required).
	Subject string
	// Roles are the roles it carries, tenant roles spelled "<tenant>_<role>" (legacy EMF roles
	// such as "<project id>_im-rw").
	Roles []string
	// TTL is how long it is valid; the issuer's token lifetime when zero.
	TTL time.Duration
}
