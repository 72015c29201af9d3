-- +goose Up
-- Every resource of every kind: its id, kind and revision as columns, the rest as the apiv2
-- message in JSON (proto field names), references reduced to ids. Tenant-scoped (RLS).
CREATE TABLE inv_resources (
    tenant_id   TEXT   NOT NULL,
    resource_id TEXT   NOT NULL,
    kind        TEXT   NOT NULL,
    name        TEXT   NOT NULL DEFAULT '',
    revision    BIGINT NOT NULL,
    created_us  BIGINT NOT NULL,
    updated_us  BIGINT NOT NULL,
    body        JSONB  NOT NULL,
    PRIMARY KEY (tenant_id, resource_id)
);
CREATE INDEX inv_resources_kind ON inv_resources (tenant_id, kind, resource_id);
CREATE INDEX inv_resources_kind_name ON inv_resources (tenant_id, kind, name);

-- References between resources, one row per referenced id. Deleting the referencing resource
-- removes its rows; a referenced resource cannot be deleted while a row points at it (the
-- inventory applies the cascade rules first). Both keys carry the tenant, so no reference can
-- cross tenants.
CREATE TABLE inv_refs (
    tenant_id TEXT NOT NULL,
    from_id   TEXT NOT NULL,
    ref       TEXT NOT NULL,
    to_id     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, from_id, ref, to_id),
    FOREIGN KEY (tenant_id, from_id) REFERENCES inv_resources (tenant_id, resource_id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, to_id) REFERENCES inv_resources (tenant_id, resource_id)
);
CREATE INDEX inv_refs_to ON inv_refs (tenant_id, to_id, ref);

-- Unique keys of a kind (a host's uuid): one row per non-empty value.
CREATE TABLE inv_keys (
    tenant_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    key_name    TEXT NOT NULL,
    key_value   TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, kind, key_name, key_value),
    FOREIGN KEY (tenant_id, resource_id) REFERENCES inv_resources (tenant_id, resource_id) ON DELETE CASCADE
);

-- The tenant's revision: incremented by every change, under its row lock, so revisions follow
-- commit order.
CREATE TABLE inv_revisions (
    tenant_id TEXT   NOT NULL PRIMARY KEY,
    revision  BIGINT NOT NULL
);

-- The change log subscribers resume from.
CREATE TABLE inv_changes (
    tenant_id   TEXT     NOT NULL,
    revision    BIGINT   NOT NULL,
    kind        TEXT     NOT NULL,
    resource_id TEXT     NOT NULL,
    operation   SMALLINT NOT NULL,
    changed_us  BIGINT   NOT NULL,
    PRIMARY KEY (tenant_id, revision)
);

-- +goose Down
DROP TABLE inv_changes;
DROP TABLE inv_revisions;
DROP TABLE inv_keys;
DROP TABLE inv_refs;
DROP TABLE inv_resources;
