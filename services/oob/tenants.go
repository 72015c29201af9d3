package oob

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/eim-byoi/eim/providers/provider"
)

// CIRAConfigName is the name of project tenant's CIRA configuration in RPS.
func CIRAConfigName(tenant string) string { return "cira-" + tenant }

// ProfileName is the name of project tenant's activation profile in RPS: admin control mode
// (acm, no user consent) or client control mode (ccm, user consent for every redirection).
func ProfileName(tenant string, acm bool) string {
	if acm {
		return "acm-" + tenant
	}
	return "ccm-" + tenant
}

// rpsCIRAConfig is RPS's CIRAConfigPOST/PATCH/Response.
type rpsCIRAConfig struct {
	ConfigName          string `json:"configName"`
	MPSServerAddress    string `json:"mpsServerAddress"`
	MPSPort             int    `json:"mpsPort"`
	Username            string `json:"username"`
	Password            string `json:"password,omitempty"`
	CommonName          string `json:"commonName"`
	ServerAddressFormat int    `json:"serverAddressFormat"`
	AuthMethod          int    `json:"authMethod"`
	MPSRootCertificate  string `json:"mpsRootCertificate"`
	ProxyDetails        string `json:"proxyDetails"`
	RegeneratePassword  *bool  `json:"regeneratePassword,omitempty"`
	Version             string `json:"version,omitempty"`
}

// rpsProfile is RPS's ProfilePOST.
type rpsProfile struct {
	ProfileName                string   `json:"profileName"`
	Activation                 string   `json:"activation"`
	CIRAConfigName             string   `json:"ciraConfigName"`
	AMTPassword                string   `json:"amtPassword"`
	GenerateRandomPassword     bool     `json:"generateRandomPassword"`
	MEBxPassword               string   `json:"mebxPassword,omitempty"`
	GenerateRandomMEBxPassword bool     `json:"generateRandomMEBxPassword"`
	Tags                       []string `json:"tags"`
	DHCPEnabled                bool     `json:"dhcpEnabled"`
	UserConsent                string   `json:"userConsent"`
	IDEREnabled                bool     `json:"iderEnabled"`
	KVMEnabled                 bool     `json:"kvmEnabled"`
	SOLEnabled                 bool     `json:"solEnabled"`
	TLSSigningAuthority        string   `json:"tlsSigningAuthority"`
}

// ensureTenant creates what tenant needs in RPS and is missing: the CIRA configuration (MPS's
// root certificate and CIRA address; changed when they changed) and the two activation
// profiles. Calling it again changes nothing.
func (m *Module) ensureTenant(ctx context.Context, tenant string) error {
	pw, err := m.vault.passwords(ctx, tenant)
	if err != nil {
		return err
	}
	cert, err := m.ciraCert(ctx, tenant)
	if err != nil {
		return err
	}
	if err := m.ensureCIRA(ctx, tenant, cert, pw); err != nil {
		return err
	}
	for _, acm := range []bool{false, true} {
		if err := m.ensureProfile(ctx, tenant, acm, pw); err != nil {
			return err
		}
	}
	return m.vault.record(ctx, tenant)
}

// ciraCert returns MPS's CIRA root certificate as RPS wants it: the base64 DER of the PEM.
func (m *Module) ciraCert(ctx context.Context, tenant string) (string, error) {
	var raw json.RawMessage
	if err := m.mps.do(ctx, tenant, http.MethodGet, "/api/v1/ciracert", nil, &raw); err != nil {
		return "", err
	}
	var pem string
	if err := json.Unmarshal(raw, &pem); err != nil {
		pem = string(raw)
	}
	body := strings.NewReplacer("-----BEGIN CERTIFICATE-----", "", "-----END CERTIFICATE-----", "").Replace(pem)
	body = strings.Join(strings.Fields(body), "")
	if body == "" {
		return "", provider.Errorf(provider.Internal, "oob: mps GET /api/v1/ciracert: the answer holds no certificate")
	}
	return body, nil
}

