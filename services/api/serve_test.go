package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// serve serves h on loopback for the test and returns its URL.
func serve(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
