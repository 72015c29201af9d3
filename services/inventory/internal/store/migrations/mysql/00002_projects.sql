-- +goose Up
-- The projects (tenants): not tenant-scoped, every process reads them to resolve names.
CREATE TABLE inv_projects (
    id               VARCHAR(64)   NOT NULL PRIMARY KEY,
    name             VARCHAR(63)   NOT NULL,
    description      VARCHAR(1024) NOT NULL DEFAULT '',
    status_message   VARCHAR(1024) NOT NULL DEFAULT '',
    status_indicator VARCHAR(64)   NOT NULL DEFAULT '',
    created_us       BIGINT        NOT NULL,
    updated_us       BIGINT        NOT NULL,
    UNIQUE KEY inv_projects_name (name)
) DEFAULT CHARSET = utf8mb4;

-- +goose Down
DROP TABLE inv_projects;
