package rabbitmq

import (
	"net/url"
	"regexp"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Config configures the rabbitmq adapter (AMQP 0-9-1).
type Config struct {
	// URL is amqp://host:5672/vhost (amqps:// for TLS), without credentials; the vhost is
	// URL-escaped ("/" is %2F or an empty path).
	URL string `yaml:"url"`
	// Username is the RabbitMQ user to log in as (PLAIN; required).
	Username string `yaml:"username"`
	// Password is a secret reference to the user's password (required).
	Password provider.SecretRef `yaml:"password,omitempty"`
	// TLS secures the connection; without a mode, verify-full for an amqps:// URL and
	// disable otherwise.
	TLS provider.TLS `yaml:"tls"`
	// Exchange is the durable topic exchange every topic is published to (routing key = topic);
	// the queues are <exchange>.<topic>.<group>.
	Exchange string `yaml:"exchange"`
	// ConnectTimeout bounds one connection attempt.
	ConnectTimeout provider.Duration `yaml:"connectTimeout"`
	// Heartbeat is the AMQP heartbeat interval: a dead connection is noticed within two.
	Heartbeat provider.Duration `yaml:"heartbeat"`
}

// NewConfig returns the defaults: exchange eim, a 5s connect timeout, 10s heartbeats.
func NewConfig() *Config {
	return &Config{URL: "amqp://127.0.0.1:5672/", Exchange: "eim",
		ConnectTimeout: provider.Duration(5 * time.Second), Heartbeat: provider.Duration(10 * time.Second)}
}

var exchangeName = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,120}$`)

// Validate checks the configuration without I/O.
func (c *Config) Validate() error {
	var v provider.Validation
	u, err := url.Parse(c.URL)
	switch {
	case err != nil || (u.Scheme != "amqp" && u.Scheme != "amqps") || u.Host == "":
		v.Add("url", "is not an amqp:// or amqps:// URL", "write it as amqp://host:5672/vhost")
	case u.User != nil:
		v.Add("url", "holds credentials", "put the user in username and the password in password (a secret reference)")
	}
	v.Required("username", c.Username, "set the RabbitMQ user")
	v.Check(!c.Password.IsZero(), "password", "is required", "set password to a secret reference, e.g. {secret: \"eim/rabbitmq#password\"}")
	if !c.Password.IsZero() {
		v.Nest("password", c.Password.Validate())
	}
	v.Nest("tls", c.TLS.Validate())
	v.Check(exchangeName.MatchString(c.Exchange), "exchange", "must be 1 to 120 letters, digits or _.:-", "set it to eim")
	v.Check(c.ConnectTimeout.Std() > 0, "connectTimeout", "must be positive", `set it to e.g. "5s"`)
	v.Check(c.Heartbeat.Std() >= time.Second, "heartbeat", "must be at least 1s", `set it to e.g. "10s"`)
	return v.Err()
}
