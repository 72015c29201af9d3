package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

// rest calls the northbound API of a process.
type rest struct{ base string }

// do sends a JSON request with token and decodes a JSON answer into out (when not nil),
// returning the status.
func (r rest) do(t testing.TB, method, path, token string, body, out any) int {
	t.Helper()
	var in io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		in = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.base+path, in)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if out != nil && resp.StatusCode < 300 {
		require.NoError(t, json.Unmarshal(b, out), "%s %s: %s", method, path, b)
	}
	if resp.StatusCode >= 300 && out != nil {
		t.Logf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode
}

// create POSTs body to the project's collection and returns the new resource's id.
func (r rest) create(t testing.TB, project, token, collection string, body map[string]any) string {
	t.Helper()
	var out map[string]any
	code := r.do(t, http.MethodPost, "/v1/projects/"+url.PathEscape(project)+"/"+collection, token, body, &out)
	require.Equal(t, http.StatusOK, code, "POST %s", collection)
	id, _ := out["resourceId"].(string)
	require.NotEmpty(t, id, "POST %s answered %v", collection, out)
	return id
}

// list GETs every item of a project's collection (pages of 100), the items under key.
func (r rest) list(t testing.TB, project, token, collection, key string) []map[string]any {
	t.Helper()
	var all []map[string]any
	for offset := 0; ; offset += 100 {
		var page map[string]any
		path := fmt.Sprintf("/v1/projects/%s/%s?pageSize=100&offset=%d", url.PathEscape(project), collection, offset)
		require.Equal(t, http.StatusOK, r.do(t, http.MethodGet, path, token, nil, &page), path)
		items, _ := page[key].([]any)
		for _, it := range items {
			all = append(all, it.(map[string]any))
		}
		if more, _ := page["hasNext"].(bool); !more {
			return all
		}
	}
}

func str(m map[string]any, key string) string {
	v, _ := m[key].(string)
	return v
}

func num(m map[string]any, key string) float64 {
	v, _ := m[key].(float64)
	return v
}
