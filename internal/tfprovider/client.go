package tfprovider

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// maxResponseBytes bounds a response body read from the API.
const maxResponseBytes = 16 << 20

// tokenSource gives the bearer token of each request; invalidate drops a cached one after a 401.
type tokenSource interface {
	Token(ctx context.Context) (string, error)
	Invalidate()
}

// staticToken is a token given in the provider configuration.
type staticToken string

func (s staticToken) Token(context.Context) (string, error) { return string(s), nil }
func (staticToken) Invalidate()                             {}

var (
	_ tokenSource = staticToken("")
	_ tokenSource = (*identity.TokenSource)(nil)
)

// Client calls the northbound API at Endpoint with tokens from its token source.
type Client struct {
	// err is why the provider configuration gave no usable client; every call returns it.
	err      error
	endpoint *url.URL
	http     *http.Client
	tokens   tokenSource
}

// ClientOptions configure NewClient.
type ClientOptions struct {
	// Endpoint is the API's base URL, e.g. https://eim.example.com.
	Endpoint string
	// Token is a static bearer token; used when TokenURL is empty.
	Token provider.SecretValue
	// TokenURL, ClientID and ClientSecret obtain tokens with the client-credentials grant from the
	// identity provider EIM trusts; Scopes and Audience are requested with them.
	TokenURL, ClientID string
	ClientSecret       provider.SecretValue
	Scopes, Audience   []string
	// CAPEM is the PEM bundle of the CAs that sign the API's (and the token URL's) certificate;
	// the system roots when empty.
	CAPEM string
	// Timeout bounds each HTTP request (default 60s).
	Timeout time.Duration
}

// NewClient returns a client for opts. It does no I/O.
func NewClient(opts ClientOptions) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(opts.Endpoint, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, provider.Errorf(provider.InvalidArgument, "endpoint %q: want an http(s) URL such as https://eim.example.com", opts.Endpoint)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if opts.CAPEM != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(opts.CAPEM)) {
			return nil, provider.Errorf(provider.InvalidArgument, "ca_pem holds no PEM certificate")
		}
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	hc := &http.Client{Transport: tr, Timeout: opts.Timeout}
	c := &Client{endpoint: u, http: hc}
	switch {
	case opts.TokenURL != "":
		if opts.ClientID == "" || opts.ClientSecret.IsEmpty() {
			return nil, provider.Errorf(provider.InvalidArgument, "token_url is set: client_id and client_secret are needed too")
		}
		c.tokens = identity.NewTokenSource(identity.ClientCredentials{TokenURL: opts.TokenURL, ClientID: opts.ClientID,
			Secret: opts.ClientSecret, Scopes: opts.Scopes, Audience: opts.Audience, HTTPClient: hc})
	case !opts.Token.IsEmpty():
		c.tokens = staticToken(opts.Token.Reveal())
	default:
		return nil, provider.Errorf(provider.InvalidArgument, "no credentials: set token, or token_url with client_id and client_secret")
	}
	return c, nil
}

// apiError is the API's error document, {"code":"NotFound","message":"..."}.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

// ProviderCode is the code the API named (the gRPC code's name), Unknown for another answer.
func (e *apiError) ProviderCode() provider.Code {
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		if c.String() == e.Code {
			return provider.Code(c)
		}
	}
	return provider.Unknown
}

var _ interface{ ProviderCode() provider.Code } = (*apiError)(nil)

// isNotFound reports whether err is the API's 404.
func isNotFound(err error) bool {
	ae, ok := err.(*apiError)
	return ok && ae.Status == http.StatusNotFound
}

// call sends method path (below the endpoint) with in as protojson (nil: no body) and decodes
// the answer into out (nil: discarded).
func (c *Client) call(ctx context.Context, method, path string, in, out proto.Message) error {
	var body []byte
	if in != nil {
		b, err := protojson.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s: %w", path, err)
		}
		body = b
	}
	raw, err := c.do(ctx, method, path, body)
	if err != nil || out == nil {
		return err
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode the answer to %s %s: %w", method, path, err)
	}
	return nil
}

// callJSON is call for the tenancy endpoints, whose documents are not protobuf messages.
func (c *Client) callJSON(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = b
	}
	raw, err := c.do(ctx, method, path, body)
	if err != nil || out == nil {
		return err
	}
	return json.Unmarshal(raw, out)
}

// do sends one request, retrying once with a fresh token after a 401.
func (c *Client) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	for attempt := 0; ; attempt++ {
		raw, status, err := c.send(ctx, method, path, body)
		if err != nil {
			return nil, err
		}
		if status == http.StatusUnauthorized && attempt == 0 {
			c.tokens.Invalidate()
			continue
		}
		if status >= 300 {
			e := &apiError{Status: status}
			if json.Unmarshal(raw, e) != nil || e.Message == "" {
				e.Message = strings.TrimSpace(string(raw))
			}
			return nil, e
		}
		return raw, nil
	}
}

func (c *Client) send(ctx context.Context, method, path string, body []byte) ([]byte, int, error) {
	tok, err := c.tokens.Token(ctx)
	if err != nil {
		return nil, 0, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.endpoint.String()+path, rd)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, provider.Errorf(provider.Unavailable, "%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, 0, provider.Errorf(provider.Unavailable, "%s %s: read the answer: %v", method, path, err)
	}
	return raw, resp.StatusCode, nil
}

// projectPath is /v1/projects/{project} followed by the escaped elements of rest.
func projectPath(project string, rest ...string) string {
	var b strings.Builder
	b.WriteString("/v1/projects/")
	b.WriteString(url.PathEscape(project))
	for _, r := range rest {
		b.WriteByte('/')
		b.WriteString(r)
	}
	return b.String()
}
