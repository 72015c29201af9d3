package api

import (
	"bytes"
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

// readBody reads the request body, at most limit bytes, and checks that it and the header
// values are printable text, as the legacy API did; the body is then served from memory.
func readBody(r *http.Request, limit int) error {
	for name, vals := range r.Header {
		for _, v := range vals {
			if !printable(name) || !printable(v) {
				return provider.Errorf(provider.InvalidArgument, "request header contains non printable characters")
			}
		}
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		return provider.Errorf(provider.InvalidArgument, "request body: %v", err)
	}
	if len(raw) > limit {
		return fmt.Errorf("%w: larger than %d bytes (api.maxBodyBytes)", errTooLarge, limit)
	}
	if !utf8.Valid(raw) || !printable(string(raw)) {
		return provider.Errorf(provider.InvalidArgument, "request body contains non printable characters")
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	return nil
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
