-- +goose Up
-- The tenant-scoped tables every schema declares, recorded by the migration machinery.
CREATE TABLE eim_tenant_tables (
    table_name  VARCHAR(64) PRIMARY KEY,
    schema_name VARCHAR(64) NOT NULL,
    recorded_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
);

-- +goose Down
DROP TABLE eim_tenant_tables;
