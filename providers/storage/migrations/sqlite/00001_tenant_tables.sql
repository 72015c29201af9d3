-- +goose Up
-- The tenant-scoped tables every schema declares, recorded by the migration machinery. Every
-- new connection reads it to build its tenant views.
CREATE TABLE eim_tenant_tables (
    table_name  TEXT PRIMARY KEY,
    schema_name TEXT NOT NULL,
    recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- +goose Down
DROP TABLE eim_tenant_tables;
