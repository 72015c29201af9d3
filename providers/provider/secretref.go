package provider

import (
	"bytes"
	"context"
	"fmt"
	"strings"
)

// SecretRef points at a credential instead of holding it: exactly one of Env (an environment
// variable), File (a file, e.g. a mounted Kubernetes Secret key) or Secret ("path#key" in the
// configured secrets provider). Configuration never holds a credential literally.
//
// Bootstrap resolves every SecretRef in the configuration before it opens the providers that
// use them; Value then returns the resolved credential.
type SecretRef struct {
	// Env is the environment variable holding the value.
	Env string `yaml:"env,omitempty"`
	// File is the file holding the value, e.g. a key of a mounted Kubernetes Secret; one
	// trailing newline is removed.
	File string `yaml:"file,omitempty"`
	// Secret is "path#key" in the configured secrets provider: key of the secret at path.
	Secret string `yaml:"secret,omitempty"`

	value SecretValue
}

// ReferenceForms describes the forms a reference is written in. The configuration decoder
// shows it, and never the value, where something else than a reference is written in place
// of one (a literal password, say).
func (SecretRef) ReferenceForms() string {
	return `{env: VAR}, {file: PATH} or {secret: "path#key"}`
}

// IsZero reports whether no source is set (the reference is absent).
func (r *SecretRef) IsZero() bool {
	return r == nil || (r.Env == "" && r.File == "" && r.Secret == "")
}

// String describes the reference, never its value: {secret: "db/app#password"}.
func (r SecretRef) String() string {
	switch {
	case r.Env != "":
		return fmt.Sprintf("{env: %s}", r.Env)
	case r.File != "":
		return fmt.Sprintf("{file: %s}", r.File)
	case r.Secret != "":
		return fmt.Sprintf("{secret: %q}", r.Secret)
	}
	return "{}"
}

// Validate checks that exactly one source is set and that a secret reference has the form
// path#key. It does no I/O.
func (r SecretRef) Validate() error {
	var v Validation
	set := 0
	for _, s := range []string{r.Env, r.File, r.Secret} {
		if s != "" {
			set++
		}
	}
	switch {
	case set == 0:
		v.Add("", "no source is set", "set one of env, file or secret")
	case set > 1:
		v.Add("", "more than one of env, file and secret is set", "keep exactly one source")
	case r.Secret != "":
		if _, _, err := r.SecretPath(); err != nil { // not echoed: it may be a literal credential
			v.Add("secret", "is not of the form path#key (the value is not shown)", `write it as "path#key", e.g. "eim/database#password"`)
		}
	}
	return v.Err()
}

// SecretPath splits a secret reference into its path and key.
func (r SecretRef) SecretPath() (path, key string, err error) {
	path, key, ok := strings.Cut(r.Secret, "#")
	if !ok || path == "" || key == "" || strings.Contains(key, "#") {
		return "", "", fmt.Errorf("%q is not of the form path#key", r.Secret)
	}
	return path, key, nil
}

// Value returns the resolved credential; it is empty until Resolve has succeeded.
func (r *SecretRef) Value() SecretValue { return r.value }

// SecretReader reads one key of one secret from the secrets provider. It returns an error with
// Code NotFound when the secret or the key does not exist.
type SecretReader interface {
	ReadSecret(ctx context.Context, path, key string) ([]byte, error)
}

// SecretSources are where references resolve: the environment, the file system and the
// secrets provider. Bootstrap fills it; providers never read the environment themselves.
type SecretSources struct {
	LookupEnv func(string) (string, bool)
	ReadFile  func(string) ([]byte, error)
	Store     SecretReader // nil until the secrets provider is open
}

// Resolve reads the referenced value through src and keeps it in r. Errors name the reference
// and carry a Code (NotFound, PermissionDenied, FailedPrecondition, ...), never the value.
func (r *SecretRef) Resolve(ctx context.Context, src SecretSources) error {
	if err := r.Validate(); err != nil {
		return WithCode(InvalidArgument, fmt.Errorf("secret reference %s: %w", r, err))
	}
	b, err := r.read(ctx, src)
	if err != nil {
		return fmt.Errorf("secret reference %s: %w", r, err)
	}
	r.value = NewSecretValue(b)
	return nil
}

func (r *SecretRef) read(ctx context.Context, src SecretSources) ([]byte, error) {
	switch {
	case r.Env != "":
		if src.LookupEnv == nil {
			return nil, Errorf(FailedPrecondition, "no environment is available to resolve it")
		}
		v, ok := src.LookupEnv(r.Env)
		if !ok {
			return nil, Errorf(NotFound, "environment variable %s is not set", r.Env)
		}
		return []byte(v), nil
	case r.File != "":
		if src.ReadFile == nil {
			return nil, Errorf(FailedPrecondition, "no file system is available to resolve it")
		}
		b, err := src.ReadFile(r.File)
		if err != nil {
			return nil, WithCode(fileErrorCode(err), err)
		}
		return trimNewline(b), nil
	default:
		if src.Store == nil {
			return nil, Errorf(FailedPrecondition, "no secrets provider is configured; configure providers.secrets or use env/file")
		}
		path, key, _ := r.SecretPath()
		b, err := src.Store.ReadSecret(ctx, path, key)
		if err != nil {
			return nil, err
		}
		return b, nil
	}
}

// trimNewline removes one trailing "\n" or "\r\n": what `echo` adds to a file.
func trimNewline(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}
