package kms_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/testlog"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/secrets/kms"
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
	"github.com/eim-byoi/eim/test/conformance/secretstest"
	"github.com/eim-byoi/eim/test/testenv"
)

// resolved returns a SecretRef {env: KMS_TEST_VALUE} already resolved to v.
func resolved(t testing.TB, v string) provider.SecretRef {
	ref := provider.SecretRef{Env: "KMS_TEST_VALUE"}
	require.NoError(t, ref.Resolve(context.Background(), provider.SecretSources{LookupEnv: func(string) (string, bool) { return v, true }}))
	return ref
}

func ptrRef(r provider.SecretRef) *provider.SecretRef { return &r }

// kmsBed is a test's local-kms and database: DSN returns the connection string for a host:port
// (the server or a proxy before it).
type kmsBed struct {
	t     testing.TB
	kms   *testenv.LocalKMSServer
	dsn   func(hostport, user, password string) string
	addr  string // database host:port
	user  string
	pass  string
	drv   string
	table string
	logs  *testlog.Buffer
	sql   func(ctx context.Context, stmt string) error
}

func (b *kmsBed) config(kmsEndpoint, dbAddr string, key string) *kms.Config {
	cfg := kms.NewConfig()
	cfg.Provider, cfg.Key = kms.ProviderAWS, key
	cfg.AWS = kms.AWS{Region: b.kms.Region, Endpoint: kmsEndpoint,
		AccessKeyID: ptrRef(resolved(b.t, b.kms.AccessKeyID)), SecretAccessKey: ptrRef(resolved(b.t, b.kms.SecretAccessKey))}
	if dbAddr != "" {
		cfg.Database = &kms.Database{Driver: b.drv, DSN: resolved(b.t, b.dsn(dbAddr, b.user, b.pass)), Table: b.table}
	}
	cfg.Timeout = provider.Duration(2 * time.Second)
	cfg.RefreshInterval = provider.Duration(300 * time.Millisecond)
	return cfg
}

func (b *kmsBed) open(cfg *kms.Config) *secrets.Provider {
	b.t.Helper()
	p, err := secrets.Open(context.Background(), secrets.Selection{One: &provider.Envelope{Type: kms.Name, Settings: cfg}},
		secrets.Env{Logger: b.logs.Logger()})
	require.NoError(b.t, err)
	b.t.Cleanup(func() { _ = p.Close() })
	return p
}

// createKey creates another symmetric key in local-kms and returns its id.
func (b *kmsBed) createKey(ctx context.Context) (string, error) {
	out, err := b.kms.Call(ctx, "CreateKey", map[string]any{"Description": "eim foreign test key"})
	if err != nil {
		return "", err
	}
	var r struct{ KeyMetadata struct{ KeyId string } }
	if err := json.Unmarshal(out, &r); err != nil {
		return "", err
	}
	return r.KeyMetadata.KeyId, nil
}

func postgresBed(t *testing.T) *kmsBed {
	pg := testenv.Postgres(t)
	db := pg.CreateDatabase(t, "kms")
	return &kmsBed{t: t, kms: testenv.LocalKMS(t), addr: pg.Addr(), user: pg.User, pass: pg.Password, drv: "postgres",
		table: "eim_secrets", logs: &testlog.Buffer{},
		dsn: func(hp, user, pw string) string {
			return (&url.URL{Scheme: "postgres", User: url.UserPassword(user, pw), Host: hp, Path: "/" + db, RawQuery: "sslmode=disable"}).String()
		},
		sql: func(ctx context.Context, stmt string) error { _, err := pg.Psql(ctx, db, stmt); return err },
	}
}

func mariadbBed(t *testing.T) *kmsBed {
	m := testenv.MariaDB(t)
	db := m.CreateDatabase(t, "kms")
	return &kmsBed{t: t, kms: testenv.LocalKMS(t), addr: m.Addr(), user: m.User, pass: m.Password, drv: "mysql",
		table: "eim_secrets", logs: &testlog.Buffer{},
		dsn: func(hp, user, pw string) string { return fmt.Sprintf("%s:%s@tcp(%s)/%s", user, pw, hp, db) },
		sql: func(ctx context.Context, stmt string) error { _, err := m.SQL(ctx, db, stmt); return err },
	}
}

func TestConformance(t *testing.T) {
	for name, mk := range map[string]func(*testing.T) *kmsBed{"postgres": postgresBed, "mariadb": mariadbBed} {
		t.Run(name, func(t *testing.T) { runConformance(t, mk(t)) })
	}
}