// ensureCIRA creates tenant's CIRA configuration, or updates it when the MPS address or
// certificate changed.
func (m *Module) ensureCIRA(ctx context.Context, tenant, cert string, pw Passwords) error {
	host, port, err := splitCIRAAddress(m.cfg.CIRAAddress)
	if err != nil {
		return err
	}
	want := rpsCIRAConfig{ConfigName: CIRAConfigName(tenant), MPSServerAddress: host, MPSPort: port, Username: m.cfg.CIRAUsername,
		Password: pw.CIRA.Reveal(), CommonName: host, ServerAddressFormat: addressFormat(host), AuthMethod: 2, MPSRootCertificate: cert}
	path := "/api/v1/admin/ciraconfigs"
	var have rpsCIRAConfig
	err = m.rps.do(ctx, tenant, http.MethodGet, path+"/"+url.PathEscape(want.ConfigName), nil, &have)
	switch {
	case provider.CodeOf(err) == provider.NotFound:
		return m.rps.do(ctx, tenant, http.MethodPost, path, want, nil)
	case err != nil:
		return err
	case have.MPSServerAddress == want.MPSServerAddress && have.MPSPort == want.MPSPort && have.Username == want.Username &&
		have.MPSRootCertificate == want.MPSRootCertificate:
		return nil
	}
	no := false
	want.RegeneratePassword, want.Version = &no, have.Version
	return m.rps.do(ctx, tenant, http.MethodPatch, path, want, nil)
}

// ensureProfile creates tenant's activation profile of the mode when it is missing.
func (m *Module) ensureProfile(ctx context.Context, tenant string, acm bool, pw Passwords) error {
	p := rpsProfile{ProfileName: ProfileName(tenant, acm), Activation: "ccmactivate", CIRAConfigName: CIRAConfigName(tenant),
		AMTPassword: pw.AMT.Reveal(), Tags: []string{}, DHCPEnabled: true, UserConsent: "All", IDEREnabled: true, KVMEnabled: true,
		SOLEnabled: true, TLSSigningAuthority: "SelfSigned"}
	if acm {
		p.Activation, p.UserConsent, p.MEBxPassword = "acmactivate", "None", pw.MEBx.Reveal()
	}
	path := "/api/v1/admin/profiles"
	err := m.rps.do(ctx, tenant, http.MethodGet, path+"/"+url.PathEscape(p.ProfileName), nil, nil)
	if provider.CodeOf(err) == provider.NotFound {
		return m.rps.do(ctx, tenant, http.MethodPost, path, p, nil)
	}
	return err
}

// removeTenant deletes tenant's profiles and CIRA configuration from RPS (those already gone
// are no error), then its passwords and record.
func (m *Module) removeTenant(ctx context.Context, tenant string) error {
	paths := []string{"/api/v1/admin/profiles/" + url.PathEscape(ProfileName(tenant, false)),
		"/api/v1/admin/profiles/" + url.PathEscape(ProfileName(tenant, true)),
		"/api/v1/admin/ciraconfigs/" + url.PathEscape(CIRAConfigName(tenant))}
	for _, p := range paths {
		if err := m.rps.do(ctx, tenant, http.MethodDelete, p, nil, nil); err != nil && provider.CodeOf(err) != provider.NotFound {
			return err
		}
	}
	return m.vault.forget(ctx, tenant)
}

// splitCIRAAddress splits oob.ciraAddress into host and port (default 4433).
func splitCIRAAddress(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 4433, nil //nolint:nilerr // no port: MPS's default CIRA port
	}
	port, err := strconv.Atoi(p)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, provider.Errorf(provider.InvalidArgument, "oob.ciraAddress %q: the port is not a number from 1 to 65535", addr)
	}
	return host, port, nil
}

// addressFormat is RPS's serverAddressFormat: 3 for an IPv4 address, 201 for a name.
func addressFormat(host string) int {
	if ip := net.ParseIP(host); ip != nil && ip.To4() != nil {
		return 3
	}
	return 201
}
