package edgesim

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// Credentials give each node of the fleet its bearer token, as an agent reads its token file
// before each call.
type Credentials interface {
	// Token returns node's current access token (the index of the node in the fleet).
	Token(ctx context.Context, node int) (string, error)
	// Invalidate drops node's cached token after the server refused it.
	Invalidate(node int)
}

// MintFunc signs a token for subject holding the agent role in project (an id).
type MintFunc func(ctx context.Context, subject, project string) (token string, err error)

// Minted are tokens signed on this machine (the embedded issuer, as eim token does): each node
// gets its own subject ("edge-sim:<guid>") and the agent role in its project, signed when first
// needed and again before it expires.
type Minted struct {
	fleet []Node
	mint  MintFunc
	ttl   time.Duration
	now   func() time.Time

	stripes [64]sync.Mutex // a node's agents starting together share one signing
	mu      sync.Mutex
	tokens  []mintedToken
}

type mintedToken struct {
	token   string
	renewAt time.Time
}

var _ Credentials = (*Minted)(nil)

// NewMinted returns the credentials of fleet minted by mint with a lifetime of ttl.
func NewMinted(fleet []Node, ttl time.Duration, mint MintFunc) *Minted {
	return &Minted{fleet: fleet, mint: mint, ttl: ttl, now: time.Now, tokens: make([]mintedToken, len(fleet))}
}

// Subject is the subject of node's minted tokens.
func Subject(n Node) string { return "edge-sim:" + n.GUID }

// Token returns node's token, signing a new one when it has none or it is near its expiry.
func (m *Minted) Token(ctx context.Context, node int) (string, error) {
	if tok, ok := m.cached(node); ok {
		return tok, nil
	}
	stripe := &m.stripes[node%len(m.stripes)]
	stripe.Lock()
	defer stripe.Unlock()
	if tok, ok := m.cached(node); ok {
		return tok, nil
	}
	now := m.now()
	n := m.fleet[node]
	tok, err := m.mint(ctx, Subject(n), n.Tenant.ID)
	if err != nil {
		return "", err
	}
	m.mu.Lock()
	m.tokens[node] = mintedToken{token: tok, renewAt: now.Add(m.ttl * 4 / 5)}
	m.mu.Unlock()
	return tok, nil
}

func (m *Minted) cached(node int) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.tokens[node]
	return t.token, t.token != "" && m.now().Before(t.renewAt)
}

// Invalidate drops node's token.
func (m *Minted) Invalidate(node int) {
	m.mu.Lock()
	m.tokens[node] = mintedToken{}
	m.mu.Unlock()
}

// ClientCredentials are per-node OAuth2 client credentials issued by the identity provider
// (the client id and secret a device holds), exchanged for tokens with the client-credentials
// grant and cached until shortly before they expire (identity.TokenSource).
type ClientCredentials struct {
	sources []*identity.TokenSource
}

var _ Credentials = (*ClientCredentials)(nil)

// NewClientCredentials returns the credentials of the nodes: creds[i] is node i's.
func NewClientCredentials(creds []identity.ClientCredentials) *ClientCredentials {
	c := &ClientCredentials{sources: make([]*identity.TokenSource, len(creds))}
	for i, cc := range creds {
		c.sources[i] = identity.NewTokenSource(cc)
	}
	return c
}

// Token returns node's cached token or obtains a new one.
func (c *ClientCredentials) Token(ctx context.Context, node int) (string, error) {
	return c.sources[node].Token(ctx)
}

// Invalidate drops node's cached token.
func (c *ClientCredentials) Invalidate(node int) { c.sources[node].Invalidate() }

// CredentialsFile is the file of per-node client credentials (JSON): the token endpoint, and
// for each node its GUID, project and client.
type CredentialsFile struct {
	// TokenURL is the identity provider's token endpoint (every node's unless it names its own).
	TokenURL string `json:"tokenURL"`
	// Scopes and Audience are requested with every token.
	Scopes   []string `json:"scopes,omitempty"`
	Audience []string `json:"audience,omitempty"`
	// Nodes are the devices and their clients.
	Nodes []CredentialsEntry `json:"nodes"`
}

// CredentialsEntry is one node's client.
type CredentialsEntry struct {
	// GUID is the host's UUID; Serial its serial number (derived from its index when empty).
	GUID   string `json:"guid"`
	Serial string `json:"serial,omitempty"`
	// Project and ProjectID name its project (the id is sent with --project-header only).
	Project   string `json:"project,omitempty"`
	ProjectID string `json:"projectId,omitempty"`
	// ClientID and ClientSecret are its client's credentials.
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	// TokenURL and Scopes, when set, replace the file's for this node (a scope naming the
	// node's project, say).
	TokenURL string   `json:"tokenURL,omitempty"`
	Scopes   []string `json:"scopes,omitempty"`
}

// LoadCredentialsFile reads a CredentialsFile and returns the fleet it lists and the nodes'
// credentials; client is the HTTP client of the token requests (nil for a default). Errors
// name the entry and never show a secret.
func LoadCredentialsFile(path string, client *http.Client) ([]Node, []identity.ClientCredentials, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, provider.Errorf(provider.InvalidArgument, "credentials file: %v: name a readable file", err)
	}
	var f CredentialsFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, nil, provider.Errorf(provider.InvalidArgument, "credentials file %s: %v: see docs/edge-sim.md for its form", path, err)
	}
	fleet := NewFleet(len(f.Nodes), nil, path)
	creds := make([]identity.ClientCredentials, len(f.Nodes))
	for i, e := range f.Nodes {
		url := e.TokenURL
		if url == "" {
			url = f.TokenURL
		}
		if e.GUID == "" || e.ClientID == "" || e.ClientSecret == "" || url == "" {
			return nil, nil, provider.Errorf(provider.InvalidArgument,
				"credentials file %s: node %d: guid, clientId, clientSecret and tokenURL (of the node or the file) are required", path, i)
		}
		fleet[i].GUID, fleet[i].Tenant = e.GUID, Tenant{Name: e.Project, ID: e.ProjectID}
		if e.Serial != "" {
			fleet[i].Serial = e.Serial
		}
		scopes := f.Scopes
		if len(e.Scopes) > 0 {
			scopes = e.Scopes
		}
		creds[i] = identity.ClientCredentials{TokenURL: url, ClientID: e.ClientID, Secret: provider.NewSecretValue([]byte(e.ClientSecret)),
			Scopes: scopes, Audience: f.Audience, HTTPClient: client}
	}
	return fleet, creds, nil
}
