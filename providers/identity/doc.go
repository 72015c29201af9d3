// Package identity is the portable identity provider kind (DESIGN.md §3.2): token verification
// into a normalized Principal, claim mapping, the optional ClientIssuer that issues edge-node
// credentials, client-credentials TokenSources, and HTTP and gRPC middleware that put the
// verified Principal in the request context.
//
// The verification rules are implemented once, here, for every adapter: keys come from the
// issuer's JWKS (found through discovery), cached and refetched on an unknown key id with
// single-flight and a minimum interval; the issuer must match exactly; the audience must
// contain a configured audience; exp, nbf and iat are checked with a bounded clock skew; only
// configured algorithms that the issuer also advertises are accepted, never "none" and never
// HMAC unless a shared key is configured explicitly. An unreachable issuer at startup does not
// fail Open: discovery retries with backoff and CheckHealth reports not ready until it succeeds.
//
// Services import this package and providers/provider only; adapters (oidc, keycloak, local)
// register in init() and are selected by configuration.
package identity

import "github.com/eim-byoi/eim/providers/provider"

// Kind is the provider kind name used in errors and in the registry.
const Kind = "identity"

// CapClientIssuer is the capability of issuing edge-node client credentials (ClientIssuer). Its
// value equals module.ClientIssuer, which the onboarding module needs.
const CapClientIssuer provider.Capability = "ClientIssuer"
