package southbound

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestAdmission: at most maxInFlight calls are handled at once; a call finding no free slot
// within QueueWait is refused Unavailable, one whose caller gives up first gets its context's
// code, and a released slot admits the next call. No bound admits everything.
func TestAdmission(t *testing.T) {
	ctx := context.Background()
	a := newAdmission(2)
	first, err := a.enter(ctx)
	require.NoError(t, err)
	second, err := a.enter(ctx)
	require.NoError(t, err)

	_, err = a.enter(ctx)
	assert.Equal(t, codes.Unavailable, status.Code(err), "%v", err)
	gone, cancel := context.WithCancel(ctx)
	cancel()
	_, err = a.enter(gone)
	assert.Equal(t, codes.Canceled, status.Code(err), "%v", err)

	first()
	third, err := a.enter(ctx)
	require.NoError(t, err, "a released slot admits the next call")
	second()
	third()
	assert.Empty(t, a.slots, "every slot is free again")

	var none *admission = newAdmission(0)
	assert.Nil(t, none)
	for range 10 {
		leave, err := none.enter(ctx)
		require.NoError(t, err)
		leave()
	}
}
