package module

import (
	"context"
	"slices"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Guard returns desc with every unary method behind check: check sees each call's context
// (its metadata) and method, and either returns the context the handler runs with (a Principal
// added, say) or the error the call fails with. Modules register the guarded description, so
// their calls over the network are authenticated and authorized while in-process callers use
// the implementation directly.
func Guard(desc grpc.ServiceDesc, check func(ctx context.Context, method string) (context.Context, error)) grpc.ServiceDesc {
	d := desc
	d.Methods = slices.Clone(desc.Methods)
	for i, m := range d.Methods {
		h, method := m.Handler, "/"+desc.ServiceName+"/"+m.MethodName
		d.Methods[i].Handler = func(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
			ctx, err := check(ctx, method)
			if err != nil {
				return nil, err
			}
			return h(srv, ctx, dec, ic)
		}
	}
	return d
}

// InProcess returns a connection that serves calls of the given services in this process, with
// the generated clients working over it unchanged (inventoryv1.NewInventoryServiceClient(conn)):
// each call's request is copied into the handler's, and its response into the caller's, as
// the wire would, so neither side sees the other's messages. The services' own interceptors are
// not run; streaming methods are not served.
func InProcess(services ...Service) grpc.ClientConnInterface {
	c := inProcess{}
	for _, s := range services {
		for _, m := range s.Desc.Methods {
			c["/"+s.Desc.ServiceName+"/"+m.MethodName] = method{handler: m.Handler, impl: s.Impl}
		}
	}
	return c
}

// Service is a service description and its implementation.
type Service struct {
	Desc *grpc.ServiceDesc
	Impl any
}

type method struct {
	handler grpc.MethodHandler
	impl    any
}

type inProcess map[string]method

// Invoke calls the method's handler with a copy of args and copies its response into reply, in
// a span named after the method (rpc.system inprocess) when tracing is on.
func (c inProcess) Invoke(ctx context.Context, name string, args, reply any, _ ...grpc.CallOption) (err error) {
	m, ok := c[name]
	if !ok {
		return status.Errorf(codes.Unimplemented, "method %s is not served in this process", name)
	}
	ctx, span := otel.Tracer(tracerName).Start(ctx, strings.TrimPrefix(name, "/"),
		trace.WithAttributes(attribute.String("rpc.system", "inprocess"), attribute.String("rpc.method", name)))
	defer func() {
		if err != nil {
			span.SetStatus(otelcodes.Error, status.Code(err).String())
		}
		span.End()
	}()
	out, err := m.handler(m.impl, ctx, func(in any) error {
		proto.Merge(in.(proto.Message), args.(proto.Message))
		return nil
	}, nil)
	if err != nil {
		return err
	}
	proto.Merge(reply.(proto.Message), out.(proto.Message))
	return nil
}

// tracerName names the tracer of in-process calls.
const tracerName = "github.com/eim-byoi/eim/services/module"

// NewStream refuses: streaming methods are not served in process.
func (c inProcess) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	return nil, status.Error(codes.Unimplemented, "streaming calls are not served in process")
}
