package identitytest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/eim-byoi/eim/providers/identity"
)

// TestKey is a signing key held by a test: it signs tokens as an issuer would.
type TestKey struct {
	// JWK is the private key, with its kid and alg.
	JWK jose.JSONWebKey
}

// NewTestKey generates an ES256 key with a random kid.
func NewTestKey() (*TestKey, error) { return NewTestKeyFor("ES256") }

// NewTestKeyFor generates a key for alg (RS256 or ES256) with a random kid.
func NewTestKeyFor(alg string) (*TestKey, error) {
	var priv crypto.Signer
	var err error
	if alg == "RS256" {
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		alg = "ES256"
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		return nil, err
	}
	kid := make([]byte, 8)
	_, _ = rand.Read(kid)
	return &TestKey{JWK: jose.JSONWebKey{Key: priv, KeyID: "conformance-" + hex.EncodeToString(kid), Algorithm: alg, Use: "sig"}}, nil
}

// Public returns the public JWK.
func (k *TestKey) Public() jose.JSONWebKey { return k.JWK.Public() }

// Sign signs claims as a compact JWS with the key's algorithm and kid.
func (k *TestKey) Sign(claims map[string]any) (string, error) {
	return SignJWK(k.JWK, claims)
}

// SignJWK signs claims with a private JWK (its alg and kid in the header).
func SignJWK(key jose.JSONWebKey, claims map[string]any) (string, error) {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(key.Algorithm), Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	obj, err := s.Sign(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// goodClaims are claims the provider's policy accepts, issued now.
func goodClaims(pol identity.Policy, now time.Time) map[string]any {
	return map[string]any{
		"iss": pol.Issuer, "aud": []string{pol.Audiences[0]}, "sub": "conformance", "azp": "conformance-client",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	}
}

// with returns a copy of c with the given claims set (nil deletes).
func with(c map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(c))
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// unsignedToken is a token with alg "none" and an empty signature.
func unsignedToken(kid string, claims map[string]any) string {
	return b64(map[string]any{"alg": "none", "typ": "JWT", "kid": kid}) + "." + b64(claims) + "."
}

// hmacWithPublicKey signs claims with HS256 using the encoding of an issuer's public key as
// the shared secret: the key-confusion attack.
func hmacWithPublicKey(pub jose.JSONWebKey, claims map[string]any, asPEM bool) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub.Key)
	if err != nil {
		return "", fmt.Errorf("encode public key: %w", err)
	}
	secret := der
	if asPEM {
		secret = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	signing := b64(map[string]any{"alg": "HS256", "typ": "JWT", "kid": pub.KeyID}) + "." + b64(claims)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

// kidOf returns the kid in a token's header.
func kidOf(raw string) string {
	obj, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.ES256, jose.ES384, jose.ES512, jose.EdDSA})
	if err != nil {
		return ""
	}
	return obj.Signatures[0].Protected.KeyID
}
