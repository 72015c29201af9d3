package identity

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/eim-byoi/eim/providers/provider"
)

// Verifier verifies bearer tokens against a Policy with keys from a KeySource. It is safe for
// concurrent use.
type Verifier struct {
	policy Policy
	src    KeySource
	keys   *keyCache
	tokens *tokenCache // nil when Policy.TokenCacheSize is 0
	mapper *mapper
	hmac   []byte
	algs   []jose.SignatureAlgorithm // every algorithm the policy allows, for parsing
	meta   atomic.Pointer[Metadata]
	now    func() time.Time
}

// NewVerifier returns a verifier for p (validated; secret references resolved) over src. It
// does no I/O: the issuer is contacted on first use, or by Warm.
func NewVerifier(p Policy, src KeySource, log *slog.Logger) (*Verifier, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	m, err := newMapper(p.Claims)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	v := &Verifier{policy: p, src: src, mapper: m, now: time.Now}
	if !p.HMACKey.IsZero() {
		v.hmac = p.HMACKey.Value().Bytes()
	}
	for _, a := range p.Algorithms {
		v.algs = append(v.algs, jose.SignatureAlgorithm(a))
	}
	v.keys = newKeyCache(v.fetch, p.RefetchInterval.Std(), p.KeysMaxAge.Std(), log)
	if v.tokens = newTokenCache(p.TokenCacheSize, p.TokenCacheMaxTTL.Std()); v.tokens != nil {
		v.keys.swapped = func(s *keySnapshot) { v.tokens.purge(s.holds) }
	}
	return v, nil
}

// Policy returns the verification policy.
func (v *Verifier) Policy() Policy { return v.policy }

// fetch reads the metadata and the key set, and works out the allowed asymmetric algorithms:
// the policy's, intersected with the issuer's when it advertises any.
func (v *Verifier) fetch(ctx context.Context) (*jose.JSONWebKeySet, []string, error) {
	m, err := v.src.Metadata(ctx)
	if err != nil {
		return nil, nil, err
	}
	v.meta.Store(m)
	set, err := v.src.Keys(ctx, m)
	if err != nil {
		return nil, nil, err
	}
	var algs []string
	for _, a := range v.policy.Algorithms {
		if !slices.Contains(hmacAlgorithms, a) && (len(m.Algorithms) == 0 || slices.Contains(m.Algorithms, a)) {
			algs = append(algs, a)
		}
	}
	if len(algs) == 0 && v.hmac == nil {
		return nil, nil, provider.Errorf(provider.FailedPrecondition,
			"no algorithm is both configured (%v) and advertised by the issuer (%v)", v.policy.Algorithms, m.Algorithms)
	}
	return set, algs, nil
}

// Metadata returns the issuer's metadata, reading it if it has not been read yet.
func (v *Verifier) Metadata(ctx context.Context) (*Metadata, error) {
	if m := v.meta.Load(); m != nil {
		return m, nil
	}
	if err := v.keys.refresh(ctx, false); err != nil && v.meta.Load() == nil {
		return nil, provider.WithCode(provider.Unavailable, fmt.Errorf("issuer metadata: %w", v.keys.lastError(err)))
	}
	return v.meta.Load(), nil
}

// Keys returns the public keys currently trusted, fetching them if none are cached.
func (v *Verifier) Keys(ctx context.Context) (*jose.JSONWebKeySet, error) {
	s := v.keys.snapshot()
	if s == nil {
		if err := v.keys.refresh(ctx, false); err != nil && v.keys.snapshot() == nil {
			return nil, provider.WithCode(provider.Unavailable, v.keys.lastError(err))
		}
		s = v.keys.snapshot()
	}
	set := &jose.JSONWebKeySet{}
	for _, k := range s.keys {
		set.Keys = append(set.Keys, *k)
	}
	return set, nil
}

// Fetches returns how many times the key set has been fetched.
func (v *Verifier) Fetches() int64 { return v.keys.fetches.Load() }

// Ready returns nil once the issuer's keys are cached. Before that it tries one fetch within
// ctx (unless one was tried less than the minimum interval ago) and returns why it failed.
func (v *Verifier) Ready(ctx context.Context) error {
	if v.keys.snapshot() != nil {
		return nil
	}
	err := v.keys.refresh(ctx, true)
	if v.keys.snapshot() != nil {
		return nil
	}
	return provider.WithCode(provider.Unavailable, fmt.Errorf("the issuer %s is not reachable yet: %w", v.policy.Issuer, v.keys.lastError(err)))
}

// Refresh fetches the key set now, whatever the minimum interval, and returns once a fetch
// that started after the call has ended (a fetch already in flight may predate the change
// that prompted the call): the embedded issuer calls it after rotating its keys.
func (v *Verifier) Refresh(ctx context.Context) error {
	if err := v.keys.refreshAfter(ctx, forced); err != nil {
		return provider.WithCode(provider.Unavailable, err)
	}
	return nil
}

// Warm fetches the issuer's keys in the background, retrying with backoff (from 200ms to
// 30s) until it succeeds or ctx ends. It returns at once.
func (v *Verifier) Warm(ctx context.Context) {
	go func() {
		_ = provider.Retry(ctx, provider.Backoff{Min: 200 * time.Millisecond, Max: 30 * time.Second}, nil, func() error {
			if v.keys.snapshot() != nil {
				return nil
			}
			return v.keys.refresh(ctx, true)
		})
	}()
}

