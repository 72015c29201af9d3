-- +goose Up
-- The projects (tenants): not tenant-scoped, every process reads them to resolve names.
CREATE TABLE inv_projects (
    id               TEXT   PRIMARY KEY,
    name             TEXT   NOT NULL UNIQUE,
    description      TEXT   NOT NULL DEFAULT '',
    status_message   TEXT   NOT NULL DEFAULT '',
    status_indicator TEXT   NOT NULL DEFAULT '',
    created_us       BIGINT NOT NULL,
    updated_us       BIGINT NOT NULL
);

-- +goose Down
DROP TABLE inv_projects;
