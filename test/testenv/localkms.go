package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
)

// LocalKMSServer is the test bed's local-kms, an implementation of the AWS KMS API. It accepts any
// (or no) SigV4 signature: use any static credentials, e.g. AccessKeyID/SecretAccessKey.
type LocalKMSServer struct {
	// Endpoint is the KMS endpoint URL, http://127.0.0.1:<LOCALKMS_PORT>.
	Endpoint string
	// Region and AccountID appear in key ARNs.
	Region, AccountID string
	// KeyID is a seeded symmetric (AES) key that always exists; KeyAlias ("alias/eim-test") names it.
	KeyID, KeyAlias string
	// AccessKeyID and SecretAccessKey are dummy static credentials for AWS SDK clients.
	AccessKeyID, SecretAccessKey string
}

// LocalKMS returns the local-kms server, failing the test if it is not reachable.
func LocalKMS(t TB) *LocalKMSServer {
	t.Helper()
	addr := net.JoinHostPort(Host, strconv.Itoa(portVar(t, "LOCALKMS_PORT")))
	s := &LocalKMSServer{Endpoint: "http://" + addr, Region: Var(t, "LOCALKMS_REGION"), AccountID: Var(t, "LOCALKMS_ACCOUNT_ID"),
		KeyID: Var(t, "LOCALKMS_KEY_ID"), KeyAlias: Var(t, "LOCALKMS_KEY_ALIAS"), AccessKeyID: "test", SecretAccessKey: "test"}
	require(t, "local-kms", addr, tcpCheck(addr))
	return s
}

// KeyARN returns the ARN of KeyID.
func (s *LocalKMSServer) KeyARN() string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", s.Region, s.AccountID, s.KeyID)
}

// Call sends one KMS JSON request (operation e.g. "ListKeys", "Encrypt") without a signature and
// returns the response body, or an error naming the status for a non-2xx answer.
func (s *LocalKMSServer) Call(ctx context.Context, operation string, request any) ([]byte, error) {
	b, err := json.Marshal(request)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.Endpoint+"/", bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Amz-Target", "TrentService."+operation)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	return doHTTP(req, http.StatusOK)
}
