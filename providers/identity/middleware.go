package identity

import (
	"context"
	"net/http"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/eim-byoi/eim/providers/provider"
)

// TokenVerifier verifies a bearer token; *Provider implements it.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (*Principal, error)
}

type principalKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the Principal the middleware put in ctx.
func FromContext(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}

// Require checks that the request's Principal holds role in tenant (see Principal.Has):
// Unauthenticated when ctx carries no Principal, PermissionDenied when it lacks the role.
func Require(ctx context.Context, role, tenant string) error {
	p, ok := FromContext(ctx)
	if !ok {
		return provider.Errorf(provider.Unauthenticated, "no verified identity in the request")
	}
	return p.Require(role, tenant)
}

// BearerToken extracts the token from an Authorization header value. The scheme must be
// exactly "Bearer" followed by one space and a non-empty token; anything else (no header,
// "bearer", "Basic ...") is Unauthenticated.
func BearerToken(header string) (string, error) {
	if header == "" {
		return "", provider.Errorf(provider.Unauthenticated, "no Authorization header")
	}
	tok, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		return "", provider.Errorf(provider.Unauthenticated, `the Authorization header is not "Bearer <token>"`)
	}
	if tok == "" || strings.ContainsAny(tok, " \t") {
		return "", provider.Errorf(provider.Unauthenticated, "the bearer token is empty or malformed")
	}
	return tok, nil
}

// HTTPMiddleware verifies the bearer token of every request with v and serves next with the
// Principal in the request context; a missing or invalid token, or more than one
// Authorization header (ambiguous credentials, as the gRPC interceptors treat them), gets 401
// with a WWW-Authenticate challenge (RFC 6750), and an issuer whose keys are unavailable gets
// 503.
func HTTPMiddleware(v TokenVerifier) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, err := AuthenticateHTTP(r, v)
			if err != nil {
				writeAuthError(w, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), p)))
		})
	}
}

// AuthenticateHTTP verifies the bearer token of an HTTP request (exactly one Authorization
// header) and returns its Principal: what HTTPMiddleware does, for handlers that authenticate
// per route. Its errors are Unauthenticated, or Unavailable when the issuer's keys are.
func AuthenticateHTTP(r *http.Request, v TokenVerifier) (*Principal, error) {
	return authenticateHeaders(r.Context(), v, r.Header.Values("Authorization"))
}

// authenticateHeaders authenticates the values of every Authorization header of a request:
// exactly one is allowed.
func authenticateHeaders(ctx context.Context, v TokenVerifier, vals []string) (*Principal, error) {
	switch len(vals) {
	case 0:
		return authenticate(ctx, v, "")
	case 1:
		return authenticate(ctx, v, vals[0])
	}
	return nil, provider.Errorf(provider.Unauthenticated, "more than one Authorization header")
}

func authenticate(ctx context.Context, v TokenVerifier, header string) (*Principal, error) {
	tok, err := BearerToken(header)
	if err != nil {
		return nil, err
	}
	return v.Verify(ctx, tok)
}

func writeAuthError(w http.ResponseWriter, err error) {
	if provider.CodeOf(err) == provider.Unavailable {
		http.Error(w, "identity provider unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	http.Error(w, "unauthenticated", http.StatusUnauthorized)
}

// GRPCOptions tunes the gRPC interceptors.
type GRPCOptions struct {
	// Skip reports methods served without a token; the gRPC health service is always skipped.
	Skip func(fullMethod string) bool
}

func (o GRPCOptions) skip(method string) bool {
	return strings.HasPrefix(method, "/grpc.health.v1.Health/") || (o.Skip != nil && o.Skip(method))
}

// UnaryServerInterceptor verifies the bearer token in the "authorization" metadata of every
// unary call and puts the Principal in the handler's context.
func UnaryServerInterceptor(v TokenVerifier, o GRPCOptions) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if o.skip(info.FullMethod) {
			return handler(ctx, req)
		}
		p, err := grpcAuthenticate(ctx, v)
		if err != nil {
			return nil, err
		}
		return handler(NewContext(ctx, p), req)
	}
}

// StreamServerInterceptor is UnaryServerInterceptor for streaming calls.
func StreamServerInterceptor(v TokenVerifier, o GRPCOptions) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if o.skip(info.FullMethod) {
			return handler(srv, ss)
		}
		p, err := grpcAuthenticate(ss.Context(), v)
		if err != nil {
			return err
		}
		return handler(srv, &principalStream{ServerStream: ss, ctx: NewContext(ss.Context(), p)})
	}
}

type principalStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *principalStream) Context() context.Context { return s.ctx }

func grpcAuthenticate(ctx context.Context, v TokenVerifier) (*Principal, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	p, err := authenticateHeaders(ctx, v, md.Get("authorization"))
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	return p, nil
}

// AuthenticateGRPC verifies the bearer token of an incoming gRPC call (exactly one
// "authorization" metadata value) and returns its Principal, or a gRPC status error: what
// UnaryServerInterceptor does, for services that authenticate per service rather than per server.
func AuthenticateGRPC(ctx context.Context, v TokenVerifier) (*Principal, error) {
	return grpcAuthenticate(ctx, v)
}
