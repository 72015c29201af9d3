package prereq

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/eim-byoi/eim/providers/messaging/rabbitmq"
	"github.com/eim-byoi/eim/providers/provider"
)

// RabbitMQAdmin is a RabbitMQ administrator of the management HTTP API (user tag
// administrator: only administrators manage vhosts, users and permissions).
type RabbitMQAdmin struct {
	// URL is the management API's base URL, e.g. https://rabbitmq.example.com:15672.
	URL string `yaml:"url"`
	// User is the administrator's user name.
	User string `yaml:"user"`
	// Password is the administrator's password.
	Password provider.SecretRef `yaml:"password"`
}

// brokerPlanner plans the broker side: for RabbitMQ, through the management API, the vhost,
// EIM's user (its password generated into the reference of eim.yaml when there is none) and
// its permissions on the vhost, RabbitMQPattern for each of configure, write and read; for NATS,
// whose users live in the server's configuration or an operator's JWTs, the manual step.
type brokerPlanner struct {
	planner
	spec  *Spec
	admin *RabbitMQAdmin
	hc    *http.Client
	sink  *sink
}

func (p *brokerPlanner) plan(ctx context.Context) error {
	if c := p.spec.NATS; c != nil {
		p.add("manual", "nats user "+NATSUser(c), "give the user "+NATSPermissions(c)+
			" in the server configuration (or with nsc edit user in operator mode), and JetStream to its account", nil)
		return nil
	}
	c := p.spec.RabbitMQ
	vhost := RabbitMQVHost(c)
	vpath := "/api/vhosts/" + url.PathEscape(vhost)
	found, err := p.call(ctx, http.MethodGet, vpath, nil, nil)
	if err != nil {
		return err
	}
	if !found {
		p.add("create", "vhost "+vhost, "", func(ctx context.Context) error {
			_, err := p.call(ctx, http.MethodPut, vpath, map[string]any{}, nil)
			return err
		})
	}
	if err := p.user(ctx, c); err != nil {
		return err
	}
	return p.permissions(ctx, c, vhost)
}

// user plans creating EIM's user, or setting its password when the one at its reference does
// not log in (or there is none).
func (p *brokerPlanner) user(ctx context.Context, c *rabbitmq.Config) error {
	upath := "/api/users/" + url.PathEscape(c.Username)
	var u struct {
		Tags json.RawMessage `json:"tags"`
	}
	exists, err := p.call(ctx, http.MethodGet, upath, nil, &u)
	if err != nil {
		return err
	}
	cur, have, err := p.sink.read(ctx, &c.Password)
	if err != nil {
		return err
	}
	if exists && have && amqpLoginWorks(c, cur) {
		return nil
	}
	pw := cur
	if !have {
		pw = newSecret()
	}
	tags := tagsOf(u.Tags)
	put := func(ctx context.Context) error {
		if _, err := p.call(ctx, http.MethodPut, upath, map[string]any{"password": pw, "tags": tags}, nil); err != nil {
			return err
		}
		if have {
			return nil
		}
		return p.sink.write(ctx, &c.Password, pw)
	}
	var st *Step
	if exists {
		st = p.add("update", "rabbitmq user "+c.Username, "its password (the one at "+p.sink.where(&c.Password)+" does not log in)", put)
	} else {
		st = p.add("create", "rabbitmq user "+c.Username, "no tags: no management API access", put)
	}
	if !have {
		st.SecretTo = p.sink.where(&c.Password)
	}
	return nil
}

// tagsOf returns a user's tags as the comma-separated string the API accepts (3.9+ answers
// a list, older versions a string).
func tagsOf(raw json.RawMessage) string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return strings.Join(list, ",")
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

func (p *brokerPlanner) permissions(ctx context.Context, c *rabbitmq.Config, vhost string) error {
	ppath := "/api/permissions/" + url.PathEscape(vhost) + "/" + url.PathEscape(c.Username)
	var cur map[string]any
	found, err := p.call(ctx, http.MethodGet, ppath, nil, &cur)
	if err != nil {
		return err
	}
	pat := RabbitMQPattern(c)
	want := map[string]any{RabbitMQConfigure: pat, RabbitMQWrite: pat, RabbitMQRead: pat}
	if found && cur[RabbitMQConfigure] == pat && cur[RabbitMQWrite] == pat && cur[RabbitMQRead] == pat {
		return nil
	}
	detail := "configure, write and read " + pat
	if found {
		detail += fmt.Sprintf(" (was configure %v, write %v, read %v)", cur[RabbitMQConfigure], cur[RabbitMQWrite], cur[RabbitMQRead])
	}
	p.add("grant", "rabbitmq permissions of "+c.Username+" on vhost "+vhost, detail, func(ctx context.Context) error {
		_, err := p.call(ctx, http.MethodPut, ppath, want, nil)
		return err
	})
	return nil
}

// call sends a management API request as the administrator; found is false on 404.
func (p *brokerPlanner) call(ctx context.Context, method, path string, body, out any) (found bool, err error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return false, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(p.admin.URL, "/")+path, rd)
	if err != nil {
		return false, provider.WithCode(provider.InvalidArgument, fmt.Errorf("rabbitmq.url of the admin file: %w", err))
	}
	req.SetBasicAuth(p.admin.User, p.admin.Password.Value().Reveal())
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.hc.Do(req)
	if err != nil {
		return false, provider.WithCode(provider.Unavailable, fmt.Errorf("RabbitMQ management API %s: %w", p.admin.URL, err))
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode == http.StatusNotFound && method == http.MethodGet:
		return false, nil
	case resp.StatusCode == http.StatusUnauthorized:
		return false, provider.Errorf(provider.PermissionDenied, "RabbitMQ management API %s %s: %s: the admin file's rabbitmq user needs the administrator tag "+
			"(rabbitmqctl set_user_tags %s administrator) and its password", method, path, resp.Status, p.admin.User)
	case resp.StatusCode >= 300:
		return false, provider.Errorf(provider.Internal, "RabbitMQ management API %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(msg))
	}
	if out != nil {
		return true, json.Unmarshal(msg, out)
	}
	return true, nil
}

// amqpLoginWorks reports whether c's user logs in with password: a refused vhost (NOT_ALLOWED,
// no permissions yet) still proves the password.
func amqpLoginWorks(c *rabbitmq.Config, password string) bool {
	u, err := url.Parse(c.URL)
	if err != nil {
		return false
	}
	u.User = url.UserPassword(c.Username, password)
	tc, err := c.TLS.Config(u.Hostname(), c.TLS.ModeOr(map[bool]string{true: provider.TLSVerifyFull, false: provider.TLSDisable}[u.Scheme == "amqps"]))
	if err != nil {
		return false
	}
	if tc != nil {
		u.Scheme = "amqps"
	}
	conn, err := amqp.DialConfig(u.String(), amqp.Config{TLSClientConfig: tc, Dial: amqp.DefaultDial(10 * time.Second)})
	if err == nil {
		_ = conn.Close()
		return true
	}
	var ae *amqp.Error
	return errors.As(err, &ae) && ae.Code == amqp.NotAllowed
}
