package api

import (
	"context"
	"errors"
	"strings"

	"buf.build/go/protovalidate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/eim-byoi/eim/providers/provider"
)

// operation serves one services.v1 method: in is the request, out the response to fill.
type operation func(ctx context.Context, in, out proto.Message) error

// conn is the grpc.ClientConnInterface the generated grpc-gateway handlers call: each method
// is served in process by its operation over the inventory, with no network hop and no
// serialization between the gateway and the operation.
type conn struct {
	ops       map[string]operation // by full method name, "/services.v1.RegionService/GetRegion"
	validator protovalidate.Validator
	kinds     kindTable
}

var _ grpc.ClientConnInterface = (*conn)(nil)

// Invoke validates the request and runs the method's operation. Its errors are gRPC status
// errors, which the gateway's error handler renders.
func (c *conn) Invoke(ctx context.Context, method string, args, reply any, _ ...grpc.CallOption) error {
	op, ok := c.ops[method]
	in, okIn := args.(proto.Message)
	out, okOut := reply.(proto.Message)
	if !ok || !okIn || !okOut {
		return status.Errorf(codes.Unimplemented, "%s is not served", method)
	}
	if err := c.validate(in); err != nil {
		return err
	}
	if err := op(ctx, in, out); err != nil {
		return provider.GRPCError(err)
	}
	return nil
}

// NewStream refuses: services.v1 has no streaming method.
func (c *conn) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	return nil, status.Error(codes.Unimplemented, "streaming is not served")
}

// validate checks the request's buf.validate rules (page sizes, filters, id patterns, ...) on
// the fields it sets; the resource in it is left to the inventory, which validates resources.
func (c *conn) validate(in proto.Message) error {
	err := c.validator.Validate(in, protovalidate.WithFilter(protovalidate.FilterFunc(c.checked)))
	var ve *protovalidate.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	problems := make([]string, 0, len(ve.Violations))
	for _, v := range ve.Violations {
		problems = append(problems, protovalidate.FieldPathString(v.Proto.GetField())+": "+v.Proto.GetMessage())
	}
	return status.Error(codes.InvalidArgument, strings.Join(problems, "; "))
}

// checked says which rules validate evaluates: those of fields the request sets, resources
// excepted.
func (c *conn) checked(m protoreflect.Message, d protoreflect.Descriptor) bool {
	f, ok := d.(protoreflect.FieldDescriptor)
	if !ok {
		return true
	}
	if c.kinds.of(f.Message()) != nil {
		return false
	}
	if f.ContainingMessage() != m.Descriptor() {
		return true
	}
	// "null" is the legacy value of a target parameter asking for no target (see none).
	return m.Has(f) && !(f.Kind() == protoreflect.StringKind && m.Get(f).String() == none)
}
