package oob

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
)

// tokenSource gives the bearer token of the calls to MPS and RPS; Invalidate drops a token the
// server refused (401), so that the next call obtains a new one. identity.TokenSource and
// login implement it.
type tokenSource interface {
	Token(ctx context.Context) (string, error)
	Invalidate()
}

// dmtClient calls one DMT server's REST API (MPS or RPS) on behalf of a project: every call
// carries the bearer token and the project id in the tenant header.
type dmtClient struct {
	name   string // mps or rps, in errors
	base   string // the base URL without a trailing slash
	http   *http.Client
	auth   tokenSource
	header string
}

// newHTTPClient returns the HTTP client of srv: its TLS (verify-full for https:// by default)
// and its timeout.
func newHTTPClient(srv config.DMTServer) (*http.Client, error) {
	u, err := url.Parse(srv.URL)
	if err != nil {
		return nil, provider.Errorf(provider.InvalidArgument, "%q is not a URL: %v", srv.URL, err)
	}
	def := provider.TLSDisable
	if u.Scheme == "https" {
		def = provider.TLSVerifyFull
	}
	tlsCfg, err := srv.TLS.Config(u.Hostname(), def)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	timeout := time.Duration(srv.Timeout)
	if timeout <= 0 {
		timeout = time.Duration(config.DefaultDMTTimeout)
	}
	return &http.Client{Transport: tr, Timeout: timeout}, nil
}

// apiError is a DMT server's answer other than 2xx.
type apiError struct {
	Status int
	Body   string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("status %d: %s", e.Status, e.Body)
}

// do sends method path (with body as JSON when not nil) for tenant and decodes a 2xx answer
// into out (when not nil). A 401 drops the token and the call is sent once more. Errors carry
// a Code: NotFound for 404, Unavailable when the server cannot be reached or answers 5xx,
// Unauthenticated/PermissionDenied for 401/403, InvalidArgument for other 4xx.
func (c *dmtClient) do(ctx context.Context, tenant, method, path string, body, out any) error {
	for attempt := 0; ; attempt++ {
		status, data, err := c.send(ctx, tenant, method, path, body)
		if err != nil {
			return err
		}
		if status == http.StatusUnauthorized && attempt == 0 {
			c.auth.Invalidate()
			continue
		}
		if status < 200 || status > 299 {
			return c.wrap(method, path, provider.WithCode(statusCode(status), &apiError{Status: status, Body: snippet(data)}))
		}
		if out == nil || len(bytes.TrimSpace(data)) == 0 {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return c.wrap(method, path, provider.Errorf(provider.Internal, "decode the answer: %v", err))
		}
		return nil
	}
}

func (c *dmtClient) send(ctx context.Context, tenant, method, path string, body any) (int, []byte, error) {
	tok, err := c.auth.Token(ctx)
	if err != nil {
		return 0, nil, c.wrap(method, path, fmt.Errorf("authenticate: %w", err))
	}
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, c.wrap(method, path, provider.WithCode(provider.Internal, err))
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return 0, nil, c.wrap(method, path, provider.WithCode(provider.InvalidArgument, err))
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tenant != "" {
		req.Header.Set(c.header, tenant)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		return 0, nil, c.wrap(method, path, provider.WithCode(provider.Unavailable, err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, c.wrap(method, path, provider.WithCode(provider.Unavailable, err))
	}
	return resp.StatusCode, data, nil
}

// wrap names the call in err, keeping its Code.
func (c *dmtClient) wrap(method, path string, err error) error {
	return provider.WithCode(provider.CodeOf(err), fmt.Errorf("oob: %s %s %s: %w", c.name, method, path, err))
}

// statusCode maps an HTTP status to a Code.
func statusCode(status int) provider.Code {
	switch {
	case status == http.StatusNotFound:
		return provider.NotFound
	case status == http.StatusUnauthorized:
		return provider.Unauthenticated
	case status == http.StatusForbidden:
		return provider.PermissionDenied
	case status == http.StatusConflict:
		return provider.AlreadyExists
	case status >= 500, status == http.StatusTooManyRequests:
		return provider.Unavailable
	}
	return provider.InvalidArgument
}

// snippet is the start of an error answer, on one line.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
