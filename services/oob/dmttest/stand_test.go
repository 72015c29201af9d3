package dmttest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/services/oob/dmttest"
)

// recorder collects the stand-in's violations instead of failing the test.
type recorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func call(t *testing.T, method, url, token, tenant string, body any) (int, map[string]any) {
	t.Helper()
	var b bytes.Buffer
	if body != nil {
		require.NoError(t, json.NewEncoder(&b).Encode(body))
	}
	req, err := http.NewRequest(method, url, &b)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if tenant != "" {
		req.Header.Set("ActiveProjectId", tenant)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestStandValidatesAgainstTheSpecs: the stand-in refuses what the specs refuse — a request
// body missing a required field or of the wrong type, an operation the spec does not have —
// and reports each as a violation; a call without a valid token is 401 (not a violation); valid
// calls are answered from its state, scoped by the tenant header.
func TestStandValidatesAgainstTheSpecs(t *testing.T) {
	var rec recorder
	s := dmttest.Start(t, dmttest.Options{Violation: rec.add})
	status, _ := call(t, http.MethodGet, s.MPSURL+"/api/v1/amt/power/state/g1", "", "t1", nil)
	assert.Equal(t, http.StatusUnauthorized, status, "no token")
	status, _ = call(t, http.MethodPost, s.MPSURL+"/api/v1/authorize", "", "", map[string]string{"username": "admin", "password": "wrong"})
	assert.Equal(t, http.StatusUnauthorized, status, "a wrong password")
	assert.Empty(t, rec.msgs)

	status, out := call(t, http.MethodPost, s.MPSURL+"/api/v1/authorize", "", "", map[string]string{"username": "admin", "password": "Adm1n!pass"})
	require.Equal(t, http.StatusOK, status)
	tok := out["token"].(string)
	s.AddDevice("g1", "t1", 8)

	cases := []struct {
		name, method, url string
		body              any
	}{
		{"a required field missing", http.MethodPost, s.MPSURL + "/api/v1/amt/power/action/g1", map[string]any{"action": 2}},
		{"an action outside the enum", http.MethodPost, s.MPSURL + "/api/v1/amt/power/action/g1", map[string]any{"action": 3, "useSOL": false}},
		{"a wrong type", http.MethodPost, s.RPSURL + "/api/v1/admin/ciraconfigs", map[string]any{"configName": 1}},
		{"an operation the spec lacks", http.MethodPut, s.MPSURL + "/api/v1/amt/power/action/g1", map[string]any{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(rec.msgs)
			status, _ := call(t, c.method, c.url, tok, "t1", c.body)
			assert.GreaterOrEqual(t, status, 400)
			assert.Len(t, rec.msgs, before+1, "reported as a violation")
		})
	}
	d, _ := s.Device("g1")
	assert.Empty(t, d.Actions, "invalid requests change nothing")

	n := len(rec.msgs)
	status, _ = call(t, http.MethodPost, s.MPSURL+"/api/v1/amt/power/action/g1", tok, "t1", map[string]any{"action": 2, "useSOL": false})
	assert.Equal(t, http.StatusOK, status)
	status, out = call(t, http.MethodGet, s.MPSURL+"/api/v1/amt/power/state/g1", tok, "t1", nil)
	assert.Equal(t, http.StatusOK, status)
	assert.EqualValues(t, 2, out["powerstate"])
	status, out = call(t, http.MethodGet, s.MPSURL+"/api/v1/amt/power/state/g1", tok, "t2", nil)
	assert.Equal(t, http.StatusNotFound, status, "another tenant's device is not found")
	assert.True(t, strings.HasPrefix(out["error"].(string), "Device not found/connected"))
	assert.Len(t, rec.msgs, n, "valid requests and the stand-in's answers match the specs")
	assert.Len(t, s.Violations(), n)
}
