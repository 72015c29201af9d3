package doctor

import (
	"context"
	"errors"
	"net"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/eim-byoi/eim/internal/prereq"
	redisbroker "github.com/eim-byoi/eim/providers/messaging/redis"
	"github.com/eim-byoi/eim/providers/provider"
)

// redis logs in as EIM's ACL user and runs, per command grant, the probe prereq.RedisProbe
// names on a key of the streams' pattern that no topic uses: Redis checks the command, then
// the keys, before it runs anything, so "NOPERM … run" is the missing command and "NOPERM …
// keys" the missing key pattern (decided by any probe whose command is allowed).
func (b *brokerCheck) redis(ctx context.Context, c *redisbroker.Config) {
	host, port, err := net.SplitHostPort(c.Address)
	if err != nil {
		b.c.fail("reach", c.Address, "not host:port", "write providers.messaging.config.address as host:6379")
		return
	}
	mode := c.TLS.ModeOr(provider.TLSDisable)
	ep := endpoint{host: host, port: port, tlsPath: "providers.messaging.config.tls", tls: c.TLS, mode: mode}
	if !ep.check(ctx, &b.c, b.o) {
		b.skipGrants("the server is not reachable securely")
		return
	}
	if b.unresolved(&c.Password, "providers.messaging.config.password") {
		return
	}
	tc, err := c.TLS.Config(host, mode)
	if err != nil {
		b.c.fail("tls", c.Address, err.Error(), "fix providers.messaging.config.tls")
		b.skipGrants("no TLS configuration")
		return
	}
	// No client name, identity or database on connect: those are grants probed below.
	rdb := goredis.NewClient(&goredis.Options{Addr: c.Address, Username: c.Username, Password: c.Password.Value().Reveal(),
		TLSConfig: tc, DialTimeout: c.DialTimeout.Std(), DisableIdentity: true, MaxRetries: 1})
	defer rdb.Close()
	user := prereq.RedisUser(c)
	if err := rdb.Do(ctx, "hello", "3").Err(); err != nil {
		b.redisLoginFailed(c, err)
		return
	}
	b.c.ok("auth", user, "address "+c.Address)
	b.redisGrants(ctx, rdb, c)
}

func (b *brokerCheck) redisGrants(ctx context.Context, rdb *goredis.Client, c *redisbroker.Config) {
	key := prereq.RedisProbeKey(c, randomHex())
	var keyErr error
	keyDecided := false
	for _, g := range prereq.RedisGrants(c) {
		subject := g.Action + " " + g.Object
		if g.Action == prereq.RedisKeys {
			switch {
			case keyErr != nil:
				b.c.fail("permissions", subject, keyErr.Error()+" (needed for "+g.Why+")", prereq.RedisFix(c, g))
			case keyDecided:
				b.c.ok("permissions", subject, g.Why)
			default:
				b.c.skip("permissions", subject, "not decidable: no command on the streams is allowed")
			}
			continue
		}
		args := prereq.RedisProbe(c, g, key)
		err := rdb.Do(ctx, args...).Err()
		denied := err != nil && strings.HasPrefix(err.Error(), "NOPERM")
		switch {
		case denied && strings.Contains(err.Error(), "to run the"):
			b.c.fail("permissions", subject, err.Error()+" (needed to "+g.Why+")", prereq.RedisFix(c, g))
			continue
		case denied:
			keyErr = err
		case err != nil && !errors.Is(err, goredis.Nil) && !isRedisReply(err):
			b.c.skip("permissions", subject, "not decidable: "+redactPW(err.Error(), c))
			continue
		}
		keyDecided = keyDecided || len(args) > 1 && args[1] == key || len(args) > 2 && args[2] == key
		b.c.ok("permissions", subject, g.Why)
	}
}

// isRedisReply reports an error reply of the server (NOGROUP, ERR …): the command ran.
func isRedisReply(err error) bool {
	var re goredis.Error
	return errors.As(err, &re)
}

func (b *brokerCheck) redisLoginFailed(c *redisbroker.Config, err error) {
	msg := redactPW(err.Error(), c)
	user := prereq.RedisUser(c)
	switch {
	case strings.Contains(err.Error(), "WRONGPASS") || strings.Contains(err.Error(), "NOAUTH"):
		b.c.fail("auth", user, msg, "set providers.messaging.config.username and password to an enabled ACL user of the server "+
			"(ACL SETUSER "+user+" on resetpass '><the password at "+c.Password.String()+">'), or run eim bootstrap messaging")
	case provider.IsTLSError(err):
		b.c.fail("tls", c.Address, msg, "fix providers.messaging.config.tls (ca: the CA of the server certificate; cert and key when the server verifies clients)")
	default:
		b.c.fail("auth", user, msg, "check that "+c.Address+" is a Redis 7 server and that its TLS setting matches providers.messaging.config.tls")
	}
	b.skipGrants("EIM's login failed")
}

func redactPW(s string, c *redisbroker.Config) string {
	if pw := c.Password.Value().Reveal(); pw != "" {
		s = strings.ReplaceAll(s, pw, "***")
	}
	return s
}
