package local

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/secrets/internal/seal"
)

const fileExt = ".sec"

// store keeps one file per secret under <dir>/data, named by the base64url of the secret's
// name, holding the version and the sealed keys and values.
type store struct {
	dir string
	key []byte
	mu  sync.Mutex // serializes writes: read version, write version+1
}

// file is the on-disk form of one secret.
type file struct {
	Version uint64 `json:"version"`
	Sealed  []byte `json:"sealed"`
}

func (s *store) path(name string) string {
	return filepath.Join(s.dir, dataDir, base64.RawURLEncoding.EncodeToString([]byte(name))+fileExt)
}

func aad(name string, version uint64) []byte {
	return []byte("eim/secrets/local/v1\x00" + name + "\x00" + strconv.FormatUint(version, 10))
}

func (s *store) read(name string) (*file, error) {
	b, err := os.ReadFile(s.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, provider.WithCode(provider.NotFound, errNotFound)
	}
	if err != nil {
		return nil, provider.WithCode(fileCode(err), err)
	}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, provider.WithCode(provider.DataLoss, fmt.Errorf("secret file is damaged: %w", err))
	}
	return &f, nil
}

// Get reads and decrypts the secret.
func (s *store) Get(_ context.Context, name string) (*secrets.Secret, error) {
	f, err := s.read(name)
	if err != nil {
		return nil, err
	}
	pt, err := seal.Open(s.key, f.Sealed, aad(name, f.Version))
	if err != nil {
		return nil, provider.WithCode(provider.DataLoss, fmt.Errorf("secret file does not decrypt with this key: %w", err))
	}
	data, err := seal.DecodeData(pt)
	if err != nil {
		return nil, err
	}
	return &secrets.Secret{Data: data, Version: strconv.FormatUint(f.Version, 10)}, nil
}

// Put seals data as the next version and replaces the file atomically.
func (s *store) Put(_ context.Context, name string, data map[string][]byte) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var version uint64 = 1
	if f, err := s.read(name); err == nil {
		version = f.Version + 1
	} else if provider.CodeOf(err) != provider.NotFound {
		return "", err
	}
	sealed, err := seal.Seal(s.key, seal.EncodeData(data), aad(name, version))
	if err != nil {
		return "", err
	}
	b, _ := json.Marshal(file{Version: version, Sealed: sealed})
	if err := writeAtomic(s.path(name), b, false); err != nil {
		return "", err
	}
	return strconv.FormatUint(version, 10), nil
}

// Delete removes the file; a missing one is fine.
func (s *store) Delete(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.Remove(s.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return provider.WithCode(fileCode(err), err)
	}
	return syncDir(filepath.Join(s.dir, dataDir))
}

// List decodes the file names and keeps those with the prefix.
func (s *store) List(_ context.Context, prefix string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(s.dir, dataDir))
	if err != nil {
		return nil, provider.WithCode(fileCode(err), err)
	}
	var names []string
	for _, e := range entries {
		enc, ok := strings.CutSuffix(e.Name(), fileExt)
		if !ok || e.IsDir() {
			continue
		}
		b, err := base64.RawURLEncoding.DecodeString(enc)
		if err == nil && strings.HasPrefix(string(b), prefix) {
			names = append(names, string(b))
		}
	}
	sort.Strings(names)
	return names, nil
}

// keeper seals with the keeper subkey.
type keeper struct{ key []byte }

var keeperAAD = []byte("eim/secrets/local/keeper/v1")

func (k *keeper) Encrypt(_ context.Context, plaintext []byte) ([]byte, error) {
	return seal.Seal(k.key, plaintext, keeperAAD)
}

func (k *keeper) Decrypt(_ context.Context, ciphertext []byte) ([]byte, error) {
	return seal.Open(k.key, ciphertext, keeperAAD)
}
