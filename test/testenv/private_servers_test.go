package testenv_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/testenv"
)

// TestPrivateOpenBao: the private OpenBao keeps a KV secret across a restart (file storage) and
// is unsealed again by Start.
func TestPrivateOpenBao(t *testing.T) {
	bao := testenv.PrivateOpenBao(t)
	ctx := context.Background()
	_, err := bao.Root(t).KVv2("secret").Put(ctx, "kept", map[string]any{"v": "1"})
	require.NoError(t, err)
	bao.Stop(t)
	bao.Start(t)
	s, err := bao.Root(t).KVv2("secret").Get(ctx, "kept")
	require.NoError(t, err)
	assert.Equal(t, "1", s.Data["v"])
}

// TestPrivateKeycloak: the private Keycloak issues tokens of the test realm, and a realm role
// created through its admin API is still there after a restart (dev-file database).
func TestPrivateKeycloak(t *testing.T) {
	kc := testenv.PrivateKeycloak(t)
	require.NotEmpty(t, kc.Server.ClientCredentialsToken(t, kc.Server.ClientID, kc.Server.ClientSecret))
	role := testenv.Unique(t, "kept")
	kc.Server.Admin(t, http.MethodPost, "/roles", map[string]any{"name": role})
	kc.Stop(t)
	kc.Start(t)
	kc.Server.Admin(t, http.MethodGet, "/roles/"+role, nil, http.StatusOK)
	require.NotEmpty(t, kc.Server.ClientCredentialsToken(t, kc.Server.ClientID, kc.Server.ClientSecret))
}

// TestPrivateMariaDB: the private MariaDB keeps a database across a restart.
func TestPrivateMariaDB(t *testing.T) {
	p := testenv.PrivateMariaDB(t)
	m := p.MariaDB()
	ctx := context.Background()
	_, err := m.SQL(ctx, "eim", "CREATE TABLE kept (v INT); INSERT INTO kept VALUES (1)")
	require.NoError(t, err)
	p.Stop(t)
	p.Start(t)
	out, err := m.SQL(ctx, "eim", "SELECT v FROM kept")
	require.NoError(t, err)
	assert.Equal(t, "1", out)
}

// TestPrivateRabbitMQ: the private RabbitMQ accepts its user's AMQP connections, again after a
// restart.
func TestPrivateRabbitMQ(t *testing.T) {
	r := testenv.PrivateRabbitMQ(t)
	dial := func() error {
		c, err := amqp.Dial(fmt.Sprintf("amqp://%s:%s@%s/", r.User, r.Password, r.Addr()))
		if err != nil {
			return err
		}
		return c.Close()
	}
	require.NoError(t, dial())
	r.Stop(t)
	r.Start(t)
	require.Eventually(t, func() bool { return dial() == nil }, time.Minute, 200*time.Millisecond)
}
