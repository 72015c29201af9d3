// Package seal is the AES-256-GCM sealing shared by the local and kms adapters: a versioned
// format (1 byte version, 12 byte nonce, ciphertext and tag) bound to associated data, and the
// encoding of a secret's keys and values.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/eim-byoi/eim/providers/provider"
)

// KeySize is the size of an AES-256 key.
const KeySize = 32

const (
	formatV1  = 1
	nonceSize = 12
)

// NewKey returns a fresh random key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	_, _ = rand.Read(k) // crypto/rand.Read never fails (Go 1.24+)
	return k
}

// Seal encrypts plaintext with key, binding aad; every call uses a fresh nonce.
func Seal(key, plaintext, aad []byte) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+aead.Overhead())
	out[0] = formatV1
	_, _ = rand.Read(out[1 : 1+nonceSize])
	return aead.Seal(out, out[1:1+nonceSize], plaintext, aad), nil
}

// Open decrypts what Seal returned for the same key and aad. Tampered, truncated or foreign
// input fails with InvalidArgument.
func Open(key, sealed, aad []byte) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < 1+nonceSize+aead.Overhead() || sealed[0] != formatV1 {
		return nil, provider.Errorf(provider.InvalidArgument, "ciphertext is not in the expected format (truncated or not produced by this key)")
	}
	pt, err := aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], aad)
	if err != nil {
		return nil, provider.Errorf(provider.InvalidArgument, "ciphertext failed authentication: it was tampered with or sealed with another key")
	}
	return pt, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, provider.Errorf(provider.Internal, "key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, provider.WithCode(provider.Internal, err)
	}
	return cipher.NewGCM(block)
}

// record is the plaintext of a sealed secret.
type record struct {
	Data map[string][]byte `json:"data"`
}

// EncodeData encodes a secret's keys and values for sealing.
func EncodeData(data map[string][]byte) []byte {
	b, _ := json.Marshal(record{Data: data}) // map[string][]byte always marshals
	return b
}

// DecodeData decodes what EncodeData returned.
func DecodeData(b []byte) (map[string][]byte, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, provider.WithCode(provider.DataLoss, fmt.Errorf("decode sealed secret: %w", err))
	}
	if r.Data == nil {
		return nil, provider.WithCode(provider.DataLoss, errors.New("decode sealed secret: no data"))
	}
	return r.Data, nil
}
