package prereq

import (
	"strconv"
	"strings"

	redisbroker "github.com/eim-byoi/eim/providers/messaging/redis"
)

// The actions of a Redis Grant: an ACL command permission and a key pattern.
const (
	RedisCommand = "command"
	RedisKeys    = "keys"
)

// RedisGrants are the ACL permissions the redis adapter's user needs: go-redis names each
// connection (CLIENT SETNAME; its CLIENT SETINFO may be refused, go-redis ignores that) and
// selects the database when db is not 0; the adapter pings, publishes (XADD), declares the
// groups (XGROUP CREATE … MKSTREAM), receives (XREADGROUP), acknowledges (XACK), takes over a
// crashed consumer's entries (XAUTOCLAIM, XPENDING for their delivery counts), claims a
// retried entry back (XCLAIM), all on the streams <keyPrefix><topic>. It uses no channel.
func RedisGrants(c *redisbroker.Config) []Grant {
	g := []Grant{
		{RedisCommand, "client|setname", "name the connection (go-redis does on connect)"},
	}
	if c.DB != 0 {
		g = append(g, Grant{RedisCommand, "select", "select database " + strconv.Itoa(c.DB) + " (go-redis does on connect)"})
	}
	return append(g,
		Grant{RedisCommand, "ping", "check health"},
		Grant{RedisCommand, "xadd", "publish the events"},
		Grant{RedisCommand, "xgroup|create", "declare the groups' consumer groups"},
		Grant{RedisCommand, "xreadgroup", "receive a group's events"},
		Grant{RedisCommand, "xack", "acknowledge"},
		Grant{RedisCommand, "xautoclaim", "take over the entries of a consumer that crashed"},
		Grant{RedisCommand, "xpending", "read the delivery counts of taken-over entries"},
		Grant{RedisCommand, "xclaim", "claim a retried entry back"},
		Grant{RedisKeys, RedisKeyPattern(c), "the topics' streams"},
	)
}

// RedisKeyPattern is the ACL key pattern of the adapter's streams: ~<keyPrefix>*, the glob
// characters of the prefix escaped.
func RedisKeyPattern(c *redisbroker.Config) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`)
	return "~" + r.Replace(c.KeyPrefix) + "*"
}

// RedisUser names the ACL user of the configuration (default without username).
func RedisUser(c *redisbroker.Config) string {
	if c.Username == "" {
		return "default"
	}
	return c.Username
}

// RedisRule is the ACL SETUSER rule that gives g.
func RedisRule(g Grant) string {
	if g.Action == RedisKeys {
		return g.Object
	}
	return "+" + g.Object
}

// RedisRules is the ACL of EIM's user, password aside: enabled, no channel, no command but
// the grants', no key but the streams'.
func RedisRules(c *redisbroker.Config) []string {
	rules := []string{"on", "resetchannels", "-@all"}
	for _, g := range RedisGrants(c) {
		rules = append(rules, RedisRule(g))
	}
	return rules
}

// RedisFix is the remedy of a missing grant: the ACL SETUSER that adds it (rules add to the
// user's), and how to make it survive a restart.
func RedisFix(c *redisbroker.Config, g Grant) string {
	return "redis-cli ACL SETUSER " + RedisUser(c) + " '" + RedisRule(g) + "' as an administrator, then ACL SAVE (aclfile) or CONFIG REWRITE " +
		"(users in redis.conf) so that it survives a restart (eim bootstrap messaging adds it and runs ACL SAVE when the server has an aclfile)"
}

// RedisProbe is a command that needs exactly g's permission (with a key: key, which must not
// exist) and changes nothing: XADD NOMKSTREAM and XGROUP CREATE without MKSTREAM create no
// stream, the others find no group. doctor runs it as EIM's user, bootstrap with ACL DRYRUN.
func RedisProbe(c *redisbroker.Config, g Grant, key string) []any {
	const grp, consumer = "eim-doctor", "eim-doctor"
	switch g.Object {
	case "client|setname":
		return []any{"client", "setname", "eim-doctor"}
	case "select":
		return []any{"select", c.DB}
	case "ping":
		return []any{"ping"}
	case "xadd":
		return []any{"xadd", key, "nomkstream", "*", "id", "eim-doctor"}
	case "xgroup|create":
		return []any{"xgroup", "create", key, grp, "$"}
	case "xreadgroup":
		return []any{"xreadgroup", "group", grp, consumer, "count", 1, "streams", key, ">"}
	case "xack":
		return []any{"xack", key, grp, "0-1"}
	case "xautoclaim":
		return []any{"xautoclaim", key, grp, consumer, 1000, "0-0", "count", 1}
	case "xpending":
		return []any{"xpending", key, grp, "-", "+", 1, consumer}
	case "xclaim":
		return []any{"xclaim", key, grp, consumer, 1000, "0-1"}
	}
	return nil
}

// RedisProbeKey is a key of the streams' pattern that no topic uses.
func RedisProbeKey(c *redisbroker.Config, suffix string) string {
	return c.KeyPrefix + "eim-doctor.probe." + suffix
}
