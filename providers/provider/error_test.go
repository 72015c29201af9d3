package provider_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
)

func TestCodeOf(t *testing.T) {
	cause := errors.New("boom")
	tests := []struct {
		name string
		err  error
		want provider.Code
	}{
		{"nil", nil, provider.OK},
		{"plain", cause, provider.Unknown},
		{"with code", provider.WithCode(provider.NotFound, cause), provider.NotFound},
		{"wrapped by fmt", fmt.Errorf("ctx: %w", provider.WithCode(provider.PermissionDenied, cause)), provider.PermissionDenied},
		{"wrapped twice", fmt.Errorf("a: %w", fmt.Errorf("b: %w", provider.Errorf(provider.Unavailable, "down"))), provider.Unavailable},
		{"provider error", provider.Wrap("secrets", "vault", "get", provider.WithCode(provider.AlreadyExists, cause)), provider.AlreadyExists},
		{"joined takes first coded", errors.Join(cause, provider.WithCode(provider.Aborted, cause)), provider.Aborted},
		{"canceled", fmt.Errorf("x: %w", context.Canceled), provider.Canceled},
		{"deadline", context.DeadlineExceeded, provider.DeadlineExceeded},
		{"validation", provider.ValidationError{{Field: "a", Problem: "b"}}, provider.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, provider.CodeOf(tt.err))
		})
	}
}

func TestCodeMatchesGRPC(t *testing.T) {
	// Values are the gRPC codes (google.golang.org/grpc/codes) so a conversion is enough.
	assert.EqualValues(t, 5, provider.NotFound)
	assert.EqualValues(t, 7, provider.PermissionDenied)
	assert.EqualValues(t, 14, provider.Unavailable)
	assert.EqualValues(t, 16, provider.Unauthenticated)
	assert.Equal(t, "permission denied", provider.PermissionDenied.String())
	assert.Equal(t, "code(99)", provider.Code(99).String())
	assert.True(t, provider.IsRetryable(provider.Errorf(provider.Unavailable, "x")))
	assert.False(t, provider.IsRetryable(provider.Errorf(provider.NotFound, "x")))
}

func TestWrapOnce(t *testing.T) {
	cause := provider.WithCode(provider.PermissionDenied, errors.New("403 from server"))
	err := provider.Wrap("secrets", "vault", `get "db/creds"`, cause)
	assert.EqualError(t, err, `secrets/vault: get "db/creds": permission denied: 403 from server`)
	again := provider.Wrap("storage", "postgres", "query", fmt.Errorf("outer: %w", err))
	assert.Equal(t, "outer: "+err.Error(), again.Error(), "an error already wrapped is not wrapped again")
	assert.NoError(t, provider.Wrap("a", "b", "c", nil))
	var pe *provider.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "vault", pe.Adapter)
	assert.ErrorIs(t, err, cause, "the cause stays in the chain")
}
