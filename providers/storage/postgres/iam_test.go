package postgres_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/postgres"
	"github.com/eim-byoi/eim/providers/storage/remote"
	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// iamCreds are the AWS credentials the tests give the process (the SDK's default chain reads
// them from the environment) and the RDS stand-in verifies tokens against.
var iamCreds = aws.Credentials{AccessKeyID: "AKIAEIMTEST000000001", SecretAccessKey: "eim+test/secret+access+key+0000000000000"}

// iamConfig connects to the stand-in as d's runtime role with RDS IAM for region, over TLS
// verified against the test CA; migrations run as d's migration role with its password.
func iamConfig(t *testing.T, front *dbtest.RDSIAM, d dbtest.Database, region string) *postgres.Config {
	host, port, err := net.SplitHostPort(front.Addr)
	require.NoError(t, err)
	c := postgres.NewConfig()
	c.Host, c.Database, c.User = host, d.Name, d.Runtime.User
	c.Port, _ = strconv.Atoi(port)
	c.IAM = &remote.IAM{Region: region}
	c.TLS = provider.TLS{Mode: provider.TLSVerifyFull, CA: testenv.FileRef(t, testenv.TLS(t).CAFile)}
	c.Migration = &remote.Migration{User: d.Migration.User, Password: testenv.Ref(t, d.Migration.Password)}
	c.Pool.MaxIdle = 0 // every query opens a connection: one token each
	return c
}

// TestRDSIAM: with iam set, every new connection presents a freshly signed RDS IAM token as its
// password — verified by a stand-in for RDS's front door that recomputes the SigV4 signature —
// and the session reaches the real PostgreSQL as the runtime role. A token the front cannot
// verify (wrong region, other credentials) fails the first connection with Unauthenticated,
// naming host, user and database, and no token appears in errors or logs.
func TestRDSIAM(t *testing.T) {
	const region = "eu-central-1"
	pg := dbtest.NewPostgres(t, false)
	d := pg.Fresh(t)
	front := dbtest.NewRDSIAM(t, pg.Server, region, iamCreds, []string{d.Runtime.User}, d.Runtime, d.Migration)
	ctx := context.Background()

	t.Run("token per connection", func(t *testing.T) {
		dbtest.AWSEnv(t, iamCreds)
		var logs bytes.Buffer
		db, err := storage.Open(ctx, "postgres", iamConfig(t, front, d, region), storage.Env{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		require.NoError(t, db.CheckHealth(ctx))
		before := len(front.Tokens())
		for range 4 {
			var user string
			require.NoError(t, db.SQL().QueryRowContext(ctx, "SELECT current_user").Scan(&user))
			assert.Equal(t, d.Runtime.User, user, "the session runs as the runtime role")
		}
		earlier := front.Tokens()
		require.GreaterOrEqual(t, len(earlier), before+4, "each new connection presented a token the front verified")
		time.Sleep(1100 * time.Millisecond) // tokens are signed to the second: a token signed now differs
		require.NoError(t, db.CheckHealth(ctx))
		tokens := front.Tokens()
		require.Greater(t, len(tokens), len(earlier))
		for _, tok := range tokens[len(earlier):] {
			assert.True(t, tok.SignedAt.After(earlier[len(earlier)-1].SignedAt), "a new connection signs a new token rather than reusing one")
		}
		for _, tok := range tokens {
			assert.Equal(t, d.Runtime.User, tok.User)
			assert.Equal(t, iamCreds.AccessKeyID, tok.AccessKey)
			assert.Equal(t, region, tok.Region)
			assert.WithinDuration(t, time.Now(), tok.SignedAt, time.Minute, "signed when the connection was opened")
		}
		assert.NotContains(t, logs.String(), "X-Amz-Signature")
	})

	rejected := []struct {
		name   string
		region string
		creds  aws.Credentials
	}{
		{"wrong region", "us-east-1", iamCreds},
		{"other credentials", region, aws.Credentials{AccessKeyID: iamCreds.AccessKeyID, SecretAccessKey: "not+the+secret+the+database+trusts+000000"}},
	}
	for _, tt := range rejected {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.AWSEnv(t, tt.creds)
			var logs bytes.Buffer
			c := iamConfig(t, front, d, tt.region)
			db, err := storage.Open(ctx, "postgres", c, storage.Env{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			require.NoError(t, err, "Open connects lazily")
			t.Cleanup(func() { _ = db.Close() })
			err = db.CheckHealth(ctx)
			require.Error(t, err)
			assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err), "%v", err)
			for _, want := range []string{c.Host, d.Runtime.User, d.Name} {
				assert.Contains(t, err.Error(), want)
			}
			for _, leak := range []string{"X-Amz-Signature", "X-Amz-Credential", tt.creds.SecretAccessKey} {
				assert.NotContains(t, err.Error()+logs.String(), leak)
			}
		})
	}
}
