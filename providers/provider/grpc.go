package provider

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// GRPCError returns err as a gRPC status error with its Code and message (nil for nil): what a
// gRPC server returns for a provider or service error. A status error passes through unchanged.
func GRPCError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(interface{ GRPCStatus() *status.Status }); ok {
		return err
	}
	return status.Error(codes.Code(CodeOf(err)), err.Error())
}

// grpcStatus is implemented by the errors of gRPC clients; CodeOf reads their code, so an error
// that crossed a gRPC call keeps its Code.
type grpcStatus interface {
	GRPCStatus() *status.Status
}
