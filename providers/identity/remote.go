package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/go-jose/go-jose/v4"

	"github.com/eim-byoi/eim/providers/provider"
)

// maxDocument bounds a discovery document or key set read from the issuer.
const maxDocument = 1 << 20

// Metadata is the part of an issuer's discovery document (OpenID Connect Discovery 1.0,
// RFC 8414) that EIM uses.
type Metadata struct {
	Issuer               string   `json:"issuer"`
	JWKSURI              string   `json:"jwks_uri"`
	TokenEndpoint        string   `json:"token_endpoint"`
	RegistrationEndpoint string   `json:"registration_endpoint,omitempty"`
	Algorithms           []string `json:"id_token_signing_alg_values_supported,omitempty"`
}

// KeySource is where a verifier gets the issuer's metadata and public keys: over HTTP from a
// remote issuer (Remote), or in process from the embedded one.
type KeySource interface {
	// Metadata returns the issuer's metadata; its Issuer must equal the configured issuer.
	Metadata(ctx context.Context) (*Metadata, error)
	// Keys returns the issuer's current public keys.
	Keys(ctx context.Context, m *Metadata) (*jose.JSONWebKeySet, error)
}

// Remote is the KeySource of an issuer reached over HTTP: discovery from
// <issuer>/.well-known/openid-configuration (or Policy.DiscoveryURL), then the JWKS. The
// discovery document is kept once read; the key set is read on every call.
type Remote struct {
	policy Policy
	client *http.Client
	meta   atomic.Pointer[Metadata]
}

// NewRemote returns the HTTP KeySource for p, using client for every request.
func NewRemote(p Policy, client *http.Client) *Remote {
	return &Remote{policy: p, client: client}
}

// Metadata reads and checks the discovery document once; later calls return it.
func (r *Remote) Metadata(ctx context.Context) (*Metadata, error) {
	if m := r.meta.Load(); m != nil {
		return m, nil
	}
	var m Metadata
	if err := getJSON(ctx, r.client, r.policy.discoveryURL(), &m); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	if m.Issuer != r.policy.Issuer {
		return nil, provider.Errorf(provider.FailedPrecondition,
			"discovery at %s names issuer %q, not the configured %q: set issuer to exactly the value the identity provider puts in tokens",
			r.policy.discoveryURL(), m.Issuer, r.policy.Issuer)
	}
	if r.policy.JWKSURL != "" {
		m.JWKSURI = r.policy.JWKSURL
	}
	if m.JWKSURI == "" {
		return nil, provider.Errorf(provider.FailedPrecondition, "discovery at %s has no jwks_uri: set jwksURL", r.policy.discoveryURL())
	}
	r.meta.Store(&m)
	return &m, nil
}

// Keys reads the JWKS.
func (r *Remote) Keys(ctx context.Context, m *Metadata) (*jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	if err := getJSON(ctx, r.client, m.JWKSURI, &set); err != nil {
		return nil, fmt.Errorf("key set: %w", err)
	}
	return &set, nil
}

// getJSON GETs u and decodes the JSON answer into v. Failures carry a Code: Unavailable when
// the issuer cannot be reached or answers 5xx, FailedPrecondition for other statuses.
func getJSON(ctx context.Context, client *http.Client, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return provider.WithCode(provider.InvalidArgument, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return provider.WithCode(provider.Unavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument))
	if err != nil {
		return provider.WithCode(provider.Unavailable, fmt.Errorf("GET %s: %w", u, err))
	}
	if resp.StatusCode != http.StatusOK {
		code := provider.FailedPrecondition
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			code = provider.Unavailable
		}
		return provider.Errorf(code, "GET %s: %s", u, resp.Status)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return provider.Errorf(provider.FailedPrecondition, "GET %s: the answer is not the expected JSON: %v", u, err)
	}
	return nil
}

// HTTPClient returns the client used to reach the issuer: the policy's timeout and TLS
// settings (references resolved); its calls are traced (OpenTelemetry global provider).
func (p Policy) HTTPClient() (*http.Client, error) {
	c := &http.Client{Timeout: p.Timeout.Std()}
	if c.Timeout <= 0 {
		c.Timeout = DefaultHTTPTimeout
	}
	if p.CAFile != "" {
		return nil, provider.Errorf(provider.InvalidArgument, "caFile %s was not converted: set tls.ca to {file: %s}", p.CAFile, p.CAFile)
	}
	tc, err := p.TLS.Config("", provider.TLSVerifyFull)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	c.Transport = provider.TracedTransport(tr) // a client span per call to the issuer when tracing is on
	return c, nil
}
