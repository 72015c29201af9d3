package dmttest

import (
	"net/http"
	"sort"
	"strconv"
)

func apiError(status int, msg string) (int, any) {
	return status, map[string]any{"error": http.StatusText(status), "message": msg}
}

func (s *Stand) handleRPS(c *call) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch c.route.Path {
	case "/api/v1/admin/ciraconfigs", "/api/v1/admin/ciraconfigs/{configName}":
		return s.ciraConfigs(c)
	case "/api/v1/admin/profiles", "/api/v1/admin/profiles/{profileName}":
		return s.profileOps(c)
	}
	s.violate("rps: %s %s is in the spec but not served by the stand-in", c.Method, c.route.Path)
	return http.StatusNotImplemented, nil
}

// ciraConfigs serves the CIRA configurations of the caller's tenant.
func (s *Stand) ciraConfigs(c *call) (int, any) {
	all := scoped(s.cira, c.tenant)
	name := c.params["configName"]
	switch c.Method {
	case http.MethodGet:
		if name == "" {
			return http.StatusOK, list(all)
		}
		if cfg, ok := all[name]; ok {
			return http.StatusOK, cfg
		}
		return apiError(http.StatusNotFound, "CIRA Config "+name+" Not Found")
	case http.MethodDelete:
		if _, ok := all[name]; !ok {
			return apiError(http.StatusNotFound, "CIRA Config "+name+" Not Found")
		}
		for _, p := range scoped(s.profiles, c.tenant) {
			if p["ciraConfigName"] == name {
				return apiError(http.StatusBadRequest, "CIRA Config: "+name+" associated with an AMT profile")
			}
		}
		delete(all, name)
		return http.StatusNoContent, nil
	}
	var in map[string]any
	_ = c.decode(&in)
	name, _ = in["configName"].(string)
	old, exists := all[name]
	switch {
	case c.Method == http.MethodPost && exists:
		return apiError(http.StatusBadRequest, "CIRA Config insertion failed for "+name+". CIRA Config already exists.")
	case c.Method == http.MethodPatch && !exists:
		return apiError(http.StatusNotFound, "CIRA Config "+name+" Not Found")
	case c.Method == http.MethodPatch && in["version"] != old["version"]:
		return apiError(http.StatusBadRequest, "CIRA Config "+name+" version mismatch")
	}
	out := map[string]any{"tenantId": c.tenant, "version": nextVersion(old)}
	for _, k := range []string{"configName", "mpsServerAddress", "mpsPort", "username", "commonName", "serverAddressFormat",
		"authMethod", "mpsRootCertificate", "proxyDetails"} {
		out[k] = in[k]
	}
	all[name] = out
	if c.Method == http.MethodPost {
		return http.StatusCreated, out
	}
	return http.StatusOK, out
}

// profileOps serves the activation profiles of the caller's tenant.
func (s *Stand) profileOps(c *call) (int, any) {
	all := scoped(s.profiles, c.tenant)
	name := c.params["profileName"]
	switch c.Method {
	case http.MethodGet:
		if name == "" {
			return http.StatusOK, list(all)
		}
		if p, ok := all[name]; ok {
			return http.StatusOK, p
		}
		return apiError(http.StatusNotFound, "Profile "+name+" Not Found")
	case http.MethodDelete:
		if _, ok := all[name]; !ok {
			return apiError(http.StatusNotFound, "Profile "+name+" Not Found")
		}
		delete(all, name)
		return http.StatusNoContent, nil
	case http.MethodPatch:
		return apiError(http.StatusBadRequest, "the stand-in does not change profiles")
	}
	var in map[string]any
	_ = c.decode(&in)
	name, _ = in["profileName"].(string)
	if _, ok := all[name]; ok {
		return apiError(http.StatusBadRequest, "Profile insertion failed for "+name+". Profile already exists.")
	}
	cira, _ := in["ciraConfigName"].(string)
	if _, ok := scoped(s.cira, c.tenant)[cira]; cira != "" && !ok {
		return apiError(http.StatusBadRequest, "Referenced CIRA config "+cira+" does not exist")
	}
	out := map[string]any{"tenantId": c.tenant, "version": "1", "wifiConfigs": []any{}, "ieee8021xProfile": "",
		"ciraConfigName": cira, "userConsent": "All", "iderEnabled": false, "kvmEnabled": false, "solEnabled": false,
		// The spec's ProfileResponse requires a number here, though RPS writes null for CIRA
		// profiles; the stand-in answers what the spec says.
		"tlsMode": 0}
	for _, k := range []string{"profileName", "activation", "generateRandomPassword", "generateRandomMEBxPassword", "tags",
		"dhcpEnabled", "userConsent", "iderEnabled", "kvmEnabled", "solEnabled", "tlsSigningAuthority"} {
		if v, ok := in[k]; ok {
			out[k] = v
		}
	}
	stored := map[string]any{"amtPassword": in["amtPassword"], "mebxPassword": in["mebxPassword"]}
	for k, v := range out {
		stored[k] = v
	}
	all[name] = stored
	return http.StatusCreated, out
}

func scoped(m map[string]map[string]map[string]any, tenant string) map[string]map[string]any {
	if m[tenant] == nil {
		m[tenant] = map[string]map[string]any{}
	}
	return m[tenant]
}

// list returns the objects sorted by name, without the stored passwords.
func list(all map[string]map[string]any) []map[string]any {
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]map[string]any, 0, len(names))
	for _, n := range names {
		out = append(out, public(all[n]))
	}
	return out
}

func public(o map[string]any) map[string]any {
	c := map[string]any{}
	for k, v := range o {
		if k != "amtPassword" && k != "mebxPassword" {
			c[k] = v
		}
	}
	return c
}

func nextVersion(old map[string]any) string {
	v, _ := strconv.Atoi(stringOf(old["version"]))
	return strconv.Itoa(v + 1)
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

// CIRAConfig returns tenant's CIRA configuration name (without its password).
func (s *Stand) CIRAConfig(tenant, name string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cira[tenant][name]
	return c, ok
}

// Profile returns tenant's activation profile name, with the passwords it was created with.
func (s *Stand) Profile(tenant, name string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.profiles[tenant][name]
	return p, ok
}

// Objects returns how many CIRA configurations and profiles tenant has.
func (s *Stand) Objects(tenant string) (ciraConfigs, profiles int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.cira[tenant]), len(s.profiles[tenant])
}
