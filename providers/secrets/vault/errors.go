package vault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/hashicorp/vault/api"

	"github.com/eim-byoi/eim/providers/provider"
)

// responseError is a server error reduced to one line: method, path, status and the server's
// messages. The server never echoes request bodies, so it carries no secret value.
type responseError struct {
	msg string
	err *api.ResponseError
}

func (e *responseError) Error() string { return e.msg }
func (e *responseError) Unwrap() error { return e.err }

// mapError gives err its provider.Code and a one-line message.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var re *api.ResponseError
	if errors.As(err, &re) {
		msgs := strings.Join(re.Errors, "; ")
		if msgs == "" {
			msgs = http.StatusText(re.StatusCode)
		}
		path := re.URL
		if i := strings.Index(path, "/v1/"); i >= 0 {
			path = path[i:]
		}
		return provider.WithCode(statusCode(re.StatusCode), &responseError{
			msg: fmt.Sprintf("%s %s: HTTP %d: %s", re.HTTPMethod, path, re.StatusCode, msgs), err: re})
	}
	if errors.Is(err, api.ErrSecretNotFound) {
		return provider.WithCode(provider.NotFound, err)
	}
	if provider.IsCertificateError(err) {
		return provider.WithCode(provider.FailedPrecondition,
			fmt.Errorf("the server's TLS certificate is not trusted (check tls.ca and tls.serverName): %w", err))
	}
	return provider.WithCode(transportCode(err), err)
}

func statusCode(status int) provider.Code {
	switch status {
	case http.StatusBadRequest:
		return provider.InvalidArgument
	case http.StatusUnauthorized:
		return provider.Unauthenticated
	case http.StatusForbidden:
		return provider.PermissionDenied
	case http.StatusNotFound:
		return provider.NotFound
	case http.StatusConflict:
		return provider.Aborted
	case http.StatusPreconditionFailed:
		return provider.FailedPrecondition
	case http.StatusTooManyRequests:
		return provider.ResourceExhausted
	case http.StatusBadGateway, http.StatusServiceUnavailable:
		return provider.Unavailable
	case http.StatusGatewayTimeout:
		return provider.DeadlineExceeded
	}
	return provider.Internal
}

// transportCode classifies an error that is not a server response.
func transportCode(err error) provider.Code {
	switch {
	case errors.Is(err, context.Canceled):
		return provider.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return provider.DeadlineExceeded
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return provider.DeadlineExceeded
	}
	var op *net.OpError
	if errors.As(err, &op) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || strings.Contains(err.Error(), "giving up after") {
		return provider.Unavailable
	}
	return provider.Internal
}

// isPermissionDenied reports a 403: a policy that lacks the path, or a token that is no longer
// valid (revoked, expired), which Vault does not tell apart.
func isPermissionDenied(err error) bool {
	var re *api.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusForbidden
}
