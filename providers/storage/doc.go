// Package storage is the portable database provider: a plain *sql.DB plus its Dialect
// (postgres, mysql or sqlite), an optional read replica, error mapping to provider.Code,
// transactions with retry, per-dialect schema migrations applied under a database lock, and
// tenant isolation enforced by the database itself.
//
// Services import this package and write SQL; adapters (postgres, mysql, sqlite) register in
// Registry and are selected by the providers.database block of eim.yaml.
//
// Tenant isolation (docs/adr/0005-tenant-isolation.md): every tenant-scoped table has a
// tenant_id column and is declared in Schema.TenantTables. Services query it by its plain name
// inside InTenant. On PostgreSQL the name is the table itself, protected by Row Level Security
// that the runtime role cannot bypass; on MySQL/MariaDB and SQLite the rows live in <name>_all
// and the plain name is a view restricted to the transaction's tenant (WITH CHECK OPTION on
// MySQL, INSTEAD OF triggers on SQLite). Outside InTenant a tenant-scoped table shows no rows.
package storage
