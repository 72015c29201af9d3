package nats

import (
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Config configures the nats adapter (NATS JetStream).
type Config struct {
	// URL lists the servers, comma separated: nats://host:4222 (tls://host:4222 for TLS). It
	// must not hold credentials.
	URL string `yaml:"url"`
	// Username is the NATS user to authenticate as, with password.
	Username string `yaml:"username,omitempty"`
	// Password is a secret reference to the user's password.
	Password provider.SecretRef `yaml:"password,omitempty"`
	// Token is a secret reference to a token to authenticate with, instead of username and
	// password.
	Token provider.SecretRef `yaml:"token,omitempty"`
	// TLS secures the connection; without a mode, verify-full for a tls:// URL and disable
	// otherwise.
	TLS provider.TLS `yaml:"tls"`
	// Stream is the JetStream stream holding the messages of every topic; created at start
	// when missing, verified to hold the subjects <subjectPrefix>> when it exists.
	Stream string `yaml:"stream"`
	// SubjectPrefix is prepended to topics to make subjects: topic hosts.changed is subject
	// eim.hosts.changed.
	SubjectPrefix string `yaml:"subjectPrefix"`
	// MaxAge bounds how long the stream keeps a message, consumed or not, when the adapter
	// creates the stream.
	MaxAge provider.Duration `yaml:"maxAge"`
	// Replicas is the stream's replica count when the adapter creates it (1 to 5).
	Replicas int `yaml:"replicas"`
	// AckWait is how long a delivered message may stay unacknowledged before JetStream
	// delivers it again (the consumer crashed or hangs).
	AckWait provider.Duration `yaml:"ackWait"`
	// ConnectTimeout bounds one connection attempt; reconnection goes on forever.
	ConnectTimeout provider.Duration `yaml:"connectTimeout"`
	// Name is the connection name the server shows.
	Name string `yaml:"name"`
}

// NewConfig returns the defaults: stream EIM, subjects eim.>, a week of retention, one
// replica, a 30s ack wait.
func NewConfig() *Config {
	return &Config{URL: "nats://127.0.0.1:4222", Stream: "EIM", SubjectPrefix: "eim.", MaxAge: provider.Duration(7 * 24 * time.Hour),
		Replicas: 1, AckWait: provider.Duration(30 * time.Second), ConnectTimeout: provider.Duration(5 * time.Second), Name: "eim"}
}

var (
	streamName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	prefixName = regexp.MustCompile(`^([A-Za-z0-9_-]+\.)*$`)
)

// Validate checks the configuration without I/O.
func (c *Config) Validate() error {
	var v provider.Validation
	v.Required("url", c.URL, "set the NATS server URL, e.g. nats://nats.example.com:4222")
	for _, u := range c.urls() {
		p, err := url.Parse(u)
		switch {
		case err != nil || (p.Scheme != "nats" && p.Scheme != "tls") || p.Host == "":
			v.Add("url", "\""+u+"\" is not a nats:// or tls:// URL", "write it as nats://host:4222")
		case p.User != nil:
			v.Add("url", "holds credentials", "put the user in username and the password in password (a secret reference)")
		}
	}
	v.Check(c.Password.IsZero() || c.Username != "", "username", "is required with password", "set the NATS user name")
	v.Check(c.Token.IsZero() || (c.Username == "" && c.Password.IsZero()), "token", "cannot be combined with username and password", "use one way of authenticating")
	if !c.Password.IsZero() {
		v.Nest("password", c.Password.Validate())
	}
	if !c.Token.IsZero() {
		v.Nest("token", c.Token.Validate())
	}
	v.Nest("tls", c.TLS.Validate())
	v.Check(streamName.MatchString(c.Stream), "stream", "must be 1 to 64 letters, digits, '_' or '-'", "set a stream name such as EIM")
	v.Check(prefixName.MatchString(c.SubjectPrefix), "subjectPrefix", "must be empty or dot-terminated words, e.g. \"eim.\"", `set it to "eim."`)
	v.Check(c.MaxAge.Std() >= time.Minute, "maxAge", "must be at least 1m", `set it to e.g. "168h"`)
	v.Check(c.Replicas >= 1 && c.Replicas <= 5, "replicas", "must be 1 to 5", "set 1, or 3 on a cluster")
	v.Check(c.AckWait.Std() >= time.Second, "ackWait", "must be at least 1s", `set it to e.g. "30s"`)
	v.Check(c.ConnectTimeout.Std() > 0, "connectTimeout", "must be positive", `set it to e.g. "5s"`)
	return v.Err()
}

func (c *Config) urls() []string {
	var out []string
	for _, u := range strings.Split(c.URL, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

func (c *Config) tlsScheme() bool {
	for _, u := range c.urls() {
		if strings.HasPrefix(u, "tls://") {
			return true
		}
	}
	return false
}
