package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"unicode"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	"github.com/eim-byoi/eim/providers/provider"
)

// emptyBodyKey marks, in a request's context, a request that sent no body.
type emptyBodyKey struct{}

// readBody reads the request body, at most limit bytes, and checks that it and the header
// values are printable text, as the legacy API did; the body is then served from memory, and
// a request without one is marked (emptyBodyKey).
func readBody(r *http.Request, limit int) (*http.Request, error) {
	for name, vals := range r.Header {
		for _, v := range vals {
			if !printable(name) || !printable(v) {
				return nil, provider.Errorf(provider.InvalidArgument, "request header contains non printable characters")
			}
		}
	}
	var raw []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		if raw, err = io.ReadAll(io.LimitReader(r.Body, int64(limit)+1)); err != nil {
			return nil, provider.Errorf(provider.InvalidArgument, "request body: %v", err)
		}
	}
	if len(raw) > limit {
		// 413, as the legacy API answered a body over its limit.
		return nil, &runtime.HTTPStatusError{HTTPStatus: http.StatusRequestEntityTooLarge,
			Err: provider.GRPCError(provider.Errorf(provider.InvalidArgument, "body: request body too large: larger than %d bytes (api.maxBodyBytes)", limit))}
	}
	if !utf8.Valid(raw) || !printable(string(raw)) {
		return nil, provider.Errorf(provider.InvalidArgument, "request body contains non printable characters")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		r = r.WithContext(context.WithValue(r.Context(), emptyBodyKey{}, true))
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	return r, nil
}

// printable reports whether s has only printable characters and white space.
func printable(s string) bool {
	for _, c := range s {
		if c == utf8.RuneError || (!unicode.IsPrint(c) && !unicode.IsSpace(c)) {
			return false
		}
	}
	return true
}
