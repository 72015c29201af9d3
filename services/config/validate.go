package config

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
)

var (
	targetPattern  = regexp.MustCompile(`^(module:)?[a-z][a-z0-9-]*(\s*,\s*(module:)?[a-z][a-z0-9-]*)*$`)
	projectPattern = regexp.MustCompile(`^[a-z0-9-]{1,63}$`)
)

// Validate checks the configuration without I/O and returns every problem found, as a
// provider.ValidationError naming each field and its fix. Whether the target names known
// modules is checked against the module catalog by the caller.
func (c *Config) Validate() error {
	var v provider.Validation
	v.Check(targetPattern.MatchString(c.Target), "target", fmt.Sprintf("%q is not a module list", c.Target),
		`use "all", a profile (onboarding, day2, observability, oob) or modules separated by commas`)
	validateAddr(&v, "listen.http", c.Listen.HTTP)
	validateAddr(&v, "listen.grpc", c.Listen.GRPC)
	v.Check(c.Listen.HTTP != c.Listen.GRPC || portOf(c.Listen.HTTP) == "0", "listen.grpc",
		"is the same address as listen.http", "give the gRPC listener its own port")
	c.Listen.GRPCTLS.validate(&v, "listen.grpcTLS", "or neither to serve plaintext")
	validateDebug(&v, c.Listen.Debug)
	v.Required("dataDir", c.DataDir, "set a directory the process may write, e.g. /var/lib/eim")
	v.Check(slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level), "log.level",
		fmt.Sprintf("%q is not a log level", c.Log.Level), "use debug, info, warn or error")
	v.Check(slices.Contains([]string{"json", "text"}, c.Log.Format), "log.format",
		fmt.Sprintf("%q is not a log format", c.Log.Format), "use json or text")
	for m, lv := range c.Log.Modules {
		v.Check(slices.Contains([]string{"debug", "info", "warn", "error"}, lv), "log.modules."+m,
			fmt.Sprintf("%q is not a log level", lv), "use debug, info, warn or error")
	}
	v.Check(c.Startup.Timeout > 0, "startup.timeout", "must be positive", `e.g. "60s"`)
	v.Check(c.Startup.ShutdownTimeout > 0, "startup.shutdownTimeout", "must be positive", `e.g. "20s"`)
	validateProviders(&v, &c.Providers)
	c.Inventory.validate(&v)
	c.API.validate(&v)
	c.Southbound.validate(&v)
	c.Telemetry.validate(&v)
	c.OOB.validate(&v)
	c.HostMgr.validate(&v)
	c.Onboarding.validate(&v)
	c.OSResource.validate(&v)
	v.Check(c.Tenancy.DefaultProject == "" || projectPattern.MatchString(c.Tenancy.DefaultProject), "tenancy.defaultProject",
		fmt.Sprintf("%q is not a project name", c.Tenancy.DefaultProject),
		"use 1 to 63 lower-case letters, digits and '-', e.g. default; or leave it empty for multi-tenancy")
	validateSecretRefs(&v, c)
	return v.Err()
}

func validateAddr(v *provider.Validation, field, addr string) {
	if addr == "" {
		v.Add(field, "is required", `write host:port, e.g. "0.0.0.0:8080" or ":8080"`)
		return
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		v.Add(field, fmt.Sprintf("%q is not host:port", addr), `write host:port, e.g. "127.0.0.1:8080"`)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		v.Add(field, fmt.Sprintf("port %q is not a number from 0 to 65535", port), "use a numeric port")
	}
}

// validateDebug checks listen.debug: empty, or a loopback host:port (the profiles show the
// process's memory, so they are never served to the network).
func validateDebug(v *provider.Validation, addr string) {
	if addr == "" {
		return
	}
	validateAddr(v, "listen.debug", addr)
	host, _, _ := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	v.Check(host == "localhost" || (ip != nil && ip.IsLoopback()), "listen.debug",
		fmt.Sprintf("%q is not a loopback address: the profiles show the process's memory", addr), `use e.g. "127.0.0.1:6060", or leave it empty`)
}

