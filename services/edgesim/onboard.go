package edgesim

import (
	"context"
	"net/http"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	onboardingmgrv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// Onboarding are credentials a node obtains by onboarding, as the device discovery agent does:
// it opens NonInteractiveOnboardingService/OnboardNodeStream (no token: the device has none
// yet), sends its UUID, serial number, MAC and IP, and while the answer is NODE_STATE_REGISTERED
// sends them again after a backoff on the same stream; NODE_STATE_ONBOARDED carries its client
// id and secret, which it then exchanges for tokens at TokenURL (client-credentials grant). A
// non-OK status in an answer ends the attempt with that code; the next call retries.
type Onboarding struct {
	fleet    []Node
	tokenURL string
	client   *http.Client
	backoff  provider.Backoff

	stripes [64]sync.Mutex // one node onboards once at a time: its agents share the outcome

	mu      sync.Mutex
	sources []*identity.TokenSource
	conn    func(node int) grpc.ClientConnInterface
	stats   *stats
}

var _ Credentials = (*Onboarding)(nil)

// NewOnboarding returns the credentials fleet obtains by onboarding, exchanged for tokens at
// tokenURL with client (nil for a default); while registered, a node asks again after backoff.
func NewOnboarding(fleet []Node, tokenURL string, client *http.Client, backoff provider.Backoff) *Onboarding {
	if backoff.Min <= 0 {
		backoff = provider.Backoff{Min: time.Second, Max: 30 * time.Second, Jitter: 0.2}
	}
	return &Onboarding{fleet: fleet, tokenURL: tokenURL, client: client, backoff: backoff,
		sources: make([]*identity.TokenSource, len(fleet))}
}

// bind gives o the connections of a run and its counters.
func (o *Onboarding) bind(conn func(node int) grpc.ClientConnInterface, st *stats) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.conn, o.stats = conn, st
}

// Token onboards node when it has no credentials yet, and returns its token.
func (o *Onboarding) Token(ctx context.Context, node int) (string, error) {
	src := o.source(node)
	if src == nil {
		var err error
		if src, err = o.onboardOnce(ctx, node); err != nil {
			return "", err
		}
	}
	return src.Token(ctx)
}

func (o *Onboarding) source(node int) *identity.TokenSource {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sources[node]
}

// onboardOnce onboards node unless a concurrent call did meanwhile.
func (o *Onboarding) onboardOnce(ctx context.Context, node int) (*identity.TokenSource, error) {
	stripe := &o.stripes[node%len(o.stripes)]
	stripe.Lock()
	defer stripe.Unlock()
	if src := o.source(node); src != nil {
		return src, nil
	}
	id, secret, err := o.onboard(ctx, node)
	if err != nil {
		return nil, err
	}
	src := identity.NewTokenSource(identity.ClientCredentials{TokenURL: o.tokenURL, ClientID: id,
		Secret: provider.NewSecretValue([]byte(secret)), HTTPClient: o.client})
	o.mu.Lock()
	o.sources[node] = src
	o.mu.Unlock()
	return src, nil
}

// Invalidate drops node's cached token (its client is kept).
func (o *Onboarding) Invalidate(node int) {
	o.mu.Lock()
	src := o.sources[node]
	o.mu.Unlock()
	if src != nil {
		src.Invalidate()
	}
}

// onboard runs one OnboardNodeStream for node and returns its client id and secret.
func (o *Onboarding) onboard(ctx context.Context, node int) (id, secret string, err error) {
	o.mu.Lock()
	conn, st := o.conn, o.stats
	o.mu.Unlock()
	if conn == nil {
		return "", "", provider.Errorf(provider.FailedPrecondition, "onboarding: the credentials are used by Run only")
	}
	start := time.Now()
	w := st.send(rpcOnboard)
	id, secret, err = o.stream(ctx, onboardingmgrv1.NewNonInteractiveOnboardingServiceClient(conn(node)), o.fleet[node])
	st.done(rpcOnboard, w, status.Code(err), time.Since(start))
	return id, secret, err
}

func (o *Onboarding) stream(ctx context.Context, c onboardingmgrv1.NonInteractiveOnboardingServiceClient, n Node) (string, string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := c.OnboardNodeStream(ctx)
	if err != nil {
		return "", "", err
	}
	req := &onboardingmgrv1.OnboardNodeStreamRequest{Uuid: n.GUID, Serialnum: n.Serial, MacId: n.MAC, HostIp: n.IP}
	for attempt := 1; ; attempt++ {
		if err := s.Send(req); err != nil {
			_, err = s.Recv() // the stream's status
			return "", "", err
		}
		resp, err := s.Recv()
		if err != nil {
			return "", "", err
		}
		if c := codes.Code(resp.GetStatus().GetCode()); c != codes.OK {
			return "", "", status.Errorf(c, "onboarding node %s: %s", n.GUID, resp.GetStatus().GetMessage())
		}
		switch resp.GetNodeState() {
		case onboardingmgrv1.OnboardNodeStreamResponse_NODE_STATE_ONBOARDED:
			_ = s.CloseSend()
			if resp.GetClientId() == "" || resp.GetClientSecret() == "" {
				return "", "", status.Errorf(codes.Internal, "onboarding node %s: onboarded without client credentials", n.GUID)
			}
			return resp.GetClientId(), resp.GetClientSecret(), nil
		case onboardingmgrv1.OnboardNodeStreamResponse_NODE_STATE_REGISTERED:
			if err := provider.Sleep(ctx, o.backoff.Delay(attempt)); err != nil {
				return "", "", status.FromContextError(err).Err()
			}
		default:
			return "", "", status.Errorf(codes.FailedPrecondition, "onboarding node %s: node state %s", n.GUID, resp.GetNodeState())
		}
	}
}
