package tfprovider_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/tfprovider"
	"github.com/eim-byoi/eim/test/proc"
	"github.com/eim-byoi/eim/test/tfbed"
)

// server is a real `eim serve` on the embedded defaults, on loopback, with tokens signed by its
// embedded issuer through `eim token`, as an operator of the defaults gets them.
type server struct {
	p   *proc.Process
	bin string
	env []string
}

func startServer(t *testing.T) *server {
	t.Helper()
	bin := proc.Build(t)
	dir := t.TempDir()
	env := proc.Env(dir)
	return &server{p: proc.Start(t, bin, dir, env, "serve"), bin: bin, env: env}
}

func (s *server) endpoint() string { return "http://" + s.p.HTTP }

func (s *server) token(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(s.bin, append([]string{"token"}, args...)...)
	cmd.Env = s.env
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("eim token %v: %v\n%s", args, err, ee.Stderr)
	}
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

// projectToken creates project (when missing) and returns an im-rw token for it.
func (s *server) projectToken(t *testing.T, project string) string {
	return s.token(t, "--project", project, "--role", "im-rw", "--create")
}

// adminToken holds every project role globally.
func (s *server) adminToken(t *testing.T) string {
	return s.token(t, "--global-role", "project-write-role,project-read-role,project-update-role,project-delete-role")
}

// client is the provider's own API client with tok, for checks and out-of-band changes.
func (s *server) client(t *testing.T, tok string) *tfprovider.Client {
	t.Helper()
	c, err := tfprovider.NewClient(tfprovider.ClientOptions{Endpoint: s.endpoint(), Token: secret(tok)})
	require.NoError(t, err)
	return c
}

// factories serves the provider in the test process (terraform-plugin-testing reattaches the
// CLI to it); its source address is the one the configurations name.
func factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"eim": providerserver.NewProtocol6WithError(tfprovider.New("test")()),
	}
}

// eachCLI runs body once with terraform and once with OpenTofu (TF_ACC set here, so that
// `make test` runs the acceptance tests without a variable).
func eachCLI(t *testing.T, body func(t *testing.T, cli tfbed.CLI)) {
	for _, name := range tfbed.Names {
		t.Run(name, func(t *testing.T) {
			cli := tfbed.Find(t, name)
			t.Setenv("TF_ACC", "1")
			t.Setenv("TF_ACC_TERRAFORM_PATH", cli.Path)
			t.Setenv("CHECKPOINT_DISABLE", "1")
			// One reattach address, registry.terraform.io/hashicorp/eim: the legacy "-" namespace
			// terraform-plugin-testing also registers by default is refused by OpenTofu.
			t.Setenv("TF_ACC_PROVIDER_NAMESPACE", "hashicorp")
			cfg := tfbed.NoConfig(t)
			t.Setenv("TF_CLI_CONFIG_FILE", cfg)
			t.Setenv("TOFU_CLI_CONFIG_FILE", cfg)
			body(t, cli)
		})
	}
}

// header is the provider block of a test configuration. The source is the full address, so
// that terraform and OpenTofu (whose default registry differs) resolve it alike.
func header(endpoint, token string) string {
	return `
terraform {
  required_providers {
    eim = { source = "registry.terraform.io/hashicorp/eim" }
  }
}
provider "eim" {
  endpoint = "` + endpoint + `"
  token    = "` + token + `"
}
`
}

var ctx = context.Background()
