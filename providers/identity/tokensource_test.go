package identity

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
)

const plantedSecret = "planted-client-secret-value"

// tokenServer is a client-credentials endpoint on loopback issuing numbered tokens that live
// 100 s, for the client "c" with plantedSecret.
func tokenServer(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, _ := r.BasicAuth()
		w.Header().Set("Content-Type", "application/json")
		if id != "c" || secret != plantedSecret {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
			return
		}
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"Bearer","expires_in":100}`, n.Add(1))
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + "/token", &n
}

func TestTokenSourceCachesAndRefreshesEarly(t *testing.T) {
	u, n := tokenServer(t)
	ts := NewTokenSource(ClientCredentials{TokenURL: u, ClientID: "c", Secret: provider.NewSecretValue([]byte(plantedSecret))})
	clock := time.Now()
	ts.now = func() time.Time { return clock }
	tests := []struct {
		advance time.Duration
		want    string
	}{
		{0, "tok-1"},
		{30 * time.Second, "tok-1"}, // cached
		{49 * time.Second, "tok-1"}, // 79 s in: more than a fifth (20 s) of the lifetime left
		{2 * time.Second, "tok-2"},  // 81 s in: refreshed before expiry
	}
	for _, tt := range tests {
		clock = clock.Add(tt.advance)
		tok, err := ts.Token(context.Background())
		require.NoError(t, err)
		assert.Equal(t, tt.want, tok)
	}
	assert.EqualValues(t, 2, n.Load())
	md, err := ts.GetRequestMetadata(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "Bearer tok-2", md["authorization"])
}

func TestTokenSourceRefusedNeverLeaksSecret(t *testing.T) {
	u, _ := tokenServer(t)
	ts := NewTokenSource(ClientCredentials{TokenURL: u, ClientID: "other", Secret: provider.NewSecretValue([]byte(plantedSecret))})
	_, err := ts.Token(context.Background())
	require.Error(t, err)
	assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err))
	assert.Contains(t, err.Error(), "invalid_client")
	assert.NotContains(t, err.Error(), plantedSecret)
	assert.NotContains(t, fmt.Sprintf("%+v", ForClient(&Client{ID: "x", Secret: provider.NewSecretValue([]byte(plantedSecret))})), plantedSecret)

	down := NewTokenSource(ClientCredentials{TokenURL: "http://127.0.0.1:1/token", ClientID: "c", Secret: provider.NewSecretValue([]byte(plantedSecret))})
	_, err = down.Token(context.Background())
	assert.Equal(t, provider.Unavailable, provider.CodeOf(err))
	assert.NotContains(t, err.Error(), plantedSecret)
}
