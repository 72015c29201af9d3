package southbound_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/eim-byoi/eim/internal/testlog"
	"github.com/eim-byoi/eim/services/internal/southbound"
	"github.com/eim-byoi/eim/test/apitest"
)

// projectHealth is a health service whose Check answers SERVING only for a caller acting in a
// project with the agent role, echoing the project as the service name in a header.
type projectHealth struct {
	healthpb.UnimplementedHealthServer
}

func (projectHealth) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	project, err := southbound.Project(ctx, "en-agent-rw")
	if err != nil {
		return nil, err
	}
	_ = grpc.SetHeader(ctx, metadata.Pairs("project", project))
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

type bed struct {
	dir            string
	cert           *southbound.Certificate
	tlsAddr, plain string
	roots          *x509.CertPool
	id             apitest.Identity
}

func newBed(t *testing.T) *bed {
	t.Helper()
	b := &bed{dir: t.TempDir(), id: apitest.Local(t)}
	hosts := []string{"localhost", "127.0.0.1"}
	cert, err := southbound.NewCertificate(context.Background(), southbound.LocalLoader(b.dir, hosts))
	require.NoError(t, err)
	b.cert = cert
	s := southbound.New(cert, "activeprojectid", true)
	s.RegisterService(&healthpb.Health_ServiceDesc, projectHealth{})
	s.Bind(b.id.Verifier)
	tlsLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	plainLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s.Serve(tlsLn, plainLn, new(testlog.Buffer).Logger())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Stop(ctx)
	})
	b.tlsAddr, b.plain = tlsLn.Addr().String(), plainLn.Addr().String()
	b.roots = x509.NewCertPool()
	ca, err := os.ReadFile(filepath.Join(b.dir, southbound.CAFile))
	require.NoError(t, err)
	require.True(t, b.roots.AppendCertsFromPEM(ca))
	return b
}

// dial connects as the agents do: TLS trusting the CA, ALPN h2, server authentication only.
func (b *bed) dial(t *testing.T) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(b.tlsAddr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: b.roots, ServerName: "localhost"})))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func call(conn *grpc.ClientConn, md ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var hdr metadata.MD
	_, err := healthpb.NewHealthClient(conn).Check(metadata.AppendToOutgoingContext(ctx, md...), &healthpb.HealthCheckRequest{}, grpc.Header(&hdr))
	if v := hdr.Get("project"); len(v) == 1 {
		return v[0], err
	}
	return "", err
}

func TestListenerSpeaksTLS13WithALPNh2(t *testing.T) {
	b := newBed(t)
	conn, err := tls.Dial("tcp", b.tlsAddr, &tls.Config{RootCAs: b.roots, ServerName: "127.0.0.1", NextProtos: []string{"h2"}})
	require.NoError(t, err)
	st := conn.ConnectionState()
	assert.Equal(t, uint16(tls.VersionTLS13), st.Version)
	assert.Equal(t, "h2", st.NegotiatedProtocol)
	_ = conn.Close()

	_, err = tls.Dial("tcp", b.tlsAddr, &tls.Config{RootCAs: b.roots, ServerName: "localhost", MaxVersion: tls.VersionTLS12})
	require.Error(t, err, "TLS 1.2 must be refused")
	_, err = tls.Dial("tcp", b.tlsAddr, &tls.Config{ServerName: "localhost"})
	require.Error(t, err, "the generated CA is not in the system pool")
}

