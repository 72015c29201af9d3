// Package southbound is the listener the edge-node agents call and the rules every southbound
// service shares: TLS 1.3 with ALPN h2 and a reloadable certificate (or a locally generated CA
// on the embedded defaults), a bearer token verified on every call except the few a module
// registers as public (a device onboarding before it holds credentials), and the caller's
// project taken from the proxy's project header or from the project role its token holds.
//
// The host, maintenance and onboarding modules register their legacy gRPC services on the
// Server that bootstrap hands them in module.Deps.Southbound, and call Project in each handler.
package southbound
