package identity

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/eim-byoi/eim/providers/provider"
)

// Client is an edge node's OAuth2 client: the credentials it obtains tokens with through the
// client-credentials grant, bound to one tenant.
type Client struct {
	// ID is the client id, e.g. edgenode-<device UUID>.
	ID string
	// Secret is the client secret; it prints as [REDACTED].
	Secret provider.SecretValue
	// TokenURL is the token endpoint.
	TokenURL string
	// Scopes and Audience are what the client must request with each token, when the
	// identity provider binds the tenant through them (dynamic client registration); empty
	// otherwise.
	Scopes, Audience []string
	// Tenant and Device are what the client was created for.
	Tenant, Device string
}

// ClientIssuer creates, reads and revokes edge-node clients (capability CapClientIssuer).
// Each client is identified by its tenant and device UUID.
type ClientIssuer interface {
	// CreateClient creates the client of device in tenant; AlreadyExists when it exists.
	CreateClient(ctx context.Context, tenant, device string) (*Client, error)
	// GetClient returns the client of device in tenant; NotFound when there is none.
	GetClient(ctx context.Context, tenant, device string) (*Client, error)
	// RevokeClient deletes the client: its credentials no longer obtain tokens (tokens already
	// issued stay valid until they expire). NotFound when there is none.
	RevokeClient(ctx context.Context, tenant, device string) error
}

var deviceUUID = regexp.MustCompile("^" + UUIDPattern + "$")

// CheckClientArgs validates the tenant and device UUID of a ClientIssuer call: the tenant must
// be a short name of [A-Za-z0-9_.-], the device a UUID. Adapters call it first.
func CheckClientArgs(tenant, device string) error {
	if tenant == "" || len(tenant) > 128 || strings.Trim(tenant, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != "" {
		return provider.Errorf(provider.InvalidArgument, "tenant %.64q is not a tenant id of [A-Za-z0-9_.-]", tenant)
	}
	if !deviceUUID.MatchString(device) {
		return provider.Errorf(provider.InvalidArgument, "device %.64q is not a UUID", device)
	}
	return nil
}

// ClientID returns the conventional client id of a device: pattern with {device} replaced by
// the lower-case device UUID ("edgenode-{device}", as the legacy EMF onboarding manager named them).
func ClientID(pattern, device string) string {
	return strings.ReplaceAll(pattern, "{device}", strings.ToLower(device))
}

// DefaultClientIDPattern is the legacy EMF edge-node client id.
const DefaultClientIDPattern = "edgenode-{device}"

func clientOp(op, tenant, device string) string {
	return fmt.Sprintf("%s client %s/%s", op, tenant, device)
}