func TestCallerProject(t *testing.T) {
	b := newBed(t)
	conn := b.dial(t)
	p1, p2 := uuid.NewString(), uuid.NewString()
	one := b.id.Minter.Token(t, "edgenode-1", p1+"_en-agent-rw")
	two := b.id.Minter.Token(t, "edgenode-2", p1+"_en-agent-rw", p2+"_en-agent-rw")
	reader := b.id.Minter.Token(t, "user", p1+"_im-r")
	for _, tt := range []struct {
		name    string
		md      []string
		project string
		code    codes.Code
	}{
		{"no token", nil, "", codes.Unauthenticated},
		{"empty token file", []string{"authorization", "Bearer "}, "", codes.Unauthenticated},
		{"not a token", []string{"authorization", "Bearer x.y.z"}, "", codes.Unauthenticated},
		{"project from the role", []string{"authorization", "Bearer " + one}, p1, codes.OK},
		{"project from the proxy's header", []string{"authorization", "Bearer " + two, "activeprojectid", p2}, p2, codes.OK},
		{"header naming a project the token has no role in", []string{"authorization", "Bearer " + one, "activeprojectid", p2}, "", codes.PermissionDenied},
		{"two projects and no header", []string{"authorization", "Bearer " + two}, "", codes.FailedPrecondition},
		{"no agent role", []string{"authorization", "Bearer " + reader}, "", codes.PermissionDenied},
		{"two authorization values", []string{"authorization", "Bearer " + one, "authorization", "Bearer " + one}, "", codes.Unauthenticated},
	} {
		t.Run(tt.name, func(t *testing.T) {
			project, err := call(conn, tt.md...)
			assert.Equal(t, tt.code, status.Code(err), "%v", err)
			assert.Equal(t, tt.project, project)
		})
	}
}

func TestPlaintextListenerServesTheSameServices(t *testing.T) {
	b := newBed(t)
	conn, err := grpc.NewClient(b.plain, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	p := uuid.NewString()
	project, err := call(conn, "authorization", "Bearer "+b.id.Minter.Token(t, "edgenode", p+"_en-agent-rw"))
	require.NoError(t, err)
	assert.Equal(t, p, project)
}

func TestRotationKeepsOpenConnections(t *testing.T) {
	b := newBed(t)
	p := uuid.NewString()
	tok := b.id.Minter.Token(t, "edgenode", p+"_en-agent-rw")
	old := b.dial(t)
	_, err := call(old, "authorization", "Bearer "+tok)
	require.NoError(t, err)
	before := b.cert.Leaf()

	// A new server certificate (the CA kept): remove it and reload, as a renewal does.
	require.NoError(t, os.Remove(filepath.Join(b.dir, southbound.CertFile)))
	require.NoError(t, b.cert.Reload(context.Background()))
	after := b.cert.Leaf()
	require.NotEqual(t, before.SerialNumber, after.SerialNumber)

	_, err = call(old, "authorization", "Bearer "+tok)
	require.NoError(t, err, "an open connection survives the rotation")
	conn, err := tls.Dial("tcp", b.tlsAddr, &tls.Config{RootCAs: b.roots, ServerName: "localhost", NextProtos: []string{"h2"}})
	require.NoError(t, err)
	defer conn.Close()
	assert.Equal(t, after.SerialNumber, conn.ConnectionState().PeerCertificates[0].SerialNumber, "a new connection gets the new certificate")
}

func TestReloadKeepsTheCertificateOnBadInput(t *testing.T) {
	good := true
	dir := t.TempDir()
	local := southbound.LocalLoader(dir, []string{"localhost"})
	cert, err := southbound.NewCertificate(context.Background(), func(ctx context.Context) ([]byte, []byte, error) {
		c, k, err := local(ctx)
		if !good {
			return c, []byte("-----BEGIN EC PRIVATE KEY-----\nnot a key\n-----END EC PRIVATE KEY-----\n"), err
		}
		return c, k, err
	})
	require.NoError(t, err)
	before := cert.Leaf()
	good = false
	err = cert.Reload(context.Background())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "not a key", "the key's bytes are not echoed")
	assert.Same(t, before, cert.Leaf())
}

func TestGeneratedCAIsKeptAndCertificateCoversHosts(t *testing.T) {
	dir := t.TempDir()
	first, err := southbound.EnsureLocal(dir, []string{"localhost", "127.0.0.1"})
	require.NoError(t, err)
	ca1, err := os.ReadFile(first.CA)
	require.NoError(t, err)
	// A new host: the server certificate is reissued by the same CA.
	second, err := southbound.EnsureLocal(dir, []string{"edge.example.test", "localhost", "127.0.0.1"})
	require.NoError(t, err)
	ca2, err := os.ReadFile(second.CA)
	require.NoError(t, err)
	assert.Equal(t, ca1, ca2, "devices trusting the CA keep trusting the server")
	pair, err := tls.LoadX509KeyPair(second.Cert, second.Key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	require.NoError(t, err)
	for _, h := range []string{"edge.example.test", "localhost", "127.0.0.1"} {
		assert.NoError(t, leaf.VerifyHostname(h))
	}
	info, err := os.Stat(second.Key)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}
