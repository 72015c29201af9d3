package provider

import (
	"errors"
	"io/fs"
	"log/slog"
)

// Redacted is what a SecretValue prints as, wherever it is printed.
const Redacted = "[REDACTED]"

// SecretValue holds a resolved credential. It prints, logs and marshals as [REDACTED]; only
// Reveal returns the value, at the point where a driver needs it.
type SecretValue struct {
	b []byte
}

// NewSecretValue wraps b (copied).
func NewSecretValue(b []byte) SecretValue {
	return SecretValue{b: append([]byte(nil), b...)}
}

// Reveal returns the credential as a string.
func (s SecretValue) Reveal() string { return string(s.b) }

// Bytes returns a copy of the credential.
func (s SecretValue) Bytes() []byte { return append([]byte(nil), s.b...) }

// IsEmpty reports whether the value is empty (unresolved, or resolved to "").
func (s SecretValue) IsEmpty() bool { return len(s.b) == 0 }

// String returns [REDACTED].
func (s SecretValue) String() string { return Redacted }

// GoString returns [REDACTED], so %#v does not print the value either.
func (s SecretValue) GoString() string { return Redacted }

// LogValue makes slog print [REDACTED].
func (s SecretValue) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalText returns [REDACTED], which covers JSON, YAML and text encoders.
func (s SecretValue) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

func fileErrorCode(err error) Code {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return NotFound
	case errors.Is(err, fs.ErrPermission):
		return PermissionDenied
	}
	return Unavailable
}