func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

func validateProviders(v *provider.Validation, p *Providers) {
	for _, k := range kinds.All() {
		b := p.Block(k.Key)
		if b == nil {
			continue
		}
		path := "providers." + k.Key
		split := b.Store != nil || b.Keeper != nil
		switch {
		case split && !k.Split:
			v.Add(path, "has store/keeper blocks, which only providers.secrets takes", "use type and config")
		case split:
			v.Check(b.Type == "", path, "sets both type and store/keeper",
				"use type and config for one adapter, or store and keeper blocks, not both")
			v.Check(b.Store == nil || b.Store.Type != "", path+".store.type", "is required", "name the store adapter")
			v.Check(b.Keeper == nil || b.Keeper.Type != "", path+".keeper.type", "is required", "name the keeper adapter")
		case k.Split:
			v.Check(b.Type != "", path+".type", "is required",
				"name the adapter, or set store and/or keeper, or remove the block to use the embedded default")
		default:
			v.Check(b.Type != "", path+".type", "is required", "name the adapter, or remove the block to use the embedded default")
		}
	}
	for _, b := range p.All() {
		if b.Envelope.Settings != nil {
			v.Nest(b.Path+".config", b.Envelope.Settings.Validate())
		}
	}
}

func (i Inventory) validate(v *provider.Validation) {
	if i.Address != "" {
		validateAddr(v, "inventory.address", i.Address)
		v.Check(i.Credentials != nil, "inventory.credentials", "is required with inventory.address: the remote inventory authenticates its callers",
			"set clientID and clientSecret of a service account that holds inventory.serviceRole")
	}
	v.Nest("inventory.tls", i.TLS.Validate())
	if i.Credentials != nil {
		v.Required("inventory.credentials.clientID", i.Credentials.ClientID, "set the service account's client id")
		v.Check(!i.Credentials.ClientSecret.IsZero(), "inventory.credentials.clientSecret", "is required",
			`set it to a secret reference, e.g. {secret: "eim/inventory-client#secret"}`)
	}
	v.Required("inventory.serviceRole", i.ServiceRole, "name the role service tokens carry, e.g. "+DefaultServiceRole)
}

func (a API) validate(v *provider.Validation) {
	v.Check(slices.Contains([]string{"fulleim", "noobb", "vpro"}, a.Scenario), "api.scenario",
		fmt.Sprintf("%q is not a scenario", a.Scenario), "use fulleim, noobb or vpro")
	v.Check(a.MaxBodyBytes >= 1024 && a.MaxBodyBytes <= MaxMaxBodyBytes, "api.maxBodyBytes",
		fmt.Sprintf("%d is outside 1024..%d", a.MaxBodyBytes, MaxMaxBodyBytes), fmt.Sprintf("leave it out for %d (100 KiB)", DefaultMaxBodyBytes))
	v.Required("api.readRole", a.ReadRole, "name the project role that reads, e.g. im-r")
	v.Required("api.writeRole", a.WriteRole, "name the project role that writes, e.g. im-rw")
}

// validateSecretRefs checks every secret reference that is set, wherever it is, and that the
// secrets provider's own credentials do not depend on the secrets provider.
func validateSecretRefs(v *provider.Validation, c *Config) {
	provider.WalkSecretRefs(c, "", func(path string, ref *provider.SecretRef) {
		if ref.IsZero() {
			return
		}
		v.Nest(path, ref.Validate())
	})
	if c.Providers.Secrets != nil {
		provider.WalkSecretRefs(c.Providers.Secrets, "providers.secrets", func(path string, ref *provider.SecretRef) {
			v.Check(ref.Secret == "", path+".secret", "the secrets provider's own credentials cannot come from itself",
				"use {env: VAR} or {file: /path} here")
		})
	}
}
