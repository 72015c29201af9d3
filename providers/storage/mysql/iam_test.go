package mysql_test

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
	"github.com/eim-byoi/eim/providers/storage/mysql"
	"github.com/eim-byoi/eim/providers/storage/remote"
	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/testenv"
)

var iamCreds = aws.Credentials{AccessKeyID: "AKIAEIMTEST000000002", SecretAccessKey: "eim+test/secret+access+key+1111111111111"}

// TestRDSIAM: the mysql adapter with iam set authenticates every new connection with a freshly
// signed RDS IAM token, sent through the mysql_clear_password plugin over TLS, as RDS MySQL
// requires — checked by an RDS stand-in that verifies the token's SigV4 signature. A token it
// cannot verify fails with Unauthenticated, naming host, user and database, never the token.
// (The stand-in answers only connection checks after authenticating: queries are covered by
// the tests against the real MariaDB.)
func TestRDSIAM(t *testing.T) {
	const region, user = "ap-southeast-2", "eim_iam"
	front := dbtest.NewRDSIAMMySQL(t, region, iamCreds, user)
	host, port, err := net.SplitHostPort(front.Addr)
	require.NoError(t, err)
	config := func(region string) *mysql.Config {
		c := mysql.NewConfig()
		c.Host, c.Database, c.User = host, "eim", user
		c.Port, _ = strconv.Atoi(port)
		c.IAM = &remote.IAM{Region: region}
		c.TLS = provider.TLS{Mode: provider.TLSVerifyFull, CA: testenv.FileRef(t, testenv.TLS(t).CAFile)}
		c.Pool.MaxIdle = 0 // every check opens a connection: one token each
		return c
	}
	ctx := context.Background()

	t.Run("token per connection", func(t *testing.T) {
		dbtest.AWSEnv(t, iamCreds)
		db := open(t, config(region), storage.Env{})
		t.Cleanup(func() { _ = db.Close() })
		for range 3 {
			require.NoError(t, db.CheckHealth(ctx))
		}
		earlier := front.Tokens()
		require.GreaterOrEqual(t, len(earlier), 3)
		time.Sleep(1100 * time.Millisecond) // tokens are signed to the second: a token signed now differs
		require.NoError(t, db.CheckHealth(ctx))
		tokens := front.Tokens()
		require.Greater(t, len(tokens), len(earlier))
		for _, tok := range tokens {
			assert.Equal(t, user, tok.User)
			assert.Equal(t, iamCreds.AccessKeyID, tok.AccessKey)
			assert.Equal(t, region, tok.Region)
		}
		for _, tok := range tokens[len(earlier):] {
			assert.True(t, tok.SignedAt.After(earlier[len(earlier)-1].SignedAt), "a new connection signs a new token")
		}
	})

	t.Run("wrong region", func(t *testing.T) {
		dbtest.AWSEnv(t, iamCreds)
		var logs bytes.Buffer
		db, err := storage.Open(ctx, "mysql", config("us-west-2"), storage.Env{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		err = db.CheckHealth(ctx)
		require.Error(t, err)
		assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err), "%v", err)
		for _, want := range []string{host, user, "eim"} {
			assert.Contains(t, err.Error(), want)
		}
		for _, leak := range []string{"X-Amz-Signature", "X-Amz-Credential", iamCreds.SecretAccessKey} {
			assert.NotContains(t, err.Error()+logs.String(), leak)
		}
	})
}
