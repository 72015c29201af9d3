package identity

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
)

// maxErrorLen bounds every rejection's message, whatever the token holds.
const maxErrorLen = 1024

// readyVerifier returns a verifier over an in-process issuer, with its keys fetched.
func readyVerifier(t testing.TB, edit func(*Policy)) (*Verifier, *countingSource) {
	t.Helper()
	src := newSource(t)
	p := testPolicy()
	if edit != nil {
		edit(&p)
	}
	v, err := NewVerifier(p, src, nil)
	require.NoError(t, err)
	require.NoError(t, v.Ready(context.Background()))
	return v, src
}

func with(c map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(c))
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// TestAudienceIsNeverSplit (issue 16, item 1): aud is one string or an array of strings; a
// string holding spaces is one audience, not a list to search.
func TestAudienceIsNeverSplit(t *testing.T) {
	v, src := readyVerifier(t, nil)
	tests := []struct {
		name   string
		aud    any
		reason string // "" when accepted
	}{
		{"string", "eim", ""},
		{"array", []string{"other", "eim"}, ""},
		{"space-separated string", "other eim", "does not include"},
		{"tab-separated string", "other\teim", "does not include"},
		{"string with the audience and a space", "eim ", "does not include"},
		{"array element with spaces", []string{"other eim"}, "does not include"},
		{"empty string", "", "no audience"},
		{"empty array", []string{}, "no audience"},
		{"array of a number", []any{"eim", 1}, "not a string or an array of strings"},
		{"object", map[string]any{"eim": true}, "not a string or an array of strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), sign(t, src.key, with(claimsNow(), "aud", tt.aud)))
			if tt.reason == "" {
				assert.NoError(t, err)
				return
			}
			assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err), "error: %v", err)
			assert.ErrorContains(t, err, tt.reason)
		})
	}
}

// TestOtherClaimsAreNeverSplit: iss, sub and azp are taken whole.
func TestOtherClaimsAreNeverSplit(t *testing.T) {
	v, src := readyVerifier(t, nil)
	_, err := v.Verify(context.Background(), sign(t, src.key, with(claimsNow(), "iss", "https://evil.test https://issuer.test")))
	assert.ErrorContains(t, err, "is not the configured issuer")
	p, err := v.Verify(context.Background(), sign(t, src.key, with(claimsNow(), "sub", "a b", "azp", "c d")))
	require.NoError(t, err)
	assert.Equal(t, "a b", p.Subject)
	assert.Equal(t, "c d", p.ClientID)
}

// TestNonCanonicalEncodingsRejected (item 2): a valid token altered in its encoding only —
// line breaks, whitespace, padding, the standard base64 alphabet, stray bits in a segment's
// last character — is rejected before it is parsed, however the base64 decoder would treat it.
func TestNonCanonicalEncodingsRejected(t *testing.T) {
	v, src := readyVerifier(t, nil)
	raw := sign(t, src.key, claimsNow())
	_, err := v.Verify(context.Background(), raw)
	require.NoError(t, err, "the unaltered token verifies")
	h, rest, _ := strings.Cut(raw, ".")
	payload, sig, _ := strings.Cut(rest, ".")
	insert := func(s string, at int, what string) string { return s[:at] + what + s[at:] }
	tests := []struct{ name, raw, reason string }{
		{"LF in the payload", h + "." + insert(payload, len(payload)/2, "\n") + "." + sig, "byte '\\n'"},
		{"CRLF in the payload", h + "." + insert(payload, len(payload)/2, "\r\n") + "." + sig, "byte '\\r'"},
		{"LF in the signature", h + "." + payload + "." + insert(sig, 10, "\n"), "byte '\\n'"},
		{"CRLF in the signature", h + "." + payload + "." + insert(sig, 10, "\r\n"), "byte '\\r'"},
		{"LF in the header", insert(h, 4, "\n") + "." + payload + "." + sig, "byte '\\n'"},
		{"trailing LF", raw + "\n", "byte '\\n'"},
		{"trailing CRLF", raw + "\r\n", "byte '\\r'"},
		{"leading space", " " + raw, "byte ' '"},
		{"tab", h + "." + payload + "\t." + sig, "byte '\\t'"},
		{"padding", raw + "==", "byte '='"},
		{"standard alphabet", h + "." + payload + "." + strings.NewReplacer("-", "+", "_", "/").Replace(sig) + "+/", "is neither base64url"},
		{"NUL", raw + "\x00", "byte '\\x00'"},
		{"non-ASCII", raw + "é", "is neither base64url"},
		{"stray bits in the signature's last character", h + "." + payload + "." + strayBits(sig), "the signature is not canonical"},
		{"lone last character", h + "." + payload + "." + sig + "AAA", "the signature is not canonical"},
		{"four segments", raw + ".e30", "not a compact JWS"},
		{"two segments", h + "." + payload, "not a compact JWS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tt.raw)
			require.Error(t, err)
			assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err), "error: %v", err)
			assert.ErrorContains(t, err, tt.reason)
			assert.NotContains(t, err.Error(), payload)
			assert.NotContains(t, err.Error(), sig)
		})
	}
}

