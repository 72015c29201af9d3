package vault

import (
	"bytes"
	"context"
	"encoding/base64"

	"github.com/hashicorp/vault/api"

	"github.com/eim-byoi/eim/providers/provider"
)

// keeper is the keeper driver over a transit key: the key never leaves the server, and the
// ciphertext is transit's "vault:v<N>:..." text.
type keeper struct {
	c          *client
	mount, key string
}

var ciphertextPrefix = []byte("vault:v")

func (k *keeper) path(op string) string { return k.mount + "/" + op + "/" + k.key }

// Encrypt asks transit to encrypt plaintext.
func (k *keeper) Encrypt(ctx context.Context, plaintext []byte) ([]byte, error) {
	var s *api.Secret
	err := k.c.call(ctx, func(ctx context.Context) (err error) {
		s, err = k.c.api.Logical().WriteWithContext(ctx, k.path("encrypt"), map[string]any{"plaintext": base64.StdEncoding.EncodeToString(plaintext)})
		return err
	})
	if err != nil {
		return nil, err
	}
	ct, _ := dataString(s, "ciphertext")
	if ct == "" {
		return nil, provider.Errorf(provider.Internal, "transit returned no ciphertext")
	}
	return []byte(ct), nil
}

// Decrypt asks transit to decrypt ciphertext; what transit did not produce with this key is
// InvalidArgument.
func (k *keeper) Decrypt(ctx context.Context, ciphertext []byte) ([]byte, error) {
	if !bytes.HasPrefix(ciphertext, ciphertextPrefix) {
		return nil, provider.Errorf(provider.InvalidArgument, "not a transit ciphertext (it starts with vault:v)")
	}
	var s *api.Secret
	err := k.c.call(ctx, func(ctx context.Context) (err error) {
		s, err = k.c.api.Logical().WriteWithContext(ctx, k.path("decrypt"), map[string]any{"ciphertext": string(ciphertext)})
		return err
	})
	if err != nil {
		return nil, err
	}
	pt, ok := dataString(s, "plaintext")
	if !ok {
		return nil, provider.Errorf(provider.Internal, "transit returned no plaintext")
	}
	b, err := base64.StdEncoding.DecodeString(pt)
	if err != nil {
		return nil, provider.Errorf(provider.Internal, "transit returned plaintext that is not base64")
	}
	return b, nil
}

// As exposes the *api.Client.
func (k *keeper) As(target any) bool { return k.c.As(target) }

func dataString(s *api.Secret, key string) (string, bool) {
	if s == nil || s.Data == nil {
		return "", false
	}
	v, ok := s.Data[key].(string)
	return v, ok
}
