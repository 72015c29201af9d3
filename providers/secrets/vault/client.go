package vault

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/vault/api"

	"github.com/eim-byoi/eim/providers/provider"
)

const (
	// tokenFileCheck is how often a token file is checked for a new token.
	tokenFileCheck = 5 * time.Second
	// reloginRetry is the wait before trying again after a failed renewal or login.
	reloginRetry = 2 * time.Second
	// closeTimeout bounds revoking the token on Close.
	closeTimeout = 5 * time.Second
)

// client is the connection shared by the store and the keeper: the API client and the token's
// lifecycle (login, renew-self at two thirds of the TTL, log in again when renewal fails or the
// token was revoked, revoke on Close).
type client struct {
	api  *api.Client
	cfg  *Config
	auth authMethod
	log  *slog.Logger

	mu        sync.Mutex // guards the token state and serializes logins
	loggedIn  bool
	ttl       time.Duration // TTL granted at the last login or renewal; 0: does not expire
	initial   time.Duration // TTL granted at login: the increment asked for on renewal
	renewable bool
	granted   time.Time
	relogin   bool // renewing again would not extend the token enough: log in instead

	// lost receives a value when the token was found revoked and a new one obtained: the
	// leases the old token held are gone with it (LeasesLost).
	lost      chan struct{}
	stop      chan struct{}
	wake      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

func newClient(cfg *Config, log *slog.Logger) (*client, error) {
	hc, err := httpClient(cfg)
	if err != nil {
		return nil, err
	}
	ac, err := api.NewClient(&api.Config{
		Address: cfg.Address, HttpClient: hc, Timeout: cfg.Timeout.Std(), MaxRetries: cfg.MaxRetries,
		MinRetryWait: 200 * time.Millisecond, MaxRetryWait: time.Second,
	})
	if err != nil {
		return nil, provider.WithCode(provider.InvalidArgument, err)
	}
	// api.NewClient picks VAULT_TOKEN, VAULT_NAMESPACE and VAULT_HEADERS from the environment;
	// providers do not read the environment, so undo that.
	ac.ClearToken()
	ac.SetHeaders(http.Header{api.RequestHeaderName: []string{"true"}})
	if cfg.Namespace != "" {
		ac.SetNamespace(cfg.Namespace)
	} else {
		ac.ClearNamespace()
	}
	am, err := newAuthMethod(cfg.Auth)
	if err != nil {
		return nil, err
	}
	c := &client{api: ac, cfg: cfg, auth: am, log: log, lost: make(chan struct{}, 1), stop: make(chan struct{}), wake: make(chan struct{}, 1),
		done: make(chan struct{})}
	go c.maintain()
	return c, nil
}

func httpClient(cfg *Config) (*http.Client, error) {
	u, err := url.Parse(cfg.Address)
	if err != nil {
		return nil, provider.WithCode(provider.InvalidArgument, err)
	}
	tc, err := cfg.TLS.Config(u.Hostname(), provider.TLSVerifyFull)
	if err != nil {
		return nil, err
	}
	tr := cleanhttp.DefaultPooledTransport()
	tr.TLSClientConfig = tc
	return &http.Client{Transport: provider.TracedTransport(tr), Timeout: cfg.Timeout.Std(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, nil
}

// ensure logs in when there is no token yet.
func (c *client) ensure(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loggedIn {
		return nil
	}
	return c.loginLocked(ctx)
}

func (c *client) loginLocked(ctx context.Context) error {
	a, err := c.auth.login(ctx, c.api)
	if err != nil {
		return err
	}
	c.loggedIn, c.relogin, c.granted = true, false, time.Now()
	c.ttl = time.Duration(a.LeaseDuration) * time.Second
	c.initial, c.renewable = c.ttl, a.Renewable
	c.log.Info("vault login", "method", c.auth.name(), "ttlSeconds", a.LeaseDuration, "renewable", a.Renewable)
	c.kick()
	return nil
}

// call runs op with a valid token. When op is refused with 403 and the token turns out to be
// no longer valid (revoked, expired), it logs in again and runs op once more.
func (c *client) call(ctx context.Context, op func(ctx context.Context) error) error {
	if err := c.ensure(ctx); err != nil {
		return err
	}
	err := op(ctx)
	if err == nil || !isPermissionDenied(err) {
		return mapError(err)
	}
	if _, lerr := lookupSelf(ctx, c.api); lerr == nil || provider.CodeOf(lerr) != provider.Unauthenticated {
		return mapError(err) // the token is fine: the policy lacks the path
	}
	if rerr := c.reloginAfterInvalid(ctx); rerr != nil {
		return rerr
	}
	return mapError(op(ctx))
}

func (c *client) reloginAfterInvalid(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.auth.canRelogin() {
		return provider.Errorf(provider.Unauthenticated,
			"the token is no longer valid (revoked or expired) and auth.token cannot log in again: use tokenFile, appRole, kubernetes or jwt")
	}
	c.log.Warn("vault token is no longer valid; logging in again", "method", c.auth.name())
	if err := c.loginLocked(ctx); err != nil {
		return err
	}
	// The server revoked the leases of the old token with it (dynamic database users dropped).
	select {
	case c.lost <- struct{}{}:
	default:
	}
	return nil
}

// CheckHealth logs in if needed and looks the token up: one round trip once logged in.
func (c *client) CheckHealth(ctx context.Context) error {
	return c.call(ctx, func(ctx context.Context) error {
		_, err := c.api.Auth().Token().LookupSelfWithContext(ctx)
		return err
	})
}

// Close stops the renewal and revokes a token the adapter obtained by logging in.
func (c *client) Close() error {
	c.closeOnce.Do(func() {
		close(c.stop)
		<-c.done
		c.mu.Lock()
		defer c.mu.Unlock()
		if !c.loggedIn || !c.auth.obtained() || !c.cfg.RevokeOnClose {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		if err := c.api.Auth().Token().RevokeSelfWithContext(ctx, ""); err != nil {
			c.closeErr = mapError(err)
			return
		}
		c.loggedIn = false
		c.api.ClearToken()
		c.log.Info("vault token revoked", "method", c.auth.name())
	})
	return c.closeErr
}

// As exposes the *api.Client (target **api.Client).
func (c *client) As(target any) bool {
	p, ok := target.(**api.Client)
	if ok {
		*p = c.api
	}
	return ok
}
