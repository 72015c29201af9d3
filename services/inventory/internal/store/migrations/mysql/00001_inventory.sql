-- +goose Up
-- See the PostgreSQL migration for what each table holds. Tenant-scoped tables are <name>_all;
-- the storage provider creates the tenant views.
CREATE TABLE inv_resources_all (
    tenant_id   VARCHAR(64)  NOT NULL,
    resource_id VARCHAR(64)  NOT NULL,
    kind        VARCHAR(32)  NOT NULL,
    name        VARCHAR(255) NOT NULL DEFAULT '',
    revision    BIGINT       NOT NULL,
    created_us  BIGINT       NOT NULL,
    updated_us  BIGINT       NOT NULL,
    body        JSON         NOT NULL,
    PRIMARY KEY (tenant_id, resource_id),
    KEY inv_resources_kind (tenant_id, kind, resource_id),
    KEY inv_resources_kind_name (tenant_id, kind, name)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE inv_refs_all (
    tenant_id VARCHAR(64) NOT NULL,
    from_id   VARCHAR(64) NOT NULL,
    ref       VARCHAR(64) NOT NULL,
    to_id     VARCHAR(64) NOT NULL,
    PRIMARY KEY (tenant_id, from_id, ref, to_id),
    KEY inv_refs_to (tenant_id, to_id, ref),
    CONSTRAINT inv_refs_from FOREIGN KEY (tenant_id, from_id) REFERENCES inv_resources_all (tenant_id, resource_id) ON DELETE CASCADE,
    CONSTRAINT inv_refs_to FOREIGN KEY (tenant_id, to_id) REFERENCES inv_resources_all (tenant_id, resource_id)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE inv_keys_all (
    tenant_id   VARCHAR(64)  NOT NULL,
    kind        VARCHAR(32)  NOT NULL,
    key_name    VARCHAR(32)  NOT NULL,
    key_value   VARCHAR(255) NOT NULL,
    resource_id VARCHAR(64)  NOT NULL,
    PRIMARY KEY (tenant_id, kind, key_name, key_value),
    CONSTRAINT inv_keys_resource FOREIGN KEY (tenant_id, resource_id) REFERENCES inv_resources_all (tenant_id, resource_id) ON DELETE CASCADE
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE inv_revisions_all (
    tenant_id VARCHAR(64) NOT NULL PRIMARY KEY,
    revision  BIGINT      NOT NULL
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE inv_changes_all (
    tenant_id   VARCHAR(64) NOT NULL,
    revision    BIGINT      NOT NULL,
    kind        VARCHAR(32) NOT NULL,
    resource_id VARCHAR(64) NOT NULL,
    operation   SMALLINT    NOT NULL,
    changed_us  BIGINT      NOT NULL,
    PRIMARY KEY (tenant_id, revision)
) DEFAULT CHARSET = utf8mb4;

-- +goose Down
DROP TABLE inv_changes_all;
DROP TABLE inv_revisions_all;
DROP TABLE inv_keys_all;
DROP TABLE inv_refs_all;
DROP TABLE inv_resources_all;
