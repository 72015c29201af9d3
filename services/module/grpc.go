package module

import (
	"context"
	"slices"

	"google.golang.org/grpc"
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
