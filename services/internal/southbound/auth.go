package southbound

import (
	"context"
	"strings"
	"sync/atomic"

	"google.golang.org/grpc/metadata"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

type authenticator struct {
	header   string
	verifier atomic.Pointer[verifierBox]
}

type verifierBox struct{ v identity.TokenVerifier }

func (a *authenticator) bind(v identity.TokenVerifier) { a.verifier.Store(&verifierBox{v}) }

type callerKey struct{}

// caller is what an authenticated call carries: the token's principal and the project the proxy
// named, if any.
type caller struct {
	principal *identity.Principal
	requested string
}

// authenticate verifies the call's bearer token (exactly one authorization value; empty or
// missing is Unauthenticated, as the agents expect before their first token) and keeps the
// principal and the project header in the context.
func (a *authenticator) authenticate(ctx context.Context) (context.Context, error) {
	box := a.verifier.Load()
	if box == nil {
		return nil, provider.GRPCError(provider.Errorf(provider.Unavailable, "the southbound listener is starting"))
	}
	p, err := identity.AuthenticateGRPC(ctx, box.v)
	if err != nil {
		return nil, err
	}
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get(a.header)
	if len(vals) > 1 {
		return nil, provider.GRPCError(provider.Errorf(provider.InvalidArgument, "more than one %s header", a.header))
	}
	c := &caller{principal: p}
	if len(vals) == 1 {
		c.requested = strings.TrimSpace(vals[0])
	}
	ctx = identity.NewContext(ctx, p)
	return context.WithValue(ctx, callerKey{}, c), nil
}

// Project returns the project the caller of an authenticated southbound call acts in, given
// the project role the call needs (the agents' en-agent-rw, an operator's en-ob): the project
// the proxy named in the project header, which the token must hold role in; or else the one
// project the token holds role in. A token holding role in no project is PermissionDenied; in
// several, without the header, FailedPrecondition. The errors are gRPC status errors.
func Project(ctx context.Context, role string) (string, error) {
	c, ok := ctx.Value(callerKey{}).(*caller)
	if !ok {
		return "", provider.GRPCError(provider.Errorf(provider.Unauthenticated, "no verified identity in the call"))
	}
	p := c.principal
	if c.requested != "" {
		if !p.Has(role, c.requested) {
			return "", provider.GRPCError(provider.Errorf(provider.PermissionDenied, "the token does not hold role %q in the project the request names", role))
		}
		return c.requested, nil
	}
	var held []string
	for _, t := range p.Tenants {
		if p.Has(role, t) {
			held = append(held, t)
		}
	}
	switch len(held) {
	case 0:
		return "", provider.GRPCError(provider.Errorf(provider.PermissionDenied, "the token holds role %q in no project", role))
	case 1:
		return held[0], nil
	}
	return "", provider.GRPCError(provider.Errorf(provider.FailedPrecondition,
		"the token holds role %q in %d projects: the request must name one in its project header", role, len(held)))
}
