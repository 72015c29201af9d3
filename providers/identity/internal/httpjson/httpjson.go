// Package httpjson sends the JSON requests of the identity adapters' admin and registration
// APIs and maps HTTP statuses to provider codes. Error messages name the method, the URL path
// and the status, never a request or credential.
package httpjson

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/eim-byoi/eim/providers/provider"
)

// maxBody bounds an answer.
const maxBody = 1 << 20

// Response is an answer with a status the caller accepted.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends method u with body (JSON-encoded when not nil) and the bearer token, and returns
// the answer when its status is 2xx. Other statuses are errors with a Code: 401
// Unauthenticated, 403 PermissionDenied, 404 NotFound, 409 AlreadyExists, 5xx and 429
// Unavailable, the rest FailedPrecondition.
func Do(ctx context.Context, c *http.Client, method, u, bearer string, body any) (*Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, provider.WithCode(provider.Internal, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, provider.WithCode(provider.InvalidArgument, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, provider.WithCode(provider.Unavailable, fmt.Errorf("%s %s: %w", method, pathOf(u), unwrapURL(err)))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, provider.WithCode(provider.Unavailable, fmt.Errorf("%s %s: %w", method, pathOf(u), err))
	}
	if resp.StatusCode/100 != 2 {
		return nil, provider.Errorf(Code(resp.StatusCode), "%s %s: %s%s", method, pathOf(u), resp.Status, detail(b))
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// Decode unmarshals the answer into v.
func (r *Response) Decode(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return provider.Errorf(provider.FailedPrecondition, "the answer is not the expected JSON: %v", err)
	}
	return nil
}

// Code maps an HTTP status to a provider code.
func Code(status int) provider.Code {
	switch {
	case status == http.StatusUnauthorized:
		return provider.Unauthenticated
	case status == http.StatusForbidden:
		return provider.PermissionDenied
	case status == http.StatusNotFound:
		return provider.NotFound
	case status == http.StatusConflict:
		return provider.AlreadyExists
	case status >= 500 || status == http.StatusTooManyRequests:
		return provider.Unavailable
	}
	return provider.FailedPrecondition
}

// detail returns the error fields of a JSON error body (Keycloak's errorMessage, OAuth2's
// error and error_description), which never hold credentials.
func detail(b []byte) string {
	var e struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
		ErrorMessage     string `json:"errorMessage"`
	}
	if json.Unmarshal(b, &e) != nil {
		return ""
	}
	out := ""
	for _, s := range []string{e.Error, e.ErrorDescription, e.ErrorMessage} {
		if s != "" {
			out += ": " + fmt.Sprintf("%.200s", s)
		}
	}
	return out
}

func pathOf(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Scheme + "://" + p.Host + p.Path
	}
	return "(invalid URL)"
}

func unwrapURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
