package postgres_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage/postgres"
	"github.com/eim-byoi/eim/providers/storage/remote"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *postgres.Config)
		want string
	}{
		{"ok", func(c *postgres.Config) {}, ""},
		{"url", func(c *postgres.Config) { c.Host, c.Database, c.User, c.URL = "", "", "", "postgres://app@db:6543/eim" }, ""},
		{"url with password", func(c *postgres.Config) { c.URL = "postgres://app:pw@db/eim" }, "url: holds a password"},
		{"no host", func(c *postgres.Config) { c.Host = "" }, "host: is required"},
		{"bad tls", func(c *postgres.Config) { c.TLS.Mode = "prefer" }, `"prefer" is not a TLS mode`},
		{"verify-ca without ca", func(c *postgres.Config) { c.TLS.Mode = provider.TLSVerifyCA }, "tls.ca: is required with verify-ca"},
		{"iam without tls", func(c *postgres.Config) { c.IAM, c.TLS.Mode = &remote.IAM{Region: "us-east-1"}, provider.TLSDisable }, "must not be disable with iam"},
		{"dynamic with user", func(c *postgres.Config) { c.Dynamic = &remote.Dynamic{Path: "database/creds/eim"} }, "user: is issued by the secrets provider"},
		{"two auth modes", func(c *postgres.Config) {
			c.Password = provider.SecretRef{Env: "X"}
			c.IAM = &remote.IAM{Region: "r"}
		}, "mutually exclusive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := postgres.NewConfig()
			c.Host, c.Database, c.User = "db", "eim", "app"
			tt.edit(c)
			err := c.Validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.want)
			assert.Equal(t, provider.InvalidArgument, provider.CodeOf(err))
		})
	}
}
