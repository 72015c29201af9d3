package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/eim-byoi/eim/internal/prereq"
	"github.com/eim-byoi/eim/providers/messaging"
	natsbroker "github.com/eim-byoi/eim/providers/messaging/nats"
	"github.com/eim-byoi/eim/providers/provider"
)

// brokerCheck checks the messaging provider: endpoint, EIM's login and, one probe per grant,
// the permissions prereq.Spec.BrokerGrants names, with the user of eim.yaml.
type brokerCheck struct {
	spec *prereq.Spec
	o    *Options
	c    collector
	refs refResolver
}

func (b *brokerCheck) run(ctx context.Context) []Finding {
	b.c.target = prereq.KindMessaging
	switch {
	case b.spec.NATS != nil:
		b.nats(ctx, b.spec.NATS)
	case b.spec.RabbitMQ != nil:
		b.rabbitmq(ctx, b.spec.RabbitMQ)
	case b.spec.Redis != nil:
		b.redis(ctx, b.spec.Redis)
	}
	return b.c.findings
}

// skipGrants skips the permission probes with why.
func (b *brokerCheck) skipGrants(why string) {
	for _, g := range b.spec.BrokerGrants() {
		b.c.skip("permissions", g.Action+" "+g.Object, why)
	}
}

// unresolved reports a credential reference without value; it skips the rest when so.
func (b *brokerCheck) unresolved(ref *provider.SecretRef, field string) bool {
	if ref.IsZero() || ref.Value().Reveal() != "" {
		return false
	}
	b.c.skip("auth", field, b.refs.why(ref))
	b.skipGrants("no credentials")
	return true
}

func (b *brokerCheck) nats(ctx context.Context, c *natsbroker.Config) {
	first := strings.TrimSpace(strings.Split(c.URL, ",")[0])
	u, err := url.Parse(first)
	if err != nil || u.Hostname() == "" {
		b.c.fail("reach", first, "not a nats:// or tls:// URL", "write providers.messaging.config.url as nats://host:4222")
		return
	}
	port := u.Port()
	if port == "" {
		port = "4222"
	}
	mode := c.TLS.ModeOr(messaging.TLSDefault(u.Scheme == "tls"))
	// NATS starts TLS after its INFO line: the login checks it.
	ep := endpoint{host: u.Hostname(), port: port, tlsPath: "providers.messaging.config.tls", tls: c.TLS, mode: mode, noProbe: true}
	if !ep.check(ctx, &b.c, b.o) {
		b.skipGrants("the server is not reachable")
		return
	}
	if b.unresolved(&c.Password, "providers.messaging.config.password") || b.unresolved(&c.Token, "providers.messaging.config.token") {
		return
	}
	nc, err := b.natsConnect(c, u.Hostname(), mode)
	if err != nil {
		b.natsLoginFailed(c, err)
		return
	}
	defer nc.Close()
	b.c.ok("auth", prereq.NATSUser(c), "server "+nc.ConnectedServerVersion())
	denied := map[string]bool{}
	for _, g := range prereq.NATSGrants(c) {
		if err := natsProbe(ctx, nc, g); err != nil {
			denied[g.Object] = true
			b.c.fail("permissions", g.Action+" "+g.Object, err.Error()+" (needed to "+g.Why+")", prereq.NATSFix(c, g))
			continue
		}
		b.c.ok("permissions", g.Action+" "+g.Object, g.Why)
	}
	info := "$JS.API.STREAM.INFO." + c.Stream
	if denied[info] || denied["_INBOX.>"] {
		b.c.skip("jetstream", c.Stream, "the stream info request is not allowed")
		return
	}
	b.natsStream(ctx, nc, c, info)
}

func (b *brokerCheck) natsConnect(c *natsbroker.Config, host, mode string) (*nats.Conn, error) {
	opts := []nats.Option{nats.Name("eim-doctor"), nats.Timeout(c.ConnectTimeout.Std()), nats.NoReconnect(),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {})}
	if c.Username != "" {
		opts = append(opts, nats.UserInfo(c.Username, c.Password.Value().Reveal()))
	}
	if !c.Token.IsZero() {
		opts = append(opts, nats.Token(c.Token.Value().Reveal()))
	}
	tc, err := c.TLS.Config(host, mode)
	if err != nil {
		return nil, err
	}
	if tc != nil {
		opts = append(opts, nats.Secure(tc))
	}
	return nats.Connect(c.URL, opts...)
}

