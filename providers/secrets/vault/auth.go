package vault

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/vault/api"
	"github.com/hashicorp/vault/api/auth/approle"
	"github.com/hashicorp/vault/api/auth/kubernetes"

	"github.com/eim-byoi/eim/providers/provider"
)

// authMethod obtains a token. login sets it on the client and returns what the server said
// about it (its TTL and whether it is renewable).
type authMethod interface {
	name() string
	login(ctx context.Context, c *api.Client) (*api.SecretAuth, error)
	// canRelogin reports whether logging in again can yield a new valid token.
	canRelogin() bool
	// obtained reports whether the token came from a login (and so is revoked on Close).
	obtained() bool
}

func newAuthMethod(a Auth) (authMethod, error) {
	switch {
	case a.Token != nil:
		if a.Token.Value().IsEmpty() {
			return nil, provider.Errorf(provider.FailedPrecondition, "auth.token %s resolved to nothing (resolve the reference before opening)", a.Token)
		}
		return &staticToken{token: a.Token.Value()}, nil
	case a.TokenFile != "":
		return &tokenFile{path: a.TokenFile}, nil
	case a.AppRole != nil:
		if a.AppRole.SecretID.Value().IsEmpty() {
			return nil, provider.Errorf(provider.FailedPrecondition, "auth.appRole.secretID %s resolved to nothing", &a.AppRole.SecretID)
		}
		m, err := approle.NewAppRoleAuth(a.AppRole.RoleID, &approle.SecretID{FromString: a.AppRole.SecretID.Value().Reveal()},
			approle.WithMountPath(a.AppRole.Mount))
		if err != nil {
			return nil, provider.WithCode(provider.InvalidArgument, err)
		}
		return &loginMethod{kind: "approle", m: m}, nil
	case a.Kubernetes != nil:
		m, err := kubernetes.NewKubernetesAuth(a.Kubernetes.Role, kubernetes.WithServiceAccountTokenPath(a.Kubernetes.TokenFile),
			kubernetes.WithMountPath(a.Kubernetes.Mount))
		if err != nil {
			return nil, provider.WithCode(provider.InvalidArgument, err)
		}
		return &loginMethod{kind: "kubernetes", m: m}, nil
	case a.JWT != nil:
		return &loginMethod{kind: "jwt", m: &jwtLogin{mount: a.JWT.Mount, role: a.JWT.Role, file: a.JWT.TokenFile}}, nil
	}
	return nil, provider.Errorf(provider.InvalidArgument, "no auth method is configured")
}

// staticToken is a token given in configuration.
type staticToken struct{ token provider.SecretValue }

func (*staticToken) name() string     { return "token" }
func (*staticToken) canRelogin() bool { return false }
func (*staticToken) obtained() bool   { return false }
func (s *staticToken) login(ctx context.Context, c *api.Client) (*api.SecretAuth, error) {
	c.SetToken(s.token.Reveal())
	return lookupSelf(ctx, c)
}

// tokenFile is a token in a file that something else (Vault Agent) keeps fresh.
type tokenFile struct {
	path string
	last []byte
}

func (*tokenFile) name() string     { return "tokenFile" }
func (*tokenFile) canRelogin() bool { return true }
func (*tokenFile) obtained() bool   { return false }
func (f *tokenFile) login(ctx context.Context, c *api.Client) (*api.SecretAuth, error) {
	tok, err := readToken(f.path)
	if err != nil {
		return nil, err
	}
	f.last = tok
	c.SetToken(string(tok))
	return lookupSelf(ctx, c)
}

// changed reports whether the file holds another token than the one last read.
func (f *tokenFile) changed() bool {
	tok, err := readToken(f.path)
	return err == nil && !bytes.Equal(tok, f.last)
}

func readToken(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, provider.WithCode(provider.Unauthenticated, fmt.Errorf("read token file: %w", err))
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, provider.Errorf(provider.Unauthenticated, "token file %s is empty", path)
	}
	return b, nil
}

// loginMethod is an auth method that logs in and obtains a fresh token each time.
type loginMethod struct {
	kind string
	m    api.AuthMethod
}

func (l *loginMethod) name() string   { return l.kind }
func (*loginMethod) canRelogin() bool { return true }
func (*loginMethod) obtained() bool   { return true }
func (l *loginMethod) login(ctx context.Context, c *api.Client) (*api.SecretAuth, error) {
	s, err := c.Auth().Login(ctx, l.m)
	if err != nil {
		return nil, mapLoginError(err)
	}
	if s == nil || s.Auth == nil || s.Auth.ClientToken == "" {
		return nil, provider.Errorf(provider.Unauthenticated, "%s login returned no token", l.kind)
	}
	return s.Auth, nil
}

// mapLoginError classifies a failed login: a refusal by the server is Unauthenticated.
func mapLoginError(err error) error {
	err = mapError(err)
	if c := provider.CodeOf(err); c == provider.PermissionDenied || c == provider.InvalidArgument {
		return provider.WithCode(provider.Unauthenticated, err)
	}
	return err
}

// jwtLogin is the jwt auth method: a role and a JWT read from a file at every login.
type jwtLogin struct {
	mount, role, file string
}

// Login implements api.AuthMethod.
func (j *jwtLogin) Login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	b, err := os.ReadFile(j.file)
	if err != nil {
		return nil, provider.WithCode(provider.Unauthenticated, fmt.Errorf("read JWT file: %w", err))
	}
	return c.Logical().WriteWithContext(ctx, "auth/"+strings.Trim(j.mount, "/")+"/login",
		map[string]any{"role": j.role, "jwt": strings.TrimSpace(string(b))})
}

// lookupSelf asks the server about the client's token.
func lookupSelf(ctx context.Context, c *api.Client) (*api.SecretAuth, error) {
	s, err := c.Auth().Token().LookupSelfWithContext(ctx)
	if err != nil {
		err = mapError(err)
		if provider.CodeOf(err) == provider.PermissionDenied {
			return nil, provider.WithCode(provider.Unauthenticated, fmt.Errorf("the token is not valid (revoked, expired or unknown): %w", err))
		}
		return nil, err
	}
	ttl, err := s.TokenTTL()
	if err != nil {
		return nil, provider.WithCode(provider.Internal, err)
	}
	renewable, _ := s.TokenIsRenewable()
	return &api.SecretAuth{LeaseDuration: int(ttl.Seconds()), Renewable: renewable}, nil
}
