package bootstrap

import (
	"context"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDebugListener: listen.debug serves the goroutine, mutex and block profiles on loopback,
// and nothing is served when it is empty.
func TestDebugListener(t *testing.T) {
	none, err := serveDebug("", slog.Default())
	require.NoError(t, err)
	assert.Nil(t, none, "no listener when listen.debug is empty")
	none.stop(context.Background()) // a nil server stops quietly

	ln := listenLoopback(t)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	d, err := serveDebug(addr, slog.Default())
	require.NoError(t, err)
	defer d.stop(context.Background())
	for _, path := range []string{"goroutine?debug=2", "mutex", "block", "heap"} {
		code, body := get(t, "http://"+addr+"/debug/pprof/"+path)
		assert.Equal(t, http.StatusOK, code, path)
		assert.NotEmpty(t, body, path)
	}
}
