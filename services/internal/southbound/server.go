package southbound

import (
	"context"
	"errors"
	"log/slog"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/eim-byoi/eim/providers/identity"
)

// Server holds the southbound gRPC services: they are served on the TLS listener, and on the
// loopback plaintext listener when one is configured. Every call is authenticated by its bearer
// token except the methods registered as public. Modules register their services while they
// are built or started, never after: bootstrap serves them once every module has started.
type Server struct {
	tls, plain *grpc.Server
	auth       *authenticator
	services   []string
	public     map[string]bool // written while modules register, read-only once Serve has begun
	admit      *admission      // set before Serve; nil admits every call
}

var _ grpc.ServiceRegistrar = (*Server)(nil)

// New returns a Server whose TLS listener presents cert; plaintext adds the loopback
// listener's server. projectHeader is the metadata key a proxy sets to the caller's project.
func New(cert *Certificate, projectHeader string, plaintext bool, opts ...grpc.ServerOption) *Server {
	s := &Server{public: map[string]bool{}, auth: &authenticator{header: projectHeader}}
	opts = append(opts, grpc.ChainUnaryInterceptor(s.unary), grpc.ChainStreamInterceptor(s.stream))
	s.tls = grpc.NewServer(append([]grpc.ServerOption{grpc.Creds(credentials.NewTLS(cert.TLSConfig()))}, opts...)...)
	if plaintext {
		s.plain = grpc.NewServer(opts...)
	}
	return s
}

// Bind sets the verifier of the callers' tokens; bootstrap calls it once the identity
// provider is open, before the listeners serve. Until then every authenticated call is
// Unavailable.
func (s *Server) Bind(v identity.TokenVerifier) { s.auth.bind(v) }

// Limit bounds the calls handled at once to maxInFlight (0: no bound): a call finding none
// free waits at most QueueWait, then is refused Unavailable. Call it before Serve.
func (s *Server) Limit(maxInFlight int) { s.admit = newAdmission(maxInFlight) }

// RegisterService registers a service whose every method requires a verified token.
func (s *Server) RegisterService(desc *grpc.ServiceDesc, impl any) {
	s.tls.RegisterService(desc, impl)
	if s.plain != nil {
		s.plain.RegisterService(desc, impl)
	}
	s.services = append(s.services, desc.ServiceName)
}

// RegisterPublic registers a service whose named methods (method names, as in the proto) are
// served without a token; its other methods require one.
func (s *Server) RegisterPublic(desc *grpc.ServiceDesc, impl any, methods ...string) {
	for _, m := range methods {
		s.public["/"+desc.ServiceName+"/"+m] = true
	}
	s.RegisterService(desc, impl)
}

// Services returns the names of the registered services, in registration order.
func (s *Server) Services() []string { return append([]string(nil), s.services...) }

// Serve serves the TLS listener, and the plaintext one when both it and its server exist,
// until Stop; errors other than a stop are logged.
func (s *Server) Serve(tlsLn, plainLn net.Listener, log *slog.Logger) {
	serve := func(srv *grpc.Server, ln net.Listener, name string) {
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
				log.Error("southbound server stopped", "listener", name, "error", err)
			}
		}()
	}
	serve(s.tls, tlsLn, "tls")
	if s.plain != nil && plainLn != nil {
		serve(s.plain, plainLn, "plaintext")
	}
}

// Stop stops the servers gracefully, or at once when ctx ends first.
func (s *Server) Stop(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		s.tls.GracefulStop()
		if s.plain != nil {
			s.plain.GracefulStop()
		}
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.tls.Stop()
		if s.plain != nil {
			s.plain.Stop()
		}
	}
}

func (s *Server) isPublic(method string) bool { return s.public[method] }

func (s *Server) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	leave, err := s.admit.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	if s.isPublic(info.FullMethod) {
		return h(ctx, req)
	}
	ctx, err = s.auth.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	return h(ctx, req)
}

func (s *Server) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if s.isPublic(info.FullMethod) {
		return h(srv, ss)
	}
	ctx, err := s.auth.authenticate(ss.Context())
	if err != nil {
		return err
	}
	return h(srv, &authedStream{ServerStream: ss, ctx: ctx})
}

type authedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (a *authedStream) Context() context.Context { return a.ctx }
