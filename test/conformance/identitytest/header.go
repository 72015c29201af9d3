package identitytest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/eim-byoi/eim/providers/identity"
)

// idCaseHeader checks the HTTP and gRPC middleware: only one "Bearer <token>" authenticates;
// the same header sent twice is ambiguous and refused.
func idCaseHeader(t T, h IdentityHarness) {
	valid := ""
	if h.Hooks.Sign != nil {
		raw, err := h.Hooks.Sign(t.Context(), goodClaims(h.Provider.Policy(), time.Now()))
		require.NoError(t, err)
		valid = raw
	}
	tests := []struct {
		name, header string
		ok           bool
	}{
		{"no header", "", false},
		{"empty bearer", "Bearer ", false},
		{"lowercase bearer", "bearer " + valid, false},
		{"basic", "Basic Zm9vOmJhcg==", false},
		{"two spaces", "Bearer  " + valid, false},
		{"garbage token", "Bearer garbage", false},
	}
	if valid != "" {
		tests = append(tests, struct {
			name, header string
			ok           bool
		}{"valid", "Bearer " + valid, true})
	}
	for _, tt := range tests {
		code, principal := httpCall(h.Provider, tt.header)
		grpcErr := grpcCall(h.Provider, tt.header)
		if tt.header != "" {
			code2, principal2 := httpCall(h.Provider, tt.header, tt.header)
			assert.Equal(t, http.StatusUnauthorized, code2, "%s, sent twice: ambiguous credentials", tt.name)
			assert.False(t, principal2, tt.name)
			assert.Equal(t, codes.Unauthenticated, status.Code(grpcCall(h.Provider, tt.header, tt.header)), "%s, sent twice", tt.name)
		}
		if tt.ok {
			assert.Equal(t, http.StatusOK, code, tt.name)
			assert.True(t, principal, tt.name)
			assert.NoError(t, grpcErr, tt.name)
			continue
		}
		assert.Equal(t, http.StatusUnauthorized, code, tt.name)
		assert.False(t, principal, tt.name)
		assert.Equal(t, codes.Unauthenticated, status.Code(grpcErr), "%s: %v", tt.name, grpcErr)
	}
}

// httpCall sends a request with the given Authorization headers (none for one empty value)
// through the HTTP middleware; it returns the status and whether the handler saw a Principal.
func httpCall(v identity.TokenVerifier, headers ...string) (int, bool) {
	seen := false
	h := identity.HTTPMiddleware(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, seen = identity.FromContext(r.Context())
	}))
	req := httptest.NewRequest(http.MethodGet, "/v1/projects/x/hosts", nil)
	for _, header := range headers {
		if header != "" {
			req.Header.Add("Authorization", header)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, seen
}

// grpcCall makes a unary call with the given authorization metadata values (none for one
// empty value) through the gRPC interceptor.
func grpcCall(v identity.TokenVerifier, headers ...string) error {
	ctx := context.Background()
	md := metadata.MD{}
	for _, header := range headers {
		if header != "" {
			md.Append("authorization", header)
		}
	}
	if len(md) > 0 {
		ctx = metadata.NewIncomingContext(ctx, md)
	}
	icpt := identity.UnaryServerInterceptor(v, identity.GRPCOptions{})
	_, err := icpt(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/eim.hostmgr.v1.HostMgr/Heartbeat"}, func(ctx context.Context, _ any) (any, error) {
		if _, ok := identity.FromContext(ctx); !ok {
			return nil, status.Error(codes.Internal, "no principal in the handler's context")
		}
		return nil, nil
	})
	return err
}

// newUUID returns a random version-4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
