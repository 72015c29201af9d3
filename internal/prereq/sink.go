package prereq

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/vault/api"

	"github.com/eim-byoi/eim/providers/provider"
)

// sink is where generated secrets go: the place the reference of eim.yaml names — a KV v2
// secret of the Vault bootstrap administers, or a file — or, for an {env: VAR} reference
// (which bootstrap cannot set), the file dir/VAR. Files are written with mode 0600.
type sink struct {
	vault   *api.Client // the administrator's client; nil without vault
	kvMount string
	dir     string
}

// where names the destination of ref, never its value.
func (s *sink) where(ref *provider.SecretRef) string {
	switch {
	case ref.Secret != "":
		p, k, _ := ref.SecretPath()
		return fmt.Sprintf("vault %s#%s", KVDataPath(s.kvMount, p), k)
	case ref.File != "":
		return ref.File
	default:
		return filepath.Join(s.dir, ref.Env)
	}
}

// read returns the value held at ref's destination; ok is false when there is none.
func (s *sink) read(ctx context.Context, ref *provider.SecretRef) (value string, ok bool, err error) {
	if ref.Secret != "" {
		if s.vault == nil {
			return "", false, provider.Errorf(provider.FailedPrecondition, "%s names a secret but providers.secrets is not vault", ref)
		}
		p, k, _ := ref.SecretPath()
		kv, err := s.vault.KVv2(s.kvMount).Get(ctx, p)
		var re *api.ResponseError
		if errors.Is(err, api.ErrSecretNotFound) || (errors.As(err, &re) && re.StatusCode == 404) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		v, ok := kv.Data[k].(string)
		return v, ok && v != "", nil
	}
	if ref.Env != "" {
		if v, ok := os.LookupEnv(ref.Env); ok && v != "" {
			return v, true, nil
		}
	}
	b, err := os.ReadFile(s.where(ref))
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	v := string(trimNL(b))
	return v, v != "", nil
}

// write stores value at ref's destination, keeping a KV secret's other keys.
func (s *sink) write(ctx context.Context, ref *provider.SecretRef, value string) error {
	if ref.Secret != "" {
		if s.vault == nil {
			return provider.Errorf(provider.FailedPrecondition, "%s names a secret but providers.secrets is not vault", ref)
		}
		p, k, _ := ref.SecretPath()
		data := map[string]any{}
		if kv, err := s.vault.KVv2(s.kvMount).Get(ctx, p); err == nil && kv.Data != nil {
			data = kv.Data
		}
		data[k] = value
		_, err := s.vault.KVv2(s.kvMount).Put(ctx, p, data)
		return err
	}
	f := s.where(ref)
	if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(f, []byte(value), 0o600); err != nil {
		return err
	}
	return os.Chmod(f, 0o600) // an existing file keeps its mode in WriteFile
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
