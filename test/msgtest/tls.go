package msgtest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/testenv"
)

// TLSCase is one row of an adapter's TLS test against the test bed's TLS port: Configure edits
// the adapter configuration; an empty WantErr expects a working publish/consume round trip,
// otherwise Open or CheckHealth must fail with Unavailable and an error containing WantErr and
// every string of AlsoWant.
type TLSCase[C any] struct {
	Name      string
	Configure func(c C)
	WantErr   string
	AlsoWant  []string
	// Verify, if set, runs after a successful round trip while the bus is still open (e.g. to ask
	// the broker which client certificate the connection presented).
	Verify func(t *testing.T, c C)
}

// RunTLS runs cases, each on a fresh configuration from newConfig, opening the bus as adapter.
func RunTLS[C provider.AdapterConfig](t *testing.T, adapter string, newConfig func(t TB) C, cases []TLSCase[C]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			c := newConfig(t)
			tc.Configure(c)
			if tc.WantErr == "" {
				bus, err := messaging.Open(context.Background(), adapter, c, messaging.Env{})
				require.NoError(t, err)
				t.Cleanup(func() { _ = bus.Close() })
				RoundTrip(t, bus)
				if tc.Verify != nil {
					tc.Verify(t, c)
				}
				return
			}
			err := OpenOrHealthErr(t, adapter, c)
			require.Error(t, err)
			assert.Equal(t, provider.Unavailable, provider.CodeOf(err), "code of %v", err)
			for _, want := range append([]string{tc.WantErr}, tc.AlsoWant...) {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}

// ClientCertHint is the advice messaging.TLSError gives when the server rejects the client
// certificate or requires one (by an alert, or by hanging up right after the handshake).
const ClientCertHint = "set tls.cert and tls.key to a certificate the server trusts"

// ClientCert returns resolved {file: ...} references to the client certificate certFile and its
// key keyFile, for tls.cert and tls.key, as bootstrap resolves them.
func ClientCert(t TB, certFile, keyFile string) (cert, key provider.SecretRef) {
	t.Helper()
	return testenv.FileRef(t, certFile), testenv.FileRef(t, keyFile)
}

// OpenOrHealthErr opens the bus and, if that succeeds, checks its health: it returns the first
// error of the two (adapters that connect lazily fail only on first use).
func OpenOrHealthErr(t TB, adapter string, c provider.AdapterConfig) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bus, err := messaging.Open(ctx, adapter, c, messaging.Env{})
	if err != nil {
		return err
	}
	defer func() { _ = bus.Close() }()
	return bus.CheckHealth(ctx)
}

// RoundTrip subscribes a group to a topic on bus, publishes one message and requires it to be
// delivered with its key and payload intact.
func RoundTrip(t TB, bus *messaging.Bus) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, bus.CheckHealth(ctx))
	got := make(chan messaging.Message, 1)
	sub, err := bus.Subscribe(ctx, "tls.roundtrip", "tls-test", func(_ context.Context, m messaging.Message) error {
		select {
		case got <- m:
		default:
		}
		return nil
	})
	require.NoError(t, err)
	defer func() { _ = sub.Close(context.Background()) }()
	require.NoError(t, bus.Publish(ctx, "tls.roundtrip", messaging.Message{Key: "k1", Payload: []byte("over TLS")}))
	select {
	case m := <-got:
		assert.Equal(t, "k1", m.Key)
		assert.Equal(t, []byte("over TLS"), m.Payload)
	case <-ctx.Done():
		require.FailNow(t, "the message published over TLS was not delivered", "%v", ctx.Err())
	}
}
