package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/eim-byoi/eim/providers/provider"
)

// errorBody is the legacy API's error document: the gRPC code's name and a message, e.g.
// {"code":"NotFound","message":"resource \"host-1a2b3c4d\" not found"}.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError writes err as the legacy error document, with the HTTP status grpc-gateway maps
// its code to (InvalidArgument 400, Unauthenticated 401, PermissionDenied 403, NotFound 404,
// AlreadyExists and Aborted 409, ...). An Internal error's message is not shown: it may carry
// details of the backends; it is logged by the access log instead.
func writeError(w http.ResponseWriter, err error) {
	s := grpcStatus(err)
	msg := s.Message()
	if s.Code() == codes.Internal || s.Code() == codes.Unknown {
		msg = "internal error"
	}
	if s.Code() == codes.Unauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	if rw, ok := w.(*recorder); ok {
		rw.err = err
	}
	code := runtime.HTTPStatusFromCode(s.Code())
	var he *runtime.HTTPStatusError
	if errors.As(err, &he) {
		code = he.HTTPStatus
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(errorBody{Code: s.Code().String(), Message: msg})
}

// grpcStatus is err's gRPC status: its own, or the one of its provider code.
func grpcStatus(err error) *status.Status {
	if s, ok := status.FromError(err); ok {
		return s
	}
	var he *runtime.HTTPStatusError
	if errors.As(err, &he) {
		return grpcStatus(he.Err)
	}
	s, _ := status.FromError(provider.GRPCError(err))
	return s
}

// gatewayError is the gateway's error handler: every error of the generated handlers (bad
// JSON, unknown fields, bad query parameters, the operations' errors) as the legacy document.
// A body that does not decode is named as the body.
func gatewayError(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, _ *http.Request, err error) {
	if s, ok := status.FromError(err); ok && s.Code() == codes.InvalidArgument && isDecodeError(s.Message()) {
		err = status.Error(codes.InvalidArgument, "body: "+s.Message())
	}
	writeError(w, err)
}

// isDecodeError reports a message of the JSON decoders: protojson's ("proto: ...") and
// encoding/json's syntax errors.
func isDecodeError(msg string) bool {
	return strings.HasPrefix(msg, "proto:") || msg == "unexpected EOF" || strings.HasPrefix(msg, "invalid character") ||
		msg == "unexpected data after request body"
}

// routingError answers a path or method the API does not serve.
func routingError(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, _ *http.Request, code int) {
	switch code {
	case http.StatusMethodNotAllowed:
		// The legacy gateway answered 501 here; 405 is what HTTP clients expect.
		writeError(w, &runtime.HTTPStatusError{HTTPStatus: http.StatusMethodNotAllowed, Err: status.Error(codes.Unimplemented, "Method Not Allowed")})
	case http.StatusBadRequest:
		writeError(w, status.Error(codes.InvalidArgument, "Bad Request"))
	default:
		writeError(w, status.Error(codes.NotFound, "Not Found"))
	}
}
