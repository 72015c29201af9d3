package doctor

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/eim-byoi/eim/internal/prereq"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// identityCheck checks the identity provider: endpoint, discovery, and with a Keycloak admin
// client its login, the audience and realm-management roles in its token and the clock skew
// (token iat and the HTTP Date).
type identityCheck struct {
	spec *prereq.Spec
	o    *Options
	refs refResolver
	c    collector
	hc   *http.Client
}

func (k *identityCheck) policy() identity.Policy {
	if k.spec.Identity != nil {
		return k.spec.Identity.Policy
	}
	return k.spec.OIDC.Policy
}

func (k *identityCheck) run(ctx context.Context) []Finding {
	k.c.target = "identity"
	pol := k.policy()
	u, err := url.Parse(pol.Issuer)
	if err != nil {
		k.c.fail("reach", pol.Issuer, err.Error(), "write providers.identity.config.issuer as https://host/realms/<realm>")
		return k.c.findings
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	mode := provider.TLSDisable
	if u.Scheme == "https" {
		mode = pol.TLS.ModeOr(provider.TLSVerifyFull)
	}
	ep := endpoint{host: u.Hostname(), port: port, tlsPath: "providers.identity.config.tls", tls: pol.TLS, mode: mode}
	if !ep.check(ctx, &k.c, k.o) {
		k.c.skip("auth", pol.Issuer, "the issuer is not reachable securely")
		return k.c.findings
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if tc, err := pol.TLS.Config(u.Hostname(), mode); err == nil {
		tr.TLSClientConfig = tc
	}
	k.hc = &http.Client{Transport: tr, Timeout: 15 * time.Second}
	if !k.discovery(ctx, pol.Issuer) {
		return k.c.findings
	}
	if k.spec.Identity != nil && k.spec.Identity.Admin.ClientID != "" {
		k.admin(ctx)
	}
	return k.c.findings
}

// discovery reads the issuer's discovery document and compares its issuer.
func (k *identityCheck) discovery(ctx context.Context, issuer string) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", nil)
	resp, err := k.hc.Do(req)
	if err != nil {
		k.c.fail("discovery", issuer, err.Error(), "check providers.identity.config.issuer")
		return false
	}
	defer resp.Body.Close()
	var doc struct {
		Issuer string `json:"issuer"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	if resp.StatusCode != http.StatusOK || doc.Issuer != issuer {
		k.c.fail("discovery", issuer, fmt.Sprintf("%s, issuer %q", resp.Status, doc.Issuer),
			"set providers.identity.config.issuer to the exact issuer the provider announces (the realm must exist: `eim bootstrap identity` creates it)")
		return false
	}
	k.c.ok("discovery", issuer, "")
	k.clock("HTTP Date", resp.Header.Get("Date"))
	return true
}

// admin logs the admin client in and checks its token: audience, roles, iat.
func (k *identityCheck) admin(ctx context.Context) {
	a := k.spec.Identity.Admin
	if a.ClientSecret.Value().IsEmpty() {
		k.c.skip("auth", a.ClientID, k.refs.why(&a.ClientSecret))
		return
	}
	i := strings.LastIndex(k.spec.Identity.Issuer, "/realms/")
	base, realm := k.spec.Identity.Issuer[:i], k.spec.Identity.Issuer[i+len("/realms/"):]
	tok, err := prereq.KeycloakToken(ctx, k.hc, base, realm, a.ClientID, a.ClientSecret.Value().Reveal(), "", "")
	if err != nil {
		k.c.fail("auth", a.ClientID, err.Error(), "put the secret of client "+a.ClientID+" (Clients → "+a.ClientID+
			" → Credentials) at "+a.ClientSecret.String()+", and make the client confidential with service accounts enabled (`eim bootstrap identity` does both)")
		return
	}
	k.c.ok("auth", a.ClientID, "client credentials")
	claims, err := decodeClaims(tok)
	if err != nil {
		k.c.fail("auth", a.ClientID, "the token is not a JWT: "+err.Error(), "use a Keycloak realm issuer")
		return
	}
	k.clock("token iat", claims.iat())
	k.audience(claims, a.ClientID)
	k.roles(claims, a.ClientID, realm)
}

func (k *identityCheck) audience(c jwtClaims, client string) {
	auds := c.audiences()
	for _, want := range k.spec.Identity.Audiences {
		if slices.Contains(auds, want) {
			k.c.ok("audience", client, want)
			return
		}
	}
	k.c.fail("audience", client, fmt.Sprintf("token aud [%s] holds none of [%s]", strings.Join(auds, " "), strings.Join(k.spec.Identity.Audiences, " ")),
		"add an audience mapper for "+strings.Join(k.spec.Identity.Audiences, ", ")+" (client scope "+prereq.AudienceScope+
			" as a realm default and a default of "+client+": `eim bootstrap identity` creates it)")
}

func (k *identityCheck) roles(c jwtClaims, client, realm string) {
	have := c.clientRoles("realm-management")
	for _, want := range k.spec.IdentityRoles() {
		if slices.Contains(have, want) {
			k.c.ok("permissions", want, "realm-management role of service-account-"+client)
			continue
		}
		k.c.fail("permissions", want, "the service account of "+client+" lacks the realm-management role "+want,
			fmt.Sprintf("kcadm.sh add-roles -r %s --uusername service-account-%s --cid realm-management --rolename %s "+
				"(Clients → %s → Service account roles → Assign role → realm-management %s)", realm, client, want, client, want))
	}
}

// clock compares the provider's time (an RFC 1123 Date or a token's iat) with the local clock.
func (k *identityCheck) clock(source, value string) {
	var t time.Time
	if source == "HTTP Date" {
		var err error
		if t, err = http.ParseTime(value); err != nil {
			return
		}
	} else if t, _ = time.Parse(time.RFC3339, value); t.IsZero() {
		return
	}
	skew := k.o.Now().Sub(t)
	slack := time.Second // Date and iat have a resolution of one second
	if skew.Abs() > k.o.MaxSkew+slack {
		k.c.fail("clock", source, fmt.Sprintf("the local clock is %s off the identity provider's", skew.Round(time.Second)),
			"synchronize this host's clock with NTP (chronyc makestep / timedatectl set-ntp true): tokens are checked against it")
		return
	}
	k.c.ok("clock", source, "skew "+skew.Round(time.Second).String())
}

// jwtClaims are the decoded claims of a token the provider just issued (not verified: doctor
// only reads what the provider granted).
type jwtClaims map[string]any

func decodeClaims(tok string) (jwtClaims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	var c jwtClaims
	return c, json.Unmarshal(b, &c)
}

func (c jwtClaims) iat() string {
	f, ok := c["iat"].(float64)
	if !ok {
		return ""
	}
	return time.Unix(int64(f), 0).UTC().Format(time.RFC3339)
}

func (c jwtClaims) audiences() []string {
	switch a := c["aud"].(type) {
	case string:
		return []string{a}
	case []any:
		return toStrings(a)
	}
	return nil
}

func (c jwtClaims) clientRoles(client string) []string {
	ra, _ := c["resource_access"].(map[string]any)
	cl, _ := ra[client].(map[string]any)
	return toStrings(cl["roles"])
}
