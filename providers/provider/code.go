// Package provider is the vocabulary shared by every provider kind (identity, secrets, storage,
// messaging): status codes, the once-wrapped Error, the {type, config} envelope, the adapter
// Registry, secret references, health checking and capability declarations.
//
// Services import this package and providers/<kind> only, never an adapter package.
package provider

import (
	"context"
	"errors"
	"strconv"
)

// Code classifies a provider error. Its values are equal to the gRPC status codes, so a Code
// converts to google.golang.org/grpc/codes.Code with a plain conversion.
type Code uint32

// The codes, numbered as in gRPC.
const (
	OK                 Code = 0
	Canceled           Code = 1
	Unknown            Code = 2
	InvalidArgument    Code = 3
	DeadlineExceeded   Code = 4
	NotFound           Code = 5
	AlreadyExists      Code = 6
	PermissionDenied   Code = 7
	ResourceExhausted  Code = 8
	FailedPrecondition Code = 9
	Aborted            Code = 10
	OutOfRange         Code = 11
	Unimplemented      Code = 12
	Internal           Code = 13
	Unavailable        Code = 14
	DataLoss           Code = 15
	Unauthenticated    Code = 16
)

var codeNames = [...]string{
	OK:                 "ok",
	Canceled:           "canceled",
	Unknown:            "unknown",
	InvalidArgument:    "invalid argument",
	DeadlineExceeded:   "deadline exceeded",
	NotFound:           "not found",
	AlreadyExists:      "already exists",
	PermissionDenied:   "permission denied",
	ResourceExhausted:  "resource exhausted",
	FailedPrecondition: "failed precondition",
	Aborted:            "aborted",
	OutOfRange:         "out of range",
	Unimplemented:      "unimplemented",
	Internal:           "internal",
	Unavailable:        "unavailable",
	DataLoss:           "data loss",
	Unauthenticated:    "unauthenticated",
}

// String returns the code in lower-case words, as it appears in error messages.
func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "code(" + strconv.FormatUint(uint64(c), 10) + ")"
}

// Retryable reports whether an operation that failed with this code may succeed if tried again
// unchanged: the backend was unavailable, timed out, or aborted a transaction.
func (c Code) Retryable() bool {
	return c == Unavailable || c == DeadlineExceeded || c == Aborted || c == ResourceExhausted
}

// coder is implemented by errors that carry a Code.
type coder interface {
	ProviderCode() Code
}

// CodeOf returns the Code of err: OK for nil, the code of the first error in the chain that
// carries one (a gRPC status error carries its status code), Canceled or DeadlineExceeded for the
// context errors, and Unknown otherwise.
func CodeOf(err error) Code {
	if err == nil {
		return OK
	}
	var c coder
	if errors.As(err, &c) {
		return c.ProviderCode()
	}
	var g grpcStatus
	if errors.As(err, &g) {
		return Code(g.GRPCStatus().Code())
	}
	switch {
	case errors.Is(err, context.Canceled):
		return Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return DeadlineExceeded
	}
	return Unknown
}

// IsRetryable reports whether err is worth retrying unchanged (see Code.Retryable).
func IsRetryable(err error) bool {
	return CodeOf(err).Retryable()
}
