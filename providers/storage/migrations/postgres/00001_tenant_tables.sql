-- +goose Up
-- The tenant-scoped tables every schema declares, recorded by the migration machinery.
CREATE TABLE eim_tenant_tables (
    table_name  TEXT PRIMARY KEY,
    schema_name TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE eim_tenant_tables;
