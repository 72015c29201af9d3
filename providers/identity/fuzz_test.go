package identity

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
)

// Fuzz targets of the token parser front end and the claim decoder. `go test` runs their
// seeds (in code and in testdata/fuzz/<target>); `make test` fuzzes each for a fixed number of
// inputs and `make fuzz` for longer (scripts/fuzz.sh).

// refCanonical is the reference checkCompact is held to: three segments of unpadded base64url
// that Go's strict decoder accepts, with none of the CR/LF that decoder skips.
func refCanonical(raw string) bool {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 || strings.ContainsAny(raw, "\r\n") {
		return false
	}
	for _, p := range parts {
		if _, err := base64.RawURLEncoding.Strict().DecodeString(p); err != nil {
			return false
		}
	}
	return true
}

// FuzzCheckCompact: the front end accepts exactly the canonical compact serializations.
func FuzzCheckCompact(f *testing.F) {
	for _, s := range []string{"", ".", "..", "a.b.c", "eyJ9.e30.c2ln", "e30.e30.", "e30.e30.c2lm", "e30.e30.c2ln\n",
		"e30\r\n.e30.c2ln", "e30.e30.c2ln==", "e30.e30.c2l+", "e30.e30.c2lnA", "e30.e30.e30.e30", "e30 .e30.c2ln"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := checkCompact(raw, MaxMaxTokenSize) == ""
		if want := len(raw) <= MaxMaxTokenSize && refCanonical(raw); got != want {
			t.Fatalf("checkCompact(%q) accepts: %v, the reference: %v", raw, got, want)
		}
	})
}

// fuzzVerifier is a verifier with its keys fetched, refetching on every unknown key id
// (no minimum interval: the issuer is in process). Its key is derived from a fixed seed, so
// that every fuzzing worker process trusts the key that signed the seeds.
func fuzzVerifier(t testing.TB) (*Verifier, *countingSource) {
	t.Helper()
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	src := &countingSource{key: jose.JSONWebKey{Key: priv, KeyID: "k1", Algorithm: "EdDSA", Use: "sig"}}
	p := testPolicy()
	p.RefetchInterval = 0
	v, err := NewVerifier(p, src, nil)
	require.NoError(t, err)
	require.NoError(t, v.Ready(context.Background()))
	return v, src
}

// FuzzVerify: whatever the input, Verify does not panic, rejects with Unauthenticated and a
// short message that does not hold the token, and accepts only a canonical encoding.
func FuzzVerify(f *testing.F) {
	v, src := fuzzVerifier(f)
	valid := sign(f, src.key, fixedClaims())
	h, rest, _ := strings.Cut(valid, ".")
	payload, sig, _ := strings.Cut(rest, ".")
	for _, s := range []string{valid, valid + "\n", h + "." + payload + "\r\n." + sig, h + "." + payload + "." + sig[:len(sig)-1],
		h + "." + b64json(map[string]any{"iss": "https://issuer.test", "aud": "other eim", "exp": 1e11}) + "." + sig,
		b64json(map[string]any{"alg": "none"}) + "." + payload + ".", b64json(map[string]any{"alg": "HS256", "kid": "k1"}) + "." + payload + "." + sig,
		b64json(map[string]any{"alg": "EdDSA", "kid": strings.Repeat("k", 300)}) + "." + payload + "." + sig, "a.b.c", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) { checkVerify(t, v, raw) })
}

// edits are the characters FuzzTokenEdits inserts: the ones a lenient decoder skips or
// misreads, the base64url alphabet's edges, and a multi-byte one.
var edits = []string{"\n", "\r", " ", "\t", "=", "+", "/", ".", "A", "B", "Q", "g", "_", "-", "\x00", "é"}

// FuzzTokenEdits holds Verify to the same rules on small edits of a valid token: cut bytes at
// position at replaced by one character of edits per byte of insert. Any edit that still
// verifies must leave the token canonical: a line break or another last character that
// decodes to the same bytes is found in seconds.
func FuzzTokenEdits(f *testing.F) {
	v, src := fuzzVerifier(f)
	valid := sign(f, src.key, fixedClaims())
	f.Add(uint16(0), uint8(0), []byte(nil))
	f.Add(uint16(100), uint8(1), []byte{8})
	f.Fuzz(func(t *testing.T, at uint16, cut uint8, insert []byte) {
		var ins strings.Builder
		for _, b := range insert {
			ins.WriteString(edits[int(b)%len(edits)])
		}
		i := min(int(at), len(valid))
		checkVerify(t, v, valid[:i]+ins.String()+valid[min(i+int(cut), len(valid)):])
	})
}

