package prereq

import (
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets/vault"
)

// VaultClient returns a client of the server v names, with its TLS settings (references
// resolved) and token; it reads no VAULT_* environment variable.
func VaultClient(v *vault.Config, token string) (*api.Client, error) {
	u, err := url.Parse(v.Address)
	if err != nil {
		return nil, provider.WithCode(provider.InvalidArgument, err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if u.Scheme == "https" {
		tc, err := v.TLS.Config(u.Hostname(), provider.TLSVerifyFull)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = tc
	}
	timeout := time.Duration(v.Timeout)
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	c, err := api.NewClient(&api.Config{Address: v.Address, HttpClient: &http.Client{Transport: tr, Timeout: timeout},
		Timeout: timeout, MaxRetries: 0})
	if err != nil {
		return nil, provider.WithCode(provider.InvalidArgument, err)
	}
	c.ClearToken()
	if token != "" {
		c.SetToken(token)
	}
	if v.Namespace != "" {
		c.SetNamespace(v.Namespace)
	}
	return c, nil
}
