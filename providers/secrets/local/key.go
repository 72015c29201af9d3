package local

import (
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/secrets/internal/seal"
)

const (
	keyFile  = "master.key"
	dataDir  = "data"
	dirMode  = 0o700
	fileMode = 0o600
)

type keys struct {
	store, keeper []byte
}

// loadKeys reads the master key of dir, generating it on first start, and derives the subkeys.
func loadKeys(dir string, env secrets.Env) (keys, error) {
	if err := os.MkdirAll(filepath.Join(dir, dataDir), dirMode); err != nil {
		return keys{}, provider.WithCode(fileCode(err), fmt.Errorf("create %s: %w", dir, err))
	}
	path := filepath.Join(dir, keyFile)
	master, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		master, err = createKeyFile(path)
		if err == nil {
			env.Log().Info("generated the local secrets key", "file", path)
		}
	}
	if err != nil {
		return keys{}, err
	}
	return keys{store: derive(master, "eim secrets local store v1"), keeper: derive(master, "eim secrets local keeper v1")}, nil
}

func readKeyFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, provider.WithCode(fileCode(err), err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, provider.Errorf(provider.FailedPrecondition, "key file %s has mode %s: others may read it (fix: chmod 600 %s)", path, fi.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, provider.WithCode(fileCode(err), err)
	}
	if len(b) != seal.KeySize {
		return nil, provider.Errorf(provider.DataLoss, "key file %s holds %d bytes, want %d: it is damaged; restore it from backup", path, len(b), seal.KeySize)
	}
	return b, nil
}

func createKeyFile(path string) ([]byte, error) {
	key := seal.NewKey()
	if err := writeAtomic(path, key, true); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKeyFile(path) // another process created it first
		}
		return nil, err
	}
	return key, nil
}

func derive(master []byte, info string) []byte {
	k, _ := hkdf.Key(sha256.New, master, nil, info, seal.KeySize) // cannot fail for 32 bytes of SHA-256
	return k
}

func fileCode(err error) provider.Code {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return provider.NotFound
	case errors.Is(err, fs.ErrPermission):
		return provider.PermissionDenied
	}
	return provider.Unavailable
}

// writeAtomic writes b to path through a temporary file in the same directory, fsynced and
// renamed; with exclusive, an existing path is an fs.ErrExist error instead of replaced.
func writeAtomic(path string, b []byte, exclusive bool) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return provider.WithCode(fileCode(err), err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(fileMode); err == nil {
		if _, err = tmp.Write(b); err == nil {
			err = tmp.Sync()
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return provider.WithCode(fileCode(err), err)
	}
	if exclusive {
		if err = os.Link(tmp.Name(), path); err != nil {
			return err
		}
		_ = os.Remove(tmp.Name())
		return syncDir(dir)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return provider.WithCode(fileCode(err), err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return provider.WithCode(fileCode(err), err)
	}
	defer d.Close()
	return provider.WithCode(provider.Unavailable, d.Sync())
}
