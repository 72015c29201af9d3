package api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/apitest"
)

// TestIdentityMatrix runs the same authorization cases with each identity provider the API
// trusts: the embedded issuer, the real Keycloak (roles from realm_access.roles) and the real
// Ory Hydra through the generic oidc adapter (roles from a custom claim).
func TestIdentityMatrix(t *testing.T) {
	for _, p := range []struct {
		name string
		open func(testing.TB) apitest.Identity
		// claim is the path of the claim the provider's tokens carry the roles in.
		claim []string
	}{
		{"local", apitest.Local, []string{"roles"}},
		{"keycloak", apitest.Keycloak, []string{"realm_access", "roles"}},
		{"hydra", apitest.Hydra, strings.Split(apitest.HydraRolesClaim, ".")},
	} {
		t.Run(p.name, func(t *testing.T) {
			start := time.Now()
			bed := apitest.New(t, apitest.Options{Identity: p.open(t)})
			_, id := bed.Project(t)
			pr, err := bed.Identity.Verifier.Verify(context.Background(), bed.Token(t, id, "im-r"))
			require.NoError(t, err)
			var roles any = pr.Claims
			for _, name := range p.claim {
				roles = roles.(map[string]any)[name]
			}
			assert.Contains(t, roles, id+"_im-r", "the roles are in the claim %s", strings.Join(p.claim, "."))
			authCases(t, bed)
			t.Logf("%s: %s", p.name, time.Since(start).Round(time.Millisecond))
		})
	}
}

// region is the part of a region resource the cases look at.
type region struct {
	ResourceID string `json:"resourceId"`
	Name       string `json:"name"`
}

// regionList is the answer of GET .../regions.
type regionList struct {
	Regions       []region `json:"regions"`
	TotalElements int      `json:"totalElements"`
}

