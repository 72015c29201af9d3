package doctor

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/vault/api"

	"github.com/eim-byoi/eim/internal/prereq"
	"github.com/eim-byoi/eim/providers/provider"
)

// refResolver remembers why a {secret: ...} reference of eim.yaml could not be resolved.
type refResolver map[*provider.SecretRef]string

// why returns why ref holds no value: unresolved through secrets, or not set.
func (r refResolver) why(ref *provider.SecretRef) string {
	if w, ok := r[ref]; ok {
		return w
	}
	if ref.Secret != "" {
		return "secret reference " + ref.String() + " was not resolved (the secrets checks failed)"
	}
	return "reference " + ref.String() + " resolved to nothing"
}

// vaultCheck checks Vault/OpenBao: endpoint, EIM's own login, the capabilities of its token on
// every path the modules use, and resolves the configuration's {secret: ...} references.
type vaultCheck struct {
	spec *prereq.Spec
	o    *Options
	c    collector
	refs refResolver
	// revoke is set when the check logged in: the token it obtained is revoked at the end.
	revoke bool
	client *api.Client
	// issued are the dynamic database credentials read for the database check.
	issued *issued
}

// issued are dynamic database credentials read from the secrets engine.
type issued struct {
	path, user, password string
}

func (v *vaultCheck) run(ctx context.Context) []Finding {
	v.c.target, v.refs = "secrets", refResolver{}
	cfg := v.spec.Vault
	u, err := url.Parse(cfg.Address)
	if err != nil {
		v.c.fail("reach", cfg.Address, err.Error(), "write providers.secrets.config.address as https://host:port")
		return v.c.findings
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	mode := provider.TLSDisable
	if u.Scheme == "https" {
		mode = cfg.TLS.ModeOr(provider.TLSVerifyFull)
	}
	ep := endpoint{host: u.Hostname(), port: port, tlsPath: "providers.secrets.config.tls", tls: cfg.TLS, mode: mode}
	if !ep.check(ctx, &v.c, v.o) {
		return v.skipRest("the server is not reachable securely")
	}
	client, err := prereq.VaultClient(cfg, "")
	if err != nil {
		v.c.fail("auth", cfg.Address, err.Error(), "fix providers.secrets.config")
		return v.skipRest("no client")
	}
	method, fix, err := v.login(ctx, client)
	if err != nil {
		v.c.fail("auth", method, err.Error(), fix)
		return v.skipRest("EIM's login failed")
	}
	v.c.ok("auth", method, "")
	v.capabilities(ctx, client)
	v.resolve(ctx, client)
	v.client = client
	v.issue(ctx, client)
	return v.c.findings
}

// close revokes the token the check logged in with, and with it the lease of the database
// credentials it was issued; a configured token (not ours) is kept and the lease ends with
// its TTL.
func (v *vaultCheck) close(ctx context.Context) {
	if v.client != nil && v.revoke {
		_ = v.client.Auth().Token().RevokeSelfWithContext(ctx, "")
	}
}

// issue reads dynamic database credentials as eim serve would, for the database check's login.
func (v *vaultCheck) issue(ctx context.Context, c *api.Client) {
	d := v.spec.Database
	if d == nil || d.Common.Dynamic == nil {
		return
	}
	path := d.Common.Dynamic.Path
	s, err := c.Logical().ReadWithContext(ctx, path)
	if err == nil && (s == nil || s.Data == nil) {
		err = fmt.Errorf("no credentials at %s", path)
	}
	if err != nil {
		v.c.fail("dynamic", path, err.Error(), "check the database secrets engine's role and connection at "+path+
			" (`eim bootstrap database` creates them) and that EIM's policy reads it")
		return
	}
	user, _ := s.Data["username"].(string)
	pw, _ := s.Data["password"].(string)
	v.issued = &issued{path: path, user: user, password: pw}
	v.c.ok("dynamic", path, "issued user "+user+" (lease "+strconv.Itoa(s.LeaseDuration)+"s)")
}

func (v *vaultCheck) skipRest(why string) []Finding {
	v.c.skip("permissions", "policy", why)
	for _, r := range prereq.SecretRefs(v.spec.Config) {
		v.refs[r.Ref] = "secret reference " + r.Ref.String() + " not resolved: " + why + " (see the secrets checks)"
	}
	return v.c.findings
}

// login logs in as eim serve would and returns the method's name and the fix of a failure.
func (v *vaultCheck) login(ctx context.Context, c *api.Client) (string, string, error) {
	a := v.spec.Vault.Auth
	boot := " (`eim bootstrap secrets` creates it)"
	switch {
	case a.Token != nil:
		if a.Token.Value().IsEmpty() {
			return "token", "set " + a.Token.String() + " to EIM's token" + boot, fmt.Errorf("auth.token %s resolved to nothing", a.Token)
		}
		c.SetToken(a.Token.Value().Reveal())
	case a.TokenFile != "":
		b, err := os.ReadFile(a.TokenFile)
		if err != nil {
			return "tokenFile", "make Vault Agent write the token to " + a.TokenFile, err
		}
		c.SetToken(strings.TrimSpace(string(b)))
	case a.AppRole != nil:
		r := a.AppRole
		s, err := c.Logical().WriteWithContext(ctx, "auth/"+r.Mount+"/login", map[string]any{"role_id": r.RoleID, "secret_id": r.SecretID.Value().Reveal()})
		if err == nil && (s == nil || s.Auth == nil) {
			err = fmt.Errorf("the login returned no token")
		}
		if err != nil {
			return "appRole " + r.Mount, "check auth.appRole.roleID and the secret id at " + r.SecretID.String() +
				": `bao write -f auth/" + r.Mount + "/role/<role>/secret-id` issues a new one" + boot, err
		}
		c.SetToken(s.Auth.ClientToken)
		v.revoke = true
	case a.Kubernetes != nil || a.JWT != nil:
		method, fix, err := v.jwtLogin(ctx, c)
		if err != nil {
			return method, fix, err
		}
	default:
		return "login", "", nil
	}
	if _, err := c.Auth().Token().LookupSelfWithContext(ctx); err != nil {
		return "token", "issue EIM a valid token with its policy" + boot, err
	}
	return v.methodName(), "", nil
}

func (v *vaultCheck) methodName() string {
	a := v.spec.Vault.Auth
	switch {
	case a.AppRole != nil:
		return "appRole " + a.AppRole.Mount
	case a.TokenFile != "":
		return "tokenFile"
	}
	return "token"
}

// capabilities asks sys/capabilities-self for every path the modules use.
func (v *vaultCheck) capabilities(ctx context.Context, c *api.Client) {
	paths := v.spec.VaultPaths()
	policy := "eim"
	if s, err := c.Auth().Token().LookupSelfWithContext(ctx); err == nil {
		if pol, _ := s.TokenPolicies(); len(pol) > 0 {
			for _, p := range pol {
				if p != "default" {
					policy = p
					break
				}
			}
		}
	}
	list := make([]string, len(paths))
	for i, p := range paths {
		list[i] = p.Path
	}
	s, err := c.Logical().WriteWithContext(ctx, "sys/capabilities-self", map[string]any{"paths": list})
	if err != nil || s == nil {
		v.c.fail("permissions", "sys/capabilities-self", fmt.Sprint(err), "allow EIM's token to call sys/capabilities-self (the default policy does)")
		return
	}
	fix := prereq.PolicyWriteCommand(policy, paths)
	for _, p := range paths {
		have := toStrings(s.Data[p.Path])
		var missing []string
		for _, want := range p.Capabilities {
			if !slices.Contains(have, want) && !slices.Contains(have, "root") && !slices.Contains(have, "sudo") {
				missing = append(missing, want)
			}
		}
		if len(missing) > 0 {
			v.c.fail("permissions", p.Path, fmt.Sprintf("token has [%s], %s needs [%s]", strings.Join(have, " "), p.Why, strings.Join(p.Capabilities, " ")), fix)
			continue
		}
		v.c.ok("permissions", p.Path, strings.Join(p.Capabilities, " "))
	}
}

func toStrings(x any) []string {
	list, _ := x.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// resolve reads every {secret: ...} reference as EIM would (KV version 2; dynamic secrets are
// not read: that would issue credentials).
func (v *vaultCheck) resolve(ctx context.Context, c *api.Client) {
	src := provider.SecretSources{Store: kvReader{c: c, mount: v.spec.Vault.KV.Mount}}
	for _, r := range prereq.SecretRefs(v.spec.Config) {
		p, key, _ := r.Ref.SecretPath()
		if dynamic(v.spec, p) {
			continue
		}
		if err := r.Ref.Resolve(ctx, src); err != nil {
			v.refs[r.Ref] = "secret reference " + r.Ref.String() + " not resolved (see the secrets checks)"
			v.c.fail("reference", r.Path, err.Error(), fmt.Sprintf("bao kv put -mount=%s %s %s=<value> (`eim bootstrap` writes the credentials it creates)",
				v.spec.Vault.KV.Mount, p, key))
			continue
		}
		v.c.ok("reference", r.Path, r.Ref.String())
	}
}

func dynamic(s *prereq.Spec, p string) bool {
	for _, d := range s.Vault.DynamicPrefixes {
		if strings.HasPrefix(p, d) {
			return true
		}
	}
	return false
}

// kvReader reads KV version 2 secrets for SecretRef.Resolve.
type kvReader struct {
	c     *api.Client
	mount string
}

// ReadSecret implements provider.SecretReader.
func (k kvReader) ReadSecret(ctx context.Context, path, key string) ([]byte, error) {
	s, err := k.c.KVv2(k.mount).Get(ctx, path)
	if err != nil {
		return nil, provider.WithCode(provider.NotFound, err)
	}
	v, ok := s.Data[key].(string)
	if !ok {
		return nil, provider.Errorf(provider.NotFound, "secret %s has no key %s", path, key)
	}
	return []byte(v), nil
}

// jwtLogin logs in with the workload's token file (kubernetes or jwt auth), as eim serve does;
// run doctor where eim serve runs (the token file is the pod's).
func (v *vaultCheck) jwtLogin(ctx context.Context, c *api.Client) (method, fix string, err error) {
	a := v.spec.Vault.Auth
	typ, mount, role, file := "jwt", "", "", ""
	if k := a.Kubernetes; k != nil {
		typ, mount, role, file = "kubernetes", k.Mount, k.Role, k.TokenFile
	} else {
		mount, role, file = a.JWT.Mount, a.JWT.Role, a.JWT.TokenFile
	}
	method = typ + " " + mount + " role " + role
	raw, err := os.ReadFile(file)
	if err != nil {
		return method, "run doctor where eim serve runs, with the token file " + file + " (projected service-account token or the IdP's JWT)", err
	}
	s, err := c.Logical().WriteWithContext(ctx, "auth/"+mount+"/login", map[string]any{"role": role, "jwt": strings.TrimSpace(string(raw))})
	if err == nil && (s == nil || s.Auth == nil) {
		err = fmt.Errorf("the login returned no token")
	}
	if err != nil {
		return method, "check that auth/" + mount + "/role/" + role + " binds this token's issuer, audience and subject (service account and namespace for kubernetes) " +
			"and that the token in " + file + " is current (`eim bootstrap secrets` creates the role)", err
	}
	c.SetToken(s.Auth.ClientToken)
	v.revoke = true
	return method, "", nil
}
