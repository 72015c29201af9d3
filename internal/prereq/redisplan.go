package prereq

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	redisbroker "github.com/eim-byoi/eim/providers/messaging/redis"
	"github.com/eim-byoi/eim/providers/provider"
)

// RedisAdmin is a Redis user allowed to manage ACL users: ACL GETUSER, SETUSER, DRYRUN and
// SAVE, CONFIG GET (e.g. +acl +config|get, or the default user of a server without ACL
// users). It connects with providers.messaging.config.tls.
type RedisAdmin struct {
	// Address is the server's host:port; providers.messaging.config.address when unset.
	Address string `yaml:"address,omitempty"`
	// User is the administrator's ACL user; default when unset.
	User string `yaml:"user,omitempty"`
	// Password is the administrator's password (none for a default user without password).
	Password provider.SecretRef `yaml:"password,omitempty"`
}

// redisPlanner plans EIM's ACL user: created with RedisRules and a password generated into the
// reference of eim.yaml (when it holds none), or, when it exists, only the rules it lacks (ACL
// DRYRUN of each grant's probe) and its password when the one at the reference is not among
// its passwords. Rules are added, never taken away. The change is saved with ACL SAVE when
// the server has an aclfile (see persistence).
type redisPlanner struct {
	planner
	c       *redisbroker.Config
	rdb     *goredis.Client        // the planning's connection
	connect func() *goredis.Client // the administrator's client, for applying
	sink    *sink
}

func planRedis(ctx context.Context, c *redisbroker.Config, a *RedisAdmin, sk *sink) ([]Step, error) {
	addr := a.Address
	if addr == "" {
		addr = c.Address
	}
	host, _, _ := net.SplitHostPort(addr)
	tc, err := c.TLS.Config(host, provider.TLSDisable)
	if err != nil {
		return nil, err
	}
	connect := func() *goredis.Client {
		return goredis.NewClient(&goredis.Options{Addr: addr, Username: a.User, Password: a.Password.Value().Reveal(), TLSConfig: tc,
			DialTimeout: c.DialTimeout.Std(), DisableIdentity: true, MaxRetries: 1})
	}
	p := &redisPlanner{planner: planner{provider: KindMessaging}, c: c, rdb: connect(), connect: connect, sink: sk}
	defer p.rdb.Close()
	err = p.plan(ctx)
	return p.steps, err
}

func (p *redisPlanner) plan(ctx context.Context) error {
	user := RedisUser(p.c)
	cur, err := p.rdb.Do(ctx, "acl", "getuser", user).Result()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return p.adminErr("ACL GETUSER "+user, err)
	}
	exists := err == nil && cur != nil
	pw, have, err := p.sink.read(ctx, &p.c.Password)
	if err != nil {
		return err
	}
	if !have {
		pw = newSecret()
	}
	var rules []string
	if !exists {
		rules = append(RedisRules(p.c), ">"+pw)
	} else if rules, err = p.missing(ctx, user, userFields(cur), pw, have); err != nil {
		return err
	}
	if len(rules) == 0 {
		return nil
	}
	save, how := p.persistence(ctx)
	detail := "ACL SETUSER " + user + " " + strings.Join(redactRules(rules), " ") + "; " + how
	action := "update"
	if !exists {
		action = "create"
	}
	st := p.add(action, "redis user "+user, detail, func(ctx context.Context) error {
		rdb := p.connect()
		defer rdb.Close()
		args := []any{"acl", "setuser", user}
		for _, r := range rules {
			args = append(args, r)
		}
		if err := rdb.Do(ctx, args...).Err(); err != nil {
			return p.adminErr("ACL SETUSER "+user, err)
		}
		if !have {
			if err := p.sink.write(ctx, &p.c.Password, pw); err != nil {
				return err
			}
		}
		if save == nil {
			return nil
		}
		return p.adminErr(strings.ToUpper(fmt.Sprint(save...)), rdb.Do(ctx, save...).Err())
	})
	if !have {
		st.SecretTo = p.sink.where(&p.c.Password)
	}
	return nil
}

// missing returns the rules an existing user lacks: on, the password and each grant ACL DRYRUN
// refuses (a key refusal of any probe adds the key pattern).
func (p *redisPlanner) missing(ctx context.Context, user string, f map[string]any, pw string, have bool) ([]string, error) {
	var rules []string
	if !slices.Contains(stringsOf(f["flags"]), "on") {
		rules = append(rules, "on")
	}
	sum := sha256.Sum256([]byte(pw))
	if !have || !slices.Contains(stringsOf(f["passwords"]), hex.EncodeToString(sum[:])) {
		rules = append(rules, "resetpass", ">"+pw)
	}
	keysOK, decided := true, false
	key := RedisProbeKey(p.c, "bootstrap")
	for _, g := range RedisGrants(p.c) {
		if g.Action == RedisKeys {
			continue
		}
		args := append([]any{"acl", "dryrun", user}, RedisProbe(p.c, g, key)...)
		res, err := p.rdb.Do(ctx, args...).Text()
		if err != nil {
			return nil, p.adminErr("ACL DRYRUN "+user, err)
		}
		switch {
		case res == "OK":
			decided = decided || slices.Contains(args, any(key))
		case strings.Contains(res, "to run the"):
			rules = append(rules, RedisRule(g))
		default: // the key is refused
			decided, keysOK = true, false
		}
	}
	if !keysOK || !decided {
		rules = append(rules, RedisKeyPattern(p.c))
	}
	return rules, nil
}

// persistence returns the command that saves the ACL — ACL SAVE when the server has an
// aclfile, else nil — and what the step says about it. Bootstrap does not CONFIG REWRITE a
// redis.conf: configuration management usually owns that file.
func (p *redisPlanner) persistence(ctx context.Context) (save []any, how string) {
	acl, err := p.rdb.ConfigGet(ctx, "aclfile").Result()
	switch {
	case err != nil:
		return nil, "not saved (CONFIG GET aclfile: " + err.Error() + "): save it with ACL SAVE or CONFIG REWRITE"
	case acl["aclfile"] != "":
		return []any{"acl", "save"}, "saved with ACL SAVE to " + acl["aclfile"]
	}
	return nil, "in memory only (the server has no aclfile): add the user to redis.conf or run CONFIG REWRITE so that it survives a restart"
}

func (p *redisPlanner) adminErr(what string, err error) error {
	if err == nil {
		return nil
	}
	if strings.HasPrefix(err.Error(), "NOPERM") || strings.HasPrefix(err.Error(), "WRONGPASS") {
		return provider.Errorf(provider.PermissionDenied, "redis %s: %v (fix: the admin file's redis user needs +acl and +config|get, e.g. "+
			"ACL SETUSER <admin> on +acl +config|get, and its password)", what, err)
	}
	return provider.WithCode(provider.Unavailable, fmt.Errorf("redis %s: %w", what, err))
}

// userFields reads ACL GETUSER's flat name/value reply (RESP2 list or RESP3 map).
func userFields(v any) map[string]any {
	out := map[string]any{}
	switch t := v.(type) {
	case map[any]any:
		for k, x := range t {
			out[fmt.Sprint(k)] = x
		}
	case []any:
		for i := 0; i+1 < len(t); i += 2 {
			out[fmt.Sprint(t[i])] = t[i+1]
		}
	}
	return out
}

func stringsOf(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// redactRules replaces a password rule by its mention.
func redactRules(rules []string) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		if strings.HasPrefix(r, ">") {
			r = ">(the password)"
		}
		out[i] = r
	}
	return out
}
