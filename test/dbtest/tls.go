package dbtest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/testenv"
)

// RunTLSModes checks each verifying TLS mode against a TLS test-bed server whose certificate is
// for localhost and 127.0.0.1, signed by the test CA: verify-ca checks the chain but not the
// name, verify-full both, require neither; a certificate from another CA fails verification
// with Unauthenticated. open opens the adapter on the server with tls.
func RunTLSModes(t *testing.T, open func(t *testing.T, tls provider.TLS) *storage.DB) {
	files := testenv.TLS(t)
	for _, tt := range []struct {
		name       string
		mode       string
		caFile     string
		serverName string
		ok         bool
	}{
		{"verify-full", provider.TLSVerifyFull, files.CAFile, "", true},
		{"verify-ca ignores the name", provider.TLSVerifyCA, files.CAFile, testenv.WrongServerName, true},
		{"verify-ca rejects another CA", provider.TLSVerifyCA, files.ForeignCAFile, "", false},
		{"verify-full rejects another CA", provider.TLSVerifyFull, files.ForeignCAFile, "", false},
		{"require encrypts without verifying", provider.TLSRequire, files.ForeignCAFile, testenv.WrongServerName, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := open(t, provider.TLS{Mode: tt.mode, CA: testenv.FileRef(t, tt.caFile), ServerName: tt.serverName})
			t.Cleanup(func() { _ = db.Close() })
			err := db.CheckHealth(context.Background())
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err), "%v", err)
			assert.Contains(t, err.Error(), "certificate")
		})
	}
}
