package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"unicode"
	"unicode/utf8"

	"github.com/eim-byoi/eim/providers/provider"
)

// errTooLarge is the error of a body over the limit.
var errTooLarge = errors.New("request body too large")

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
		return nil, fmt.Errorf("%w: larger than %d bytes (api.maxBodyBytes)", errTooLarge, limit)
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

// writeInputError answers a request readBody refused: 413 for a body over the limit (as the
// legacy API), 400 otherwise.
func writeInputError(w http.ResponseWriter, err error) {
	if errors.Is(err, errTooLarge) {
		writeJSON(w, http.StatusRequestEntityTooLarge, errorBody{Code: "InvalidArgument", Message: "body: " + err.Error()})
		return
	}
	writeError(w, err)
}