// Verify checks raw (a compact JWS, without "Bearer ") and returns its Principal. A token
// larger than Policy.MaxTokenSize, or not in canonical compact form (see checkCompact), is
// rejected before it is parsed. Every rejection is an Unauthenticated error with the reason;
// an issuer whose keys could never be fetched gives Unavailable. Errors never contain the
// token, and values taken from it are cut short (a few values of a list, a few dozen
// characters of each), so an error stays well under 1 KiB.
//
// A token verified once is answered from a bounded cache keyed by its SHA-256 until its exp
// (at most Policy.TokenCacheMaxTTL), as long as the key that signed it stays in the issuer's
// key set. The Principal returned may be shared between callers: never modify it.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Principal, error) {
	if v.tokens == nil || raw == "" || len(raw) > v.policy.MaxTokenSize {
		p, _, err := v.verify(ctx, raw)
		return p, err
	}
	sum := sha256.Sum256([]byte(raw))
	if p := v.tokens.get(sum, v.now()); p != nil {
		v.keys.touch()
		return p, nil
	}
	p, key, err := v.verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	v.tokens.put(sum, p, key, v.now())
	// A key set that dropped the key may have been stored while this token was verified:
	// its purge then ran before the put, so look again.
	if key != hmacKeyID && !v.keys.snapshot().holds(key) {
		v.tokens.drop(sum, key)
	}
	return p, nil
}

// CachedTokens returns how many verified tokens are cached, and how many verifications the
// cache has answered.
func (v *Verifier) CachedTokens() (entries int, hits int64) {
	if v.tokens == nil {
		return 0, 0
	}
	return v.tokens.len(), v.tokens.hits.Load()
}

// verify checks raw fully and returns its Principal and the identity of the key that
// verified it (see keyID; hmacKeyID for the shared key).
func (v *Verifier) verify(ctx context.Context, raw string) (*Principal, string, error) {
	if raw == "" {
		return nil, "", provider.Errorf(provider.Unauthenticated, "no token")
	}
	if reason := checkCompact(raw, v.policy.MaxTokenSize); reason != "" {
		return nil, "", provider.Errorf(provider.Unauthenticated, "%s", reason)
	}
	jws, err := jose.ParseSignedCompact(raw, v.algs)
	if err != nil {
		return nil, "", provider.Errorf(provider.Unauthenticated, "%s", parseReason(raw, err))
	}
	h := jws.Signatures[0].Protected
	payload, key, err := v.checkSignature(ctx, jws, h.Algorithm, h.KeyID)
	if err != nil {
		return nil, "", err
	}
	claims := map[string]any{}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, "", provider.Errorf(provider.Unauthenticated, "the token's claims are not a JSON object")
	}
	p, err := v.checkClaims(claims)
	if err != nil {
		return nil, "", provider.WithCode(provider.Unauthenticated, err)
	}
	v.mapper.apply(p, claims)
	return p, key, nil
}

// checkSignature returns the verified payload and the identity of the key that verified it.
func (v *Verifier) checkSignature(ctx context.Context, jws *jose.JSONWebSignature, alg, kid string) ([]byte, string, error) {
	if slices.Contains(hmacAlgorithms, alg) {
		if v.hmac == nil {
			return nil, "", provider.Errorf(provider.Unauthenticated, "algorithm %s is not allowed", alg)
		}
		payload, err := jws.Verify(v.hmac)
		if err != nil {
			return nil, "", provider.Errorf(provider.Unauthenticated, "signature is invalid")
		}
		return payload, hmacKeyID, nil
	}
	keys, s, err := v.keys.lookup(ctx, kid, alg)
	if err != nil {
		return nil, "", err
	}
	if !slices.Contains(s.algs, alg) {
		return nil, "", provider.Errorf(provider.Unauthenticated, "algorithm %s is not advertised by the issuer", alg)
	}
	for _, k := range keys {
		if payload, err := jws.Verify(k); err == nil {
			return payload, s.ids[k], nil
		}
	}
	return nil, "", provider.Errorf(provider.Unauthenticated, "signature is invalid")
}

// parseReason explains why a token could not be parsed, looking at its header only when the
// parser refused it.
func parseReason(raw string, err error) string {
	head, _, ok := strings.Cut(raw, ".")
	if !ok || strings.Count(raw, ".") != 2 {
		return "malformed token: not a compact JWS (header.payload.signature)"
	}
	b, derr := base64.RawURLEncoding.DecodeString(head)
	var h struct {
		Alg string `json:"alg"`
	}
	if derr != nil || json.Unmarshal(b, &h) != nil {
		return "malformed token: the header is not base64url-encoded JSON"
	}
	if h.Alg != "" && strings.Contains(err.Error(), "unexpected signature algorithm") {
		return fmt.Sprintf("algorithm %s is not allowed", quote(h.Alg, 16))
	}
	return "malformed token: " + clip(strings.TrimPrefix(err.Error(), "go-jose/go-jose: "), maxReason)
}
