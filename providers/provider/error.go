package provider

import (
	"errors"
	"fmt"
)

// Error is the error every portable provider call returns: the kind and adapter that failed, the
// operation, its Code and the cause. It is added once, by the portable layer:
//
//	secrets/vault: get "db/creds": permission denied: <cause>
type Error struct {
	Kind    string // provider kind: identity, secrets, storage, messaging
	Adapter string // adapter name as registered, e.g. vault
	Op      string // operation and its subject, e.g. `get "db/creds"`
	Code    Code
	Err     error // the cause, never nil
}

// Error formats the error as "kind/adapter: op: code: cause".
func (e *Error) Error() string {
	prefix := e.Kind
	if e.Adapter != "" {
		prefix += "/" + e.Adapter
	}
	msg := prefix + ": "
	if e.Op != "" {
		msg += e.Op + ": "
	}
	msg += e.Code.String()
	if e.Err != nil {
		if cause := e.Err.Error(); cause != "" && cause != e.Code.String() {
			msg += ": " + cause
		}
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ProviderCode returns the error's Code.
func (e *Error) ProviderCode() Code { return e.Code }

// Wrap returns err wrapped in an *Error for kind, adapter and op, with the Code carried by err
// (Unknown when none). It wraps once: an error that already holds an *Error is returned as is,
// and nil stays nil.
func Wrap(kind, adapter, op string, err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	return &Error{Kind: kind, Adapter: adapter, Op: op, Code: CodeOf(err), Err: err}
}

// codedError attaches a Code to a cause without adding to its message.
type codedError struct {
	code Code
	err  error
}

func (e *codedError) Error() string      { return e.err.Error() }
func (e *codedError) Unwrap() error      { return e.err }
func (e *codedError) ProviderCode() Code { return e.code }

// WithCode returns err marked with code, keeping err's message and chain. Drivers use it to map
// a backend error to a Code; the portable layer then wraps it once with Wrap. nil stays nil.
func WithCode(code Code, err error) error {
	if err == nil {
		return nil
	}
	return &codedError{code: code, err: err}
}

// Errorf formats a new error carrying code; %w in format keeps a cause.
func Errorf(code Code, format string, args ...any) error {
	return &codedError{code: code, err: fmt.Errorf(format, args...)}
}
