-- +goose Up
-- See the PostgreSQL migration for what each table holds. Tenant-scoped tables are <name>_all;
-- the storage provider creates the per-connection tenant views.
CREATE TABLE inv_resources_all (
    tenant_id   TEXT    NOT NULL,
    resource_id TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL DEFAULT '',
    revision    INTEGER NOT NULL,
    created_us  INTEGER NOT NULL,
    updated_us  INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, resource_id)
);
CREATE INDEX inv_resources_kind ON inv_resources_all (tenant_id, kind, resource_id);
CREATE INDEX inv_resources_kind_name ON inv_resources_all (tenant_id, kind, name);

CREATE TABLE inv_refs_all (
    tenant_id TEXT NOT NULL,
    from_id   TEXT NOT NULL,
    ref       TEXT NOT NULL,
    to_id     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, from_id, ref, to_id),
    FOREIGN KEY (tenant_id, from_id) REFERENCES inv_resources_all (tenant_id, resource_id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, to_id) REFERENCES inv_resources_all (tenant_id, resource_id)
);
CREATE INDEX inv_refs_to ON inv_refs_all (tenant_id, to_id, ref);

CREATE TABLE inv_keys_all (
    tenant_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    key_name    TEXT NOT NULL,
    key_value   TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, kind, key_name, key_value),
    FOREIGN KEY (tenant_id, resource_id) REFERENCES inv_resources_all (tenant_id, resource_id) ON DELETE CASCADE
);

CREATE TABLE inv_revisions_all (
    tenant_id TEXT    NOT NULL PRIMARY KEY,
    revision  INTEGER NOT NULL
);

CREATE TABLE inv_changes_all (
    tenant_id   TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    resource_id TEXT    NOT NULL,
    operation   INTEGER NOT NULL,
    changed_us  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, revision)
);

-- +goose Down
DROP TABLE inv_changes_all;
DROP TABLE inv_revisions_all;
DROP TABLE inv_keys_all;
DROP TABLE inv_refs_all;
DROP TABLE inv_resources_all;