// checkVerify verifies raw and fails t unless the outcome follows the rules of FuzzVerify.
func checkVerify(t *testing.T, v *Verifier, raw string) {
	p, err := v.Verify(context.Background(), raw)
	if err == nil {
		if !refCanonical(raw) || p == nil {
			t.Fatalf("accepted a non-canonical token %q", raw)
		}
		return
	}
	if c := provider.CodeOf(err); c != provider.Unauthenticated {
		t.Fatalf("code %v for %q: %v", c, raw, err)
	}
	msg := err.Error()
	if len(msg) > maxErrorLen || !utf8.ValidString(msg) {
		t.Fatalf("error of %d bytes (or not UTF-8) for %q: %.300s", len(msg), raw, msg)
	}
	if len(raw) >= 24 && strings.Contains(msg, raw) {
		t.Fatalf("the error holds the token: %s", msg)
	}
}

// fixedClaims are valid claims that do not depend on the time they are made (they expire in
// 2100), so that a seed signed in one fuzzing process verifies in another.
func fixedClaims() map[string]any {
	return map[string]any{"iss": "https://issuer.test", "aud": "eim", "sub": "s", "exp": 4102444800, "iat": 1700000000}
}

func b64json(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// refAudience is the reference audience rule: aud is "eim", or an array of strings holding it.
func refAudience(aud any) bool {
	switch x := aud.(type) {
	case string:
		return x == "eim"
	case []any:
		ok := false
		for _, e := range x {
			s, isStr := e.(string)
			if !isStr {
				return false
			}
			ok = ok || s == "eim"
		}
		return ok
	}
	return false
}

// FuzzClaims: the claim decoder, on any JSON payload, accepts only the configured issuer and
// an audience that is exactly a configured one (never a word inside a string), splits only
// the claims configured as space-delimited, and keeps its messages short.
func FuzzClaims(f *testing.F) {
	v, _ := fuzzVerifier(f)
	mp, err := newMapper(ClaimMapping{Roles: []string{"roles", "realm_access.roles"}, Groups: []string{"groups"},
		ClientID: []string{"azp"}, Tenants: []TenantRule{{Claim: "scope", Pattern: "tenant:{tenant}"}}})
	require.NoError(f, err)
	for _, c := range []map[string]any{
		fixedClaims(),
		with(fixedClaims(), "aud", "other eim"),
		with(fixedClaims(), "aud", []any{"other", "eim"}),
		with(fixedClaims(), "aud", []any{"eim", 7}),
		with(fixedClaims(), "iss", "https://issuer.test https://evil.test"),
		with(fixedClaims(), "roles", "a b", "scope", "openid tenant:"+p1, "groups", []any{"g", 1, ""}),
		with(fixedClaims(), "realm_access", map[string]any{"roles": []any{p1 + "_im-rw"}}),
		with(fixedClaims(), "exp", "tomorrow"),
	} {
		b, err := json.Marshal(c)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		claims := map[string]any{}
		if json.Unmarshal(payload, &claims) != nil {
			return
		}
		p, err := v.checkClaims(claims)
		if err != nil {
			if len(err.Error()) > maxErrorLen {
				t.Fatalf("error of %d bytes: %.300s", len(err.Error()), err)
			}
			if refAudience(claims["aud"]) && claims["iss"] == "https://issuer.test" && strings.Contains(err.Error(), "audience") {
				t.Fatalf("audience %#v rejected: %v", claims["aud"], err)
			}
			return
		}
		if claims["iss"] != "https://issuer.test" || !refAudience(claims["aud"]) {
			t.Fatalf("accepted iss %#v, aud %#v", claims["iss"], claims["aud"])
		}
		mp.apply(p, claims)
		if s, ok := claims["roles"].(string); ok && s != "" && !slices.Contains(p.Roles, s) {
			t.Fatalf("the string claim roles %q was split: %q", s, p.Roles)
		}
		if s, ok := claims["azp"].(string); ok && s != "" && p.ClientID != s {
			t.Fatalf("client id %q from azp %q", p.ClientID, s)
		}
	})
}
