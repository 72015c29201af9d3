package kms

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/go-sql-driver/mysql" // database/sql driver "mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/secrets/internal/seal"
)

// store keeps envelope-encrypted secrets in one table: name, version, the data key wrapped by
// the KMS key, and the data sealed with the data key (AES-256-GCM, bound to name and version).
type store struct {
	db      *sql.DB
	d       dialect
	table   string
	keeper  *keeper
	timeout time.Duration

	mu    sync.Mutex
	ready bool // the table is known to exist
}

func openStore(cfg *Config, k *keeper) (*store, error) {
	d := dialects[cfg.Database.Driver]
	dsn := cfg.Database.DSN.Value()
	if dsn.IsEmpty() {
		return nil, provider.Errorf(provider.FailedPrecondition, "database.dsn %s resolved to nothing", &cfg.Database.DSN)
	}
	db, err := sql.Open(d.driver, dsn.Reveal())
	if err != nil {
		// Driver DSN parse errors may quote the DSN, which holds the password: do not keep them.
		return nil, provider.Errorf(provider.InvalidArgument, "database.dsn %s is not a valid %s connection string", &cfg.Database.DSN, cfg.Database.Driver)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(2)
	db.SetConnMaxIdleTime(5 * time.Minute)
	table := cfg.Database.Table
	if table == "" {
		table = DefaultTable
	}
	return &store{db: db, d: d, table: table, keeper: k, timeout: cfg.Timeout.Std()}, nil
}

func (s *store) q(query string) string { return s.d.rebind(strings.ReplaceAll(query, "{t}", s.table)) }

// ensureTable creates the table when it is missing, once; a failure is retried on the next call.
func (s *store) ensureTable(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ready {
		return nil
	}
	_, err := s.db.ExecContext(ctx, s.q("SELECT 1 FROM {t} WHERE 1 = 0"))
	if err != nil && s.d.undefinedTable(err) {
		_, err = s.db.ExecContext(ctx, s.q(s.d.createTable))
	}
	if err != nil {
		return s.d.mapError(err)
	}
	s.ready = true
	return nil
}

func (s *store) check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.db.PingContext(ctx); err != nil {
		return s.d.mapError(err)
	}
	return s.ensureTable(ctx)
}

func aad(name string, version int64) []byte {
	return []byte("eim/secrets/kms/v1\x00" + name + "\x00" + strconv.FormatInt(version, 10))
}

// Get reads the row, unwraps the data key with the KMS and opens the data.
func (s *store) Get(ctx context.Context, name string) (*secrets.Secret, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ensureTable(ctx); err != nil {
		return nil, err
	}
	var version int64
	var wrapped, sealed []byte
	err := s.db.QueryRowContext(ctx, s.q("SELECT version, wrapped_key, sealed FROM {t} WHERE name = ?"), name).Scan(&version, &wrapped, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, provider.Errorf(provider.NotFound, "no secret %q in table %s", name, s.table)
	}
	if err != nil {
		return nil, s.d.mapError(err)
	}
	dk, err := s.keeper.Decrypt(ctx, wrapped)
	if err != nil {
		return nil, fmt.Errorf("unwrap the data key: %w", err)
	}
	pt, err := seal.Open(dk, sealed, aad(name, version))
	if err != nil {
		return nil, provider.WithCode(provider.DataLoss, fmt.Errorf("row of %q does not decrypt (altered in the table?): %w", name, err))
	}
	data, err := seal.DecodeData(pt)
	if err != nil {
		return nil, err
	}
	return &secrets.Secret{Data: data, Version: strconv.FormatInt(version, 10)}, nil
}

// Put seals data under a fresh data key as the next version, in a transaction that locks the
// row; two writers racing to create the same name give one of them Aborted (retry it).
func (s *store) Put(ctx context.Context, name string, data map[string][]byte) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ensureTable(ctx); err != nil {
		return "", err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", s.d.mapError(err)
	}
	defer func() { _ = tx.Rollback() }()
	var current int64
	err = tx.QueryRowContext(ctx, s.q("SELECT version FROM {t} WHERE name = ? FOR UPDATE"), name).Scan(&current)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", s.d.mapError(err)
	}
	version := current + 1
	dk := seal.NewKey()
	wrapped, err := s.keeper.Encrypt(ctx, dk)
	if err != nil {
		return "", fmt.Errorf("wrap the data key: %w", err)
	}
	sealed, err := seal.Seal(dk, seal.EncodeData(data), aad(name, version))
	if err != nil {
		return "", err
	}
	if current == 0 {
		_, err = tx.ExecContext(ctx, s.q("INSERT INTO {t} (name, version, wrapped_key, sealed) VALUES (?, ?, ?, ?)"), name, version, wrapped, sealed)
	} else {
		_, err = tx.ExecContext(ctx, s.q("UPDATE {t} SET version = ?, wrapped_key = ?, sealed = ?, updated_at = CURRENT_TIMESTAMP WHERE name = ?"), version, wrapped, sealed, name)
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return "", s.d.mapError(err)
	}
	return strconv.FormatInt(version, 10), nil
}

// Delete removes the row.
func (s *store) Delete(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ensureTable(ctx); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, s.q("DELETE FROM {t} WHERE name = ?"), name)
	return s.d.mapError(err)
}

// List returns the names with the prefix, sorted byte-wise.
func (s *store) List(ctx context.Context, prefix string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ensureTable(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT name FROM {t} WHERE name LIKE ? ESCAPE '!'`), likePrefix(prefix))
	if err != nil {
		return nil, s.d.mapError(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, s.d.mapError(err)
		}
		if strings.HasPrefix(n, prefix) { // LIKE may be case-insensitive under some collations
			names = append(names, n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.d.mapError(err)
	}
	sort.Strings(names)
	return names, nil
}

func likePrefix(p string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(p) + "%"
}