func runConformance(t *testing.T, b *kmsBed) {
	kmsHost := hostOf(t, b.kms.Endpoint)
	dbProxy, kmsProxy := newProxy(t, b.addr), newProxy(t, kmsHost)
	p := b.open(b.config("http://"+kmsProxy.Addr(), dbProxy.Addr(), b.kms.KeyID))
	other := b.open(b.config(b.kms.Endpoint, b.addr, b.kms.KeyID)) // another EIM process on the same table
	both := func(m faultproxy.Mode) error {
		if err := dbProxy.Set(m); err != nil {
			return err
		}
		return kmsProxy.Set(m)
	}
	restore := func() error { return both(faultproxy.Forward) }
	const noAuth = "kms authenticates with static credentials (the DSN and the AWS keys are references resolved at startup): it has no tokens or leases to renew"
	secretstest.RunSecrets(t, secretstest.SecretsHarness{
		Provider: p,
		Prefix:   "conformance/",
		Hooks: secretstest.SecretsHooks{
			Seed: func(ctx context.Context, name string, data map[string][]byte) error {
				_, err := other.Store().Put(ctx, name, data)
				return err
			},
			Unseed: func(ctx context.Context, name string) error { return other.Store().Delete(ctx, name) },
			Restricted: func(ctx context.Context, denied string) (*secrets.Provider, error) {
				user := testenv.UniqueIdent(t, "nogrant")
				if err := b.createUser(ctx, user); err != nil {
					return nil, err
				}
				return b.open(b.configUser(user)), nil
			},
			Restart:   func(context.Context) (func() error, error) { return restore, both(faultproxy.Refuse) },
			Partition: func(context.Context) (func() error, error) { return restore, both(faultproxy.Blackhole) },
			OpenDown: func(ctx context.Context) (*secrets.Provider, func() error, error) {
				dbDown, kmsDown := newDownProxy(t, b.addr), newDownProxy(t, kmsHost)
				dp := b.open(b.config("http://"+kmsDown.Addr(), dbDown.Addr(), b.kms.KeyID))
				return dp, func() error {
					if err := dbDown.Set(faultproxy.Forward); err != nil {
						return err
					}
					return kmsDown.Set(faultproxy.Forward)
				}, nil
			},
			Foreign: func(ctx context.Context, pt []byte) ([]byte, error) {
				key, err := b.createKey(ctx)
				if err != nil {
					return nil, err
				}
				return b.open(b.config(b.kms.Endpoint, "", key)).Keeper().Encrypt(ctx, pt)
			},
			Logs: b.logs.String,
		},
		Absent: map[string]string{secretstest.HookShortLived: noAuth, secretstest.HookRelogin: noAuth, secretstest.HookDynamic: noAuth},
	})
}

// createUser creates a database user that may log in but holds no privilege on the table.
func (b *kmsBed) createUser(ctx context.Context, user string) error {
	if b.drv == "postgres" {
		return b.sql(ctx, fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD 'nogrant'`, user))
	}
	return b.sql(ctx, fmt.Sprintf(`CREATE USER '%s'@'%%' IDENTIFIED BY 'nogrant'`, user))
}

func (b *kmsBed) configUser(user string) *kms.Config {
	cfg := b.config(b.kms.Endpoint, b.addr, b.kms.KeyID)
	cfg.Database.DSN = resolved(b.t, b.dsn(b.addr, user, "nogrant"))
	return cfg
}

func newProxy(t *testing.T, target string) *faultproxy.Proxy {
	p, err := faultproxy.New(target)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func newDownProxy(t *testing.T, target string) *faultproxy.Proxy {
	p, err := faultproxy.NewDown(target)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func hostOf(t *testing.T, endpoint string) string {
	u, err := url.Parse(endpoint)
	require.NoError(t, err)
	return u.Host
}

func TestKeeperOnly(t *testing.T) {
	k := testenv.LocalKMS(t)
	b := &kmsBed{t: t, kms: k, logs: &testlog.Buffer{}}
	p := b.open(b.config(k.Endpoint, "", k.KeyAlias))
	assert.Equal(t, provider.Capabilities{secrets.CapKeeper}, p.Capabilities(), "without database, kms is a keeper only")
	ct, err := p.Keeper().Encrypt(context.Background(), []byte("data key"))
	require.NoError(t, err)
	pt, err := p.Keeper().Decrypt(context.Background(), ct)
	require.NoError(t, err)
	assert.Equal(t, "data key", string(pt))
	_, err = p.Store().Get(context.Background(), "x")
	assert.Equal(t, provider.FailedPrecondition, provider.CodeOf(err))
}

func TestRowsAreEncrypted(t *testing.T) {
	b := postgresBed(t)
	p := b.open(b.config(b.kms.Endpoint, b.addr, b.kms.KeyID))
	ctx := context.Background()
	_, err := p.Store().Put(ctx, "db/app", map[string][]byte{"password": []byte("planted-kms-row")})
	require.NoError(t, err)
	pg := testenv.Postgres(t)
	u, _ := url.Parse(b.dsn(b.addr, b.user, b.pass))
	out, err := pg.Psql(ctx, u.Path[1:], "SELECT name, version, encode(sealed, 'escape') FROM eim_secrets")
	require.NoError(t, err)
	assert.Contains(t, out, "db/app|1|")
	assert.NotContains(t, out, "planted-kms-row", "the table holds sealed data only")
	// A row moved to another name does not decrypt: the seal is bound to name and version.
	_, err = pg.Psql(ctx, u.Path[1:], "INSERT INTO eim_secrets (name, version, wrapped_key, sealed) SELECT 'db/copy', version, wrapped_key, sealed FROM eim_secrets WHERE name = 'db/app'")
	require.NoError(t, err)
	_, err = p.Store().Get(ctx, "db/copy")
	assert.Equal(t, provider.DataLoss, provider.CodeOf(err))
	assert.NotContains(t, err.Error(), "planted-kms-row")
}
