package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path"
	"time"
)

// Admin calls the test realm's admin REST API (path under /admin/realms/<realm>) as the
// bootstrap admin with a JSON body (nil for none), failing the test unless the status is one of
// want (200, 201 and 204 when none); it returns the response body and Location header.
func (s *KeycloakServer) Admin(t TB, method, p string, body any, want ...int) (out []byte, location string) {
	t.Helper()
	if len(want) == 0 {
		want = []int{http.StatusOK, http.StatusCreated, http.StatusNoContent}
	}
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("testenv: %v", err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, s.AdminURL()+p, rd)
	req.Header.Set("Authorization", "Bearer "+s.AdminToken(t))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("testenv: keycloak admin %s %s: %v", method, p, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	for _, w := range want {
		if resp.StatusCode == w {
			return buf.Bytes(), resp.Header.Get("Location")
		}
	}
	t.Fatalf("testenv: keycloak admin %s %s: %s: %s", method, p, resp.Status, bytes.TrimSpace(buf.Bytes()))
	return nil, ""
}

// RolesAdminClient creates a confidential client of the test realm whose service account holds
// the realm-management roles an adapter needs to issue edge-node clients and manage projects'
// roles (manage-clients, view-clients, query-groups, view-users, manage-users, manage-realm,
// view-realm), deleted when the test ends; it returns its client id and secret.
func (s *KeycloakServer) RolesAdminClient(t TB) (clientID, secret string) {
	t.Helper()
	clientID = Unique(t, "eim-roles-admin")
	_, loc := s.Admin(t, http.MethodPost, "/clients", map[string]any{"clientId": clientID, "enabled": true, "publicClient": false,
		"serviceAccountsEnabled": true, "standardFlowEnabled": false, "directAccessGrantsEnabled": false})
	id := path.Base(loc)
	t.Cleanup(func() { s.Admin(t, http.MethodDelete, "/clients/"+id, nil, http.StatusNoContent, http.StatusNotFound) })
	var rm []struct {
		ID string `json:"id"`
	}
	out, _ := s.Admin(t, http.MethodGet, "/clients?clientId=realm-management", nil)
	if json.Unmarshal(out, &rm) != nil || len(rm) != 1 {
		t.Fatalf("testenv: no realm-management client: %s", out)
	}
	var roles []json.RawMessage
	for _, name := range []string{"manage-clients", "view-clients", "query-groups", "view-users", "manage-users", "manage-realm", "view-realm"} {
		out, _ := s.Admin(t, http.MethodGet, "/clients/"+rm[0].ID+"/roles/"+name, nil)
		roles = append(roles, out)
	}
	var user struct {
		ID string `json:"id"`
	}
	out, _ = s.Admin(t, http.MethodGet, "/clients/"+id+"/service-account-user", nil)
	if err := json.Unmarshal(out, &user); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	s.Admin(t, http.MethodPost, "/users/"+user.ID+"/role-mappings/clients/"+rm[0].ID, roles)
	var sec struct {
		Value string `json:"value"`
	}
	out, _ = s.Admin(t, http.MethodGet, "/clients/"+id+"/client-secret", nil)
	if err := json.Unmarshal(out, &sec); err != nil || sec.Value == "" {
		t.Fatalf("testenv: client secret: %s", out)
	}
	return clientID, sec.Value
}
