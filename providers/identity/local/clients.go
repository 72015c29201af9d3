package local

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
)

// Keys of a client's secret.
const (
	keySecret = "secret"
	keyTenant = "tenant"
	keyDevice = "device"
	keyRoles  = "roles"
)

// clients is the embedded issuer's ClientIssuer: each client is a secret named
// <prefix>/<client id> holding its secret, tenant, device and roles.
type clients struct {
	store    *secrets.Store
	prefix   string
	pattern  string
	roles    []string
	tokenURL string
}

type storedClient struct {
	id, tenant, device string
	secret             provider.SecretValue
	roles              []string
}

func (c *clients) name(id string) string { return c.prefix + "/" + id }

// CreateClient stores a new client with a random 256-bit secret.
func (c *clients) CreateClient(ctx context.Context, tenant, device string) (*identity.Client, error) {
	id := identity.ClientID(c.pattern, device)
	if _, err := c.store.Get(ctx, c.name(id)); err == nil {
		return nil, provider.Errorf(provider.AlreadyExists, "client %s exists", id)
	} else if provider.CodeOf(err) != provider.NotFound {
		return nil, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, provider.WithCode(provider.Internal, err)
	}
	secret := base64.RawURLEncoding.EncodeToString(raw)
	roles := make([]string, len(c.roles))
	for i, r := range c.roles {
		roles[i] = tenant + "_" + r
	}
	data := map[string][]byte{keySecret: []byte(secret), keyTenant: []byte(tenant), keyDevice: []byte(device),
		keyRoles: []byte(strings.Join(roles, " "))}
	if _, err := c.store.Put(ctx, c.name(id), data); err != nil {
		return nil, err
	}
	return c.client(storedClient{id: id, tenant: tenant, device: device, secret: provider.NewSecretValue([]byte(secret))}), nil
}

// GetClient returns the client of device when it belongs to tenant.
func (c *clients) GetClient(ctx context.Context, tenant, device string) (*identity.Client, error) {
	sc, err := c.lookup(ctx, identity.ClientID(c.pattern, device))
	if err != nil {
		return nil, err
	}
	if sc.tenant != tenant {
		return nil, provider.Errorf(provider.NotFound, "client %s does not belong to tenant %s", sc.id, tenant)
	}
	return c.client(*sc), nil
}

// RevokeClient deletes the client: the token endpoint refuses its credentials from now on.
func (c *clients) RevokeClient(ctx context.Context, tenant, device string) error {
	if _, err := c.GetClient(ctx, tenant, device); err != nil {
		return err
	}
	return c.store.Delete(ctx, c.name(identity.ClientID(c.pattern, device)))
}

// lookup reads a client by id; NotFound when there is none.
func (c *clients) lookup(ctx context.Context, id string) (*storedClient, error) {
	if id == "" || strings.ContainsAny(id, "/#") || strings.Contains(id, "..") {
		return nil, provider.Errorf(provider.NotFound, "no such client")
	}
	sec, err := c.store.Get(ctx, c.name(id))
	if err != nil {
		return nil, err
	}
	return &storedClient{id: id, tenant: string(sec.Data[keyTenant]), device: string(sec.Data[keyDevice]),
		secret: provider.NewSecretValue(sec.Data[keySecret]), roles: strings.Fields(string(sec.Data[keyRoles]))}, nil
}

func (c *clients) client(sc storedClient) *identity.Client {
	return &identity.Client{ID: sc.id, Secret: sc.secret, TokenURL: c.tokenURL, Tenant: sc.tenant, Device: sc.device}
}