// authCases are the authorization cases every identity provider passes: bearer tokens are
// verified, and the legacy roles "<project id>_im-r" (GET) and "<project id>_im-rw" (writes)
// are required in the project a path names, whichever claim the provider carries them in.
func authCases(t *testing.T, bed *apitest.Bed) {
	nameA, idA := bed.Project(t)
	nameB, idB := bed.Project(t)
	regionsA, regionsB := "/v1/projects/"+nameA+"/regions", "/v1/projects/"+nameB+"/regions"
	// Obtained first: it expires while the other cases run.
	expiring, refusedFrom := bed.ExpiringToken(t, idA, "im-rw")
	rwA, roA, rwB := bed.Token(t, idA, "im-rw"), bed.Token(t, idA, "im-r"), bed.Token(t, idB, "im-rw")

	// denied asserts an error answer with status and code.
	denied := func(t *testing.T, r *apitest.Response, status int, code string) {
		t.Helper()
		require.Equal(t, status, r.Status, "body: %s", r.Body)
		var e errorDoc
		r.JSON(t, &e)
		assert.Equal(t, code, e.Code)
		if status == http.StatusUnauthorized {
			assert.Equal(t, `Bearer error="invalid_token"`, r.Header.Get("WWW-Authenticate"))
		}
	}
	// list returns the regions of a project, read with a token that may.
	list := func(t *testing.T, path, token string) regionList {
		t.Helper()
		r := bed.Do(t, http.MethodGet, path, token, nil)
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		var l regionList
		r.JSON(t, &l)
		return l
	}
	names := func(l regionList) []string {
		out := make([]string, 0, len(l.Regions))
		for _, r := range l.Regions {
			out = append(out, r.Name)
		}
		return out
	}
	create := func(t *testing.T, path, token, name string) region {
		t.Helper()
		r := bed.Do(t, http.MethodPost, path, token, map[string]any{"name": name})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		var reg region
		r.JSON(t, &reg)
		require.NotEmpty(t, reg.ResourceID)
		return reg
	}
	inB := create(t, regionsB, rwB, "region-of-b")

	t.Run("no token", func(t *testing.T) {
		denied(t, bed.Do(t, http.MethodGet, regionsA, "", nil), http.StatusUnauthorized, "Unauthenticated")
	})
	t.Run("garbage token", func(t *testing.T) {
		denied(t, bed.Do(t, http.MethodGet, regionsA, "not-a-token", nil), http.StatusUnauthorized, "Unauthenticated")
		denied(t, bed.Do(t, http.MethodGet, regionsA, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", nil), http.StatusUnauthorized, "Unauthenticated")
	})
	t.Run("own project", func(t *testing.T) {
		assert.Empty(t, list(t, regionsA, rwA).Regions)
	})
	t.Run("other project", func(t *testing.T) {
		for _, tok := range []string{rwA, roA} {
			for _, r := range []*apitest.Response{
				bed.Do(t, http.MethodGet, regionsB, tok, nil),
				bed.Do(t, http.MethodGet, regionsB+"/"+inB.ResourceID, tok, nil),
				bed.Do(t, http.MethodPost, regionsB, tok, map[string]any{"name": "written-by-a"}),
			} {
				denied(t, r, http.StatusForbidden, "PermissionDenied")
				for _, data := range []string{idB, inB.ResourceID, inB.Name} {
					assert.NotContains(t, string(r.Body), data, "the answer shows nothing of project B")
				}
			}
		}
		// B's region is not reached through A's path either.
		r := bed.Do(t, http.MethodGet, regionsA+"/"+inB.ResourceID, rwA, nil)
		assert.Equal(t, http.StatusNotFound, r.Status, "body: %s", r.Body)
		assert.NotContains(t, string(r.Body), inB.Name)
		assert.Equal(t, []string{inB.Name}, names(list(t, regionsB, rwB)), "nothing was written to B")
	})
	t.Run("read role", func(t *testing.T) {
		assert.Equal(t, http.StatusOK, bed.Do(t, http.MethodGet, regionsA, roA, nil).Status)
		denied(t, bed.Do(t, http.MethodPost, regionsA, roA, map[string]any{"name": "written-by-reader"}), http.StatusForbidden, "PermissionDenied")
		assert.NotContains(t, names(list(t, regionsA, rwA)), "written-by-reader", "nothing was written")
	})
	t.Run("write role", func(t *testing.T) {
		reg := create(t, regionsA, rwA, "written-by-writer")
		l := list(t, regionsA, rwA)
		assert.Contains(t, l.Regions, reg)
		assert.Contains(t, names(list(t, regionsA, roA)), "written-by-writer", "the reader sees it too")
	})
	t.Run("other audience", func(t *testing.T) {
		tok := bed.OtherAudienceToken(t, idA, "im-rw")
		denied(t, bed.Do(t, http.MethodGet, regionsA, tok, nil), http.StatusUnauthorized, "Unauthenticated")
		_, err := bed.Identity.Verifier.Verify(context.Background(), tok)
		assert.ErrorContains(t, err, "audience", "refused for its audience alone: signature and issuer are good")
	})
	t.Run("two authorization headers", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, bed.URL+regionsA, nil)
		require.NoError(t, err)
		req.Header.Add("Authorization", "Bearer "+rwA)
		req.Header.Add("Authorization", "Bearer "+rwA)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		denied(t, &apitest.Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, http.StatusUnauthorized, "Unauthenticated")
	})
	t.Run("expired token", func(t *testing.T) {
		for wait := time.Until(refusedFrom); wait > 0; wait = time.Until(refusedFrom) {
			time.Sleep(wait)
		}
		denied(t, bed.Do(t, http.MethodGet, regionsA, expiring, nil), http.StatusUnauthorized, "Unauthenticated")
		_, err := bed.Identity.Verifier.Verify(context.Background(), expiring)
		assert.ErrorContains(t, err, "expired", "refused for its expiry alone")
	})
}
