package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/test/apitest"
)

// errorDoc is the legacy error document.
type errorDoc struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// failure checks that r is an error of status and code whose message contains every part.
func failure(t *testing.T, r *apitest.Response, status int, code string, parts ...string) {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Body)
	var e errorDoc
	r.JSON(t, &e)
	assert.Equal(t, code, e.Code)
	for _, p := range parts {
		assert.Contains(t, e.Message, p)
	}
	assert.NotContains(t, string(r.Body), "goroutine", "no stack trace in a body")
}

// TestBadInputIsRefusedAndWritesNothing: malformed JSON, unknown fields, oversized bodies,
// invalid filters and page sizes beyond the legacy maximum are refused naming what is wrong,
// and nothing is written.
func TestBadInputIsRefusedAndWritesNothing(t *testing.T) {
	cfg := config.Default().API
	cfg.MaxBodyBytes = 2048
	bed := apitest.New(t, apitest.Options{Config: &cfg})
	name, id := bed.Project(t)
	tok := bed.Token(t, id)
	regions := "/v1/projects/" + name + "/regions"
	cases := []struct {
		name, method, path string
		body               any
		status             int
		code               string
		parts              []string
	}{
		{"malformed JSON", "POST", regions, `{"name": "eu"`, 400, "InvalidArgument", []string{"body"}},
		{"not an object", "POST", regions, `[1,2]`, 400, "InvalidArgument", []string{"body"}},
		{"unknown field", "POST", regions, `{"name":"eu","nmae":"x"}`, 400, "InvalidArgument", []string{"body", `"nmae"`}},
		{"wrong type", "POST", regions, `{"name":12}`, 400, "InvalidArgument", []string{"body", "name"}},
		{"oversized body", "POST", regions, `{"name":"` + strings.Repeat("a", 4096) + `"}`, 413, "InvalidArgument", []string{"2048", "api.maxBodyBytes"}},
		{"non-printable body", "POST", regions, "{\"name\":\"e\x01u\"}", 400, "InvalidArgument", []string{"non printable"}},
		{"invalid name", "POST", regions, `{"name":"e;u"}`, 400, "InvalidArgument", []string{"name"}},
		{"unknown filter field", "GET", regions + "?filter=nmae%3D%22x%22", nil, 400, "InvalidArgument", []string{"nmae"}},
		{"filter syntax", "GET", regions + "?filter=name%3D", nil, 400, "InvalidArgument", []string{"filter"}},
		{"page size over the maximum", "GET", regions + "?pageSize=101", nil, 400, "InvalidArgument", []string{"page_size", "100"}},
		{"page size not a number", "GET", regions + "?pageSize=abc", nil, 400, "InvalidArgument", []string{"page_size"}},
		{"offset over the maximum", "GET", regions + "?offset=10001", nil, 400, "InvalidArgument", []string{"offset", "10000"}},
		{"bad order", "GET", regions + "?orderBy=nmae", nil, 400, "InvalidArgument", []string{"nmae"}},
		{"unknown parameter value", "GET", regions + "?showTotalSites=maybe", nil, 400, "InvalidArgument", []string{"show_total_sites"}},
		{"no body", "POST", regions, nil, 400, "InvalidArgument", []string{"body"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			failure(t, bed.Do(t, tc.method, tc.path, tok, tc.body), tc.status, tc.code, tc.parts...)
		})
	}
	var list struct {
		TotalElements int `json:"totalElements"`
	}
	r := bed.Do(t, "GET", regions, tok, nil)
	require.Equal(t, http.StatusOK, r.Status)
	r.JSON(t, &list)
	assert.Zero(t, list.TotalElements, "nothing was written")
}
