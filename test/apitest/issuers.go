package apitest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// refusedFrom returns when the identities of this package refuse tok as expired: its exp claim
// (read without verifying the token) plus ClockSkew, and a tenth of a second more.
func refusedFrom(t testing.TB, tok string) time.Time {
	t.Helper()
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3, "a compact JWS")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims struct {
		Exp float64 `json:"exp"`
	}
	require.NoError(t, json.Unmarshal(payload, &claims))
	require.NotZero(t, claims.Exp, "the token has an exp claim")
	return time.UnixMilli(int64(claims.Exp * 1000)).Add(ClockSkew + 100*time.Millisecond)
}

// call sends a request to an issuer's admin API, with body JSON-encoded (none when nil) and
// bearer as the token (none when empty), fails the test unless the answer's status is one of
// want, decodes a JSON answer into out when out is not nil, and returns the answer's status and
// headers.
func call(t testing.TB, method, url, bearer string, body, out any, want ...int) (int, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	require.NoError(t, err)
	require.True(t, slices.Contains(want, resp.StatusCode), "%s %s: %s: %s", method, url, resp.Status, raw)
	if out != nil {
		require.NoError(t, json.Unmarshal(raw, out), "%s %s: %s", method, url, raw)
	}
	return resp.StatusCode, resp.Header
}

// roleSet is the cache key of a subject holding roles.
func roleSet(subject string, roles []string) string {
	sorted := slices.Clone(roles)
	slices.Sort(sorted)
	return subject + "\x00" + strings.Join(sorted, "\x00")
}