func (b *brokerCheck) natsLoginFailed(c *natsbroker.Config, err error) {
	user := prereq.NATSUser(c)
	switch {
	case errors.Is(err, nats.ErrAuthorization) || strings.Contains(strings.ToLower(err.Error()), "authorization violation"):
		b.c.fail("auth", user, err.Error(), "set providers.messaging.config.username and password (or token) to a user of the NATS server; "+
			"the password at "+c.Password.String()+" is not the user's")
	case provider.IsTLSError(err):
		b.c.fail("tls", c.URL, err.Error(), "fix providers.messaging.config.tls (ca: the CA of the server certificate; cert and key when the server verifies clients)")
	default:
		b.c.fail("auth", user, err.Error(), "check that "+c.URL+" is a NATS server and that its TLS setting matches providers.messaging.config.tls")
	}
	b.skipGrants("EIM's login failed")
}

// natsProbe tells whether the server lets nc do g: it subscribes to or publishes on a subject
// g covers and flushes; the server answers a denial before the flush's PONG. The publications
// change nothing: a JetStream API request without reply subject is ignored, an event is
// rejected by its Nats-Expected-Stream header, an acknowledgement names no consumer.
func natsProbe(ctx context.Context, nc *nats.Conn, g prereq.Grant) error {
	subject := strings.TrimSuffix(g.Object, ">") + "eim-doctor.probe"
	if !strings.HasSuffix(g.Object, ">") {
		subject = g.Object
	}
	if g.Action == prereq.NATSSubscribe {
		sub, err := nc.SubscribeSync(subject)
		if err != nil {
			return err
		}
		defer func() { _ = sub.Unsubscribe() }()
	} else {
		msg := nats.NewMsg(subject)
		msg.Header.Set("Nats-Expected-Stream", "eim-doctor-no-such-stream")
		if err := nc.PublishMsg(msg); err != nil {
			return err
		}
	}
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := nc.FlushWithContext(fctx); err != nil {
		return err
	}
	if err := nc.LastError(); errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), `"`+subject+`"`) {
		return err
	}
	return nil
}

// natsStream asks JetStream for the stream: no responder means JetStream is off for the
// account; an existing stream must hold the subjects.
func (b *brokerCheck) natsStream(ctx context.Context, nc *nats.Conn, c *natsbroker.Config, subject string) {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	msg, err := nc.RequestWithContext(rctx, subject, nil)
	if err != nil {
		fix := "enable JetStream on the server (jetstream {} block) and for the user's account (jetstream: enabled, or nsc edit account --js-mem-storage -1 --js-disk-storage -1)"
		b.c.fail("jetstream", c.Stream, err.Error(), fix)
		return
	}
	var info struct {
		Config struct {
			Subjects []string `json:"subjects"`
		} `json:"config"`
		Error *struct {
			Code        int    `json:"code"`
			Description string `json:"description"`
		} `json:"error"`
	}
	if err := json.Unmarshal(msg.Data, &info); err != nil {
		b.c.fail("jetstream", c.Stream, "stream info: "+err.Error(), "check that "+c.URL+" is a NATS server with JetStream")
		return
	}
	want := c.SubjectPrefix + ">"
	switch {
	case info.Error != nil && info.Error.Code == 404:
		b.c.ok("jetstream", c.Stream, "the stream does not exist yet: eim serve creates it with subjects "+want)
	case info.Error != nil:
		b.c.fail("jetstream", c.Stream, info.Error.Description, "fix the JetStream error above on the server")
	case !containsSubject(info.Config.Subjects, want):
		b.c.fail("jetstream", c.Stream, "the stream holds "+strings.Join(info.Config.Subjects, ", ")+", not "+want,
			"nats stream edit "+c.Stream+" --subjects '"+want+"' (or set providers.messaging.config.stream to another stream)")
	default:
		b.c.ok("jetstream", c.Stream, "subjects "+strings.Join(info.Config.Subjects, ", "))
	}
}

func containsSubject(subjects []string, want string) bool {
	for _, s := range subjects {
		if s == want || s == ">" {
			return true
		}
	}
	return false
}