// strayBits changes the last character of a base64url segment to another that decodes to the
// same bytes (it differs in bits beyond the encoded ones).
func strayBits(seg string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := b64Value(seg[len(seg)-1])
	switch len(seg) % 4 {
	case 2:
		return seg[:len(seg)-1] + string(alphabet[last|0x01])
	case 3:
		return seg[:len(seg)-1] + string(alphabet[last|0x01])
	}
	panic("segment length is a multiple of 4: no stray bits")
}

// TestTokenSizeLimit (item 3): a token over maxTokenSize is rejected without being parsed;
// the limit is configurable.
func TestTokenSizeLimit(t *testing.T) {
	v, src := readyVerifier(t, nil)
	big := sign(t, src.key, with(claimsNow(), "pad", strings.Repeat("x", 20<<10)))
	_, err := v.Verify(context.Background(), big)
	require.Error(t, err)
	assert.ErrorContains(t, err, fmt.Sprintf("is %d bytes, more than the 16384 allowed (maxTokenSize)", len(big)))

	huge := strings.Repeat("A", 8<<20)
	_, err = v.Verify(context.Background(), huge+"."+huge+"."+huge)
	assert.ErrorContains(t, err, "more than the 16384 allowed")

	p := testPolicy()
	p.MaxTokenSize = 64 << 10
	larger, err := NewVerifier(p, src, nil)
	require.NoError(t, err)
	_, err = larger.Verify(context.Background(), big)
	assert.NoError(t, err, "a larger limit admits it")

	for _, bad := range []int{0, 1023, 1<<20 + 1} {
		p := testPolicy()
		p.MaxTokenSize = bad
		assert.ErrorContains(t, p.Validate(), "maxTokenSize", "%d", bad)
	}
}

// TestErrorsStaySmall (item 3): a rejection built from token content lists a few values and a
// few dozen characters of each, however many and long they are.
func TestErrorsStaySmall(t *testing.T) {
	v, src := readyVerifier(t, func(p *Policy) { p.MaxTokenSize = MaxMaxTokenSize })
	auds := make([]string, 10000)
	for i := range auds {
		auds[i] = fmt.Sprintf("audience-%05d-%s", i, strings.Repeat("z", 40))
	}
	long := strings.Repeat("\u2028\"\\é", 5000)
	tests := []struct {
		name   string
		claims map[string]any
		want   string
	}{
		{"ten thousand audiences", with(claimsNow(), "aud", auds), `and 9997 more]`},
		{"a long audience", with(claimsNow(), "aud", long), `…"] does not include any of ["eim"]`},
		{"a long issuer", with(claimsNow(), "iss", long), "is not the configured issuer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), sign(t, src.key, tt.claims))
			require.Error(t, err)
			assert.ErrorContains(t, err, tt.want)
			assert.LessOrEqual(t, len(err.Error()), maxErrorLen, "error: %.300s", err)
		})
	}
	_, err := v.Verify(context.Background(), forgedKid(t, strings.Repeat("k", 5000)))
	require.Error(t, err)
	assert.LessOrEqual(t, len(err.Error()), maxErrorLen)
}

func forgedKid(t *testing.T, kid string) string {
	t.Helper()
	k := newSource(t).key
	k.KeyID = kid
	return sign(t, k, claimsNow())
}

// acceptAll is a TokenVerifier that accepts any token.
type acceptAll struct{}

func (acceptAll) Verify(context.Context, string) (*Principal, error) {
	return &Principal{Subject: "s"}, nil
}

// TestHTTPMiddlewareRejectsTwoAuthorizationHeaders (item 4): two Authorization headers are
// ambiguous credentials: 401, as the gRPC interceptors answer Unauthenticated to two values.
func TestHTTPMiddlewareRejectsTwoAuthorizationHeaders(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		code    int
	}{
		{"one", []string{"Bearer a"}, http.StatusOK},
		{"two", []string{"Bearer a", "Bearer b"}, http.StatusUnauthorized},
		{"two identical", []string{"Bearer a", "Bearer a"}, http.StatusUnauthorized},
		{"a valid one and an empty one", []string{"Bearer a", ""}, http.StatusUnauthorized},
		{"none", nil, http.StatusUnauthorized},
	}
	h := HTTPMiddleware(acceptAll{})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, v := range tt.headers {
				req.Header.Add("Authorization", v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, tt.code, rec.Code)
			if tt.code == http.StatusUnauthorized {
				assert.Equal(t, `Bearer error="invalid_token"`, rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
}
