package edgesim

import (
	"context"
	"crypto/tls"
	"net"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/eim-byoi/eim/providers/provider"
)

// dial opens the shared pool of c.Connections client connections: each is one HTTP/2
// connection multiplexing the calls of the nodes assigned to it.
func dial(ctx context.Context, c Config) ([]*grpc.ClientConn, error) {
	creds, err := transport(ctx, c)
	if err != nil {
		return nil, err
	}
	conns := make([]*grpc.ClientConn, 0, c.Connections)
	for range c.Connections {
		// Each ClientConn has its own transport: the pool holds Connections sockets.
		cc, err := grpc.NewClient("passthrough:///"+c.Address, grpc.WithTransportCredentials(creds))
		if err != nil {
			closeAll(conns)
			return nil, provider.Errorf(provider.InvalidArgument, "address %q: %v", c.Address, err)
		}
		cc.Connect()
		conns = append(conns, cc)
	}
	return conns, nil
}

func closeAll(conns []*grpc.ClientConn) {
	for _, cc := range conns {
		_ = cc.Close()
	}
}

// transport is TLS 1.3 (ALPN h2, set by gRPC) verifying the server against CAFile, or
// plaintext.
func transport(ctx context.Context, c Config) (credentials.TransportCredentials, error) {
	if c.Plaintext {
		return insecure.NewCredentials(), nil
	}
	host, _, err := net.SplitHostPort(c.Address)
	if err != nil {
		return nil, provider.Errorf(provider.InvalidArgument, "address %q: %v: give host:port", c.Address, err)
	}
	t := provider.TLS{Mode: provider.TLSVerifyFull, ServerName: c.ServerName}
	if c.CAFile != "" {
		t.CA = provider.SecretRef{File: c.CAFile}
		if err := t.CA.Resolve(ctx, provider.SecretSources{ReadFile: os.ReadFile}); err != nil {
			return nil, provider.Errorf(provider.CodeOf(err), "ca %s: %v: give the PEM file of the CA the listener's certificate is signed by", c.CAFile, err)
		}
	}
	cfg, err := t.Config(host, provider.TLSVerifyFull)
	if err != nil {
		return nil, err
	}
	cfg.MinVersion = tls.VersionTLS13
	return credentials.NewTLS(cfg), nil
}
