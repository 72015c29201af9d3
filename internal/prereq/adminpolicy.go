package prereq

import (
	"sort"
	"strings"
)

// VaultAdminPaths are the paths and capabilities `eim bootstrap secrets` needs of the
// administrator's token for spec: reading and creating the mounts, EIM's policy, its auth role
// and the KV secrets bootstrap writes. Nothing else: a token with exactly this policy
// bootstraps (the tests use one).
func VaultAdminPaths(spec *Spec, a *VaultAdmin) []VaultPath {
	v := spec.Vault
	if v == nil {
		return nil
	}
	rw := []string{"create", "read", "update"}
	kv := strings.Trim(v.KV.Mount, "/")
	out := []VaultPath{
		{Path: "sys/mounts", Capabilities: []string{"read"}, Why: "list the secrets engines"},
		{Path: "sys/mounts/" + kv, Capabilities: []string{"create", "update"}, Why: "mount the KV v2 engine"},
		{Path: "sys/auth", Capabilities: []string{"read"}, Why: "list the auth methods"},
		{Path: "sys/policies/acl/" + a.Policy, Capabilities: rw, Why: "EIM's policy"},
		{Path: kv + "/data/*", Capabilities: rw, Why: "the credentials bootstrap writes (narrow to the paths eim.yaml names)"},
	}
	if t := v.Transit; t != nil {
		tm := strings.Trim(t.Mount, "/")
		out = append(out, VaultPath{Path: "sys/mounts/" + tm, Capabilities: []string{"create", "update"}, Why: "mount the transit engine"},
			VaultPath{Path: tm + "/keys/" + t.Key, Capabilities: rw, Why: "the transit key"})
	}
	if n, ok := spec.Dynamic(nil); ok && (spec.Database.Dialect == "postgres" || spec.Database.SetRole()) {
		c := n.Mount + "/config/" + n.Role
		out = append(out, VaultPath{Path: "sys/mounts/" + n.Mount, Capabilities: []string{"create", "update"}, Why: "mount the database secrets engine"},
			VaultPath{Path: c, Capabilities: rw, Why: "the engine's connection to the database"},
			VaultPath{Path: n.Mount + "/roles/" + n.Role, Capabilities: rw, Why: "the engine's role issuing the runtime users"},
			VaultPath{Path: n.Mount + "/rotate-root/" + n.Role, Capabilities: []string{"update"}, Why: "rotate the manager's password away"})
	}
	au := v.Auth
	role := func(mount, name, typ string) {
		base := "auth/" + strings.Trim(mount, "/") + "/role/" + name
		out = append(out, VaultPath{Path: "sys/auth/" + strings.Trim(mount, "/"), Capabilities: []string{"create", "update", "sudo"}, Why: "enable " + typ + " auth"},
			VaultPath{Path: base, Capabilities: rw, Why: "EIM's " + typ + " role"})
		if typ == "approle" {
			out = append(out, VaultPath{Path: base + "/role-id", Capabilities: []string{"read", "update"}, Why: "set the role id of eim.yaml"},
				VaultPath{Path: base + "/secret-id", Capabilities: []string{"update"}, Why: "issue the secret id"})
		}
	}
	switch {
	case au.AppRole != nil:
		role(au.AppRole.Mount, a.Role, "approle")
	case au.Kubernetes != nil:
		role(au.Kubernetes.Mount, au.Kubernetes.Role, "kubernetes")
		out = append(out, VaultPath{Path: "auth/" + strings.Trim(au.Kubernetes.Mount, "/") + "/config", Capabilities: rw, Why: "the kubernetes auth method's API server"})
	case au.JWT != nil:
		role(au.JWT.Mount, au.JWT.Role, "jwt")
		out = append(out, VaultPath{Path: "auth/" + strings.Trim(au.JWT.Mount, "/") + "/config", Capabilities: rw, Why: "the jwt auth method's issuer"})
	case au.Token != nil:
		out = append(out, VaultPath{Path: "auth/token/create-orphan", Capabilities: []string{"update", "sudo"}, Why: "issue EIM's token"},
			VaultPath{Path: "auth/token/lookup", Capabilities: []string{"update"}, Why: "check the token at the reference"})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}
