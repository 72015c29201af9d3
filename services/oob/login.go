package oob

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// login obtains MPS's own JWT from POST /api/v1/authorize (username and password) and renews
// it renewBefore its expiry (read from the token's exp claim, which MPS sets; a token without
// one is renewed after five minutes). Concurrent callers share one login.
type login struct {
	url         string
	username    provider.SecretValue
	password    provider.SecretValue
	http        *http.Client
	renewBefore time.Duration
	now         func() time.Time

	mu      sync.Mutex
	token   string
	renewAt time.Time
	logins  int
}

var (
	_ tokenSource = (*login)(nil)
	_ tokenSource = (*identity.TokenSource)(nil)
)

// Token returns the current token, logging in again when it is near its expiry.
func (l *login) Token(ctx context.Context) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.token != "" && now.Before(l.renewAt) {
		return l.token, nil
	}
	tok, err := l.login(ctx)
	if err != nil {
		return "", err
	}
	l.token, l.renewAt, l.logins = tok, renewTime(now, expiry(tok), l.renewBefore), l.logins+1
	return tok, nil
}

// Invalidate drops the token after MPS or RPS refused it.
func (l *login) Invalidate() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.token = ""
}

// Logins returns how many times a token was obtained.
func (l *login) Logins() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.logins
}

func (l *login) login(ctx context.Context) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": l.username.Reveal(), "password": l.password.Reveal()})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.url, bytes.NewReader(body))
	if err != nil {
		return "", provider.Errorf(provider.InvalidArgument, "oob: mps login %s: %v", l.url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := l.http.Do(req)
	if err != nil {
		return "", provider.Errorf(provider.Unavailable, "oob: mps login %s: %v", l.url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return "", provider.Errorf(provider.Unauthenticated, "oob: mps login %s: the username and password are refused (status %d): check oob.mps.auth",
			l.url, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return "", provider.WithCode(statusCode(resp.StatusCode), fmt.Errorf("oob: mps login %s: status %d: %s", l.url, resp.StatusCode, snippet(data)))
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.Token == "" {
		return "", provider.Errorf(provider.Internal, "oob: mps login %s: the answer holds no token", l.url)
	}
	return out.Token, nil
}

// expiry reads the exp claim of a JWT without verifying it (MPS verifies its own tokens; EIM
// only needs to know when to renew); zero when there is none.
func expiry(tok string) time.Time {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp float64 `json:"exp"`
	}
	if json.Unmarshal(b, &claims) != nil || claims.Exp <= 0 {
		return time.Time{}
	}
	return time.Unix(int64(claims.Exp), 0)
}

// renewTime is when a token obtained at now and expiring at exp is replaced: before before its
// expiry, or halfway through a lifetime shorter than that.
func renewTime(now, exp time.Time, before time.Duration) time.Time {
	if exp.IsZero() {
		return now.Add(5 * time.Minute)
	}
	life := exp.Sub(now)
	if life <= before {
		return now.Add(life / 2)
	}
	return exp.Add(-before)
}
