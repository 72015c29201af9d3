package vault

import (
	"context"
	"time"
)

// maintain keeps the token valid until Close: renew-self at two thirds of its TTL, log in
// again when renewal fails or no longer extends the token, and pick up a new token file.
func (c *client) maintain() {
	defer close(c.done)
	for {
		timer := time.NewTimer(c.nextCheck())
		select {
		case <-c.stop:
			timer.Stop()
			return
		case <-c.wake:
			timer.Stop()
			continue
		case <-timer.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Timeout.Std()*2)
		c.tick(ctx)
		cancel()
	}
}

func (c *client) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// nextCheck is how long until the token needs attention.
func (c *client) nextCheck() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	wait := 24 * time.Hour
	if _, ok := c.auth.(*tokenFile); ok {
		wait = tokenFileCheck
	}
	if !c.loggedIn || c.ttl <= 0 {
		return wait
	}
	return min(wait, max(time.Until(c.granted.Add(c.ttl*2/3)), 0))
}

// tick does what the token needs now.
func (c *client) tick(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loggedIn {
		return
	}
	if tf, ok := c.auth.(*tokenFile); ok && tf.changed() {
		c.log.Info("vault token file changed; using the new token")
		c.retryLogin(ctx)
		return
	}
	if c.ttl <= 0 || time.Now().Before(c.granted.Add(c.ttl*2/3)) {
		return
	}
	if c.renewable && !c.relogin {
		if c.renewLocked(ctx) {
			return
		}
	}
	if c.auth.canRelogin() {
		c.retryLogin(ctx)
		return
	}
	c.log.Warn("vault token cannot be renewed and auth.token cannot log in again; it will expire",
		"expiresIn", time.Until(c.granted.Add(c.ttl)).Round(time.Second).String())
	c.ttl = 0 // nothing more to do for it
}

// renewLocked renews the token; it reports whether that worked.
func (c *client) renewLocked(ctx context.Context) bool {
	s, err := c.api.Auth().Token().RenewSelfWithContext(ctx, int(c.initial.Seconds()))
	if err != nil || s == nil || s.Auth == nil {
		c.log.Warn("vault token renewal failed; logging in again", "error", mapError(err))
		return false
	}
	c.ttl = time.Duration(s.Auth.LeaseDuration) * time.Second
	c.granted, c.renewable = time.Now(), s.Auth.Renewable
	// Near its max TTL a renewal comes back short: log in for a fresh token next time.
	c.relogin = c.ttl < c.initial/2
	c.log.Debug("vault token renewed", "ttlSeconds", s.Auth.LeaseDuration)
	return true
}

// retryLogin logs in; on failure it schedules another try soon.
func (c *client) retryLogin(ctx context.Context) {
	if err := c.loginLocked(ctx); err != nil {
		c.log.Warn("vault login failed; retrying", "method", c.auth.name(), "error", err)
		c.granted = time.Now().Add(reloginRetry - c.ttl*2/3)
	}
}
