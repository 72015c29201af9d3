package config

import (
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// OOB configures the out-of-band device management module (module oob): the customer's own
// Device Management Toolkit servers it drives — MPS for power actions and deactivation, RPS for
// each project's CIRA configuration and activation profiles — and the AMT passwords.
type OOB struct {
	// MPS is the Management Presence Server: its REST API base URL (e.g.
	// https://mps.example.com, or https://gw.example.com/mps behind Kong), the host:port devices
	// reach over CIRA, its TLS and how EIM authenticates.
	MPS DMTServer `yaml:"mps"`
	// RPS is the Remote Provisioning Server's REST API (e.g. https://rps.example.com or
	// https://gw.example.com/rps); it uses the same authentication as MPS unless its own auth is set.
	RPS DMTServer `yaml:"rps"`
	// CIRAAddress is the MPS address (host or IPv4) and port the devices connect to over CIRA,
	// written into each project's CIRA configuration, e.g. mps.example.com:4433.
	CIRAAddress string `yaml:"ciraAddress"`
	// CIRAUsername is the MPS user name written into the CIRA configurations (5 to 16
	// characters, as RPS requires); default admin.
	CIRAUsername string `yaml:"ciraUsername"`
	// TenantHeader is the HTTP header that carries the project id to MPS and RPS on every call,
	// scoping devices, profiles and CIRA configurations to the project (the legacy dm-manager's
	// ActiveProjectId); default ActiveProjectId.
	TenantHeader string `yaml:"tenantHeader"`
	// Passwords is where the AMT, MEBx and CIRA passwords come from.
	Passwords OOBPasswords `yaml:"passwords"`
	// ReconcileInterval is how often every host's desired power and AMT state, and every
	// project's RPS objects, are reconciled besides the inventory's change events; default 1m.
	ReconcileInterval provider.Duration `yaml:"reconcileInterval"`
	// RetryMin is the first delay before a host whose device MPS does not reach (not connected)
	// or whose power action failed is reconciled again; the delay doubles up to retryMax;
	// default 1s.
	RetryMin provider.Duration `yaml:"retryMin"`
	// RetryMax is the longest delay between two attempts on such a host; default 1m.
	RetryMax provider.Duration `yaml:"retryMax"`
}

// DMTServer is one DMT server's REST API and how EIM authenticates to it.
type DMTServer struct {
	// URL is the base URL of the REST API; paths such as /api/v1/amt/... are appended to it.
	URL string `yaml:"url"`
	// TLS verifies the server (mode and the CA bundle as a secret reference); verify-full for
	// https:// URLs by default.
	TLS provider.TLS `yaml:"tls,omitempty"`
	// Auth is how EIM authenticates; for rps, empty means the same as mps.
	Auth DMTAuth `yaml:"auth,omitempty"`
	// Timeout bounds each request; default 30s.
	Timeout provider.Duration `yaml:"timeout,omitempty"`
}

// DMTAuth authenticates EIM to MPS and RPS, in one of two ways: MPS's own login
// (POST /api/v1/authorize with Username and Password, the JWT renewed before it expires), or a
// bearer token of the customer's identity provider obtained with the OAuth2
// client-credentials grant (when MPS/RPS sit behind a gateway that checks those tokens).
type DMTAuth struct {
	// Username is MPS's login user name (mode login).
	Username provider.SecretRef `yaml:"username,omitempty"`
	// Password is MPS's login password (mode login).
	Password provider.SecretRef `yaml:"password,omitempty"`
	// LoginURL is where to log in; default <mps.url>/api/v1/authorize (behind Kong:
	// https://gw.example.com/mps/login/api/v1/authorize).
	LoginURL string `yaml:"loginURL,omitempty"`
	// ClientID is the identity provider client of the client-credentials grant (mode token);
	// the token URL is tokenURL, or the providers.identity issuer's.
	ClientID string `yaml:"clientID,omitempty"`
	// ClientSecret is the secret of clientID.
	ClientSecret provider.SecretRef `yaml:"clientSecret,omitempty"`
	// TokenURL is the token endpoint of the client-credentials grant; empty: the configured
	// identity provider's.
	TokenURL string `yaml:"tokenURL,omitempty"`
	// Audience is requested with each client-credentials token.
	Audience []string `yaml:"audience,omitempty"`
	// RenewBefore is how long before a login token's expiry it is renewed; default 1m.
	RenewBefore provider.Duration `yaml:"renewBefore,omitempty"`
}

// Mode returns login, token or "" (unset).
func (a DMTAuth) Mode() string {
	switch {
	case !a.Username.IsZero() || !a.Password.IsZero():
		return "login"
	case a.ClientID != "" || !a.ClientSecret.IsZero():
		return "token"
	}
	return ""
}

// OOBPasswords is where the AMT admin, MEBx and CIRA passwords come from.
type OOBPasswords struct {
	// Policy is generated (default: a random password per project for each of AMT, MEBx and
	// CIRA, generated once and kept in the secrets provider under SecretPrefix/<project id>) or
	// static (the same passwords for every project, from AMT, MEBx and CIRA).
	Policy string `yaml:"policy" jsonschema:"enum=generated,enum=static"`
	// SecretPrefix is the secrets provider path under which each project's passwords (and the
	// record that the project was configured in RPS) are kept; default eim/oob.
	SecretPrefix string `yaml:"secretPrefix"`
	// AMT is the AMT admin password (policy static); the agent activates with it.
	AMT provider.SecretRef `yaml:"amt,omitempty"`
	// MEBx is the MEBx password (policy static).
	MEBx provider.SecretRef `yaml:"mebx,omitempty"`
	// CIRA is the MPS password written into the CIRA configurations (policy static).
	CIRA provider.SecretRef `yaml:"cira,omitempty"`
}

// Defaults of the oob block.
const (
	DefaultTenantHeader      = "ActiveProjectId"
	DefaultCIRAUsername      = "admin"
	DefaultOOBReconcile      = provider.Duration(time.Minute)
	DefaultOOBRetryMin       = provider.Duration(time.Second)
	DefaultOOBRetryMax       = provider.Duration(time.Minute)
	DefaultOOBSecretPrefix   = "eim/oob"
	DefaultDMTTimeout        = provider.Duration(30 * time.Second)
	DefaultDMTRenewBefore    = provider.Duration(time.Minute)
	PasswordPolicyGenerated  = "generated"
	PasswordPolicyStatic     = "static"
	defaultOOBPasswordPolicy = PasswordPolicyGenerated
)

func defaultOOB() OOB {
	return OOB{TenantHeader: DefaultTenantHeader, CIRAUsername: DefaultCIRAUsername, ReconcileInterval: DefaultOOBReconcile,
		RetryMin: DefaultOOBRetryMin, RetryMax: DefaultOOBRetryMax,
		Passwords: OOBPasswords{Policy: defaultOOBPasswordPolicy, SecretPrefix: DefaultOOBSecretPrefix}}
}

// Configured reports whether MPS and RPS are set: the oob module idles without them when the
// target is all, and refuses to start when the target names it.
func (o OOB) Configured() bool { return o.MPS.URL != "" && o.RPS.URL != "" }

// validate checks what is set; that mps.url, rps.url and ciraAddress are set is checked when
// the oob module starts, since other targets leave them empty.
func (o OOB) validate(v *provider.Validation) {
	for _, s := range []struct {
		name string
		srv  DMTServer
	}{{"oob.mps", o.MPS}, {"oob.rps", o.RPS}} {
		if s.srv.URL != "" {
			u, err := url.Parse(s.srv.URL)
			v.Check(err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "", s.name+".url",
				fmt.Sprintf("%q is not an http(s) URL", s.srv.URL), "e.g. https://mps.example.com")
		}
		v.Nest(s.name+".tls", s.srv.TLS.Validate())
		v.Check(!(s.srv.Auth.Mode() == "login" && (s.srv.Auth.ClientID != "" || !s.srv.Auth.ClientSecret.IsZero())), s.name+".auth",
			"sets both a login (username/password) and a client (clientID/clientSecret)", "keep one of the two")
		v.Check(s.srv.Auth.Mode() != "login" || (!s.srv.Auth.Username.IsZero() && !s.srv.Auth.Password.IsZero()), s.name+".auth",
			"sets only one of username and password", "set both as secret references")
		v.Check(s.srv.Auth.Mode() != "token" || (s.srv.Auth.ClientID != "" && !s.srv.Auth.ClientSecret.IsZero()), s.name+".auth",
			"sets only one of clientID and clientSecret", "set clientID and clientSecret (a secret reference)")
		v.Check(s.srv.Timeout >= 0, s.name+".timeout", "must not be negative", `e.g. "30s"`)
	}
	v.Check((o.MPS.URL == "") == (o.RPS.URL == ""), "oob.rps.url", "only one of oob.mps.url and oob.rps.url is set",
		"set both (the module drives MPS and RPS together), or neither to leave out-of-band management off")
	v.Required("oob.tenantHeader", o.TenantHeader, "name the header, e.g. "+DefaultTenantHeader)
	v.Check(len(o.CIRAUsername) >= 5 && len(o.CIRAUsername) <= 16, "oob.ciraUsername", "must be 5 to 16 characters (RPS's rule)", "e.g. admin")
	v.Check(o.ReconcileInterval >= provider.Duration(10*time.Millisecond), "oob.reconcileInterval", "must be at least 10ms", `e.g. "1m"`)
	v.Check(o.RetryMin > 0 && o.RetryMax >= o.RetryMin, "oob.retryMin", "must be positive and at most retryMax", `e.g. "1s" and "1m"`)
	p := o.Passwords
	v.Check(slices.Contains([]string{PasswordPolicyGenerated, PasswordPolicyStatic}, p.Policy), "oob.passwords.policy",
		fmt.Sprintf("%q is not a password policy", p.Policy), "use generated or static")
	v.Required("oob.passwords.secretPrefix", p.SecretPrefix, "e.g. "+DefaultOOBSecretPrefix)
	v.Check(p.Policy != PasswordPolicyStatic || (!p.AMT.IsZero() && !p.MEBx.IsZero() && !p.CIRA.IsZero()), "oob.passwords",
		"policy static needs amt, mebx and cira", "set the three as secret references, or use policy generated")
}
