package identity

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/eim-byoi/eim/providers/provider"
)

// DefaultRefreshBefore is the least time before expiry at which a cached token is replaced.
const DefaultRefreshBefore = 10 * time.Second

// ClientCredentials configures a TokenSource.
type ClientCredentials struct {
	TokenURL string
	ClientID string
	Secret   provider.SecretValue
	// Scopes and Audience are requested with each token (Audience as the audience parameter,
	// which Hydra, Auth0 and others use to set aud).
	Scopes, Audience []string
	// RefreshBefore: a cached token is replaced once less than the larger of RefreshBefore
	// (default 10s) and a fifth of its lifetime remains.
	RefreshBefore time.Duration
	// HTTPClient makes the token requests; when nil, one over http.DefaultTransport with a 30s
	// timeout, traced (provider.TracedTransport).
	HTTPClient *http.Client
	// Insecure lets PerRPC credentials be sent without transport security (loopback tests).
	Insecure bool
}

// ForClient returns the credentials of an issued edge-node client.
func ForClient(c *Client) ClientCredentials {
	return ClientCredentials{TokenURL: c.TokenURL, ClientID: c.ID, Secret: c.Secret, Scopes: c.Scopes, Audience: c.Audience}
}

// TokenSource obtains access tokens with the OAuth2 client-credentials grant and caches them,
// replacing each before it expires. Concurrent callers share one request. It implements
// credentials.PerRPCCredentials for gRPC clients.
type TokenSource struct {
	creds ClientCredentials
	cfg   clientcredentials.Config
	now   func() time.Time

	mu        sync.Mutex
	tok       *oauth2.Token
	refreshAt time.Time
}

// NewTokenSource returns a TokenSource for c. It does no I/O.
func NewTokenSource(c ClientCredentials) *TokenSource {
	if c.RefreshBefore <= 0 {
		c.RefreshBefore = DefaultRefreshBefore
	}
	if c.HTTPClient == nil {
		// a client span per token request made inside a trace (provider.TracedTransport)
		c.HTTPClient = &http.Client{Timeout: 30 * time.Second, Transport: provider.TracedTransport(http.DefaultTransport)}
	}
	cfg := clientcredentials.Config{ClientID: c.ClientID, ClientSecret: c.Secret.Reveal(), TokenURL: c.TokenURL,
		Scopes: c.Scopes, AuthStyle: oauth2.AuthStyleInHeader}
	if len(c.Audience) > 0 {
		cfg.EndpointParams = map[string][]string{"audience": {strings.Join(c.Audience, " ")}}
	}
	return &TokenSource{creds: c, cfg: cfg, now: time.Now}
}

// Token returns a valid access token: the cached one, or a new one when the cached one is
// near its expiry. If the token endpoint fails while the cached token is still valid, the
// cached token is returned. Errors carry a Code (Unauthenticated when the credentials are
// refused, Unavailable when the endpoint cannot be reached) and never the secret.
func (s *TokenSource) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.tok != nil && now.Before(s.refreshAt) {
		return s.tok.AccessToken, nil
	}
	tok, err := s.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, s.creds.HTTPClient))
	if err != nil {
		if s.tok != nil && now.Before(s.tok.Expiry) {
			return s.tok.AccessToken, nil
		}
		return "", provider.Wrap(Kind, "", fmt.Sprintf("token for client %q", s.creds.ClientID), tokenError(s.creds.TokenURL, err))
	}
	s.tok = tok
	s.refreshAt = refreshTime(now, tok.Expiry, s.creds.RefreshBefore)
	return tok.AccessToken, nil
}

// Invalidate drops the cached token, so that the next Token call requests a new one (after
// a server answered 401 to it).
func (s *TokenSource) Invalidate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tok = nil
}

// refreshTime is when a token obtained at now and expiring at exp is replaced.
func refreshTime(now, exp time.Time, before time.Duration) time.Time {
	if exp.IsZero() {
		return now.Add(time.Minute)
	}
	early := max(before, exp.Sub(now)/5)
	return exp.Add(-early)
}

// tokenError maps a token endpoint failure to a Code, without the response body.
func tokenError(u string, err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return provider.Errorf(provider.Unavailable, "token endpoint %s: %v", u, err)
	}
	code := provider.FailedPrecondition
	switch status := re.Response.StatusCode; {
	case status == http.StatusUnauthorized || re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client":
		code = provider.Unauthenticated
	case status == http.StatusForbidden:
		code = provider.PermissionDenied
	case status >= 500 || status == http.StatusTooManyRequests:
		code = provider.Unavailable
	}
	return provider.Errorf(code, "token endpoint %s refused the request: %s %s", u, re.Response.Status, re.ErrorCode)
}

// GetRequestMetadata returns the authorization header for a gRPC call
// (credentials.PerRPCCredentials).
func (s *TokenSource) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	tok, err := s.Token(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]string{"authorization": "Bearer " + tok}, nil
}

// RequireTransportSecurity reports whether the token may only be sent over TLS: always, unless
// ClientCredentials.Insecure is set.
func (s *TokenSource) RequireTransportSecurity() bool { return !s.creds.Insecure }

// Transport returns an http.RoundTripper that adds the bearer token to every request sent
// through base (http.DefaultTransport when nil).
func (s *TokenSource) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripper{src: s, base: base}
}

type roundTripper struct {
	src  *TokenSource
	base http.RoundTripper
}

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := rt.src.Token(req.Context())
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	return rt.base.RoundTrip(r)
}
